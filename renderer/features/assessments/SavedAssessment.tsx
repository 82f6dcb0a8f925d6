/**
 * A saved assessment, read-only, on its scan: the outline, lid and tissue map as saved, the saved
 * figures (with the head-to-toe measure and the head direction it was measured along), the charted
 * details, who measured it and when, and whether it is signed off or void. A doctor signs it off
 * from here (after reading it, with a confirmation and an optional comment); a nurse or doctor voids
 * a wrong one before sign-off, with a reason.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Badge, Button, Grid, Group, Loader, Paper, ScrollArea, Stack, Switch, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Assessment } from '../../../common/assessments';
import type { Scan } from '../../../common/scans';
import { formatDateTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { AssessmentOverlay, type OverlayData } from '../../viewer/AssessmentOverlay';
import { ScanViewer, type Vec3Tuple } from '../../viewer/ScanViewer';
import { DepthLegend, VIEW_HEIGHT } from './AssessPanel';
import { ConfirmDialog, escapeHandledElsewhere } from './ConfirmDialog';
import { DetailsView } from './DetailsForm';
import { FiguresTable, METHOD_LABELS } from './Figures';
import { centroid } from './outline-edit';
import { TissueLegend } from './TissueTools';
import { useLiveMeasure } from './useLiveMeasure';
import { useAnnotations } from '../annotations/useAnnotations';
import { VisitReport } from '../reports/VisitReport';


/** Signed, void or waiting, in words (the history's column and the view's header). */
export function AssessmentStatus({ a }: { a: Assessment }) {
  if (a.voided) {
    return (
      <Stack gap={0} data-testid="assessment-status">
        <Badge color="gray" variant="filled">Voided</Badge>
        <Text size="xs" c="dimmed">by {a.voided.by?.displayName ?? 'unknown'}, {formatDateTime(a.voided.at)}: {a.voided.reason}</Text>
      </Stack>
    );
  }
  if (a.signedOffBy && a.signedOffAt !== null) {
    return (
      <Stack gap={0} data-testid="assessment-status">
        <Badge color="teal" variant="light">Signed off by {a.signedOffBy.displayName}</Badge>
        <Text size="xs" c="dimmed">on {formatDateTime(a.signedOffAt)}</Text>
        {a.signOffComment && <Text size="xs" style={{ whiteSpace: 'pre-wrap' }} data-testid="signoff-comment">“{a.signOffComment}”</Text>}
      </Stack>
    );
  }
  return <Text size="xs" c="dimmed" data-testid="assessment-status">Awaiting a doctor’s sign-off</Text>;
}

export interface SavedAssessmentProps {
  scan: Scan;
  url: string;
  assessmentId: string;
  canSignOff: boolean;
  canVoid: boolean;
  /** Doctors: the visit's signed PDF report. */
  canExport?: boolean;
  onDirtyChange?(dirty: boolean): void;
  onRequestClose?(): void;
}

export function SavedAssessment({ scan, url, assessmentId, canSignOff, canVoid, canExport = false, onDirtyChange, onRequestClose }: SavedAssessmentProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = useQuery(trpc.assessments.get.queryOptions({ id: assessmentId }));
  const a = query.data;
  const [comment, setComment] = useState('');
  const [confirmSignOff, setConfirmSignOff] = useState(false);
  const [voiding, setVoiding] = useState(false);
  const [reason, setReason] = useState('');
  const [showTissue, setShowTissue] = useState(true);
  const [showDepth, setShowDepth] = useState(false);
  const annotations = useAnnotations(scan.id, scan.woundId, canVoid);
  const viewer = useRef<HTMLDivElement | null>(null);
  const refresh = (next: Assessment) => {
    queryClient.setQueryData(trpc.assessments.get.queryKey({ id: next.id }), next);
    void queryClient.invalidateQueries(trpc.assessments.listByWound.queryFilter({ woundId: next.woundId }));
  };
  const signOff = useMutation(trpc.assessments.signOff.mutationOptions({ onSuccess: (next) => { setConfirmSignOff(false); setComment(''); refresh(next); } }));
  const voidIt = useMutation(trpc.assessments.void.mutationOptions({ onSuccess: (next) => { setVoiding(false); setReason(''); refresh(next); } }));

  const outline = useMemo(() => a?.outline ?? [], [a]);
  const centre = useMemo(() => centroid(outline), [outline]);
  const bodyAxis = a?.bodyAxis ?? undefined;
  const tissuePaint = useMemo(() => a?.tissuePaint ?? [], [a]);
  const { result } = useLiveMeasure(scan.id, { outline, bodyAxis, tissuePaint });
  const head = useMemo<Vec3Tuple | null>(() => (bodyAxis && centre ? [centre[0] + bodyAxis[0], centre[1] + bodyAxis[1], centre[2] + bodyAxis[2]] : null), [bodyAxis, centre]);

  const open = !!a && !a.signedOffAt && !a.voided;
  const unsaved = comment.trim().length > 0 || reason.trim().length > 0;
  useEffect(() => {
    onDirtyChange?.(unsaved);
  }, [unsaved, onDirtyChange]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || escapeHandledElsewhere(e)) return;
      e.preventDefault();
      if (annotations.escape()) return;
      onRequestClose?.();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  });

  const overlay: OverlayData = useMemo(
    () => ({
      outline,
      selected: null,
      handles: false,
      lid: result ? result.lid : null,
      depth: showDepth && result ? { positions: result.depth.positions, depthMm: result.depth.depthMm, max: Math.max(result.depth.max, result.figures.max_depth_mm) } : null,
      tissue: showTissue && result ? { positions: result.depth.positions, classes: result.depth.tissue } : null,
      head: head && centre ? { from: centre, to: head } : null,
    }),
    [outline, result, showDepth, showTissue, head, centre],
  );

  if (query.isPending) return <Loader aria-label="Opening the assessment" />;
  if (query.isError || !a) return <Alert color="red" title="The assessment could not be opened">{messageOf(query.error)}</Alert>;
  const legend = showTissue && result && result.figures.tissue_pct ? <TissueLegend figures={a.figures} /> : showDepth && result ? <DepthLegend maxMm={Math.max(result.depth.max, a.figures.max_depth_mm)} /> : null;

  return (
    <Grid gap="md">
      <Grid.Col span={8}>
        <div ref={viewer}>
          <ScanViewer key={url} url={url} height={VIEW_HEIGHT} overlay={<><AssessmentOverlay data={overlay} /><AssessmentOverlay data={annotations.overlay} /></>} legend={legend} {...(annotations.editor ? { editor: annotations.editor } : {})} />
        </div>
      </Grid.Col>
      <Grid.Col span={4}>
        <Stack gap="xs" h={VIEW_HEIGHT + 52} data-testid="saved-assessment">
          <Group justify="space-between" align="flex-start">
            <Title order={4}>Saved assessment</Title>
            <Badge variant="outline">Read-only</Badge>
          </Group>
          <ScrollArea style={{ flex: 1 }} offsetScrollbars type="auto">
            <Stack gap="xs">
              <Paper withBorder p="xs" data-testid="saved-who">
                <Text size="sm">Scan captured <b>{formatDateTime(a.measuredAt)}</b>{a.scan ? ` (${a.scan.format.toUpperCase()})` : ''}</Text>
                <Text size="sm">Saved {formatDateTime(a.savedAt)} by <b>{a.measuredBy?.displayName ?? 'unknown'}</b></Text>
                <Text size="sm">{METHOD_LABELS[a.method]}{a.modelVersion ? ` · ${a.modelVersion}` : ''}</Text>
                <AssessmentStatus a={a} />
              </Paper>
              <Paper withBorder p="xs">
                <Text fw={600} size="sm" mb={4}>Measures as saved</Text>
                <FiguresTable figures={a.figures} testId="saved-figures" />
                {a.figures.head_to_toe_length_cm === null ? (
                  <Text size="xs" c="dimmed">No head direction was marked: length and width are the wound’s own longest extents.</Text>
                ) : (
                  <Text size="xs" c="dimmed">Head-to-toe measured along the direction marked on the scan (magenta line).</Text>
                )}
              </Paper>
              <Group gap="md">
                <Switch size="xs" label="Tissue map" checked={showTissue} onChange={(e) => setShowTissue(e.currentTarget.checked)} />
                <Switch size="xs" label="Depth colours" checked={showDepth} onChange={(e) => setShowDepth(e.currentTarget.checked)} />
              </Group>
              <Paper withBorder p="xs">
                <Text fw={600} size="sm" mb={4}>Details</Text>
                <DetailsView details={a.details} />
              </Paper>
              <Paper withBorder p="xs">
                <Text fw={600} size="sm" mb={4}>Annotations</Text>
                {annotations.panel}
              </Paper>
              {canExport && !a.voided && (
                <VisitReport
                  assessmentId={a.id}
                  canvas={() => viewer.current?.querySelector('canvas') ?? null}
                  caption={() => `3D view of the scan of ${formatDateTime(a.measuredAt)}: outline${showDepth ? ', depth colours' : ''}${showTissue ? ', tissue map' : ''}`}
                />
              )}
            </Stack>
          </ScrollArea>
          <Stack gap={6} data-testid="signoff-footer">
            {canSignOff && open && (
              <>
                <Textarea size="xs" label="Comment (optional)" autosize minRows={1} maxRows={3} value={comment} onChange={(e) => setComment(e.currentTarget.value)} maxLength={1000} />
                <Button onClick={() => setConfirmSignOff(true)} disabled={signOff.isPending}>Sign off</Button>
              </>
            )}
            {canVoid && open && (
              <Button variant="default" color="red" onClick={() => setVoiding(true)} disabled={voidIt.isPending}>Void this assessment…</Button>
            )}
            {signOff.isError && <Alert color="red" title="Not signed off" p="xs">{messageOf(signOff.error)}</Alert>}
            {signOff.isSuccess && a.signedOffAt !== null && (
              <Alert color="teal" title="Signed off" data-testid="signed-off" p="xs">Signed off by {a.signedOffBy?.displayName} on {formatDateTime(a.signedOffAt)}.</Alert>
            )}
            {voidIt.isSuccess && a.voided && <Alert color="gray" title="Voided" data-testid="voided" p="xs">Kept in the history as voided: {a.voided.reason}</Alert>}
          </Stack>
        </Stack>
      </Grid.Col>

      <ConfirmDialog
        opened={confirmSignOff}
        title="Sign off this assessment?"
        confirmLabel="Sign off"
        pending={signOff.isPending}
        onCancel={() => setConfirmSignOff(false)}
        onConfirm={() => signOff.mutate({ id: a.id, ...(comment.trim() ? { comment: comment.trim() } : {}) })}
      >
        <Text size="sm">
          Area {a.figures.area_cm2.toFixed(2)} cm², measured by {a.measuredBy?.displayName ?? 'unknown'} on the scan of {formatDateTime(a.measuredAt)}. Once signed off it cannot be changed or voided.
        </Text>
        {comment.trim() && <Text size="sm">Your comment: “{comment.trim()}”</Text>}
        {signOff.isError && <Alert color="red" p="xs">{messageOf(signOff.error)}</Alert>}
      </ConfirmDialog>
      <ConfirmDialog
        opened={voiding}
        title="Void this assessment?"
        confirmLabel="Void assessment"
        color="red"
        pending={voidIt.isPending}
        confirmDisabled={reason.trim().length < 3}
        onCancel={() => setVoiding(false)}
        onConfirm={() => voidIt.mutate({ id: a.id, reason: reason.trim() })}
      >
        <Text size="sm">It stays in the wound’s history, marked void with your reason, and counts nowhere. Only an assessment that is not signed off can be voided.</Text>
        <Textarea label="Reason" required autosize minRows={2} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={500} error={voidIt.isError ? messageOf(voidIt.error) : undefined} data-autofocus />
      </ConfirmDialog>
    </Grid>
  );
}
