/** Wounds of a patient. Clinical data: audited on every read and change. */
import { and, asc, eq } from 'drizzle-orm';
import { woundInputSchema, woundSchema, woundUpdateSchema, type Wound, type WoundInput, type WoundUpdate } from '../../../common/records';
import { appendAudit } from '../audit';
import { EntityNotFoundError, sqliteCode } from '../errors';
import { newId } from '../ids';
import type { ClinicRecord } from '../record';
import { patients, wounds } from '../schema';
import { actorRole, type Actor } from './actor';

export interface WoundsRepository {
  create(input: WoundInput, actor: Actor): Wound;
  update(id: string, patch: WoundUpdate, actor: Actor): Wound;
  get(id: string, actor: Actor): Wound | null;
  listByPatient(patientId: string, actor: Actor, options?: { status?: Wound['status'] }): Wound[];
}

export function createWoundsRepository(record: ClinicRecord): WoundsRepository {
  const { db } = record;
  const audit = (actor: Actor, action: string, entityId: string | null): void => {
    appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'wound', entityId });
  };
  const read = (id: string): Wound | null => {
    const row = db.select().from(wounds).where(eq(wounds.id, id)).get();
    return row ? woundSchema.parse(row) : null;
  };

  return {
    create(input, actor) {
      const w = woundInputSchema.parse(input);
      const now = Date.now();
      const id = newId(now);
      try {
        record.transaction(() => {
          db.insert(wounds)
            .values({ ...w, id, createdAt: now, updatedAt: now })
            .run();
          audit(actor, 'wound.create', id);
        });
      } catch (error) {
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new EntityNotFoundError('patient', w.patientId);
        throw error;
      }
      return read(id)!;
    },

    update(id, patch, actor) {
      const p = woundUpdateSchema.parse(patch);
      record.transaction(() => {
        const current = read(id);
        if (!current) throw new EntityNotFoundError('wound', id);
        // Check the merged row, so a patch cannot leave a stage on a wound that is no longer a pressure injury.
        woundSchema.parse({ ...current, ...p });
        woundInputSchema.parse({ ...current, ...p });
        db.update(wounds)
          .set({ ...p, updatedAt: Date.now() })
          .where(eq(wounds.id, id))
          .run();
        audit(actor, 'wound.update', id);
      });
      return read(id)!;
    },

    get(id, actor) {
      return record.transaction(() => {
        const wound = read(id);
        if (wound) audit(actor, 'wound.read', id);
        return wound;
      });
    },

    listByPatient(patientId, actor, options = {}) {
      return record.transaction(() => {
        if (!db.select({ id: patients.id }).from(patients).where(eq(patients.id, patientId)).get()) throw new EntityNotFoundError('patient', patientId);
        const rows = db
          .select()
          .from(wounds)
          .where(and(eq(wounds.patientId, patientId), options.status ? eq(wounds.status, options.status) : undefined))
          .orderBy(asc(wounds.createdAt), asc(wounds.id))
          .all();
        audit(actor, 'wound.list', patientId);
        return rows.map((r) => woundSchema.parse(r));
      });
    },
  };
}
