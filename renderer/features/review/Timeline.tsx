/**
 * Every scan of the wound and every assessment on it, on one time axis (oldest left): the scan's
 * picture, its date and week since the baseline, the current assessment's figures and percent
 * area reduction, its sign-off, and its versions (an amendment above the version it replaced,
 * with the reason). The baseline is marked. Doctors pick another baseline, open an assessment to
 * sign it off, or amend a signed one; anyone picks two visits to compare in 3D.
 */
import { Badge, Button, Checkbox, Group, Image, Loader, Paper, ScrollArea, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { Assessment } from '../../../common/assessments';
import type { TimelineEntry, WoundReview } from '../../../common/review';
import type { Scan } from '../../../common/scans';
import { useTRPC } from '../../lib/trpc';
import { DAY_MS, dateOf, pct, weekOf } from './format';

function Thumbnail({ scan }: { scan: Scan }) {
  const trpc = useTRPC();
  const picture = useQuery({ ...trpc.review.thumbnail.queryOptions({ scanId: scan.id }), staleTime: Infinity });
  return (
    <div style={{ width: 200, height: 150, borderRadius: 6, overflow: 'hidden', background: '#18181b', display: 'grid', placeItems: 'center' }}>
      {picture.isPending ? <Loader size="sm" color="gray" aria-label="Drawing the scan" /> : picture.isError ? <Text size="xs" c="gray.4" p="xs">No picture: {picture.error.message}</Text> : <Image src={`data:image/png;base64,${picture.data.png}`} alt={`Scan of ${dateOf(scan.capturedAt)}`} w={200} h={150} data-testid="timeline-thumbnail" />}
    </div>
  );
}

function VersionLine({ a }: { a: Assessment }) {
  return (
    <Stack gap={0} data-testid="assessment-version" data-version={a.version} data-replaced={a.replacedBy ? 'true' : undefined} style={a.replacedBy || a.voided ? { opacity: 0.65 } : undefined}>
      <Group gap={4}>
        <Badge size="xs" variant="outline">v{a.version}</Badge>
        {a.replacedBy && <Badge size="xs" color="gray" variant="light">Replaced by v{a.replacedBy.version}</Badge>}
        {a.voided && <Badge size="xs" color="gray" variant="filled">Voided</Badge>}
        {a.signedOffBy && <Badge size="xs" color="teal" variant="light">Signed · {a.signedOffBy.displayName}</Badge>}
        {!a.signedOffBy && !a.voided && !a.replacedBy && <Badge size="xs" color="yellow" variant="light">Awaiting sign-off</Badge>}
      </Group>
      <Text size="xs" style={a.replacedBy ? { textDecoration: 'line-through' } : undefined}>
        {a.figures.area_cm2.toFixed(2)} cm² · {a.figures.max_depth_mm.toFixed(1)} mm deep · {a.figures.volume_cm3.toFixed(2)} cm³ — {a.measuredBy?.displayName ?? 'unknown'}
      </Text>
      {a.amends && <Text size="xs" c="dimmed" data-testid="amendment-reason">Amends v{a.version - 1}: “{a.amends.reason}”</Text>}
    </Stack>
  );
}

export interface TimelineProps {
  review: WoundReview;
  canAmend: boolean;
  canPickBaseline: boolean;
  canSignOff: boolean;
  selected: string[];
  onToggleSelect(scanId: string): void;
  onOpen(a: Assessment, scan: Scan): void;
  onAmend(a: Assessment, scan: Scan): void;
  onSetBaseline(assessmentId: string | null): void;
  baselinePending: boolean;
}

export function Timeline({ review, canAmend, canPickBaseline, canSignOff, selected, onToggleSelect, onOpen, onAmend, onSetBaseline, baselinePending }: TimelineProps) {
  const baseAt = review.baseline?.at ?? null;
  const parOf = new Map(review.visits.map((v) => [v.assessmentId, v.parPct]));
  const card = (entry: TimelineEntry, index: number) => {
    const current = entry.assessments.find((a) => !a.replacedBy && !a.voided) ?? null;
    const isBaseline = !!current && review.baseline?.assessmentId === current.id;
    const day = baseAt === null ? null : (entry.at - baseAt) / DAY_MS;
    const scan = entry.scan;
    return (
      <Paper key={scan?.id ?? `a-${index}`} withBorder p="xs" w={232} data-testid="timeline-entry" data-baseline={isBaseline ? 'true' : undefined} style={isBaseline ? { borderColor: 'var(--mantine-color-teal-6)', borderWidth: 2 } : undefined}>
        <Stack gap={6}>
          {scan ? <Thumbnail scan={scan} /> : <Text size="xs" c="dimmed">No scan stored</Text>}
          <Group justify="space-between" gap={4}>
            <Text size="sm" fw={600}>{dateOf(entry.at)}</Text>
            {day !== null && <Text size="xs" c="dimmed">{day < -0.5 ? 'before the baseline' : weekOf(day)}</Text>}
          </Group>
          {isBaseline && <Badge color="teal" variant="filled" data-testid="baseline-badge">Baseline{review.baseline?.picked ? ` · picked by ${review.baseline.picked.by?.displayName ?? 'a doctor'}` : ''}</Badge>}
          {current ? (
            <Stack gap={2} data-testid="timeline-figures">
              <Text size="sm" data-figure="area">{current.figures.area_cm2.toFixed(2)} cm²</Text>
              <Text size="xs" c="dimmed">PAR {pct(parOf.get(current.id) ?? null)} · {current.figures.max_depth_mm.toFixed(1)} mm · {current.figures.volume_cm3.toFixed(2)} cm³</Text>
            </Stack>
          ) : (
            <Text size="xs" c="dimmed">Not assessed</Text>
          )}
          {entry.assessments.map((a) => <VersionLine key={a.id} a={a} />)}
          <Group gap={4}>
            {current && scan && (
              <Button size="compact-xs" variant={canSignOff && !current.signedOffBy ? 'filled' : 'default'} onClick={() => onOpen(current, scan)}>
                {canSignOff && !current.signedOffBy ? 'Review and sign off' : 'Open'}
              </Button>
            )}
            {canAmend && current?.signedOffBy && scan && <Button size="compact-xs" variant="light" color="orange" onClick={() => onAmend(current, scan)}>Amend…</Button>}
            {canPickBaseline && current && !isBaseline && (
              <Button size="compact-xs" variant="subtle" disabled={baselinePending} onClick={() => onSetBaseline(current.id)}>Make baseline</Button>
            )}
          </Group>
          {scan && (
            <Checkbox size="xs" label="Compare in 3D" checked={selected.includes(scan.id)} disabled={!selected.includes(scan.id) && selected.length >= 2} onChange={() => onToggleSelect(scan.id)} />
          )}
        </Stack>
      </Paper>
    );
  };
  return (
    <ScrollArea type="auto" offsetScrollbars data-testid="timeline">
      <Group gap="sm" wrap="nowrap" align="stretch" pb="xs">
        {review.timeline.map(card)}
      </Group>
      {review.baseline?.picked && canPickBaseline && (
        <Button size="compact-xs" variant="subtle" mt={4} disabled={baselinePending} onClick={() => onSetBaseline(null)}>Back to the first assessment as baseline</Button>
      )}
    </ScrollArea>
  );
}
