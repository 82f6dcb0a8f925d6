/**
 * The wound's course for someone outside the clinic (doctors): the signed PDF report of the whole
 * course and the FHIR R4 bundle (with that PDF in it). Each button is disabled while its file is made.
 */
import { useState } from 'react';
import { Alert, Button, Checkbox, Group } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { downloadBase64 } from '../../lib/download';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

export function WoundExports({ woundId }: { woundId: string }) {
  const trpc = useTRPC();
  const [shareName, setShareName] = useState(true);
  const course = useMutation(trpc.reports.coursePdf.mutationOptions({ onSuccess: downloadBase64 }));
  const fhir = useMutation(trpc.reports.fhirBundle.mutationOptions({ onSuccess: downloadBase64 }));
  const error = course.error ?? fhir.error;
  return (
    <Group gap="xs" data-testid="wound-exports">
      <Button size="xs" variant="default" loading={course.isPending} disabled={course.isPending} onClick={() => !course.isPending && course.mutate({ woundId, snapshots: [] })}>
        Course report (PDF)
      </Button>
      <Button size="xs" variant="default" loading={fhir.isPending} disabled={fhir.isPending} onClick={() => !fhir.isPending && fhir.mutate({ woundId, includeNameAndBirthDate: shareName })}>
        FHIR bundle
      </Button>
      <Checkbox size="xs" label="Share name and date of birth (MRN always)" checked={shareName} onChange={(e) => setShareName(e.currentTarget.checked)} />
      {error && <Alert color="red" p="xs">{messageOf(error)}</Alert>}
    </Group>
  );
}
