/**
 * Annotating a scan beside the viewer (issue 18): pick a tool, click on the scan (a marker's point,
 * a ruler's two ends, the outline's edge where undermining or tunnelling starts, a region's corners),
 * fill in the note / clock position / depth / name, save. Saved annotations are listed with who and
 * when; a saved annotation's note (and a region's name) can be edited in place. Delete, edit and
 * Undo (Ctrl+Z on this tab) go back step by step (an add is taken back, a delete restored, an edit
 * given its previous text). Esc leaves the tool or the edit. Measures come back from the workstation.
 */
import { useMemo, useRef, useState } from 'react';
import { ActionIcon, Alert, Button, Group, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ANNOTATION_KIND_LABELS, annotationDraftSchema, describeAnnotation, type Annotation, type AnnotationDraft, type AnnotationKind } from '../../../common/annotations';
import type { Vec3Tuple } from '../../../common/assessments';
import { formatDateTime } from '../../lib/format';
import { issuesToErrors, messageOf, type FieldErrors } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { MARK_RGB, type OverlayData } from '../../viewer/AssessmentOverlay';
import type { OutlineEditor } from '../../viewer/ScanViewer';

type Step = { type: 'created'; id: string } | { type: 'removed'; id: string } | { type: 'edited'; id: string; before: AnnotationDraft };

/** The text an edit changes: a region's name and note, any other kind's note (a marker's is required). */
function withText(d: AnnotationDraft, text: { note: string; label: string }): AnnotationDraft {
  const note = text.note.trim();
  switch (d.kind) {
    case 'marker':
      return { ...d, note: text.note };
    case 'region':
      return { ...d, label: text.label, note: note ? text.note : undefined };
    default:
      return { ...d, note: note ? text.note : undefined };
  }
}

const POINTS_NEEDED: Record<AnnotationKind, number> = { marker: 1, ruler: 2, undermining: 1, tunnelling: 1, region: 3 };
const HINTS: Record<AnnotationKind, string> = {
  marker: 'Click on the scan where the marker goes.',
  ruler: 'Click the ruler’s two ends on the scan.',
  undermining: 'Click the outline’s edge where the undermining starts; then give the clock position (12 toward the head) and the depth.',
  tunnelling: 'Click the outline’s edge where the tunnel opens; then give the clock position (12 toward the head) and the depth.',
  region: 'Click around the region (at least 3 points); then name it.',
};

function pointsOf(d: AnnotationDraft): Vec3Tuple[] {
  switch (d.kind) {
    case 'marker':
      return [d.point];
    case 'ruler':
      return [d.from, d.to];
    case 'undermining':
    case 'tunnelling':
      return [d.at];
    case 'region':
      return d.points;
  }
}

export interface AnnotationTool {
  /** While a tool is active, clicks on the scan go to it (pass as the viewer's editor). */
  editor: OutlineEditor | null;
  /** The annotations (and the one being placed) drawn over the scan. */
  overlay: OverlayData;
  /** Esc: leaves the tool; false when there was nothing to leave. */
  escape(): boolean;
  undo(): void;
  panel: React.ReactNode;
}

export function useAnnotations(scanId: string, woundId: string, canWrite: boolean): AnnotationTool {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.annotations.listByScan.queryOptions({ scanId }));
  const [tool, setTool] = useState<AnnotationKind | null>(null);
  const [points, setPoints] = useState<Vec3Tuple[]>([]);
  const [note, setNote] = useState('');
  const [label, setLabel] = useState('');
  const [clock, setClock] = useState<number | string>('');
  const [depth, setDepth] = useState<number | string>('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [steps, setSteps] = useState<Step[]>([]);
  /** One request id per draft: a double-click or a retry of the same draft saves once. */
  const request = useRef<{ id: string; key: string } | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.annotations.listByScan.queryFilter({ scanId }));
    void queryClient.invalidateQueries(trpc.annotations.listByWound.queryFilter({ woundId }));
  };
  const create = useMutation(trpc.annotations.create.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.annotations.remove.mutationOptions({ onSuccess: refresh }));
  const restore = useMutation(trpc.annotations.restore.mutationOptions({ onSuccess: refresh }));
  const update = useMutation(trpc.annotations.update.mutationOptions({ onSuccess: refresh }));
  const busy = create.isPending || remove.isPending || restore.isPending || update.isPending;
  /** The annotation whose text is being edited, and the edit's fields. */
  const [editing, setEditing] = useState<{ id: string; note: string; label: string } | null>(null);
  const [editErrors, setEditErrors] = useState<FieldErrors>({});
  /** A double-click on Save sends one update (the mutation's pending state lags a render behind). */
  const saving = useRef(false);

  const reset = () => {
    setTool(null);
    setPoints([]);
    setNote('');
    setLabel('');
    setClock('');
    setDepth('');
    setErrors({});
    create.reset();
  };
  const choose = (kind: AnnotationKind | null) => {
    reset();
    setTool(kind);
  };

  const draft = (): unknown => {
    const n = note.trim() ? { note } : {};
    switch (tool) {
      case 'marker':
        return { kind: 'marker', point: points[0], note };
      case 'ruler':
        return { kind: 'ruler', from: points[0], to: points[1], ...n };
      case 'undermining':
      case 'tunnelling':
        return { kind: tool, at: points[0], clock: clock === '' ? undefined : Number(clock), depthMm: depth === '' ? undefined : Number(depth), ...n };
      case 'region':
        return { kind: 'region', points, label, ...n };
      default:
        return null;
    }
  };

  const save = () => {
    if (!tool || busy) return;
    if (points.length < POINTS_NEEDED[tool]) {
      setErrors({ points: HINTS[tool] });
      return;
    }
    const parsed = annotationDraftSchema.safeParse(draft());
    if (!parsed.success) {
      setErrors(issuesToErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    const key = JSON.stringify(parsed.data);
    if (!request.current || request.current.key !== key) request.current = { id: crypto.randomUUID(), key };
    create.mutate(
      { requestId: request.current.id, scanId, draft: parsed.data },
      {
        onSuccess: (a) => {
          setSteps((s) => (s.some((x) => x.type === 'created' && x.id === a.id) ? s : [...s, { type: 'created', id: a.id }]));
          request.current = null;
          reset();
        },
      },
    );
  };

  const undo = () => {
    const last = steps[steps.length - 1];
    if (!last || busy) return;
    const done = () => setSteps((s) => s.slice(0, -1));
    if (last.type === 'created') remove.mutate({ id: last.id }, { onSuccess: done });
    else if (last.type === 'removed') restore.mutate({ id: last.id }, { onSuccess: done });
    else update.mutate({ id: last.id, draft: last.before }, { onSuccess: done });
  };
  const startEdit = (a: Annotation) => {
    if (busy) return;
    update.reset();
    setEditErrors({});
    setEditing({ id: a.id, note: a.draft.note ?? '', label: a.draft.kind === 'region' ? a.draft.label : '' });
  };
  const cancelEdit = () => {
    setEditing(null);
    setEditErrors({});
    update.reset();
  };
  const saveEdit = () => {
    if (!editing || saving.current || busy) return;
    const a = list.data?.find((x) => x.id === editing.id);
    if (!a) return cancelEdit();
    const parsed = annotationDraftSchema.safeParse(withText(a.draft, editing));
    if (!parsed.success) {
      setEditErrors(issuesToErrors(parsed.error.issues));
      return;
    }
    if (JSON.stringify(parsed.data) === JSON.stringify(annotationDraftSchema.parse(a.draft))) return cancelEdit(); // nothing changed: no step to undo
    saving.current = true;
    const before = a.draft;
    update.mutate(
      { id: a.id, draft: parsed.data },
      {
        onSuccess: () => {
          setSteps((s) => [...s, { type: 'edited', id: a.id, before }]);
          setEditing(null);
          setEditErrors({});
        },
        onSettled: () => {
          saving.current = false;
        },
      },
    );
  };
  const del = (a: Annotation) => remove.mutate({ id: a.id }, { onSuccess: () => setSteps((s) => [...s, { type: 'removed', id: a.id }]) });

  const editor: OutlineEditor | null = tool
    ? {
        vertices: points,
        drawing: true,
        onAdd: (p) => {
          const max = tool === 'region' ? Infinity : POINTS_NEEDED[tool];
          setPoints((cur) => (cur.length < max ? [...cur, p] : max === 1 ? [p] : [...cur.slice(1), p]));
        },
        onMove: (i, p) => setPoints((cur) => cur.map((v, k) => (k === i ? p : v))),
      }
    : null;

  const overlay = useMemo<OverlayData>(
    () => ({
      outline: [],
      selected: null,
      handles: false,
      lid: null,
      depth: null,
      marks: [
        ...(list.data ?? []).map((a) => ({ points: pointsOf(a.draft), colour: [...MARK_RGB[a.kind]] as [number, number, number] })),
        ...(points.length ? [{ points, colour: [...MARK_RGB.draft] as [number, number, number] }] : []),
      ],
    }),
    [list.data, points],
  );

  const panel = (
    <Stack gap="xs" data-testid="annotations-panel">
      {canWrite && (
        <>
          <Group justify="space-between">
            <SegmentedControl
              size="xs"
              value={tool ?? ''}
              onChange={(v) => choose((v || null) as AnnotationKind | null)}
              data={[{ value: '', label: 'None' }, ...(Object.keys(ANNOTATION_KIND_LABELS) as AnnotationKind[]).map((k) => ({ value: k, label: ANNOTATION_KIND_LABELS[k] }))]}
              aria-label="Annotation tool"
            />
            <Button size="compact-xs" variant="default" onClick={undo} disabled={steps.length === 0 || busy} title="Undo the last annotation change (Ctrl+Z)">
              Undo annotation
            </Button>
          </Group>
          {tool && (
            <Stack gap={6} data-testid="annotation-form">
              <Text size="xs" c="dimmed">
                {HINTS[tool]} Esc cancels. {points.length > 0 && `${points.length} point${points.length === 1 ? '' : 's'} placed.`}
              </Text>
              {(tool === 'undermining' || tool === 'tunnelling') && (
                <Group grow>
                  <NumberInput size="xs" label="Clock position (o’clock)" min={1} max={12} clampBehavior="none" allowDecimal={false} value={clock} onChange={setClock} error={errors['clock']} />
                  <NumberInput size="xs" label="Depth (mm)" min={0} max={250} clampBehavior="none" decimalScale={1} value={depth} onChange={setDepth} error={errors['depthMm']} />
                </Group>
              )}
              {tool === 'region' && <TextInput size="xs" label="Region name" placeholder="e.g. slough" value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={errors['label']} />}
              <TextInput size="xs" label={tool === 'marker' ? 'Note' : 'Note (optional)'} value={note} onChange={(e) => setNote(e.currentTarget.value)} error={errors['note']} />
              {errors['points'] && <Text size="xs" c="red">{errors['points']}</Text>}
              {create.isError && <Alert color="red" p="xs">{messageOf(create.error)}</Alert>}
              <Group gap="xs">
                <Button size="xs" onClick={save} loading={create.isPending} disabled={create.isPending}>
                  Save {ANNOTATION_KIND_LABELS[tool].toLowerCase()}
                </Button>
                <Button size="xs" variant="default" onClick={() => choose(null)}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          )}
        </>
      )}
      {(remove.isError || restore.isError || (update.isError && !editing)) && <Alert color="red" p="xs">{messageOf(remove.error ?? restore.error ?? update.error)}</Alert>}
      {list.isError && <Alert color="red" p="xs">{messageOf(list.error)}</Alert>}
      <Stack gap={4} data-testid="annotation-list">
        {list.data?.length === 0 && <Text size="xs" c="dimmed">No annotations on this scan yet.</Text>}
        {list.data?.map((a) =>
          editing?.id === a.id ? (
            <Stack key={a.id} gap={6} data-testid="annotation-edit">
              <Text size="xs" c="dimmed">
                Editing: {describeAnnotation(a)} — Enter saves, Esc cancels.
              </Text>
              {a.kind === 'region' && (
                <TextInput size="xs" label="Region name" value={editing.label} onChange={(e) => (setEditing({ ...editing, label: e.currentTarget.value }), setEditErrors({}))} onKeyDown={(e) => e.key === 'Enter' && saveEdit()} error={editErrors['label']} autoFocus />
              )}
              <TextInput
                size="xs"
                label={a.kind === 'marker' ? 'Note' : 'Note (optional)'}
                value={editing.note}
                onChange={(e) => (setEditing({ ...editing, note: e.currentTarget.value }), setEditErrors({}))}
                onKeyDown={(e) => e.key === 'Enter' && saveEdit()}
                error={editErrors['note']}
                autoFocus={a.kind !== 'region'}
              />
              {update.isError && <Alert color="red" p="xs">{messageOf(update.error)}</Alert>}
              <Group gap="xs">
                <Button size="xs" onClick={saveEdit} loading={update.isPending} disabled={update.isPending}>
                  Save {a.kind === 'region' ? 'region' : 'note'}
                </Button>
                <Button size="xs" variant="default" onClick={cancelEdit} disabled={update.isPending}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          ) : (
          <Group key={a.id} gap="xs" wrap="nowrap" justify="space-between" data-testid="annotation-row">
            <Text size="xs">
              {describeAnnotation(a)}
              <Text span size="xs" c="dimmed">
                {' '}
                · {a.author?.displayName ?? '—'}, {formatDateTime(a.createdAt)}
              </Text>
            </Text>
            {canWrite && (
              <Group gap={2} wrap="nowrap">
                <ActionIcon size="sm" variant="subtle" aria-label={`Edit ${ANNOTATION_KIND_LABELS[a.kind].toLowerCase()}`} title={a.kind === 'region' ? 'Edit the name and note' : 'Edit the note'} onClick={() => startEdit(a)} disabled={busy || editing !== null}>
                  ✎
                </ActionIcon>
                <ActionIcon size="sm" variant="subtle" color="red" aria-label={`Delete ${ANNOTATION_KIND_LABELS[a.kind].toLowerCase()}`} onClick={() => del(a)} disabled={busy}>
                  ×
                </ActionIcon>
              </Group>
            )}
          </Group>
          ),
        )}
      </Stack>
    </Stack>
  );

  return {
    editor,
    overlay,
    escape: () => {
      if (editing) {
        if (!update.isPending) cancelEdit();
        return true;
      }
      if (!tool) return false;
      choose(null);
      return true;
    },
    undo,
    panel,
  };
}
