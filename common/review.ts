/**
 * A doctor's review of one wound, as it crosses the renderer ↔ main boundary: the visits on one
 * time axis with their figures, the healing figures from the baseline (percent area reduction, the
 * 4- and 8-week checks per etiology as decision support, Gilman's and the volume healing rate),
 * the fitted course with its 95 % band and predicted closure, and two visits compared in 3D.
 * Units as the assessments': cm, cm², cm³, depth in mm; days since the baseline; times epoch ms.
 */
import { z } from 'zod';
import { assessmentSchema } from './assessments';
import { epochMsSchema, idSchema, woundSchema } from './records';
import { scanSchema } from './scans';

const finite = z.number().finite();
const staffRef = z.object({ id: z.string(), displayName: z.string() });

export const courseFlagSchema = z.object({
  /** 'outside-band': outside the drawn 95 % band of the fit to all visits; 'off-course': outside the band of the course fitted to the visits before it. */
  kind: z.enum(['outside-band', 'off-course']),
  direction: z.enum(['larger', 'smaller']),
  expectedLowCm2: finite,
  expectedHighCm2: finite,
  fromVisits: z.number().int().positive(),
});
export type CourseFlag = z.infer<typeof courseFlagSchema>;

/** One visit counted in the healing figures: the current version of an assessment, from the baseline on. */
export const trendVisitSchema = z.object({
  assessmentId: idSchema,
  scanId: idSchema.nullable(),
  at: epochMsSchema,
  /** Days since the baseline. */
  day: finite,
  areaCm2: finite,
  perimeterCm: finite,
  volumeCm3: finite,
  maxDepthMm: finite,
  /** Percent area reduction from the baseline (null without a baseline area). */
  parPct: finite.nullable(),
  /** Since the previous visit (cm/week, positive while healing). */
  gilmanCmPerWeek: finite.nullable(),
  volumeRateCmPerWeek: finite.nullable(),
  flag: courseFlagSchema.nullable(),
});
export type TrendVisit = z.infer<typeof trendVisitSchema>;

const windowEnd = z.object({ assessmentId: idSchema, day: finite, areaCm2: finite });
export const parAtDaySchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('visit'), day: finite, pct: finite, areaCm2: finite, assessmentId: idSchema, visitDay: finite }),
  z.object({ status: z.literal('interpolated'), day: finite, pct: finite, areaCm2: finite, from: windowEnd, to: windowEnd }),
  z.object({ status: z.literal('too-early'), day: finite, latestDay: finite }),
  z.object({ status: z.literal('unavailable'), day: finite, reason: z.string() }),
]);
export type ParAtDayView = z.infer<typeof parAtDaySchema>;

export const thresholdCheckSchema = z.object({
  id: z.enum(['dfu-4w-50', 'dfu-8w-90', 'vlu-4w-40']),
  /** "Diabetic foot ulcer: at least 50 % smaller at 4 weeks". */
  label: z.string(),
  day: finite,
  minPct: finite,
  citation: z.string(),
  meaning: z.string(),
  outcome: z.enum(['flag', 'met', 'pending', 'unavailable']),
  par: parAtDaySchema,
});
export type ThresholdCheckView = z.infer<typeof thresholdCheckSchema>;

export const courseSampleSchema = z.object({ day: finite, at: epochMsSchema, fitCm2: finite, lowCm2: finite, highCm2: finite });

export const courseSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('too-few'), visits: z.number().int().nonnegative(), healedAt: epochMsSchema.nullable() }),
  z.object({
    status: z.literal('fitted'),
    visits: z.number().int().positive(),
    a0Cm2: finite,
    kPerDay: finite,
    kStdError: finite,
    /** Days for the area to halve (null when not closing). */
    halfLifeDays: finite.nullable(),
    closing: z.boolean(),
    /** Predicted day the area falls below 0.1 cm², with the range from the curve's 95 % band (latest null: later than two years, or never). */
    closureAt: epochMsSchema.nullable(),
    closureEarliestAt: epochMsSchema.nullable(),
    closureLatestAt: epochMsSchema.nullable(),
    healedAt: epochMsSchema.nullable(),
    curve: z.array(courseSampleSchema),
  }),
]);
export type CourseView = z.infer<typeof courseSchema>;

export const timelineEntrySchema = z.object({
  scan: scanSchema.nullable(),
  /** When: the scan's capture time (or, for an assessment without a scan, when it was measured). */
  at: epochMsSchema,
  /** Every version of every assessment of this scan, newest first. */
  assessments: z.array(assessmentSchema),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const woundReviewSchema = z.object({
  wound: woundSchema,
  baseline: z.object({ assessmentId: idSchema, at: epochMsSchema, picked: z.object({ by: staffRef.nullable(), at: epochMsSchema }).nullable() }).nullable(),
  timeline: z.array(timelineEntrySchema),
  visits: z.array(trendVisitSchema),
  overall: z.object({ gilmanCmPerWeek: finite.nullable(), volumeRateCmPerWeek: finite.nullable(), parPct: finite.nullable() }),
  par4Weeks: parAtDaySchema.nullable(),
  checks: z.array(thresholdCheckSchema),
  course: courseSchema,
  closureAreaCm2: finite,
});
export type WoundReview = z.infer<typeof woundReviewSchema>;

// ---- the patient overview's body map ----------------------------------------------------------

export const BODY_VIEWS = ['front', 'back'] as const;
export const bodyMapMarkerSchema = z.object({
  woundId: idSchema,
  bodySite: z.string(),
  laterality: z.string().nullable(),
  etiology: z.string(),
  status: z.string(),
  /** Where on the outline (0–1 of its width and height), on which view; null when the site names no place we know. */
  place: z.object({ view: z.enum(BODY_VIEWS), x: z.number().min(0).max(1), y: z.number().min(0).max(1) }).nullable(),
  latestAreaCm2: finite.nullable(),
  latestAt: epochMsSchema.nullable(),
});
export type BodyMapMarker = z.infer<typeof bodyMapMarkerSchema>;

// ---- two visits compared in 3D ------------------------------------------------------------------

export const compareInputSchema = z
  .object({ earlierScanId: idSchema, laterScanId: idSchema })
  .refine((v) => v.earlierScanId !== v.laterScanId, { message: 'Pick two different scans', path: ['laterScanId'] });

export const COMPARE_PHASES = ['queued', 'loading', 'preparing', 'aligning', 'refining', 'checking', 'change-map', 'done', 'failed', 'cancelled'] as const;
export const REGISTRATION_WARNINGS = ['poor-fit', 'low-overlap', 'sliding', 'no-outlines'] as const;
/** Words for each registration warning, for the UI. */
export const REGISTRATION_WARNING_WORDS: Record<(typeof REGISTRATION_WARNINGS)[number], string> = {
  'poor-fit': 'The skin around the wound does not match well between the two scans: the change map may be off. Check the scans are of the same wound.',
  'low-overlap': 'Less than half of the skin around the wound was scanned on both visits.',
  sliding: 'The skin around the wound is too even to pin the scans down along it; the alignment along the skin comes from the wound outlines.',
  'no-outlines': 'One of the scans has no assessment outline: the whole scan was aligned, and the change map covers it all.',
};

export const changeStatsSchema = z.object({ points: z.number().int().nonnegative(), medianMm: finite, p10Mm: finite, p90Mm: finite, filledShare: finite, deeperShare: finite });

export const comparisonSchema = z.object({
  earlierScanId: idSchema,
  laterScanId: idSchema,
  /** The outlines used (the newest current assessment of each scan), when there were any. */
  earlierAssessmentId: idSchema.nullable(),
  laterAssessmentId: idSchema.nullable(),
  /** Later scan → earlier scan coordinates: a row-major 4×4 rigid transform (mm). */
  laterToEarlier: z.array(finite).length(16),
  rmsMm: finite,
  overlap: finite,
  noiseMm: finite,
  warnings: z.array(z.enum(REGISTRATION_WARNINGS)),
  start: z.enum(['scan-frames', 'wound-frames', 'principal-axes']),
  change: z.object({
    /** Later-scan coordinates (mm), xyz interleaved, and each point's signed change (mm; + filled in, − deeper); null where no earlier surface was near. */
    positions: z.array(finite),
    changeMm: z.array(finite.nullable()),
    scaleMm: finite,
    measured: z.number().int().nonnegative(),
    laterWound: changeStatsSchema.nullable(),
    earlierWound: changeStatsSchema.nullable(),
  }),
  timings: z.array(z.object({ stage: z.string(), ms: finite })),
});
export type Comparison = z.infer<typeof comparisonSchema>;

export const compareJobSchema = z.object({
  id: z.string(),
  earlierScanId: idSchema,
  laterScanId: idSchema,
  phase: z.enum(COMPARE_PHASES),
  progress: z.number().min(0).max(1),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  startedAt: epochMsSchema,
  finishedAt: epochMsSchema.nullable(),
});
export type CompareJob = z.infer<typeof compareJobSchema>;

/** Most change-map points sent to the viewer. */
export const MAX_CHANGE_POINTS = 40_000;
