/** Patients: demographics only. Every call is audited (ids only; never the search text). */
import { and, asc, eq, gt, or, sql, type SQL } from 'drizzle-orm';
import { patientInputSchema, patientSchema, patientSearchSchema, patientUpdateSchema, type Patient, type PatientInput, type PatientPage, type PatientSearch, type PatientUpdate } from '../../../common/records';
import { appendAudit } from '../audit';
import { ConflictError, EntityNotFoundError, sqliteCode } from '../errors';
import { newId } from '../ids';
import type { ClinicRecord } from '../record';
import { patients } from '../schema';
import { actorRole, type Actor } from './actor';
import { searchKey, searchWords } from './search-key';

export interface PatientsRepository {
  create(input: PatientInput, actor: Actor): Patient;
  update(id: string, patch: PatientUpdate, actor: Actor): Patient;
  get(id: string, actor: Actor): Patient | null;
  /**
   * Every patient whose name or MRN contains each word of the query (any part of a name, either
   * order, the displayed "Family, Given" too; case and accents ignored); ordered by family, given
   * name; paged.
   */
  search(query: PatientSearch, actor: Actor): PatientPage;
}

/** The columns that leave the repository (the search keys stay inside). */
const columns = {
  id: patients.id,
  mrn: patients.mrn,
  givenName: patients.givenName,
  familyName: patients.familyName,
  dateOfBirth: patients.dateOfBirth,
  sex: patients.sex,
  phone: patients.phone,
  email: patients.email,
  address: patients.address,
  createdAt: patients.createdAt,
  updatedAt: patients.updatedAt,
};

/** An FTS5 phrase: the word in double quotes (quotes doubled), so no character is an operator. */
const phrase = (word: string): string => `"${word.replaceAll('"', '""')}"`;

/**
 * The search statement (exported so its query plan is tested as built). Words of 3 or more
 * characters go through the trigram index of `patient_search` (migration 0003: folded family and
 * given name and the MRN, kept in step by triggers); shorter words, which a trigram index cannot
 * answer, are checked with instr() on the rows the index found (or on every row when the query
 * has no longer word: a clinic's patient list, still inside the encrypted record).
 */
export function buildPatientSearch(db: ClinicRecord['db'], query: string, limit: number, after?: { f: string; g: string; id: string }) {
  const words = searchWords(query);
  const long = words.filter((w) => [...w].length >= 3);
  const conditions: SQL[] = words.filter((w) => [...w].length < 3).map((w) => sql`instr(doc, ${w}) > 0`);
  if (long.length) conditions.unshift(sql`patient_search MATCH ${long.map(phrase).join(' AND ')}`);
  const match = words.length ? sql`${patients.id} IN (SELECT patient_id FROM patient_search WHERE ${and(...conditions)})` : sql`0`;
  const afterLast = after
    ? or(gt(patients.familyKey, after.f), and(eq(patients.familyKey, after.f), gt(patients.givenKey, after.g)), and(eq(patients.familyKey, after.f), eq(patients.givenKey, after.g), gt(patients.id, after.id)))
    : undefined;
  return db
    .select(columns)
    .from(patients)
    .where(and(match, afterLast))
    .orderBy(asc(patients.familyKey), asc(patients.givenKey), asc(patients.id))
    .limit(limit);
}

export function createPatientsRepository(record: ClinicRecord): PatientsRepository {
  const { db } = record;
  const audit = (actor: Actor, action: string, entityId: string | null): void => {
    appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'patient', entityId });
  };
  const read = (id: string): Patient | null => {
    const row = db.select(columns).from(patients).where(eq(patients.id, id)).get();
    return row ? patientSchema.parse(row) : null;
  };
  const mrnConflict = (error: unknown): unknown => (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE' ? new ConflictError('patient', 'MRN') : error);

  return {
    create(input, actor) {
      const p = patientInputSchema.parse(input);
      const now = Date.now();
      const id = newId(now);
      try {
        record.transaction(() => {
          db.insert(patients)
            .values({ ...p, id, givenKey: searchKey(p.givenName), familyKey: searchKey(p.familyName), createdAt: now, updatedAt: now })
            .run();
          audit(actor, 'patient.create', id);
        });
      } catch (error) {
        throw mrnConflict(error);
      }
      return read(id)!;
    },

    update(id, patch, actor) {
      const p = patientUpdateSchema.parse(patch);
      try {
        record.transaction(() => {
          const changes = {
            ...p,
            ...(p.givenName !== undefined ? { givenKey: searchKey(p.givenName) } : {}),
            ...(p.familyName !== undefined ? { familyKey: searchKey(p.familyName) } : {}),
            updatedAt: Date.now(),
          };
          const result = db.update(patients).set(changes).where(eq(patients.id, id)).run();
          if (result.changes === 0) throw new EntityNotFoundError('patient', id);
          audit(actor, 'patient.update', id);
        });
      } catch (error) {
        throw mrnConflict(error);
      }
      return read(id)!;
    },

    get(id, actor) {
      return record.transaction(() => {
        const patient = read(id);
        if (patient) audit(actor, 'patient.read', id);
        return patient;
      });
    },

    search(query, actor) {
      const q = patientSearchSchema.parse(query);
      let after: { f: string; g: string; id: string } | undefined;
      if (q.cursor) after = db.select({ f: patients.familyKey, g: patients.givenKey, id: patients.id }).from(patients).where(eq(patients.id, q.cursor)).get();
      return record.transaction(() => {
        const rows = buildPatientSearch(record.db, q.query, q.limit + 1, after).all();
        const items = rows.slice(0, q.limit).map((r) => patientSchema.parse(r));
        audit(actor, 'patient.search', null);
        return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
      });
    },
  };
}
