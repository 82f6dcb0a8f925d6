/**
 * Assess a wound on an open scan: draw the outline on the 3D surface (or let the model find it),
 * see every figure update as the outline changes, the lid and the depth heat map, and save the
 * assessment. The figures shown are always the server's; saving re-measures there.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Badge, Button, Grid, Group, Kbd, Loader, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { MEASURE_ERROR_WORDS, type Assessment, type AssessmentMethod, type MeasureResult } from '../../../common/assessments';
import type { Scan } from '../../../common/scans';
import { appCodeOf, messageOf } from '../../lib/forms';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { AssessmentOverlay, heatColour, type OverlayData } from '../../viewer/AssessmentOverlay';
import { ScanViewer, type OutlineEditor, type Vec3Tuple } from '../../viewer/ScanViewer';
import { viewerStore } from '../../viewer/viewer-store';
import { FiguresTable, METHOD_LABELS } from './Figures';

const MEASURE_DEBOUNCE_MS = 350;

type Live = { kind: 'idle' } | { kind: 'measuring'; previous: MeasureResult | null } | { kind: 'ready'; result: MeasureResult } | { kind: 'error'; code: string | undefined; message: string };

/** The depth legend: the heat map's colours from 0 mm to the deepest point. */
function DepthLegend({ maxMm }: { maxMm: number }) {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => `rgb(${heatColour(t).map(Math.round).join(',')}) ${t * 100}%`).join(', ');
  return (
    <Stack gap={2} data-testid="depth-legend" w={150}>
      <Text size="xs" c="white">Depth below lid</Text>
      <div style={{ height: 10, borderRadius: 2, background: `linear-gradient(to right, ${stops})` }} />
      <Group justify="space-between">
        <Text size="xs" c="white">0 mm</Text>
        <Text size="xs" c="white" data-testid="depth-legend-max">{maxMm.toFixed(1)} mm</Text>
      </Group>
    </Stack>
  );
}

export interface AssessPanelProps {
  scan: Scan;
  /** Viewer URL of the scan's octree (changes after a save rebuilds it). */
  url: string;
  canWrite: boolean;
  /** A saved assessment to show (its outline and figures). */
  initial?: Assessment | null;
  onSaved?(assessment: Assessment): void;
}

/** The mean of the outline's vertices, or null for fewer than 3. */
function centroid(outline: Vec3Tuple[]): Vec3Tuple | null {
  if (outline.length < 3) return null;
  const c: Vec3Tuple = [0, 0, 0];
  for (const v of outline) for (let a = 0; a < 3; a++) c[a] = c[a]! + v[a]! / outline.length;
  return c;
}

export function AssessPanel({ scan, url, canWrite, initial, onSaved }: AssessPanelProps) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [outline, setOutline] = useState<Vec3Tuple[]>(() => initial?.outline ?? []);
  const [method, setMethod] = useState<AssessmentMethod>(initial?.method ?? 'manual');
  const [modelVersion, setModelVersion] = useState<string | null>(initial?.modelVersion ?? null);
  const [drawing, setDrawing] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const [measured, setMeasured] = useState<{ outline: Vec3Tuple[]; bodyAxis: Vec3Tuple | undefined; live: Live } | null>(null);
  const [lastResult, setLastResult] = useState<MeasureResult | null>(null);
  const [showLid, setShowLid] = useState(true);
  const [showDepth, setShowDepth] = useState(true);
  const [saved, setSaved] = useState<{ assessment: Assessment; octreeUpdated: boolean } | null>(null);
  /** A point on the scan towards the patient's head: the body axis runs from the outline's centre to it. */
  const [head, setHead] = useState<Vec3Tuple | null>(null);
  const [markingHead, setMarkingHead] = useState(false);
  const seq = useRef(0);
  const centre = useMemo(() => centroid(outline), [outline]);
  const bodyAxis = useMemo<Vec3Tuple | undefined>(() => (head && centre ? [head[0] - centre[0], head[1] - centre[1], head[2] - centre[2]] : undefined), [head, centre]);

  /** Any change to a model's outline makes it an edited one. */
  const edit = useCallback((next: (o: Vec3Tuple[]) => Vec3Tuple[]) => {
    setOutline(next);
    setMethod((m) => (m === 'automatic' ? 'edited' : m));
    setSaved(null);
  }, []);

  // Live figures: debounced; each answer is kept with the outline it is for, so a stale one never shows.
  useEffect(() => {
    if (outline.length < 3) return;
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      client.assessments.measure.mutate({ scanId: scan.id, outline, ...(bodyAxis ? { bodyAxis } : {}) }).then(
        (result) => {
          if (mine !== seq.current) return;
          setMeasured({ outline, bodyAxis, live: { kind: 'ready', result } });
          setLastResult(result);
        },
        (error: unknown) => mine === seq.current && setMeasured({ outline, bodyAxis, live: { kind: 'error', code: appCodeOf(error), message: messageOf(error) } }),
      );
    }, MEASURE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [outline, bodyAxis, scan.id, client]);
  const measuredFor = measured && measured.outline === outline && measured.bodyAxis === bodyAxis;
  const live: Live = outline.length < 3 ? { kind: 'idle' } : measuredFor ? measured.live : { kind: 'measuring', previous: lastResult };

  const result = live.kind === 'ready' ? live.result : live.kind === 'measuring' ? live.previous : null;
  const overlay: OverlayData = useMemo(
    () => ({
      outline,
      selected,
      lid: showLid && result ? result.lid : null,
      depth: showDepth && result ? { positions: result.depth.positions, depthMm: result.depth.depthMm, max: Math.max(result.depth.max, result.figures.max_depth_mm) } : null,
      head: head && centre ? { from: centre, to: head } : null,
    }),
    [outline, selected, result, showLid, showDepth, head, centre],
  );

  const editor: OutlineEditor | undefined = canWrite
    ? {
        vertices: outline,
        drawing: drawing || markingHead,
        onAdd: (p) => {
          if (markingHead) {
            setHead(p);
            setMarkingHead(false);
            setSaved(null);
            return;
          }
          edit((o) => [...o, p]);
          setSelected(outline.length);
        },
        onMove: (i, p) => edit((o) => o.map((v, k) => (k === i ? p : v))),
        onSelect: setSelected,
      }
    : undefined;

  const save = useMutation(
    trpc.assessments.save.mutationOptions({
      onSuccess: (out) => {
        setSaved(out);
        void queryClient.invalidateQueries(trpc.assessments.listByWound.queryFilter({ woundId: scan.woundId }));
        // The octree now carries depth_mm and wound_label: reopen the viewer on the new files.
        void queryClient.invalidateQueries(trpc.scans.fileUrl.queryFilter({ id: scan.id }));
        void queryClient.invalidateQueries(trpc.scans.listByWound.queryFilter({ woundId: scan.woundId }));
        onSaved?.(out.assessment);
      },
    }),
  );

  const [found, setFound] = useState<{ provider: string; model: string; points: number } | null>(null);
  const findWound = useMutation(
    trpc.analysis.findWound.mutationOptions({
      onSuccess: (r) => {
        setOutline(r.outline);
        setMethod('automatic');
        setModelVersion(`${r.model.name} ${r.model.version}`);
        setSelected(null);
        setSaved(null);
        setDrawing(false);
        setFound({ provider: r.provider, model: `${r.model.name} ${r.model.version}`, points: r.woundPointCount });
      },
    }),
  );

  const undo = () => {
    edit((o) => o.slice(0, -1));
    setSelected(null);
  };
  const clear = () => {
    setOutline([]);
    setMethod('manual');
    setModelVersion(null);
    setSelected(null);
    setSaved(null);
  };

  // Keyboard: Ctrl/Cmd+Z undoes the last vertex while drawing, Escape stops drawing.
  useEffect(() => {
    if (!drawing && !markingHead) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'z') {
        e.preventDefault();
        undo();
      } else if (e.key === 'Escape') {
        setDrawing(false);
        setMarkingHead(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const errorWords = live.kind === 'error' ? (live.code && MEASURE_ERROR_WORDS[live.code]) || 'The outline cannot be measured.' : null;

  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, lg: 8 }}>
        <ScanViewer
          key={url}
          url={url}
          overlay={<AssessmentOverlay data={overlay} />}
          {...(editor ? { editor } : {})}
          legend={showDepth && result && result.depth.depthMm.length > 0 ? <DepthLegend maxMm={Math.max(result.depth.max, result.figures.max_depth_mm)} /> : null}
        />
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 4 }}>
        <Stack gap="sm" data-testid="assess-panel">
          <Title order={4}>Assess wound</Title>
          {canWrite && (
            <Paper withBorder p="sm">
              <Stack gap="xs">
                <Button size="xs" onClick={() => findWound.mutate({ scanId: scan.id })} loading={findWound.isPending} disabled={findWound.isPending}>
                  Find wound
                </Button>
                {findWound.isPending && <Text size="xs" c="dimmed">The wound model is looking at the scan…</Text>}
                {findWound.isError && <Alert color="orange" title="No outline from the model" data-testid="find-wound-error">{messageOf(findWound.error)}</Alert>}
                {found && (
                  <Text size="xs" data-testid="found-by">
                    Found by {found.model} on {found.provider.toUpperCase()} ({found.points.toLocaleString()} wound points)
                  </Text>
                )}
                <Group gap="xs">
                  <Button size="xs" variant={drawing ? 'filled' : 'light'} onClick={() => { setMarkingHead(false); setDrawing((d) => !d); }} aria-pressed={drawing}>
                    {drawing ? 'Stop drawing' : 'Draw outline'}
                  </Button>
                  <Button size="xs" variant="default" onClick={undo} disabled={outline.length === 0}>Undo last point</Button>
                  <Button size="xs" variant="default" color="red" onClick={clear} disabled={outline.length === 0}>Clear</Button>
                </Group>
                <Group gap="xs">
                  <Button size="xs" variant={markingHead ? 'filled' : 'light'} color="grape" onClick={() => { setDrawing(false); setMarkingHead((m) => !m); }} aria-pressed={markingHead}>
                    {markingHead ? 'Cancel head direction' : head ? 'Mark head direction again' : 'Mark head direction'}
                  </Button>
                  {head && !markingHead && (
                    <Button size="xs" variant="default" onClick={() => { setHead(null); setSaved(null); }}>Clear head direction</Button>
                  )}
                </Group>
                <Text size="xs" c="dimmed" data-testid="assess-hint">
                  {markingHead ? (
                    'Click on the skin a little way from the wound, towards the patient’s head: length and width are then also given head-to-toe and across.'
                  ) : drawing ? (
                    <>Click on the scan to place points around the wound edge; drag a point to move it. <Kbd>Ctrl</Kbd>+<Kbd>Z</Kbd> undoes, <Kbd>Esc</Kbd> stops.</>
                  ) : outline.length > 0 ? (
                    'Drag a point to move it, or choose Draw outline to add more.'
                  ) : (
                    'Choose Draw outline and click around the wound edge on the scan.'
                  )}
                </Text>
                <Group gap="xs">
                  <Text size="sm">Points: <span data-testid="outline-count">{outline.length}</span></Text>
                  <Badge variant="light" data-testid="assessment-method">{METHOD_LABELS[method]}</Badge>
                </Group>
              </Stack>
            </Paper>
          )}

          <Paper withBorder p="sm" data-testid="live-figures">
            <Group justify="space-between" mb={4}>
              <Text fw={600} size="sm">Measures</Text>
              {live.kind === 'measuring' && <Loader size="xs" aria-label="Measuring" />}
            </Group>
            {live.kind === 'idle' && <Text size="sm" c="dimmed">Place at least 3 points to see the area, depth and volume.</Text>}
            {live.kind === 'error' && (
              <Alert color="orange" title={errorWords} data-testid="measure-error">
                {live.message}
              </Alert>
            )}
            {live.kind !== 'error' && result && <FiguresTable figures={result.figures} />}
            {live.kind === 'measuring' && !result && <Text size="sm" c="dimmed">Measuring…</Text>}
          </Paper>

          <Group gap="md">
            <Switch size="xs" label="Lid" checked={showLid} onChange={(e) => setShowLid(e.currentTarget.checked)} />
            <Switch size="xs" label="Depth colours" checked={showDepth} onChange={(e) => setShowDepth(e.currentTarget.checked)} />
          </Group>

          {canWrite && (
            <Button
              onClick={() => save.mutate({ scanId: scan.id, outline, method, ...(modelVersion ? { modelVersion } : {}), ...(bodyAxis ? { bodyAxis } : {}) })}
              disabled={live.kind !== 'ready' || save.isPending}
              loading={save.isPending}
            >
              Save assessment
            </Button>
          )}
          {save.isError && <Alert color="red" title="Not saved">{messageOf(save.error)}</Alert>}
          {saved && (
            <Alert color="teal" title="Assessment saved" data-testid="assessment-saved">
              <Stack gap={6}>
                <Text size="sm">Area {saved.assessment.figures.area_cm2.toFixed(2)} cm² · volume {saved.assessment.figures.volume_cm3.toFixed(2)} cm³, measured by {saved.assessment.measuredBy?.displayName ?? 'you'}.</Text>
                {saved.octreeUpdated ? (
                  <Button size="xs" variant="light" onClick={() => viewerStore.set({ colorMode: 'attribute', attribute: 'depth_mm' })}>Colour the scan by depth</Button>
                ) : (
                  <Text size="xs" c="dimmed">The scan’s depth colours could not be updated; the assessment is saved.</Text>
                )}
              </Stack>
            </Alert>
          )}
        </Stack>
      </Grid.Col>
    </Grid>
  );
}
