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

/** Tissue classes, in the order the analysis indexes them (main/analysis/measure/tissue.ts). */
export const TISSUE_TYPES = ['granulation', 'slough', 'eschar', 'epithelium'] as const;
export const tissueTypeSchema = z.enum(TISSUE_TYPES);
export type TissueType = z.infer<typeof tissueTypeSchema>;

/** Most strokes of tissue paint one assessment carries (a long drag makes a few hundred). */
export const MAX_TISSUE_PAINT_STROKES = 2000;
/** One stroke of the nurse's tissue paint: the wound points within `radiusMm` of `centre` (scan coordinates, mm) are `tissue`. */
export const tissuePaintStrokeSchema = z.object({
  tissue: tissueTypeSchema,
  centre: vec3Schema,
  radiusMm: z.number().min(0.5, 'The brush is at least 0.5 mm').max(50, 'The brush is at most 50 mm'),
});
export type TissuePaintStroke = z.infer<typeof tissuePaintStrokeSchema>;
export const tissuePaintSchema = z.array(tissuePaintStrokeSchema).max(MAX_TISSUE_PAINT_STROKES, `At most ${MAX_TISSUE_PAINT_STROKES} strokes of tissue paint`);

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
  /** Percent of the opening per tissue class from the colours (automatic), or null with the reason. */
  tissue_pct: tissueMixSchema.nullable(),
  /** The same after the nurse's tissue paint: what she confirmed (null on assessments saved before the tissue map). */
  tissue_confirmed_pct: tissueMixSchema.nullable(),
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
  tissuePaint: tissuePaintSchema.optional(),
});
export type MeasureInput = z.infer<typeof measureInputSchema>;

/** Most wound points sent to the viewer for the depth overlay. */
export const MAX_DEPTH_OVERLAY_POINTS = 20_000;

export const measureResultSchema = z.object({
  figures: assessmentFiguresSchema,
  /** The lid inside the outline, for the viewer: xyz interleaved (mm) and triangle indices. */
  lid: z.object({ positions: z.array(finite), indices: z.array(z.number().int().nonnegative()) }),
  /** A capped subsample of the wound points: xyz interleaved (mm), each one's depth below the lid (mm)
   *  and its tissue class after the paint (index into TISSUE_TYPES, -1 without colour). */
  depth: z.object({ positions: z.array(finite), depthMm: z.array(finite), tissue: z.array(z.number().int().min(-1).max(3)), min: finite, max: finite, total: z.number().int().nonnegative() }),
  woundPointCount: z.number().int().nonnegative(),
  ms: z.number().nonnegative(),
});
export type MeasureResult = z.infer<typeof measureResultSchema>;

// ---- what clinicians chart beside the geometry (issue 21, point 11) --------------------------

export const EXUDATE_AMOUNTS = ['none', 'scant', 'small', 'moderate', 'large'] as const;
export const EXUDATE_TYPES = ['serous', 'serosanguineous', 'sanguineous', 'seropurulent', 'purulent'] as const;
export const ODOUR_LEVELS = ['none', 'faint', 'moderate', 'strong'] as const;
export const PERIWOUND_FINDINGS = ['intact', 'macerated', 'erythema', 'induration', 'oedema', 'dry-scaly', 'callus', 'excoriated', 'fragile'] as const;
export const INFECTION_SIGNS = ['spreading-erythema', 'warmth', 'swelling', 'purulent-exudate', 'malodour', 'increasing-pain', 'friable-granulation', 'wound-breakdown', 'delayed-healing', 'fever'] as const;

/** Words for each value, for the form and the read-only view. */
export const DETAIL_WORDS: Record<(typeof EXUDATE_AMOUNTS)[number] | (typeof EXUDATE_TYPES)[number] | (typeof ODOUR_LEVELS)[number] | (typeof PERIWOUND_FINDINGS)[number] | (typeof INFECTION_SIGNS)[number], string> = {
  none: 'None',
  scant: 'Scant',
  small: 'Small',
  moderate: 'Moderate',
  large: 'Large',
  serous: 'Serous',
  serosanguineous: 'Serosanguineous',
  sanguineous: 'Sanguineous',
  seropurulent: 'Seropurulent',
  purulent: 'Purulent',
  faint: 'Faint',
  strong: 'Strong',
  intact: 'Intact',
  macerated: 'Macerated',
  erythema: 'Erythema',
  induration: 'Induration',
  oedema: 'Oedema',
  'dry-scaly': 'Dry / scaly',
  callus: 'Callus',
  excoriated: 'Excoriated',
  fragile: 'Fragile',
  'spreading-erythema': 'Spreading erythema',
  warmth: 'Warmth',
  swelling: 'Swelling',
  'purulent-exudate': 'Purulent exudate',
  malodour: 'Malodour',
  'increasing-pain': 'Increasing pain',
  'friable-granulation': 'Friable granulation',
  'wound-breakdown': 'Wound breakdown',
  'delayed-healing': 'Delayed healing',
  fever: 'Fever',
};

const noDuplicates = <T extends string>(values: readonly T[]) => new Set(values).size === values.length;

/** Charted with the assessment; every field may be left empty (null, [] or ''). */
export const assessmentDetailsSchema = z
  .object({
    exudateAmount: z.enum(EXUDATE_AMOUNTS, { error: 'Choose an exudate amount from the list' }).nullable(),
    exudateType: z.enum(EXUDATE_TYPES, { error: 'Choose an exudate type from the list' }).nullable(),
    odour: z.enum(ODOUR_LEVELS, { error: 'Choose an odour from the list' }).nullable(),
    painScore: z.number({ error: 'Pain is a number from 0 to 10' }).int('Pain is a whole number from 0 to 10').min(0, 'Pain is a number from 0 to 10').max(10, 'Pain is a number from 0 to 10').nullable(),
    periwound: z.array(z.enum(PERIWOUND_FINDINGS, { error: 'Choose periwound findings from the list' })).refine(noDuplicates, 'A periwound finding is listed twice'),
    infectionSigns: z.array(z.enum(INFECTION_SIGNS, { error: 'Choose signs of infection from the list' })).refine(noDuplicates, 'A sign of infection is listed twice'),
    dressing: z.string().trim().max(200, 'The dressing is at most 200 characters'),
    note: z.string().trim().max(2000, 'The note is at most 2000 characters'),
  })
  .superRefine((d, ctx) => {
    if (d.exudateAmount === 'none' && d.exudateType !== null) ctx.addIssue({ code: 'custom', path: ['exudateType'], message: 'No exudate: leave the exudate type empty' });
    if (d.periwound.includes('intact') && d.periwound.length > 1) ctx.addIssue({ code: 'custom', path: ['periwound'], message: 'Intact skin cannot be charted with other periwound findings' });
  });
export type AssessmentDetails = z.infer<typeof assessmentDetailsSchema>;
export const EMPTY_DETAILS: AssessmentDetails = { exudateAmount: null, exudateType: null, odour: null, painScore: null, periwound: [], infectionSigns: [], dressing: '', note: '' };

export const saveAssessmentInputSchema = z.object({
  /** One id per save (made by the client when the nurse saves): a repeated request returns the first result, never a second assessment. */
  requestId: z.uuid({ error: 'A save needs a request id' }),
  scanId: idSchema,
  outline: outlineSchema,
  method: assessmentMethodSchema,
  /** The segmentation model that proposed the outline (automatic and edited outlines). */
  modelVersion: z.string().trim().min(1).max(120).optional(),
  bodyAxis: vec3Schema.optional(),
  tissuePaint: tissuePaintSchema.optional(),
  details: assessmentDetailsSchema.optional(),
});
export type SaveAssessmentInput = z.infer<typeof saveAssessmentInputSchema>;

export const voidAssessmentInputSchema = z.object({
  id: idSchema,
  reason: z.string().trim().min(3, 'Say why it is void (at least 3 characters)').max(500, 'The reason is at most 500 characters'),
});
export const signOffInputSchema = z.object({
  id: idSchema,
  comment: z.string().trim().max(1000, 'The comment is at most 1000 characters').optional(),
});

const staffRef = z.object({ id: z.string(), displayName: z.string() });

export const assessmentSchema = z.object({
  id: idSchema,
  woundId: idSchema,
  scanId: idSchema.nullable(),
  /** The scan measured: its capture time is the assessment's clinical date. */
  scan: z.object({ id: idSchema, capturedAt: epochMsSchema, format: z.string() }).nullable(),
  /** Clinical date: the scan's capture time (older assessments without a scan: when they were saved). */
  measuredAt: epochMsSchema,
  /** When the assessment was saved. */
  savedAt: epochMsSchema,
  method: assessmentMethodSchema,
  modelVersion: z.string().nullable(),
  figures: assessmentFiguresSchema,
  outline: z.array(vec3Schema),
  /** The head-to-toe direction it was measured with (from the outline's centre towards the head), if any. */
  bodyAxis: vec3Schema.nullable(),
  tissuePaint: z.array(tissuePaintStrokeSchema),
  details: assessmentDetailsSchema.nullable(),
  measuredBy: staffRef.nullable(),
  signedOffBy: staffRef.nullable(),
  signedOffAt: epochMsSchema.nullable(),
  signOffComment: z.string().nullable(),
  /** Voided before sign-off: kept in the history, counted nowhere. */
  voided: z.object({ at: epochMsSchema, by: staffRef.nullable(), reason: z.string() }).nullable(),
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
  /** Corrected tissue paint and charted details; without them the signed version's are kept. */
  tissuePaint: tissuePaintSchema.optional(),
  details: assessmentDetailsSchema.optional(),
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
