/**
 * Assessments of a wound: one measurement each (figures, outline, tissue mix, method, model
 * version, who measured), and a doctor's sign-off. Clinical data: audited on every read and
 * change. Geometry is stored in millimetres; the shapes returned use the display units of
 * common/assessments.ts (cm, cm², cm³, depth in mm).
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { assessmentFiguresSchema, assessmentSchema, vec3Schema, type Assessment, type AssessmentFigures, type AssessmentMethod, type Vec3Tuple } from '../../../common/assessments';
import { appendAudit } from '../audit';
import { EntityNotFoundError } from '../errors';
import { newId } from '../ids';
import type { ClinicRecord } from '../record';
import { assessments, scans, staff, wounds } from '../schema';
import { actorRole, type Actor } from './actor';

export interface NewAssessment {
  scanId: string;
  method: AssessmentMethod;
  modelVersion: string | null;
  figures: AssessmentFigures;
  /** Closed outline, scan coordinates (mm). */
  outline: Vec3Tuple[];
  measuredAt?: number;
}

/** Only a doctor signs off, and only once. */
export class SignOffError extends Error {
  override readonly name = 'SignOffError';
  constructor(
    readonly code: 'FORBIDDEN' | 'CONFLICT',
    message: string,
  ) {
    super(message);
  }
}

export interface AssessmentsRepository {
  /** Stores the assessment on the scan's wound, measured by `actor`. */
  create(input: NewAssessment, actor: Actor): Assessment;
  get(id: string, actor: Actor): Assessment | null;
  /** Newest first. */
  listByWound(woundId: string, actor: Actor): Assessment[];
  signOff(id: string, actor: Actor): Assessment;
  /** How many assessments were measured on a scan (unaudited count, no clinical values). */
  countByScan(scanId: string): number;
}

type Row = typeof assessments.$inferSelect;

const tissueFractionsSchema = z.object({ granulation: z.number(), slough: z.number(), eschar: z.number(), epithelium: z.number() });
const outlineJsonSchema = z.array(vec3Schema);

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;

function toRow(figures: AssessmentFigures) {
  const f = assessmentFiguresSchema.parse(figures);
  return {
    areaMm2: round(f.area_cm2 * 100),
    projectedAreaMm2: round(f.projected_area_cm2 * 100),
    perimeterMm: round(f.perimeter_cm * 10),
    lengthMm: round(f.length_cm * 10),
    widthMm: round(f.width_cm * 10),
    maxDepthMm: round(f.max_depth_mm),
    meanDepthMm: round(f.mean_depth_mm),
    volumeMm3: round(f.volume_cm3 * 1000),
    raisedVolumeMm3: round(f.raised_volume_cm3 * 1000),
    headToToeLengthMm: f.head_to_toe_length_cm === null ? null : round(f.head_to_toe_length_cm * 10),
    widthAcrossMm: f.width_across_cm === null ? null : round(f.width_across_cm * 10),
    tissueJson: f.tissue_pct
      ? JSON.stringify({ granulation: f.tissue_pct.granulation / 100, slough: f.tissue_pct.slough / 100, eschar: f.tissue_pct.eschar / 100, epithelium: f.tissue_pct.epithelium / 100 })
      : null,
    tissueUnavailableReason: f.tissue_pct ? null : (f.tissue_unavailable_reason ?? 'not measured'),
  };
}

function figuresOf(row: Row): AssessmentFigures {
  const mm = (v: number | null) => v ?? 0;
  const tissue = row.tissueJson === null ? null : tissueFractionsSchema.parse(JSON.parse(row.tissueJson));
  return {
    area_cm2: round(mm(row.areaMm2) / 100),
    projected_area_cm2: round(mm(row.projectedAreaMm2 ?? row.areaMm2) / 100),
    perimeter_cm: round(mm(row.perimeterMm) / 10),
    length_cm: round(mm(row.lengthMm) / 10),
    width_cm: round(mm(row.widthMm) / 10),
    max_depth_mm: round(mm(row.maxDepthMm)),
    mean_depth_mm: round(mm(row.meanDepthMm)),
    volume_cm3: round(mm(row.volumeMm3) / 1000),
    raised_volume_cm3: round(mm(row.raisedVolumeMm3) / 1000),
    tissue_pct: tissue
      ? { granulation: round(tissue.granulation * 100), slough: round(tissue.slough * 100), eschar: round(tissue.eschar * 100), epithelium: round(tissue.epithelium * 100) }
      : null,
    tissue_unavailable_reason: tissue ? null : (row.tissueUnavailableReason ?? 'not recorded'),
    head_to_toe_length_cm: row.headToToeLengthMm === null ? null : round(row.headToToeLengthMm / 10),
    width_across_cm: row.widthAcrossMm === null ? null : round(row.widthAcrossMm / 10),
  };
}

export function createAssessmentsRepository(record: ClinicRecord): AssessmentsRepository {
  const { db } = record;
  const audit = (actor: Actor, action: string, entityId: string | null): void => {
    appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'assessment', entityId });
  };
  const names = (ids: (string | null)[]): Map<string, string> => {
    const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
    if (wanted.length === 0) return new Map();
    const rows = db.select({ id: staff.id, displayName: staff.displayName }).from(staff).where(inArray(staff.id, wanted)).all();
    return new Map(rows.map((r) => [r.id, r.displayName]));
  };
  const toAssessment = (row: Row, who: Map<string, string>): Assessment =>
    assessmentSchema.parse({
      id: row.id,
      woundId: row.woundId,
      scanId: row.scanId,
      measuredAt: row.measuredAt,
      method: row.method,
      modelVersion: row.modelVersion,
      figures: figuresOf(row),
      outline: row.outlineJson === null ? [] : outlineJsonSchema.parse(JSON.parse(row.outlineJson)),
      measuredBy: row.measuredBy === null ? null : { id: row.measuredBy, displayName: who.get(row.measuredBy) ?? 'unknown' },
      signedOffBy: row.signedOffBy === null ? null : { id: row.signedOffBy, displayName: who.get(row.signedOffBy) ?? 'unknown' },
      signedOffAt: row.signedOffAt,
    });
  const read = (id: string): Assessment | null => {
    const row = db.select().from(assessments).where(eq(assessments.id, id)).get();
    return row ? toAssessment(row, names([row.measuredBy, row.signedOffBy])) : null;
  };
  /** Staff ids only: `system` and devices are not staff and are not stored as measurers. */
  const staffIdOf = (actor: Actor): string | null => (db.select({ id: staff.id }).from(staff).where(eq(staff.id, actor.id)).get() ? actor.id : null);

  return {
    create(input, actor) {
      const now = Date.now();
      const id = newId(now);
      const outline = outlineJsonSchema.parse(input.outline);
      const figures = toRow(input.figures);
      record.transaction(() => {
        const scan = db.select({ id: scans.id, woundId: scans.woundId }).from(scans).where(eq(scans.id, input.scanId)).get();
        if (!scan) throw new EntityNotFoundError('scan', input.scanId);
        db.insert(assessments)
          .values({
            id,
            woundId: scan.woundId,
            scanId: scan.id,
            measuredAt: input.measuredAt ?? now,
            ...figures,
            outlineJson: JSON.stringify(outline),
            outlineUnits: 'mm',
            method: input.method,
            modelVersion: input.modelVersion,
            measuredBy: staffIdOf(actor),
            createdAt: now,
            updatedAt: now,
          })
          .run();
        audit(actor, 'assessment.create', id);
      });
      return read(id)!;
    },

    get(id, actor) {
      return record.transaction(() => {
        const found = read(id);
        if (found) audit(actor, 'assessment.read', id);
        return found;
      });
    },

    listByWound(woundId, actor) {
      return record.transaction(() => {
        if (!db.select({ id: wounds.id }).from(wounds).where(eq(wounds.id, woundId)).get()) throw new EntityNotFoundError('wound', woundId);
        const rows = db.select().from(assessments).where(eq(assessments.woundId, woundId)).orderBy(desc(assessments.measuredAt), desc(assessments.id)).all();
        const who = names(rows.flatMap((r) => [r.measuredBy, r.signedOffBy]));
        audit(actor, 'assessment.list', woundId);
        return rows.map((r) => toAssessment(r, who));
      });
    },

    signOff(id, actor) {
      if (!actor.roles.includes('doctor')) throw new SignOffError('FORBIDDEN', 'Only a doctor can sign an assessment off.');
      record.transaction(() => {
        const row = db.select({ signedOffAt: assessments.signedOffAt }).from(assessments).where(eq(assessments.id, id)).get();
        if (!row) throw new EntityNotFoundError('assessment', id);
        if (row.signedOffAt !== null) throw new SignOffError('CONFLICT', 'This assessment is already signed off.');
        const now = Date.now();
        db.update(assessments)
          .set({ signedOffBy: actor.id, signedOffAt: now, updatedAt: now })
          .where(and(eq(assessments.id, id)))
          .run();
        audit(actor, 'assessment.signoff', id);
      });
      return read(id)!;
    },

    countByScan(scanId) {
      return db.select({ id: assessments.id }).from(assessments).where(eq(assessments.scanId, scanId)).all().length;
    },
  };
}
