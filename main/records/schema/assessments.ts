import { index, integer, real, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { ASSESSMENT_METHODS } from '../../../common/records';
import { ANNOTATION_KINDS } from '../../../common/annotations';
import { id, timestamps } from './columns';
import { scans } from './scans';
import { staff } from './staff';
import { wounds } from './wounds';

/** One measurement of a wound; geometry in millimetres (shown as cm/cm²/cm³ by the UI). */
export const assessments = sqliteTable(
  'assessments',
  {
    id: id(),
    woundId: text('wound_id')
      .notNull()
      .references(() => wounds.id, { onDelete: 'restrict' }),
    scanId: text('scan_id').references(() => scans.id),
    /** Clinical date: the capture time of the scan measured (created_at is when it was saved). */
    measuredAt: integer('measured_at').notNull(),
    areaMm2: real('area_mm2'),
    perimeterMm: real('perimeter_mm'),
    lengthMm: real('length_mm'),
    widthMm: real('width_mm'),
    maxDepthMm: real('max_depth_mm'),
    meanDepthMm: real('mean_depth_mm'),
    volumeMm3: real('volume_mm3'),
    /** Area of the outline projected on the best-fit plane of the surrounding skin (mm²). */
    projectedAreaMm2: real('projected_area_mm2'),
    /** Tissue standing above the lid inside the outline (mm³), reported, never subtracted. */
    raisedVolumeMm3: real('raised_volume_mm3'),
    /** Extents along and across the body's head-to-toe axis, when one was given (mm). */
    headToToeLengthMm: real('head_to_toe_length_mm'),
    widthAcrossMm: real('width_across_mm'),
    /** Why no tissue mix was measured (e.g. the scan has no colour); NULL when it was. */
    tissueUnavailableReason: text('tissue_unavailable_reason'),
    /** Units of `outline_json` coordinates; always 'mm' for rows written by this schema. */
    outlineUnits: text('outline_units', { enum: ['mm'] }).notNull().default('mm'),
    /** JSON polyline of the wound boundary, mm, in scan coordinates. */
    outlineJson: text('outline_json'),
    /** JSON `{ granulation, slough, eschar, epithelium }` fractions from the colours (automatic). */
    tissueJson: text('tissue_json'),
    /** The same fractions after the nurse's tissue paint: the mix she confirmed. */
    tissueConfirmedJson: text('tissue_confirmed_json'),
    /** JSON list of tissue paint strokes `{ tissue, centre: [x,y,z] (mm), radiusMm }`. */
    tissuePaintJson: text('tissue_paint_json'),
    /** JSON `[x,y,z]`: the head-to-toe direction the extents were measured along (from the outline's centre towards the head). */
    bodyAxisJson: text('body_axis_json'),
    /** JSON of the charted details (exudate, odour, pain, periwound, signs of infection, dressing, note); common/assessments.ts. */
    detailsJson: text('details_json'),
    /** The client's id for the save request: a repeated request finds its assessment instead of adding one. */
    requestId: text('request_id'),
    method: text('method', { enum: ASSESSMENT_METHODS }).notNull(),
    modelVersion: text('model_version'),
    measuredBy: text('measured_by').references(() => staff.id),
    signedOffBy: text('signed_off_by').references(() => staff.id),
    signedOffAt: integer('signed_off_at'),
    signOffComment: text('sign_off_comment'),
    /** Voided before sign-off (kept in the history, counted nowhere): when, by whom and why. */
    voidedAt: integer('voided_at'),
    voidedBy: text('voided_by').references(() => staff.id),
    voidReason: text('void_reason'),
    /**
     * Amendments: a signed-off assessment is never changed (a trigger refuses it); a correction is a
     * new row, `version` one higher, naming the row it replaces and why. The replaced row is the one
     * some row `amends`; each version is amended at most once (the chain has no branches).
     */
    version: integer('version').notNull().default(1),
    amendsId: text('amends_id').references((): AnySQLiteColumn => assessments.id),
    amendmentReason: text('amendment_reason'),
    ...timestamps,
  },
  (t) => [index('assessments_wound_measured_idx').on(t.woundId, t.measuredAt), uniqueIndex('assessments_request_id_idx').on(t.requestId), uniqueIndex('assessments_amends_idx').on(t.amendsId)],
);

/**
 * Marks a clinician puts on a scan (main/annotations/): a marker with a note, a ruler (straight and
 * along-surface distance), undermining / tunnelling (depth and clock position, from the outline's
 * edge), a free region with its area. Deleting one sets `deleted_at` (undo restores it); rows are
 * never removed while their scan exists.
 */
export const annotations = sqliteTable(
  'annotations',
  {
    id: id(),
    scanId: text('scan_id')
      .notNull()
      .references(() => scans.id, { onDelete: 'cascade' }),
    assessmentId: text('assessment_id').references(() => assessments.id),
    kind: text('kind', { enum: ANNOTATION_KINDS }).notNull(),
    /** JSON geometry in scan coordinates (mm), its shape per kind in common/annotations.ts. */
    geometryJson: text('geometry_json').notNull(),
    /** The note (marker) or label (region). */
    text: text('text'),
    /** JSON of what the workstation measured (distances, area) or the clinician charted (depth, clock). */
    measureJson: text('measure_json'),
    /** The client's id for the create request: a repeat (double-click) finds the first annotation. */
    requestId: text('request_id'),
    authorId: text('author_id').references(() => staff.id),
    updatedBy: text('updated_by').references(() => staff.id),
    deletedAt: integer('deleted_at'),
    deletedBy: text('deleted_by').references(() => staff.id),
    ...timestamps,
  },
  (t) => [index('annotations_scan_idx').on(t.scanId), uniqueIndex('annotations_request_id_idx').on(t.requestId)],
);
