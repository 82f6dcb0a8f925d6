/**
 * Two visits of a wound in 3D: the later scan registered onto the earlier one on the healthy skin
 * (in the compare worker, with live progress), then either side by side with linked cameras — turn
 * one and the other turns with it, through the registration — or overlaid in one view (earlier in
 * amber, later in blue). The change map colours the later wound by how far its surface moved since
 * the earlier visit, with a legend in mm. The fit's RMS, overlap and warnings are shown in words.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, Badge, Button, Grid, Group, Loader, Paper, Progress, SegmentedControl, SimpleGrid, Stack, Switch, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { REGISTRATION_WARNING_WORDS, type CompareJob } from '../../../common/review';
import type { Scan } from '../../../common/scans';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { ChangeLegend, ChangeMapOverlay, type ChangeMapData } from '../../viewer/ChangeMapOverlay';
import { createCameraBus, ScanViewer } from '../../viewer/ScanViewer';
import { dateOf } from './format';

const PHASE_WORDS: Record<CompareJob['phase'], string> = {
  queued: 'Waiting for the worker',
  loading: 'Reading both scans',
  preparing: 'Finding the skin around the wound',
  aligning: 'Trying starting positions',
  refining: 'Aligning the scans on the skin',
  checking: 'Checking the fit',
  'change-map': 'Measuring the change',
  done: 'Done',
  failed: 'The comparison failed',
  cancelled: 'Cancelled',
};
const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const EARLIER_TINT: [number, number, number] = [255, 170, 40];
const LATER_TINT: [number, number, number] = [60, 160, 255];
const VIEW_HEIGHT = 460;

export function CompareView({ earlier, later, onClose }: { earlier: Scan; later: Scan; onClose(): void }) {
  const trpc = useTRPC();
  const [job, setJob] = useState<CompareJob | null>(null);
  const start = useMutation(trpc.review.compare.mutationOptions({ onSuccess: setJob }));
  const cancel = useMutation(trpc.review.cancelCompare.mutationOptions());
  const startMutate = start.mutate;
  useEffect(() => {
    startMutate({ earlierScanId: earlier.id, laterScanId: later.id });
  }, [startMutate, earlier.id, later.id]);
  const jobId = job?.id;
  useSubscription(
    trpc.review.onCompareJob.subscriptionOptions(undefined, {
      enabled: jobId !== undefined,
      onData: (update) => {
        if (update.id === jobId) setJob(update);
      },
    }),
  );
  // The job may finish between starting it and the subscription opening: poll too.
  const polled = useQuery({ ...trpc.review.compareJobs.queryOptions(), enabled: jobId !== undefined && job?.finishedAt === null, refetchInterval: 1000 });
  const latest = polled.data?.find((j) => j.id === jobId);
  const shown = latest && latest.finishedAt !== null && job?.finishedAt === null ? latest : job;
  const done = shown?.phase === 'done';
  const result = useQuery({ ...trpc.review.comparison.queryOptions({ jobId: jobId ?? '00000000-0000-4000-8000-000000000000' }), enabled: done, staleTime: Infinity });
  const earlierUrl = useQuery({ ...trpc.scans.fileUrl.queryOptions({ id: earlier.id }), staleTime: 10 * 60_000 });
  const laterUrl = useQuery({ ...trpc.scans.fileUrl.queryOptions({ id: later.id }), staleTime: 10 * 60_000 });
  const [mode, setMode] = useState<'side' | 'overlay'>('side');
  const [showChange, setShowChange] = useState(false);
  const bus = useMemo(() => createCameraBus(), []);

  const r = result.data;
  const change: ChangeMapData | null = useMemo(() => (r ? { positions: r.change.positions, changeMm: r.change.changeMm, scaleMm: r.change.scaleMm } : null), [r]);
  const changeOverlaid: ChangeMapData | null = useMemo(() => (r && change ? { ...change, matrix: r.laterToEarlier } : null), [r, change]);

  if (start.isError) return <Alert color="red" title="The comparison could not start">{messageOf(start.error)}</Alert>;
  if (!shown || !done || !r || !earlierUrl.data || !laterUrl.data) {
    const failed = shown?.phase === 'failed';
    return (
      <Stack data-testid="compare-progress">
        <Text size="sm">Comparing the scan of {dateOf(earlier.capturedAt)} with the scan of {dateOf(later.capturedAt)}…</Text>
        <Group justify="space-between">
          <Text size="sm" data-testid="compare-phase">{shown ? PHASE_WORDS[shown.phase] : 'Starting'}{shown && shown.finishedAt === null ? ` · ${Math.round(shown.progress * 100)} %` : ''}</Text>
          {shown && shown.finishedAt === null && <Button size="xs" variant="default" onClick={() => cancel.mutate({ jobId: shown.id })} disabled={cancel.isPending}>Cancel</Button>}
        </Group>
        <Progress value={(shown?.progress ?? 0) * 100} color={failed ? 'red' : undefined} animated={!shown?.finishedAt} />
        {failed && <Alert color="red" title="Not compared">{shown.error?.message}</Alert>}
        {shown?.phase === 'cancelled' && <Button variant="default" onClick={onClose}>Close</Button>}
        {result.isError && <Alert color="red">{messageOf(result.error)}</Alert>}
        {done && !r && <Loader size="sm" aria-label="Loading the comparison" />}
      </Stack>
    );
  }
  const legend = showChange ? <ChangeLegend scaleMm={r.change.scaleMm} /> : null;
  const stats = r.change.laterWound;
  return (
    <Stack gap="sm" data-testid="compare-view">
      <Group justify="space-between">
        <SegmentedControl
          aria-label="Layout"
          value={mode}
          onChange={(v) => setMode(v as 'side' | 'overlay')}
          data={[
            { label: 'Side by side', value: 'side' },
            { label: 'Overlay', value: 'overlay' },
          ]}
        />
        <Switch label="Change map" checked={showChange} onChange={(e) => setShowChange(e.currentTarget.checked)} data-testid="change-map-switch" />
      </Group>
      {mode === 'side' ? (
        <Grid gap="sm">
          <Grid.Col span={6} data-testid="compare-earlier">
            <Text size="sm" fw={600}>Earlier · {dateOf(earlier.capturedAt)}</Text>
            <ScanViewer key={`e:${earlierUrl.data.url}`} url={earlierUrl.data.url} height={VIEW_HEIGHT} cameraLink={{ bus, id: 'earlier', toShared: IDENTITY }} />
          </Grid.Col>
          <Grid.Col span={6} data-testid="compare-later">
            <Text size="sm" fw={600}>Later · {dateOf(later.capturedAt)}</Text>
            <ScanViewer
              key={`l:${laterUrl.data.url}`}
              url={laterUrl.data.url}
              height={VIEW_HEIGHT}
              cameraLink={{ bus, id: 'later', toShared: r.laterToEarlier }}
              overlay={showChange && change ? <ChangeMapOverlay data={change} /> : null}
              legend={legend}
            />
          </Grid.Col>
        </Grid>
      ) : (
        <Stack gap={4} data-testid="compare-overlay">
          <Group gap="md">
            <Badge variant="filled" style={{ background: `rgb(${EARLIER_TINT.join(',')})` }}>Earlier · {dateOf(earlier.capturedAt)}</Badge>
            <Badge variant="filled" style={{ background: `rgb(${LATER_TINT.join(',')})` }}>Later · {dateOf(later.capturedAt)}</Badge>
          </Group>
          <ScanViewer
            key={`o:${earlierUrl.data.url}:${laterUrl.data.url}`}
            url={earlierUrl.data.url}
            height={VIEW_HEIGHT + 60}
            tint={EARLIER_TINT}
            companion={{ url: laterUrl.data.url, matrix: r.laterToEarlier, rgb: LATER_TINT }}
            overlay={showChange && changeOverlaid ? <ChangeMapOverlay data={changeOverlaid} /> : null}
            legend={legend}
          />
        </Stack>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="xs" data-testid="registration-quality">
          <Text size="sm" fw={600}>Alignment on the skin around the wound</Text>
          <Text size="sm">RMS <b data-testid="registration-rms">{r.rmsMm.toFixed(2)} mm</b> (the earlier scan’s own scatter: {r.noiseMm.toFixed(2)} mm) · overlap {(100 * r.overlap).toFixed(0)} %</Text>
          <Text size="xs" c="dimmed">Started from {r.start === 'wound-frames' ? 'the two wound outlines' : r.start === 'scan-frames' ? 'the scans’ own coordinates' : 'the scans’ principal axes'}; {r.timings.reduce((s, t) => s + t.ms, 0) > 0 ? `${(r.timings.reduce((s, t) => s + t.ms, 0) / 1000).toFixed(1)} s in the worker` : ''}.</Text>
          {r.warnings.map((w) => (
            <Alert key={w} color="yellow" p="xs" mt={4} data-testid="registration-warning">{REGISTRATION_WARNING_WORDS[w]}</Alert>
          ))}
        </Paper>
        <Paper withBorder p="xs" data-testid="change-summary">
          <Text size="sm" fw={600}>Change of the wound surface</Text>
          {stats ? (
            <>
              <Text size="sm">Median <b data-testid="change-median">{stats.medianMm >= 0 ? '+' : '−'}{Math.abs(stats.medianMm).toFixed(1)} mm</b> over the later wound ({stats.medianMm >= 0 ? 'filled in' : 'deeper'}); 80 % between {stats.p10Mm.toFixed(1)} and {stats.p90Mm.toFixed(1)} mm</Text>
              <Text size="xs" c="dimmed">{(100 * stats.filledShare).toFixed(0)} % filled in by more than 0.5 mm, {(100 * stats.deeperShare).toFixed(0)} % deeper by more than 0.5 mm.</Text>
            </>
          ) : (
            <Text size="sm" c="dimmed">The later scan has no outline: turn on the change map to see the whole surface.</Text>
          )}
          {r.change.earlierWound && <Text size="xs" c="dimmed">Where the earlier wound was: median {r.change.earlierWound.medianMm.toFixed(1)} mm.</Text>}
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}
