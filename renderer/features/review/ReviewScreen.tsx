/**
 * A doctor's review of one wound: the healing figures from the baseline (percent area reduction,
 * the 4-week check against the etiology's threshold as decision support, Gilman's and the volume
 * healing rate), the predicted course, the trend charts, the timeline of every scan and assessment
 * version, and two visits compared in 3D. Sign-off (the read-only assessment) and amendments of a
 * signed assessment open from the timeline, in a window over the screen.
 */
import { useCallback, useRef, useState } from 'react';
import { Alert, Badge, Button, Group, Loader, Modal, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Assessment } from '../../../common/assessments';
import type { Permission } from '../../../common/permissions';
import type { ParAtDayView, ThresholdCheckView, WoundReview } from '../../../common/review';
import type { Scan } from '../../../common/scans';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { AssessPanel } from '../assessments/AssessPanel';
import { ConfirmDialog } from '../assessments/ConfirmDialog';
import { SavedAssessment } from '../assessments/SavedAssessment';
import { ETIOLOGY_LABELS } from '../patients/WoundForm';
import { CompareView } from './CompareView';
import { dateOf, pct, rate, weekOf } from './format';
import { Timeline } from './Timeline';
import { TrendCharts } from './TrendCharts';

const OUTCOME: Record<ThresholdCheckView['outcome'], { words: string; color: string }> = {
  flag: { words: 'Below the threshold', color: 'red' },
  met: { words: 'Threshold met', color: 'teal' },
  pending: { words: 'Not yet due', color: 'gray' },
  unavailable: { words: 'Cannot be checked', color: 'gray' },
};

/** "43 % at day 28, interpolated between week 2 (…) and week 6 (…)". */
function parWords(p: ParAtDayView): string {
  switch (p.status) {
    case 'visit':
      return `${pct(p.pct)} at the visit on ${weekOf(p.visitDay)}`;
    case 'interpolated':
      return `${pct(p.pct)} at day ${Math.round(p.day)}, interpolated between ${weekOf(p.from.day)} (${p.from.areaCm2.toFixed(2)} cm²) and ${weekOf(p.to.day)} (${p.to.areaCm2.toFixed(2)} cm²)`;
    case 'too-early':
      return `not yet: the latest visit is on ${weekOf(p.latestDay)}`;
    case 'unavailable':
      return p.reason;
  }
}

function Checks({ review }: { review: WoundReview }) {
  return (
    <Paper withBorder p="sm" data-testid="healing-checks">
      <Group justify="space-between" mb={4}>
        <Text fw={600}>Area reduction checks</Text>
        <Badge variant="outline" color="gray">Decision support</Badge>
      </Group>
      <Text size="sm" data-testid="par-4-weeks">
        Area reduction at 4 weeks: <b>{review.par4Weeks ? parWords(review.par4Weeks) : '—'}</b>
      </Text>
      {review.checks.length === 0 && <Text size="xs" c="dimmed">No published threshold for this etiology ({ETIOLOGY_LABELS[review.wound.etiology]}).</Text>}
      {review.checks.map((c) => (
        <Stack key={c.id} gap={0} mt={6} data-testid="threshold-check" data-check={c.id} data-outcome={c.outcome}>
          <Group gap={6}>
            <Badge color={OUTCOME[c.outcome].color} variant={c.outcome === 'flag' ? 'filled' : 'light'} data-testid={c.outcome === 'flag' ? 'four-week-flag' : undefined}>
              {OUTCOME[c.outcome].words}
            </Badge>
            <Text size="sm" fw={500}>{c.label}</Text>
          </Group>
          <Text size="xs">{parWords(c.par)}</Text>
          {c.outcome === 'flag' && <Text size="xs">{c.meaning}</Text>}
          <Text size="xs" c="dimmed">{c.citation}</Text>
        </Stack>
      ))}
      <Text size="xs" c="dimmed" mt={6}>These thresholds come from the studies cited; they inform the clinician’s judgement and decide nothing by themselves.</Text>
    </Paper>
  );
}

function Course({ review }: { review: WoundReview }) {
  const c = review.course;
  const flagged = review.visits.filter((v) => v.flag);
  return (
    <Paper withBorder p="sm" data-testid="predicted-course">
      <Text fw={600} mb={4}>Predicted course</Text>
      {c.status === 'too-few' ? (
        <Text size="sm" c="dimmed">
          {c.healedAt !== null ? `Healed on ${dateOf(c.healedAt)}.` : `The course is fitted from 3 assessments with an area; there ${c.visits === 1 ? 'is 1' : `are ${c.visits}`}.`}
        </Text>
      ) : (
        <Stack gap={2}>
          {c.healedAt !== null && <Text size="sm" fw={500}>Healed on {dateOf(c.healedAt)} (fitted on the visits before it).</Text>}
          {c.closing ? (
            <Text size="sm" data-testid="closure-date">
              Below {review.closureAreaCm2} cm² around <b>{c.closureAt !== null ? dateOf(c.closureAt) : 'more than two years from now'}</b>
              {c.closureEarliestAt !== null ? ` (95 %: ${dateOf(c.closureEarliestAt)} – ${c.closureLatestAt !== null ? dateOf(c.closureLatestAt) : 'later than two years'})` : ''}
            </Text>
          ) : (
            <Text size="sm" c="red.7" fw={600} data-testid="closure-date">Not closing: the fitted area is not shrinking.</Text>
          )}
          <Text size="xs" c="dimmed">
            A(t) = {c.a0Cm2.toFixed(2)} cm² · e^(−{c.kPerDay.toFixed(4)} · day) (± {(1.96 * c.kStdError).toFixed(4)}){c.halfLifeDays !== null ? `; the area halves every ${c.halfLifeDays.toFixed(0)} days` : ''} — {c.visits} visits
          </Text>
        </Stack>
      )}
      {flagged.map((v) => (
        <Alert key={v.assessmentId} color="orange" p="xs" mt={6} data-testid="course-flag">
          {dateOf(v.at)} ({weekOf(v.day)}): {v.areaCm2.toFixed(2)} cm², {v.flag!.direction} than expected ({v.flag!.expectedLowCm2.toFixed(2)}–{v.flag!.expectedHighCm2.toFixed(2)} cm²
          {v.flag!.kind === 'off-course' ? ` from the course of the ${v.flag!.fromVisits} visits before` : ' from the fitted course'}).
        </Alert>
      ))}
    </Paper>
  );
}

function Rates({ review }: { review: WoundReview }) {
  return (
    <Paper withBorder p="sm" data-testid="healing-rates">
      <Text fw={600} mb={4}>Since the baseline</Text>
      <Text size="sm">Area reduction <b>{pct(review.overall.parPct)}</b></Text>
      <Text size="sm">Gilman’s healing rate <b data-testid="gilman-rate">{rate(review.overall.gilmanCmPerWeek)}</b></Text>
      <Text size="xs" c="dimmed">Δarea / mean perimeter per week: how far the edge advances.</Text>
      <Text size="sm">Volume healing rate <b>{rate(review.overall.volumeRateCmPerWeek)}</b></Text>
      <Text size="xs" c="dimmed">Δvolume / mean area per week: how fast the bed fills.</Text>
    </Paper>
  );
}

type Window = { kind: 'open'; a: Assessment; scan: Scan } | { kind: 'amend'; a: Assessment; scan: Scan } | { kind: 'compare'; earlier: Scan; later: Scan };

export function ReviewScreen({ woundId, permissions, onBack }: { woundId: string; permissions: Permission[]; onBack(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const review = useQuery(trpc.review.wound.queryOptions({ woundId }));
  const [selected, setSelected] = useState<string[]>([]);
  const [win, setWin] = useState<Window | null>(null);
  const dirty = useRef(false);
  const [askClose, setAskClose] = useState(false);
  const setDirty = useCallback((d: boolean) => {
    dirty.current = d;
  }, []);
  const close = useCallback(() => {
    dirty.current = false;
    setAskClose(false);
    setWin(null);
    void queryClient.invalidateQueries(trpc.review.wound.queryFilter({ woundId }));
  }, [queryClient, trpc, woundId]);
  const requestClose = useCallback(() => (dirty.current ? setAskClose(true) : close()), [close]);
  const baseline = useMutation(trpc.review.setBaseline.mutationOptions({ onSuccess: (next) => queryClient.setQueryData(trpc.review.wound.queryKey({ woundId }), next) }));
  const fileUrl = useQuery({ ...trpc.scans.fileUrl.queryOptions({ id: win && win.kind !== 'compare' ? win.scan.id : '00000000-0000-4000-8000-000000000000' }), enabled: !!win && win.kind !== 'compare', staleTime: 10 * 60_000 });

  if (review.isPending) return <Loader aria-label="Loading the review" />;
  if (review.isError) return <Alert color="red" title="The review could not be opened">{messageOf(review.error)}</Alert>;
  const r = review.data;
  const w = r.wound;
  const scans = r.timeline.flatMap((e) => (e.scan ? [e.scan] : []));
  const pair = selected.map((id) => scans.find((s) => s.id === id)).filter((s): s is Scan => !!s).sort((a, b) => a.capturedAt - b.capturedAt);
  const canSignOff = permissions.includes('assessments.signoff');

  return (
    <Stack data-testid="review-screen">
      <Group>
        <Button variant="subtle" onClick={onBack}>← Back to the patient</Button>
      </Group>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Review · {w.bodySite}{w.laterality ? ` (${w.laterality})` : ''}</Title>
          <Text size="sm" c="dimmed">
            {ETIOLOGY_LABELS[w.etiology]}{w.pressureStage ? ` · stage ${w.pressureStage}` : ''} · {w.status}
            {r.baseline ? ` · baseline ${dateOf(r.baseline.at)}${r.baseline.picked ? ' (picked)' : ' (first assessment)'}` : ' · no assessment yet'}
          </Text>
        </div>
      </Group>
      {baseline.isError && <Alert color="red" title="The baseline was not changed">{messageOf(baseline.error)}</Alert>}
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <Checks review={r} />
        <Course review={r} />
        <Rates review={r} />
      </SimpleGrid>
      <TrendCharts review={r} />
      <Group justify="space-between">
        <Title order={3}>Timeline</Title>
        <Group gap="xs">
          <Text size="sm" c="dimmed">{selected.length < 2 ? `Tick two scans to compare (${selected.length} of 2)` : 'Two scans ticked'}</Text>
          <Button disabled={pair.length !== 2} onClick={() => pair.length === 2 && setWin({ kind: 'compare', earlier: pair[0]!, later: pair[1]! })}>
            Compare in 3D
          </Button>
        </Group>
      </Group>
      {r.timeline.length === 0 ? (
        <Text c="dimmed">No scans of this wound yet.</Text>
      ) : (
        <Timeline
          review={r}
          canAmend={permissions.includes('assessments.amend')}
          canPickBaseline={permissions.includes('review.baseline')}
          canSignOff={canSignOff}
          selected={selected}
          onToggleSelect={(id) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 2 ? s : [...s, id]))}
          onOpen={(a, scan) => {
            dirty.current = false;
            setWin({ kind: 'open', a, scan });
          }}
          onAmend={(a, scan) => {
            dirty.current = false;
            setWin({ kind: 'amend', a, scan });
          }}
          onSetBaseline={(assessmentId) => !baseline.isPending && baseline.mutate({ woundId, assessmentId })}
          baselinePending={baseline.isPending}
        />
      )}
      <Modal
        opened={win !== null}
        onClose={requestClose}
        closeOnEscape={win?.kind === 'compare'}
        closeButtonProps={{ 'aria-label': 'Close review window' }}
        title={
          win?.kind === 'compare'
            ? `Compare ${dateOf(win.earlier.capturedAt)} and ${dateOf(win.later.capturedAt)}`
            : win?.kind === 'amend'
              ? `Amend the assessment of ${dateOf(win.scan.capturedAt)}`
              : win
                ? `Assessment of ${dateOf(win.scan.capturedAt)}`
                : ''
        }
        size="95%"
        yOffset="2vh"
        padding="sm"
      >
        {win?.kind === 'compare' && <CompareView key={`${win.earlier.id}:${win.later.id}`} earlier={win.earlier} later={win.later} onClose={close} />}
        {win && win.kind !== 'compare' && (fileUrl.isPending ? (
          <Loader aria-label="Opening scan" />
        ) : fileUrl.isError ? (
          <Alert color="red">{messageOf(fileUrl.error)}</Alert>
        ) : win.kind === 'open' ? (
          <SavedAssessment key={win.a.id} scan={win.scan} url={fileUrl.data.url} assessmentId={win.a.id} canSignOff={canSignOff} canVoid={permissions.includes('clinical.write')} onDirtyChange={setDirty} onRequestClose={requestClose} />
        ) : (
          <AssessPanel key={win.a.id} scan={win.scan} url={fileUrl.data.url} amend={win.a} onDirtyChange={setDirty} onRequestClose={requestClose} />
        ))}
      </Modal>
      <ConfirmDialog opened={askClose} title="Close without saving?" confirmLabel="Close and discard" cancelLabel="Keep working" color="red" onCancel={() => setAskClose(false)} onConfirm={close}>
        <Text size="sm">What you entered here is not saved. Closing the window discards it.</Text>
      </ConfirmDialog>
    </Stack>
  );
}
