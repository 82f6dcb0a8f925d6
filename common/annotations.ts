/**
 * Annotations on a scan as they cross the renderer ↔ main boundary: a marker with a note, a ruler,
 * undermining and tunnelling as wound-care charts them (depth in mm at a clock position, 12 o'clock
 * toward the head, from the outline's edge), and a free region with its area. Geometry in scan
 * coordinates (mm). What the workstation measures (distances, areas) is computed in main, never
 * taken from the client.
 */
import { z } from 'zod';
import { vec3Schema } from './assessments';
import { epochMsSchema, idSchema } from './records';

export const ANNOTATION_KINDS = ['marker', 'ruler', 'undermining', 'tunnelling', 'region'] as const;
export const annotationKindSchema = z.enum(ANNOTATION_KINDS);
export type AnnotationKind = z.infer<typeof annotationKindSchema>;

export const ANNOTATION_KIND_LABELS: Record<AnnotationKind, string> = {
  marker: 'Marker',
  ruler: 'Ruler',
  undermining: 'Undermining',
  tunnelling: 'Tunnelling',
  region: 'Region',
};

/** Most vertices a region may have. */
export const MAX_REGION_VERTICES = 500;

const note = z.string().trim().max(500, 'A note is at most 500 characters');
const clock = z.number({ error: 'Enter the clock position (1–12)' }).int('The clock position is a whole hour (1–12)').min(1, 'The clock position is 1–12').max(12, 'The clock position is 1–12');
/** Undermining and tunnelling deeper than 25 cm are not a wound measure but a typing error. */
const depthMm = z.number({ error: 'Enter the depth in mm' }).finite().gt(0, 'The depth is more than 0 mm').max(250, 'The depth is at most 250 mm');

/** What a clinician enters; one shape per kind. */
export const annotationDraftSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('marker'), point: vec3Schema, note: note.min(1, 'Write the marker’s note') }),
  z.object({ kind: z.literal('ruler'), from: vec3Schema, to: vec3Schema, note: note.optional() }),
  z.object({ kind: z.literal('undermining'), at: vec3Schema, clock, depthMm, note: note.optional() }),
  z.object({ kind: z.literal('tunnelling'), at: vec3Schema, clock, depthMm, note: note.optional() }),
  z.object({
    kind: z.literal('region'),
    points: z.array(vec3Schema).min(3, 'A region needs at least 3 points').max(MAX_REGION_VERTICES, `A region has at most ${MAX_REGION_VERTICES} points`),
    label: z.string().trim().min(1, 'Name the region (e.g. slough)').max(100, 'A region’s name is at most 100 characters'),
    note: note.optional(),
  }),
]);
export type AnnotationDraft = z.infer<typeof annotationDraftSchema>;

/** What the workstation measured or the clinician charted, by kind. */
export const annotationMeasureSchema = z.object({
  /** Ruler: straight-line distance between its ends (mm). */
  straightMm: z.number().optional(),
  /** Ruler: distance along the scanned surface between its ends (mm). */
  surfaceMm: z.number().optional(),
  /** Region: area enclosed, on the region's best-fit plane (mm²). */
  areaMm2: z.number().optional(),
  /** Undermining / tunnelling. */
  depthMm: z.number().optional(),
  clock: z.number().int().optional(),
});
export type AnnotationMeasure = z.infer<typeof annotationMeasureSchema>;

const staffRef = z.object({ id: idSchema, displayName: z.string() });

export const annotationSchema = z.object({
  id: idSchema,
  scanId: idSchema,
  woundId: idSchema,
  /** The scan's capture time: where the annotation sits on the wound's timeline. */
  scanCapturedAt: epochMsSchema,
  kind: annotationKindSchema,
  draft: annotationDraftSchema,
  measure: annotationMeasureSchema,
  author: staffRef.nullable(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
  updatedBy: staffRef.nullable(),
});
export type Annotation = z.infer<typeof annotationSchema>;

export const createAnnotationInputSchema = z.object({
  requestId: z.uuid({ error: 'A save needs a request id' }),
  scanId: idSchema,
  draft: annotationDraftSchema,
});
export const updateAnnotationInputSchema = z.object({ id: idSchema, draft: annotationDraftSchema });

/** One line a person reads: "Undermining 12 mm at 3 o'clock", "Ruler 23.4 mm (along the surface 25.1 mm)". */
export function describeAnnotation(a: Pick<Annotation, 'draft' | 'measure'>): string {
  const d = a.draft;
  const m = a.measure;
  const mm = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)} mm`);
  switch (d.kind) {
    case 'marker':
      return `Marker: ${d.note}`;
    case 'ruler':
      return `Ruler ${mm(m.straightMm)} (along the surface ${mm(m.surfaceMm)})${d.note ? ` — ${d.note}` : ''}`;
    case 'undermining':
    case 'tunnelling':
      return `${ANNOTATION_KIND_LABELS[d.kind]} ${d.depthMm} mm at ${d.clock} o'clock${d.note ? ` — ${d.note}` : ''}`;
    case 'region':
      return `Region ${d.label}: ${m.areaMm2 === undefined ? '—' : `${(m.areaMm2 / 100).toFixed(2)} cm²`}${d.note ? ` — ${d.note}` : ''}`;
  }
}
