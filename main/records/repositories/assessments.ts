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
import { EntityNotFoundError, sqliteCode } from '../errors';
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

/** A correction of a signed-off assessment that cannot be made (see `amend`). */
export class AmendmentError extends Error {
  override readonly name = 'AmendmentError';
  constructor(
    readonly code: 'FORBIDDEN' | 'NOT_SIGNED_OFF' | 'ALREADY_AMENDED' | 'ASSESSMENT_SIGNED',
    message: string,
  ) {
    super(message);
  }
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
  /**
   * A doctor's correction of a signed-off assessment: a new version (the next number) on the same
   * scan with the new figures and outline, naming the version it replaces and why; the old one stays
   * as signed. Only the newest version can be amended. Audited as `assessment.amend` (the new
   * version) and `assessment.replaced` (the old one).
   */
  amend(id: string, input: Omit<NewAssessment, 'scanId' | 'measuredAt'> & { reason: string }, actor: Actor): Assessment;
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

/** The record's own refusals (triggers of migration 0004) as typed errors. */
function translateTrigger(error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  if (sqliteCode(error) === 'SQLITE_CONSTRAINT_TRIGGER' && message.startsWith('ASSESSMENT_SIGNED')) return new AmendmentError('ASSESSMENT_SIGNED', 'A signed-off assessment cannot be changed or deleted; amend it instead.');
  if (sqliteCode(error) === 'SQLITE_CONSTRAINT_TRIGGER' && message.startsWith('AMENDMENT_INVALID')) return new AmendmentError('NOT_SIGNED_OFF', 'An amendment must correct a signed-off assessment of the same wound and scan.');
  return error;
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
  type Successor = { id: string; version: number; createdAt: number; measuredBy: string | null };
  const toAssessment = (row: Row, who: Map<string, string>, successor: Successor | undefined): Assessment =>
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
      version: row.version,
      amends: row.amendsId === null ? null : { id: row.amendsId, reason: row.amendmentReason ?? '' },
      replacedBy: successor
        ? { id: successor.id, version: successor.version, at: successor.createdAt, by: successor.measuredBy === null ? null : { id: successor.measuredBy, displayName: who.get(successor.measuredBy) ?? 'unknown' } }
        : null,
    });
  const successorsOf = (ids: string[]): Map<string, Successor> => {
    if (ids.length === 0) return new Map();
    const rows = db
      .select({ id: assessments.id, version: assessments.version, createdAt: assessments.createdAt, measuredBy: assessments.measuredBy, amendsId: assessments.amendsId })
      .from(assessments)
      .where(inArray(assessments.amendsId, ids))
      .all();
    return new Map(rows.map((r) => [r.amendsId!, r]));
  };
  const read = (id: string): Assessment | null => {
    const row = db.select().from(assessments).where(eq(assessments.id, id)).get();
    if (!row) return null;
    const successor = successorsOf([id]).get(id);
    return toAssessment(row, names([row.measuredBy, row.signedOffBy, successor?.measuredBy ?? null]), successor);
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
        // Versions replace one another within a wound: the successor of each row is a row of the list.
        const successors = new Map(rows.filter((r) => r.amendsId !== null).map((r) => [r.amendsId!, r]));
        audit(actor, 'assessment.list', woundId);
        return rows.map((r) => toAssessment(r, who, successors.get(r.id)));
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

    amend(id, input, actor) {
      if (!actor.roles.includes('doctor')) throw new AmendmentError('FORBIDDEN', 'Only a doctor can amend an assessment.');
      const now = Date.now();
      const newIdValue = newId(now);
      const outline = outlineJsonSchema.parse(input.outline);
      const figures = toRow(input.figures);
      try {
        record.transaction(() => {
          const old = db.select().from(assessments).where(eq(assessments.id, id)).get();
          if (!old) throw new EntityNotFoundError('assessment', id);
          if (old.signedOffAt === null) throw new AmendmentError('NOT_SIGNED_OFF', 'Only a signed-off assessment is amended; this one can still be measured again and signed off.');
          const newer = successorsOf([id]).get(id);
          if (newer) throw new AmendmentError('ALREADY_AMENDED', `This version was already amended (version ${newer.version}); amend the newest version.`);
          db.insert(assessments)
            .values({
              id: newIdValue,
              woundId: old.woundId,
              scanId: old.scanId,
              measuredAt: old.measuredAt,
              ...figures,
              outlineJson: JSON.stringify(outline),
              outlineUnits: 'mm',
              method: input.method,
              modelVersion: input.modelVersion,
              measuredBy: staffIdOf(actor),
              version: old.version + 1,
              amendsId: old.id,
              amendmentReason: input.reason,
              createdAt: now,
              updatedAt: now,
            })
            .run();
          audit(actor, 'assessment.amend', newIdValue);
          audit(actor, 'assessment.replaced', old.id);
        });
      } catch (error) {
        // Two amendments of the same version at once: the unique index lets one through.
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE' && error instanceof Error && error.message.includes('assessments.amends_id')) {
          throw new AmendmentError('ALREADY_AMENDED', 'This version was already amended; amend the newest version.');
        }
        throw translateTrigger(error);
      }
      return read(newIdValue)!;
    },

    countByScan(scanId) {
      return db.select({ id: assessments.id }).from(assessments).where(eq(assessments.scanId, scanId)).all().length;
    },
  };
}
