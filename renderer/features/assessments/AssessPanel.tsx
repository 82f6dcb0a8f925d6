/**
 * Assess a wound on an open scan: draw the outline on the 3D surface (or let the model find it),
 * edit it with undo/redo, see every figure update as it changes, the lid, the depth heat map and
 * the tissue map (repaint what the colours got wrong), chart the clinical details, and save the
 * assessment once however often Save is pressed. The figures shown are always the server's; saving
 * re-measures there.
 *
 * With `amend`, a doctor corrects a signed-off assessment: the panel starts from its outline, head
 * direction, tissue paint and details, and saves the correction as its next version with a reason
 * (the signed version stays in the record, shown as replaced).
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Alert, Badge, Button, Grid, Group, Kbd, Loader, NumberInput, Paper, ScrollArea, Stack, Switch, Tabs, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { EMPTY_DETAILS, MAX_TISSUE_PAINT_STROKES, MEASURE_ERROR_WORDS, assessmentDetailsSchema, type Assessment, type AssessmentDetails, type TissueType } from '../../../common/assessments';
import type { Scan } from '../../../common/scans';
import { issuesToErrors, messageOf, serverFieldErrors, type FieldErrors } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { AssessmentOverlay, heatColour, type OverlayData } from '../../viewer/AssessmentOverlay';
import { ScanViewer, type OutlineEditor, type Vec3Tuple } from '../../viewer/ScanViewer';
import { viewerStore } from '../../viewer/viewer-store';
import { ConfirmDialog, escapeHandledElsewhere } from './ConfirmDialog';
import { DetailsForm } from './DetailsForm';
import { FiguresTable, METHOD_LABELS } from './Figures';
import {
  DEFAULT_OUTLINE_POINTS,
  EMPTY_DOC,
  MAX_SIMPLIFIED_POINTS,
  MIN_SIMPLIFIED_POINTS,
  centroid,
  dragRadius,
  dragVertex,
  editedMethod,
  historyReducer,
  initialHistory,
  simplifyOutline,
  type EditDoc,
} from './outline-edit';
import { TissueLegend, TissueTools } from './TissueTools';
import { useLiveMeasure } from './useLiveMeasure';
import { useAnnotations } from '../annotations/useAnnotations';

/** Height of the 3D view; with the toolbar it fits a 1400 × 900 window beside the panel. */
export const VIEW_HEIGHT = 540;
/** The panel beside the view: tools scroll, the Save button and its confirmation stay put. */
const PANEL_HEIGHT = VIEW_HEIGHT + 52;

/** The depth legend: the heat map's colours from 0 mm to the deepest point. */
export function DepthLegend({ maxMm }: { maxMm: number }) {
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
  onSaved?(assessment: Assessment): void;
  /** Whether there is work that closing would lose (the window asks before closing). */
  onDirtyChange?(dirty: boolean): void;
  /** Esc with no drawing, marking or painting to leave: the window should close (it asks first when there is unsaved work). */
  onRequestClose?(): void;
  /** A signed-off assessment to correct: saving stores an amendment (the next version) with a reason. */
  amend?: Assessment;
}

/** The edit an amendment starts from: the signed version as it was saved. */
function docOf(a: Assessment): EditDoc {
  const c = centroid(a.outline);
  const head: Vec3Tuple | null = a.bodyAxis && c ? [c[0] + a.bodyAxis[0], c[1] + a.bodyAxis[1], c[2] + a.bodyAxis[2]] : null;
  return { outline: a.outline, method: a.method, modelVersion: a.modelVersion, head, tissuePaint: a.tissuePaint };
}

/** Shortest reason an amendment takes (the record's own rule, common/assessments.ts). */
const MIN_REASON = 5;

type Mode = 'none' | 'draw' | 'head' | 'paint';

const sameDetails = (a: AssessmentDetails, b: AssessmentDetails) => JSON.stringify(a) === JSON.stringify(b);
const isTyping = (e: KeyboardEvent) => e.target instanceof HTMLElement && (e.target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName));

export function AssessPanel({ scan, url, onSaved, onDirtyChange, onRequestClose, amend }: AssessPanelProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [startDoc] = useState<EditDoc>(() => (amend ? docOf(amend) : EMPTY_DOC));
  const [startDetails] = useState<AssessmentDetails>(() => amend?.details ?? EMPTY_DETAILS);
  const [history, dispatch] = useReducer(historyReducer, startDoc, (d) => initialHistory(d));
  const doc = history.present;
  /** What was last saved (or the empty start): the work is unsaved when the edit differs from it. */
  const [baseline, setBaseline] = useState<{ doc: EditDoc; details: AssessmentDetails }>({ doc: startDoc, details: startDetails });
  const [reason, setReason] = useState('');
  const [mode, setMode] = useState<Mode>('none');
  const [selected, setSelected] = useState<number | null>(null);
  const [showLid, setShowLid] = useState(true);
  // The bed's own colours first: depth and tissue colours only when asked for.
  const [showDepth, setShowDepth] = useState(false);
  const [showTissue, setShowTissue] = useState(false);
  const [paintTissue, setPaintTissue] = useState<TissueType>('granulation');
  const [brushMm, setBrushMm] = useState(3);
  const [details, setDetails] = useState<AssessmentDetails>(startDetails);
  const [detailErrors, setDetailErrors] = useState<FieldErrors>({});
  const [tab, setTab] = useState<string | null>('outline');
  const [points, setPoints] = useState<number>(DEFAULT_OUTLINE_POINTS);
  /** The model's outline at full resolution, to simplify again to more or fewer points. */
  const [modelOutline, setModelOutline] = useState<Vec3Tuple[] | null>(null);
  const [found, setFound] = useState<{ provider: string; model: string; points: number } | null>(null);
  const [confirmReplace, setConfirmReplace] = useState(false);
  const [saved, setSaved] = useState<{ assessment: Assessment; octreeUpdated: boolean; doc: EditDoc; details: AssessmentDetails } | null>(null);
  /** The request id of the save being made: kept while the edit is unchanged, so a retry or a second click is the same save. */
  const request = useRef<{ id: string; doc: EditDoc; details: AssessmentDetails; inFlight: boolean } | null>(null);

  const centre = useMemo(() => centroid(doc.outline), [doc.outline]);
  const head = doc.head;
  const bodyAxis = useMemo<Vec3Tuple | undefined>(() => (head && centre ? [head[0] - centre[0], head[1] - centre[1], head[2] - centre[2]] : undefined), [head, centre]);
  const annotations = useAnnotations(scan.id, scan.woundId, true);
  const { live, result } = useLiveMeasure(scan.id, { outline: doc.outline, bodyAxis, tissuePaint: doc.tissuePaint });

  const dirty = doc.outline !== baseline.doc.outline || doc.head !== baseline.doc.head || doc.tissuePaint !== baseline.doc.tissuePaint || !sameDetails(details, baseline.details);
  const hasWork = (dirty && (doc.outline.length > 0 || doc.tissuePaint.length > 0 || doc.head !== null || !sameDetails(details, EMPTY_DETAILS))) || (!!amend && reason.trim().length > 0 && !saved);
  useEffect(() => {
    onDirtyChange?.(hasWork);
  }, [hasWork, onDirtyChange]);
  const isSaved = saved !== null && saved.doc === doc && sameDetails(saved.details, details);

  const commit = useCallback((next: EditDoc) => dispatch({ type: 'commit', doc: next }), []);
  const selectedValid = selected !== null && selected < doc.outline.length ? selected : null;

  const undo = () => {
    dispatch({ type: 'undo' });
    setSelected(null);
  };
  const redo = () => {
    dispatch({ type: 'redo' });
    setSelected(null);
  };
  const deleteSelected = () => {
    if (selectedValid === null) return;
    commit({ ...doc, outline: doc.outline.filter((_, k) => k !== selectedValid), method: editedMethod(doc.method) });
    setSelected(null);
  };
  const clear = () => {
    commit({ ...doc, outline: [], method: 'manual', modelVersion: null });
    setModelOutline(null);
    setSelected(null);
  };
  const simplify = (n: number) => {
    const fromModel = doc.method === 'automatic' && modelOutline;
    const source = fromModel ? modelOutline : doc.outline;
    const next = simplifyOutline(source, n);
    if (next.length === doc.outline.length && next.every((v, k) => v === doc.outline[k])) return;
    commit({ ...doc, outline: next, method: fromModel ? 'automatic' : editedMethod(doc.method) });
    setSelected(null);
  };

  const editor: OutlineEditor = {
    vertices: doc.outline,
    drawing: mode === 'draw' || mode === 'head',
    painting: mode === 'paint',
    onAdd: (p) => {
      if (mode === 'head') {
        commit({ ...doc, head: p });
        setMode('none');
        return;
      }
      commit({ ...doc, outline: [...doc.outline, p], method: editedMethod(doc.method) });
      setSelected(doc.outline.length);
    },
    onMove: (i, p) => {
      const start = history.gestureStart ?? doc;
      const from = start.outline[i]!;
      const moved = dragVertex(start.outline, i, p, dragRadius(start.outline, Math.hypot(p[0] - from[0], p[1] - from[1], p[2] - from[2])));
      dispatch({ type: 'preview', doc: { ...start, outline: moved.outline, method: editedMethod(start.method) } });
    },
    onMoveEnd: (i, p, snap) => {
      const start = history.gestureStart ?? doc;
      const from = start.outline[i]!;
      const moved = dragVertex(start.outline, i, p, dragRadius(start.outline, Math.hypot(p[0] - from[0], p[1] - from[1], p[2] - from[2])));
      // The followers were moved in a straight line: put them back on the scanned surface.
      const followers = moved.moved.filter((k) => k !== i);
      const onSurface = snap(followers.map((k) => moved.outline[k]!));
      const outline = moved.outline.map((v, k) => {
        const f = followers.indexOf(k);
        return f >= 0 ? (onSurface[f] ?? v) : v;
      });
      dispatch({ type: 'preview', doc: { ...start, outline, method: editedMethod(start.method) } });
      dispatch({ type: 'settle' });
    },
    onSelect: setSelected,
    onPaint: (p, phase) => {
      if (phase === 'end') {
        dispatch({ type: 'settle' });
        return;
      }
      if (!p) return;
      const current = history.present;
      if (current.tissuePaint.length >= MAX_TISSUE_PAINT_STROKES) return;
      dispatch({ type: 'preview', doc: { ...current, tissuePaint: [...current.tissuePaint, { tissue: paintTissue, centre: p, radiusMm: brushMm }] } });
    },
  };

  const save = useMutation(trpc.assessments.save.mutationOptions());
  const amendment = useMutation(trpc.assessments.amend.mutationOptions());
  const amending = useRef(false);
  const submitAmendment = () => {
    // One amendment per click however fast the second comes (the record allows one per version).
    if (!amend || amending.current || amendment.isPending || saved || live.kind !== 'ready' || reason.trim().length < MIN_REASON) return;
    const parsed = assessmentDetailsSchema.safeParse(details);
    if (!parsed.success) {
      setDetailErrors(issuesToErrors(parsed.error.issues));
      setTab('details');
      return;
    }
    amending.current = true;
    const savedDoc = doc;
    const savedDetails = details;
    amendment.mutate(
      {
        id: amend.id,
        reason: reason.trim(),
        outline: doc.outline,
        method: doc.method,
        ...(doc.modelVersion ? { modelVersion: doc.modelVersion } : {}),
        ...(bodyAxis ? { bodyAxis } : {}),
        tissuePaint: doc.tissuePaint,
        details: parsed.data,
      },
      {
        onSettled: () => {
          amending.current = false;
        },
        onSuccess: (out) => {
          setSaved({ ...out, doc: savedDoc, details: savedDetails });
          setBaseline({ doc: savedDoc, details: savedDetails });
          void queryClient.invalidateQueries(trpc.assessments.pathFilter());
          void queryClient.invalidateQueries(trpc.review.pathFilter());
          void queryClient.invalidateQueries(trpc.scans.fileUrl.queryFilter({ id: scan.id }));
          onSaved?.(out.assessment);
        },
      },
    );
  };
  const submit = () => {
    // The mutation's pending state reaches the button a tick after the click: a second click of a
    // double-click is stopped here, and if one got through it would carry the same request id.
    if (save.isPending || isSaved || live.kind !== 'ready' || request.current?.inFlight) return;
    const parsed = assessmentDetailsSchema.safeParse(details);
    if (!parsed.success) {
      setDetailErrors(issuesToErrors(parsed.error.issues));
      setTab('details');
      return;
    }
    setDetailErrors({});
    if (!request.current || request.current.doc !== doc || !sameDetails(request.current.details, details)) request.current = { id: crypto.randomUUID(), doc, details, inFlight: false };
    const sent = request.current;
    sent.inFlight = true;
    const savedDoc = doc;
    const savedDetails = details;
    save.mutate(
      {
        requestId: request.current.id,
        scanId: scan.id,
        outline: doc.outline,
        method: doc.method,
        ...(doc.modelVersion ? { modelVersion: doc.modelVersion } : {}),
        ...(bodyAxis ? { bodyAxis } : {}),
        ...(doc.tissuePaint.length ? { tissuePaint: doc.tissuePaint } : {}),
        details: parsed.data,
      },
      {
        onSettled: () => {
          sent.inFlight = false;
        },
        onSuccess: (out) => {
          setSaved({ ...out, doc: savedDoc, details: savedDetails });
          setBaseline({ doc: savedDoc, details: savedDetails });
          void queryClient.invalidateQueries(trpc.assessments.listByWound.queryFilter({ woundId: scan.woundId }));
          // The octree now carries depth_mm and wound_label: reopen the viewer on the new files.
          void queryClient.invalidateQueries(trpc.scans.fileUrl.queryFilter({ id: scan.id }));
          void queryClient.invalidateQueries(trpc.scans.listByWound.queryFilter({ woundId: scan.woundId }));
          onSaved?.(out.assessment);
        },
        onError: (error) => {
          const fields = serverFieldErrors(error);
          if (fields) {
            setDetailErrors(Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith('details.')).map(([k, v]) => [k.slice('details.'.length), v])));
            setTab('details');
          }
        },
      },
    );
  };

  const findWound = useMutation(
    trpc.analysis.findWound.mutationOptions({
      onSuccess: (r) => {
        setModelOutline(r.outline);
        commit({ ...doc, outline: simplifyOutline(r.outline, points), method: 'automatic', modelVersion: `${r.model.name} ${r.model.version}` });
        setSelected(null);
        setMode('none');
        setFound({ provider: r.provider, model: `${r.model.name} ${r.model.version}`, points: r.woundPointCount });
      },
    }),
  );
  const askFindWound = () => {
    // Anything that would replace unsaved edits asks first.
    if (doc.outline.length > 0 && doc.outline !== baseline.doc.outline) setConfirmReplace(true);
    else findWound.mutate({ scanId: scan.id });
  };

  // Keyboard: Esc leaves drawing / marking / painting (and only that); with nothing to leave it asks
  // the window to close. Ctrl+Z undoes, Ctrl+Shift+Z or Ctrl+Y redoes, Delete removes the selected point.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (escapeHandledElsewhere(e)) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        if (annotations.escape()) return;
        if (mode !== 'none') setMode('none');
        else onRequestClose?.();
        return;
      }
      if (isTyping(e)) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && (e.key === 'y' || ((e.key === 'z' || e.key === 'Z') && e.shiftKey))) {
        e.preventDefault();
        redo();
      } else if (mod && e.key === 'z') {
        e.preventDefault();
        if (tab === 'annotate') annotations.undo();
        else undo();
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && selectedValid !== null) {
        e.preventDefault();
        deleteSelected();
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  });

  const tissueUnavailable = !result ? 'Outline the wound to see the tissue map.' : result.figures.tissue_pct === null ? `No tissue map: ${result.figures.tissue_unavailable_reason ?? 'not measured'}` : null;
  const showMap = (showTissue || mode === 'paint') && tissueUnavailable === null;
  const overlay: OverlayData = useMemo(
    () => ({
      outline: doc.outline,
      selected: selectedValid,
      lid: showLid && result ? result.lid : null,
      depth: showDepth && result ? { positions: result.depth.positions, depthMm: result.depth.depthMm, max: Math.max(result.depth.max, result.figures.max_depth_mm) } : null,
      tissue: showMap && result ? { positions: result.depth.positions, classes: result.depth.tissue } : null,
      head: head && centre ? { from: centre, to: head } : null,
    }),
    [doc.outline, selectedValid, result, showLid, showDepth, showMap, head, centre],
  );

  const errorWords = live.kind === 'error' ? (live.code && MEASURE_ERROR_WORDS[live.code]) || 'The outline cannot be measured.' : null;
  const legend = showMap && result ? <TissueLegend figures={result.figures} /> : showDepth && result && result.depth.depthMm.length > 0 ? <DepthLegend maxMm={Math.max(result.depth.max, result.figures.max_depth_mm)} /> : null;
  const hint =
    mode === 'head'
      ? 'Click on the skin a little way from the wound, towards the patient’s head: length and width are then also given head-to-toe and across. Esc cancels.'
      : mode === 'paint'
        ? 'Press and drag over the wound to paint the chosen tissue. Esc stops painting.'
        : null;

  return (
    <Grid gap="md">
      <Grid.Col span={8}>
        <ScanViewer key={url} url={url} height={VIEW_HEIGHT} overlay={<><AssessmentOverlay data={overlay} /><AssessmentOverlay data={annotations.overlay} /></>} editor={annotations.editor ?? editor} legend={legend} />
      </Grid.Col>
      <Grid.Col span={4}>
        <Stack gap="xs" h={PANEL_HEIGHT} data-testid="assess-panel">
          <Group justify="space-between">
            <Title order={4}>{amend ? `Amend assessment (version ${amend.version})` : 'Assess wound'}</Title>
            <Group gap={4}>
              <Button size="compact-xs" variant="default" onClick={undo} disabled={history.past.length === 0 && !history.gestureStart} title="Undo (Ctrl+Z)">Undo</Button>
              <Button size="compact-xs" variant="default" onClick={redo} disabled={history.future.length === 0} title="Redo (Ctrl+Shift+Z)">Redo</Button>
            </Group>
          </Group>
          <ScrollArea style={{ flex: 1 }} offsetScrollbars type="auto">
            <Stack gap="xs">
              <Tabs
                value={tab}
                onChange={(t) => {
                  // Leaving the tab leaves its tool: clicks on the scan go back to the outline.
                  if (t !== 'annotate') annotations.escape();
                  setTab(t);
                }}
                keepMounted={false}
              >
                <Tabs.List>
                  <Tabs.Tab value="outline">Outline</Tabs.Tab>
                  <Tabs.Tab value="tissue">Tissue</Tabs.Tab>
                  <Tabs.Tab value="details">Details</Tabs.Tab>
                  <Tabs.Tab value="annotate">Annotate</Tabs.Tab>
                </Tabs.List>
                <Tabs.Panel value="outline" pt="xs">
                  <Stack gap="xs">
                    <Button size="xs" onClick={askFindWound} loading={findWound.isPending} disabled={findWound.isPending}>
                      {doc.method === 'automatic' || doc.method === 'edited' ? 'Find wound again' : 'Find wound'}
                    </Button>
                    {findWound.isPending && <Text size="xs" c="dimmed">The wound model is looking at the scan…</Text>}
                    {findWound.isError && <Alert color="orange" title="No outline from the model" data-testid="find-wound-error">{messageOf(findWound.error)}</Alert>}
                    {found && (
                      <Text size="xs" data-testid="found-by">
                        Found by {found.model} on {found.provider.toUpperCase()} ({found.points.toLocaleString()} wound points)
                      </Text>
                    )}
                    <Group gap="xs">
                      <Button size="xs" variant={mode === 'draw' ? 'filled' : 'light'} onClick={() => setMode(mode === 'draw' ? 'none' : 'draw')} aria-pressed={mode === 'draw'}>
                        {mode === 'draw' ? 'Stop drawing' : 'Draw outline'}
                      </Button>
                      <Button size="xs" variant="default" onClick={deleteSelected} disabled={selectedValid === null}>Delete point</Button>
                      <Button size="xs" variant="default" color="red" onClick={clear} disabled={doc.outline.length === 0}>Clear</Button>
                    </Group>
                    <Group gap="xs" align="flex-end">
                      <NumberInput size="xs" label="Outline points" w={110} min={MIN_SIMPLIFIED_POINTS} max={MAX_SIMPLIFIED_POINTS} value={points} onChange={(v) => typeof v === 'number' && setPoints(v)} clampBehavior="strict" allowDecimal={false} />
                      <Button size="xs" variant="default" onClick={() => simplify(points)} disabled={doc.outline.length <= 3 || (doc.outline.length <= points && !(doc.method === 'automatic' && modelOutline))}>Simplify</Button>
                    </Group>
                    <Group gap="xs">
                      <Button size="xs" variant={mode === 'head' ? 'filled' : 'light'} color="grape" onClick={() => setMode(mode === 'head' ? 'none' : 'head')} aria-pressed={mode === 'head'}>
                        {mode === 'head' ? 'Cancel head direction' : head ? 'Mark head direction again' : 'Mark head direction'}
                      </Button>
                      {head && mode !== 'head' && <Button size="xs" variant="default" onClick={() => commit({ ...doc, head: null })}>Clear head direction</Button>}
                    </Group>
                    <Text size="xs" c="dimmed" data-testid="assess-hint">
                      {hint ??
                        (mode === 'draw' ? (
                          <>Click on the scan to place points around the wound edge; drag a point to move it. <Kbd>Ctrl</Kbd>+<Kbd>Z</Kbd> undoes, <Kbd>Esc</Kbd> stops drawing.</>
                        ) : doc.outline.length > 0 ? (
                          <>Drag a point to move it (its neighbours follow smoothly); click one and press <Kbd>Delete</Kbd> to remove it. <Kbd>Ctrl</Kbd>+<Kbd>Z</Kbd> undoes any edit.</>
                        ) : (
                          'Choose Find wound, or Draw outline and click around the wound edge on the scan.'
                        ))}
                    </Text>
                    <Group gap="xs">
                      <Text size="sm">Points: <span data-testid="outline-count">{doc.outline.length}</span></Text>
                      <Badge variant="light" data-testid="assessment-method">{METHOD_LABELS[doc.method]}</Badge>
                    </Group>
                  </Stack>
                </Tabs.Panel>
                <Tabs.Panel value="tissue" pt="xs">
                  <TissueTools
                    showMap={showTissue}
                    onShowMap={setShowTissue}
                    painting={mode === 'paint'}
                    onPainting={(on) => setMode(on ? 'paint' : 'none')}
                    tissue={paintTissue}
                    onTissue={setPaintTissue}
                    brushMm={brushMm}
                    onBrushMm={setBrushMm}
                    strokes={doc.tissuePaint.length}
                    onClearPaint={() => commit({ ...doc, tissuePaint: [] })}
                    canPaint={tissueUnavailable === null}
                    unavailable={tissueUnavailable}
                  />
                </Tabs.Panel>
                <Tabs.Panel value="details" pt="xs">
                  <DetailsForm value={details} onChange={(d) => { setDetails(d); setDetailErrors({}); }} errors={detailErrors} disabled={save.isPending} />
                </Tabs.Panel>
                <Tabs.Panel value="annotate" pt="xs">
                  {annotations.panel}
                </Tabs.Panel>
              </Tabs>

              <Paper withBorder p="xs" data-testid="live-figures">
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
                <Switch size="xs" label="Tissue map" checked={showTissue} disabled={tissueUnavailable !== null} onChange={(e) => setShowTissue(e.currentTarget.checked)} />
              </Group>
            </Stack>
          </ScrollArea>

          {amend ? (
            <Stack gap={6} data-testid="amend-footer">
              <Textarea
                size="xs"
                label="Reason for the amendment"
                required
                autosize
                minRows={1}
                maxRows={3}
                maxLength={500}
                value={reason}
                disabled={amendment.isPending || !!saved}
                onChange={(e) => setReason(e.currentTarget.value)}
                error={reason.length > 0 && reason.trim().length < MIN_REASON ? `Say why (at least ${MIN_REASON} characters)` : undefined}
              />
              <Button onClick={submitAmendment} disabled={live.kind !== 'ready' || amendment.isPending || !!saved || reason.trim().length < MIN_REASON} loading={amendment.isPending}>
                {saved ? 'Amendment saved' : 'Save amendment'}
              </Button>
              <Text size="xs" c="dimmed">The signed version stays in the record, shown as replaced by this one.</Text>
              {amendment.isError && <Alert color="red" title="Not amended" p="xs">{messageOf(amendment.error)}</Alert>}
              {saved && (
                <Alert color="teal" title={`Saved as version ${saved.assessment.version}`} data-testid="amendment-saved" p="xs">
                  Area {saved.assessment.figures.area_cm2.toFixed(2)} cm² · volume {saved.assessment.figures.volume_cm3.toFixed(2)} cm³. It waits for a doctor’s sign-off.
                </Alert>
              )}
            </Stack>
          ) : (
          <Stack gap={6} data-testid="save-footer">
            <Button onClick={submit} disabled={live.kind !== 'ready' || save.isPending || isSaved} loading={save.isPending}>
              {isSaved ? 'Saved' : 'Save assessment'}
            </Button>
            {save.isError && !serverFieldErrors(save.error) && <Alert color="red" title="Not saved" p="xs">{messageOf(save.error)}</Alert>}
            {save.isError && serverFieldErrors(save.error) && <Alert color="red" title="Not saved" p="xs">Some details are not valid: see the Details tab.</Alert>}
            {saved && (
              <Alert color="teal" title={isSaved ? 'Assessment saved' : 'Assessment saved; you have changed it since'} data-testid="assessment-saved" p="xs">
                <Stack gap={4}>
                  <Text size="sm">Area {saved.assessment.figures.area_cm2.toFixed(2)} cm² · volume {saved.assessment.figures.volume_cm3.toFixed(2)} cm³, measured by {saved.assessment.measuredBy?.displayName ?? 'you'}.</Text>
                  {saved.octreeUpdated ? (
                    <Button size="compact-xs" variant="light" onClick={() => viewerStore.set({ colorMode: 'attribute', attribute: 'depth_mm' })}>Colour the scan by depth</Button>
                  ) : (
                    <Text size="xs" c="dimmed">The scan’s depth colours could not be updated; the assessment is saved.</Text>
                  )}
                </Stack>
              </Alert>
            )}
          </Stack>
          )}
        </Stack>
      </Grid.Col>
      <ConfirmDialog
        opened={confirmReplace}
        title="Replace your outline?"
        confirmLabel="Find wound and replace"
        color="orange"
        onCancel={() => setConfirmReplace(false)}
        onConfirm={() => {
          setConfirmReplace(false);
          findWound.mutate({ scanId: scan.id });
        }}
      >
        <Text size="sm">The model’s outline will replace the outline you have edited and not saved. You can undo it afterwards (Ctrl+Z).</Text>
      </ConfirmDialog>
    </Grid>
  );
}
