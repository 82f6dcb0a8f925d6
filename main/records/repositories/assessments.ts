/**
 * Assessments of a wound: one measurement each (figures, outline, tissue mix — automatic and
 * confirmed —, method, model version, charted details, who measured), a doctor's sign-off with an
 * optional comment, voiding a wrong one before sign-off, and amending a signed-off one (a new
 * version naming the one it replaces and why; the record refuses any change to a signed row). Clinical data: audited on every read
 * and change. Geometry is stored in millimetres; the shapes returned use the display units of
 * common/assessments.ts (cm, cm², cm³, depth in mm). An assessment's clinical date
 * (`measuredAt`) is its scan's capture time; `savedAt` is when it was stored.
 */
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import {
  assessmentDetailsSchema,
  assessmentFiguresSchema,
  assessmentSchema,
  tissuePaintStrokeSchema,
  vec3Schema,
  type Assessment,
  type AssessmentDetails,
  type AssessmentFigures,
  type AssessmentMethod,
  type TissuePaintStroke,
  type Vec3Tuple,
} from '../../../common/assessments';
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
  /** The client's id for this save (one assessment per id). */
  requestId?: string;
  bodyAxis?: Vec3Tuple;
  tissuePaint?: TissuePaintStroke[];
  details?: AssessmentDetails;
}

export type AssessmentErrorCode = 'FORBIDDEN' | 'ASSESSMENT_SIGNED' | 'ASSESSMENT_VOIDED' | 'REQUEST_ID_REUSED' | 'VOID_REASON_MISSING' | 'NOT_SIGNED_OFF' | 'ALREADY_AMENDED';

/**
 * Only a doctor signs off, once, and not a voided assessment; only an unsigned one is voided; a save
 * request id is used once; only a doctor amends, only a signed-off version, and only the newest.
 */
export class AssessmentError extends Error {
  override readonly name = 'AssessmentError';
  constructor(
    readonly code: AssessmentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AssessmentsRepository {
  /** Stores the assessment on the scan's wound, measured by `actor`, dated by the scan's capture time. */
  create(input: NewAssessment, actor: Actor): Assessment;
  /**
   * The assessment an earlier save with this request id stored (audited as a read), or null.
   * AssessmentError REQUEST_ID_REUSED when that save was of another scan or by someone else.
   */
  forRequest(requestId: string, scanId: string, actor: Actor): Assessment | null;
  get(id: string, actor: Actor): Assessment | null;
  /** Newest clinical date first; voided ones included (marked). */
  listByWound(woundId: string, actor: Actor): Assessment[];
  signOff(id: string, actor: Actor, comment?: string): Assessment;
  /** Marks a wrong, unsigned assessment void with the reason; it stays in the history. */
  void(id: string, reason: string, actor: Actor): Assessment;
  /**
   * A doctor's correction of a signed-off assessment: a new version (the next number) on the same
   * scan with the new figures and outline, naming the version it replaces and why; the old one stays
   * as signed. Only the newest version can be amended. What the correction does not give (body axis,
   * tissue paint, details) is carried over. Audited as `assessment.amend` (the new version) and
   * `assessment.replaced` (the old one).
   */
  amend(id: string, input: Omit<NewAssessment, 'scanId' | 'requestId'> & { reason: string }, actor: Actor): Assessment;
  /** How many assessments were measured on a scan (unaudited count, no clinical values). */
  countByScan(scanId: string): number;
}

type Row = typeof assessments.$inferSelect;

const tissueFractionsSchema = z.object({ granulation: z.number(), slough: z.number(), eschar: z.number(), epithelium: z.number() });
const outlineJsonSchema = z.array(vec3Schema);
const paintJsonSchema = z.array(tissuePaintStrokeSchema);
type TissueFractions = z.infer<typeof tissueFractionsSchema>;

const fractionsJson = (pct: AssessmentFigures['tissue_pct']): string | null =>
  pct ? JSON.stringify({ granulation: pct.granulation / 100, slough: pct.slough / 100, eschar: pct.eschar / 100, epithelium: pct.epithelium / 100 }) : null;
const percentOf = (json: string | null): AssessmentFigures['tissue_pct'] => {
  if (json === null) return null;
  const f: TissueFractions = tissueFractionsSchema.parse(JSON.parse(json));
  return { granulation: round(f.granulation * 100), slough: round(f.slough * 100), eschar: round(f.eschar * 100), epithelium: round(f.epithelium * 100) };
};

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
    tissueJson: fractionsJson(f.tissue_pct),
    tissueConfirmedJson: fractionsJson(f.tissue_confirmed_pct),
    tissueUnavailableReason: f.tissue_pct ? null : (f.tissue_unavailable_reason ?? 'not measured'),
  };
}

function figuresOf(row: Row): AssessmentFigures {
  const mm = (v: number | null) => v ?? 0;
  const tissue = percentOf(row.tissueJson);
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
    tissue_pct: tissue,
    tissue_confirmed_pct: percentOf(row.tissueConfirmedJson),
    tissue_unavailable_reason: tissue ? null : (row.tissueUnavailableReason ?? 'not recorded'),
    head_to_toe_length_cm: row.headToToeLengthMm === null ? null : round(row.headToToeLengthMm / 10),
    width_across_cm: row.widthAcrossMm === null ? null : round(row.widthAcrossMm / 10),
  };
}

/** The record's own refusals (the signed-assessments-immutable triggers) as typed errors. */
function translateTrigger(error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  if (sqliteCode(error) === 'SQLITE_CONSTRAINT_TRIGGER' && message.startsWith('ASSESSMENT_SIGNED')) return new AssessmentError('ASSESSMENT_SIGNED', 'A signed-off assessment cannot be changed or deleted; amend it instead.');
  if (sqliteCode(error) === 'SQLITE_CONSTRAINT_TRIGGER' && message.startsWith('AMENDMENT_INVALID')) return new AssessmentError('NOT_SIGNED_OFF', 'An amendment must correct a signed-off assessment of the same wound and scan.');
  return error;
}

const ref = (id: string | null, who: Map<string, string>) => (id === null ? null : { id, displayName: who.get(id) ?? 'unknown' });

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
  const staffOf = (row: Row) => [row.measuredBy, row.signedOffBy, row.voidedBy];
  type ScanRef = { id: string; capturedAt: number; format: string };
  const scansOf = (ids: (string | null)[]): Map<string, ScanRef> => {
    const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
    if (wanted.length === 0) return new Map();
    const rows = db.select({ id: scans.id, capturedAt: scans.capturedAt, format: scans.format }).from(scans).where(inArray(scans.id, wanted)).all();
    return new Map(rows.map((r) => [r.id, r]));
  };
  /** The version that replaced a row (rows whose `amends_id` names it). */
  type Successor = { id: string; version: number; createdAt: number; measuredBy: string | null };
  const successorsOf = (ids: string[]): Map<string, Successor> => {
    if (ids.length === 0) return new Map();
    const rows = db
      .select({ id: assessments.id, version: assessments.version, createdAt: assessments.createdAt, measuredBy: assessments.measuredBy, amendsId: assessments.amendsId })
      .from(assessments)
      .where(inArray(assessments.amendsId, ids))
      .all();
    return new Map(rows.map((r) => [r.amendsId!, r]));
  };
  const toAssessment = (row: Row, who: Map<string, string>, scanRefs: Map<string, ScanRef>, successor: Successor | undefined): Assessment =>
    assessmentSchema.parse({
      id: row.id,
      woundId: row.woundId,
      scanId: row.scanId,
      scan: row.scanId === null ? null : (scanRefs.get(row.scanId) ?? null),
      measuredAt: row.measuredAt,
      savedAt: row.createdAt,
      method: row.method,
      modelVersion: row.modelVersion,
      figures: figuresOf(row),
      outline: row.outlineJson === null ? [] : outlineJsonSchema.parse(JSON.parse(row.outlineJson)),
      bodyAxis: row.bodyAxisJson === null ? null : vec3Schema.parse(JSON.parse(row.bodyAxisJson)),
      tissuePaint: row.tissuePaintJson === null ? [] : paintJsonSchema.parse(JSON.parse(row.tissuePaintJson)),
      details: row.detailsJson === null ? null : assessmentDetailsSchema.parse(JSON.parse(row.detailsJson)),
      measuredBy: ref(row.measuredBy, who),
      signedOffBy: ref(row.signedOffBy, who),
      signedOffAt: row.signedOffAt,
      signOffComment: row.signOffComment,
      voided: row.voidedAt === null ? null : { at: row.voidedAt, by: ref(row.voidedBy, who), reason: row.voidReason ?? '' },
      version: row.version,
      amends: row.amendsId === null ? null : { id: row.amendsId, reason: row.amendmentReason ?? '' },
      replacedBy: successor ? { id: successor.id, version: successor.version, at: successor.createdAt, by: ref(successor.measuredBy, who) } : null,
    });
  const toOne = (row: Row): Assessment => {
    const successor = successorsOf([row.id]).get(row.id);
    return toAssessment(row, names([...staffOf(row), successor?.measuredBy ?? null]), scansOf([row.scanId]), successor);
  };
  const rowOf = (id: string): Row | undefined => db.select().from(assessments).where(eq(assessments.id, id)).get();
  const read = (id: string): Assessment | null => {
    const row = rowOf(id);
    return row ? toOne(row) : null;
  };
  /** Staff ids only: `system` and devices are not staff and are not stored as measurers. */
  const staffIdOf = (actor: Actor): string | null => (db.select({ id: staff.id }).from(staff).where(eq(staff.id, actor.id)).get() ? actor.id : null);
  const reused = () => new AssessmentError('REQUEST_ID_REUSED', 'This save request was already used for another assessment; save again.');
  /** The unsaved row of an id, for a change that must see it unsigned and not void. */
  const changeable = (id: string): Row => {
    const row = rowOf(id);
    if (!row) throw new EntityNotFoundError('assessment', id);
    if (row.voidedAt !== null) throw new AssessmentError('ASSESSMENT_VOIDED', 'This assessment was voided.');
    if (row.signedOffAt !== null) throw new AssessmentError('ASSESSMENT_SIGNED', 'This assessment is already signed off.');
    return row;
  };

  return {
    create(input, actor) {
      const now = Date.now();
      const id = newId(now);
      const outline = outlineJsonSchema.parse(input.outline);
      const figures = toRow(input.figures);
      const details = input.details === undefined ? null : assessmentDetailsSchema.parse(input.details);
      const paint = input.tissuePaint === undefined || input.tissuePaint.length === 0 ? null : paintJsonSchema.parse(input.tissuePaint);
      record.transaction(() => {
        const scan = db.select({ id: scans.id, woundId: scans.woundId, capturedAt: scans.capturedAt }).from(scans).where(eq(scans.id, input.scanId)).get();
        if (!scan) throw new EntityNotFoundError('scan', input.scanId);
        if (input.requestId !== undefined && db.select({ id: assessments.id }).from(assessments).where(eq(assessments.requestId, input.requestId)).get()) throw reused();
        db.insert(assessments)
          .values({
            id,
            woundId: scan.woundId,
            scanId: scan.id,
            measuredAt: scan.capturedAt,
            ...figures,
            outlineJson: JSON.stringify(outline),
            outlineUnits: 'mm',
            bodyAxisJson: input.bodyAxis ? JSON.stringify(vec3Schema.parse(input.bodyAxis)) : null,
            tissuePaintJson: paint ? JSON.stringify(paint) : null,
            detailsJson: details ? JSON.stringify(details) : null,
            requestId: input.requestId ?? null,
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

    forRequest(requestId, scanId, actor) {
      return record.transaction(() => {
        const row = db.select().from(assessments).where(eq(assessments.requestId, requestId)).get();
        if (!row) return null;
        if (row.scanId !== scanId || row.measuredBy !== staffIdOf(actor)) throw reused();
        audit(actor, 'assessment.read', row.id);
        return toOne(row);
      });
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
        const who = names(rows.flatMap(staffOf));
        const scanRefs = scansOf(rows.map((r) => r.scanId));
        // Versions replace one another within a wound: the successor of each row is a row of the list.
        const successors = new Map(rows.filter((r) => r.amendsId !== null).map((r) => [r.amendsId!, r]));
        audit(actor, 'assessment.list', woundId);
        return rows.map((r) => toAssessment(r, who, scanRefs, successors.get(r.id)));
      });
    },

    signOff(id, actor, comment) {
      if (!actor.roles.includes('doctor')) throw new AssessmentError('FORBIDDEN', 'Only a doctor can sign an assessment off.');
      const text = comment?.trim() ? comment.trim() : null;
      record.transaction(() => {
        changeable(id);
        const now = Date.now();
        db.update(assessments)
          .set({ signedOffBy: actor.id, signedOffAt: now, signOffComment: text, updatedAt: now })
          .where(and(eq(assessments.id, id), isNull(assessments.signedOffAt), isNull(assessments.voidedAt)))
          .run();
        audit(actor, 'assessment.signoff', id);
      });
      return read(id)!;
    },

    void(id, reason, actor) {
      const why = reason.trim();
      if (why.length < 3) throw new AssessmentError('VOID_REASON_MISSING', 'Say why the assessment is void.');
      record.transaction(() => {
        changeable(id);
        const now = Date.now();
        db.update(assessments)
          .set({ voidedAt: now, voidedBy: staffIdOf(actor), voidReason: why, updatedAt: now })
          .where(and(eq(assessments.id, id), isNull(assessments.signedOffAt), isNull(assessments.voidedAt)))
          .run();
        audit(actor, 'assessment.void', id);
      });
      return read(id)!;
    },

    amend(id, input, actor) {
      if (!actor.roles.includes('doctor')) throw new AssessmentError('FORBIDDEN', 'Only a doctor can amend an assessment.');
      const now = Date.now();
      const newIdValue = newId(now);
      const outline = outlineJsonSchema.parse(input.outline);
      const figures = toRow(input.figures);
      try {
        record.transaction(() => {
          const old = rowOf(id);
          if (!old) throw new EntityNotFoundError('assessment', id);
          if (old.signedOffAt === null) throw new AssessmentError('NOT_SIGNED_OFF', 'Only a signed-off assessment is amended; this one can still be measured again, voided or signed off.');
          const newer = successorsOf([id]).get(id);
          if (newer) throw new AssessmentError('ALREADY_AMENDED', `This version was already amended (version ${newer.version}); amend the newest version.`);
          const details = input.details === undefined ? old.detailsJson : JSON.stringify(assessmentDetailsSchema.parse(input.details));
          const paint = input.tissuePaint === undefined ? old.tissuePaintJson : input.tissuePaint.length === 0 ? null : JSON.stringify(paintJsonSchema.parse(input.tissuePaint));
          db.insert(assessments)
            .values({
              id: newIdValue,
              woundId: old.woundId,
              scanId: old.scanId,
              measuredAt: old.measuredAt,
              ...figures,
              outlineJson: JSON.stringify(outline),
              outlineUnits: 'mm',
              bodyAxisJson: input.bodyAxis ? JSON.stringify(vec3Schema.parse(input.bodyAxis)) : old.bodyAxisJson,
              tissuePaintJson: paint,
              detailsJson: details,
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
          throw new AssessmentError('ALREADY_AMENDED', 'This version was already amended; amend the newest version.');
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
