/**
 * The baseline a doctor picked for a wound's healing figures. Without one the wound's first
 * assessment is its baseline (decided by the review, not stored). Audited: `wound.baseline`.
 */
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit';
import { EntityNotFoundError } from '../errors';
import type { ClinicRecord } from '../record';
import { assessments, staff, woundBaselines, wounds } from '../schema';
import { actorRole, type Actor } from './actor';

export interface WoundBaseline {
  assessmentId: string;
  pickedBy: { id: string; displayName: string } | null;
  pickedAt: number;
}

export interface WoundBaselinesRepository {
  /** The picked baseline (unaudited: read with the wound's assessments, which are). */
  get(woundId: string): WoundBaseline | null;
  /** Picks `assessmentId` (an assessment of this wound) as the baseline, or back to the first with null. */
  set(woundId: string, assessmentId: string | null, actor: Actor): WoundBaseline | null;
}

export function createWoundBaselinesRepository(record: ClinicRecord): WoundBaselinesRepository {
  const { db } = record;
  const get = (woundId: string): WoundBaseline | null => {
    const row = db
      .select({ assessmentId: woundBaselines.assessmentId, pickedBy: woundBaselines.pickedBy, pickedAt: woundBaselines.pickedAt, name: staff.displayName })
      .from(woundBaselines)
      .leftJoin(staff, eq(staff.id, woundBaselines.pickedBy))
      .where(eq(woundBaselines.woundId, woundId))
      .get();
    if (!row) return null;
    return { assessmentId: row.assessmentId, pickedAt: row.pickedAt, pickedBy: row.pickedBy === null ? null : { id: row.pickedBy, displayName: row.name ?? 'unknown' } };
  };
  return {
    get,
    set(woundId, assessmentId, actor) {
      record.transaction(() => {
        if (!db.select({ id: wounds.id }).from(wounds).where(eq(wounds.id, woundId)).get()) throw new EntityNotFoundError('wound', woundId);
        if (assessmentId === null) {
          db.delete(woundBaselines).where(eq(woundBaselines.woundId, woundId)).run();
        } else {
          // Another wound's assessment (or none) is not found here: no hint that it exists elsewhere.
          if (!db.select({ id: assessments.id }).from(assessments).where(and(eq(assessments.id, assessmentId), eq(assessments.woundId, woundId))).get()) throw new EntityNotFoundError('assessment', assessmentId);
          const pickedBy = db.select({ id: staff.id }).from(staff).where(eq(staff.id, actor.id)).get() ? actor.id : null;
          const values = { woundId, assessmentId, pickedBy, pickedAt: Date.now() };
          db.insert(woundBaselines).values(values).onConflictDoUpdate({ target: woundBaselines.woundId, set: { assessmentId, pickedBy, pickedAt: values.pickedAt } }).run();
        }
        appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'wound.baseline', entity: 'wound', entityId: woundId });
      });
      return get(woundId);
    },
  };
}
