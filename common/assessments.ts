/**
 * Wound assessments as they cross the renderer ↔ main boundary: the figures of one measurement
 * (display units: cm, cm², cm³, depth in mm), an outline in scan coordinates (mm), and a saved
 * assessment with who measured it and who signed it off. The table (main/records/schema) keeps
 * geometry in millimetres; the repository converts.
 */
import { z } from 'zod';
import { ASSESSMENT_METHODS, epochMsSchema, idSchema } from './records';

export const assessmentMethodSchema = z.enum(ASSESSMENT_METHODS);
export type AssessmentMethod = z.infer<typeof assessmentMethodSchema>;

const finite = z.number().finite();
export const vec3Schema = z.tuple([finite, finite, finite]);
export type Vec3Tuple = z.infer<typeof vec3Schema>;

/** Most vertices an outline may have (a drawn outline has tens; the finder's is decimated to this). */
export const MAX_OUTLINE_VERTICES = 2000;
/** A closed outline in scan coordinates (mm): the last vertex connects back to the first. */
export const outlineSchema = z.array(vec3Schema).min(1).max(MAX_OUTLINE_VERTICES);

export const tissueMixSchema = z.object({
  granulation: z.number().min(0).max(100),
  slough: z.number().min(0).max(100),
  eschar: z.number().min(0).max(100),
  epithelium: z.number().min(0).max(100),
});
export type TissueMixPct = z.infer<typeof tissueMixSchema>;

/** The figures a nurse charts, in display units. Head-to-toe extents only when a body axis was given. */
export const assessmentFiguresSchema = z.object({
  area_cm2: finite,
  projected_area_cm2: finite,
  perimeter_cm: finite,
  length_cm: finite,
  width_cm: finite,
  max_depth_mm: finite,
  mean_depth_mm: finite,
  volume_cm3: finite,
  raised_volume_cm3: finite,
  /** Percent of the opening per tissue class, or null with the reason. */
  tissue_pct: tissueMixSchema.nullable(),
  tissue_unavailable_reason: z.string().nullable(),
  head_to_toe_length_cm: finite.nullable(),
  width_across_cm: finite.nullable(),
});
export type AssessmentFigures = z.infer<typeof assessmentFiguresSchema>;

export const measureInputSchema = z.object({
  scanId: idSchema,
  outline: outlineSchema,
  /** Head-to-toe direction at the wound, scan coordinates (any length). */
  bodyAxis: vec3Schema.optional(),
});
export type MeasureInput = z.infer<typeof measureInputSchema>;

/** Most wound points sent to the viewer for the depth overlay. */
export const MAX_DEPTH_OVERLAY_POINTS = 20_000;

export const measureResultSchema = z.object({
  figures: assessmentFiguresSchema,
  /** The lid inside the outline, for the viewer: xyz interleaved (mm) and triangle indices. */
  lid: z.object({ positions: z.array(finite), indices: z.array(z.number().int().nonnegative()) }),
  /** A capped subsample of the wound points: xyz interleaved (mm) and each one's depth below the lid (mm). */
  depth: z.object({ positions: z.array(finite), depthMm: z.array(finite), min: finite, max: finite, total: z.number().int().nonnegative() }),
  woundPointCount: z.number().int().nonnegative(),
  ms: z.number().nonnegative(),
});
export type MeasureResult = z.infer<typeof measureResultSchema>;

export const saveAssessmentInputSchema = z.object({
  scanId: idSchema,
  outline: outlineSchema,
  method: assessmentMethodSchema,
  /** The segmentation model that proposed the outline (automatic and edited outlines). */
  modelVersion: z.string().trim().min(1).max(120).optional(),
  bodyAxis: vec3Schema.optional(),
});
export type SaveAssessmentInput = z.infer<typeof saveAssessmentInputSchema>;

export const assessmentSchema = z.object({
  id: idSchema,
  woundId: idSchema,
  scanId: idSchema.nullable(),
  measuredAt: epochMsSchema,
  method: assessmentMethodSchema,
  modelVersion: z.string().nullable(),
  figures: assessmentFiguresSchema,
  outline: z.array(vec3Schema),
  measuredBy: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  signedOffBy: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  signedOffAt: epochMsSchema.nullable(),
  /** 1 for an assessment as first saved; each amendment is one higher. */
  version: z.number().int().positive(),
  /** This version corrects `id`, for `reason` (by whoever measured this version). */
  amends: z.object({ id: idSchema, reason: z.string() }).nullable(),
  /** A newer version replaced this one: kept, shown as replaced, counted nowhere. */
  replacedBy: z.object({ id: idSchema, version: z.number().int().positive(), at: epochMsSchema, by: z.object({ id: z.string(), displayName: z.string() }).nullable() }).nullable(),
});
export type Assessment = z.infer<typeof assessmentSchema>;

/** A correction of a signed-off assessment: the outline measured again, and why. */
export const amendAssessmentInputSchema = z.object({
  id: idSchema,
  reason: z.string().trim().min(5, 'Say why the assessment is amended (at least 5 characters)').max(500, 'The reason is at most 500 characters'),
  outline: outlineSchema,
  method: assessmentMethodSchema,
  modelVersion: z.string().trim().min(1).max(120).optional(),
  bodyAxis: vec3Schema.optional(),
});
export type AmendAssessmentInput = z.infer<typeof amendAssessmentInputSchema>;

/** What analysis.findWound returns: the finder's outline and who found it. */
export const findWoundResultSchema = z.object({
  outline: z.array(vec3Schema),
  woundPointCount: z.number().int().nonnegative(),
  provider: z.string(),
  model: z.object({ name: z.string(), version: z.string() }),
  ms: z.number().nonnegative(),
});
export type FindWoundResult = z.infer<typeof findWoundResultSchema>;

export const analysisStatusSchema = z.object({
  /** Null until the model was first loaded on this workstation. */
  model: z.object({ name: z.string(), version: z.string() }).nullable(),
  provider: z.string().nullable(),
});
export type AnalysisStatus = z.infer<typeof analysisStatusSchema>;

/** Words for each measurement failure code (main/analysis/measure MeasureErrorCode), for the UI. */
export const MEASURE_ERROR_WORDS: Record<string, string> = {
  INVALID_INPUT: 'The outline or scan holds invalid coordinates.',
  OUTLINE_TOO_FEW_POINTS: 'Place at least 3 points to close an outline.',
  OUTLINE_OPEN: 'The outline is not closed.',
  OUTLINE_SELF_INTERSECTS: 'The outline crosses itself.',
  OUTLINE_DEGENERATE: 'The outline encloses (almost) no area.',
  OUTLINE_OFF_SURFACE: 'Part of the outline is off the scanned surface.',
  LID_TOO_SPARSE: 'There is too little healthy skin scanned around the outline.',
  BED_TOO_SPARSE: 'Too little of the wound bed was scanned inside the outline.',
  BODY_AXIS_INVALID: 'The head direction cannot be used: mark a point along the skin, away from the wound.',
};
