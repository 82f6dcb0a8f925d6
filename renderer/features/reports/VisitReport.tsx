/**
 * The visit's signed PDF report (doctors), from the read-only assessment: the 3D view as it is on
 * screen goes in as a snapshot (JPEG from the canvas: outline, lid, depth or tissue colours as
 * shown); "Add this view" keeps up to three views. The button is disabled while the file is made.
 */
import { useState } from 'react';
import { Alert, Button, Group, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { downloadBase64 } from '../../lib/download';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

const MAX_VIEWS = 3;

export function VisitReport({ assessmentId, canvas, caption }: { assessmentId: string; canvas: () => HTMLCanvasElement | null; caption: () => string }) {
  const trpc = useTRPC();
  const [views, setViews] = useState<{ caption: string; dataUrl: string }[]>([]);
  const make = useMutation(trpc.reports.visitPdf.mutationOptions({ onSuccess: downloadBase64 }));
  const capture = () => {
    const c = canvas();
    return c ? { caption: caption(), dataUrl: c.toDataURL('image/jpeg', 0.85) } : null;
  };
  const download = () => {
    if (make.isPending) return;
    const now = views.length ? views : [capture()].filter((v): v is NonNullable<typeof v> => v !== null);
    make.mutate({ assessmentId, snapshots: now });
  };
  return (
    <Group gap="xs" data-testid="visit-report">
      <Button size="xs" variant="default" disabled={views.length >= MAX_VIEWS} onClick={() => setViews((v) => [...v, capture()].filter((x): x is NonNullable<typeof x> => x !== null))}>
        Add this view ({views.length}/{MAX_VIEWS})
      </Button>
      <Button size="xs" loading={make.isPending} disabled={make.isPending} onClick={download}>
        Download PDF report
      </Button>
      <Text size="xs" c="dimmed">Signed by you with the clinic’s certificate.</Text>
      {make.isError && <Alert color="red" p="xs">{messageOf(make.error)}</Alert>}
    </Group>
  );
}
