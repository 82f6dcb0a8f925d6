/**
 * The home screen of each role (issue 21, point 8), read from the clinic record:
 *
 * - **Today's patients** (nurses, doctors): there is no booking yet for most clinics, so "today"
 *   is what the record knows — patients booked today (the `appointments` table, which clinic
 *   operations fill), patients with a scan captured or imported today, or an assessment saved
 *   today, and the patients this person opened in the last days. Each of these is a
 *   `TodaySource`; bookings are one of them, so the operations branch's appointments show up
 *   without another change here.
 * - **Awaiting sign-off** (doctors): assessments nobody has signed off (nor voided), oldest first.
 * - **Overview** (managers): the clinic's patients as bookings and billing need them.
 *
 * Each read is audited like any list of patient data (ids only).
 */
import { and, asc, desc, eq, gte, inArray, isNull, lt, notInArray, or, sql, count } from 'drizzle-orm';
import type { AwaitingSignOff, HomePatient, ManagerOverview, TodayPatient, TodayReason } from '../../common/home';
import { appendAudit, tables, type Actor, type ClinicRecord } from '../records/index';

const { appointments, assessments, auditLog, patients, scans, staff, wounds } = tables;

export interface DayRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

/** One reason a patient belongs on today's list. */
export interface TodaySource {
  readonly kind: TodayReason;
  patientsFor(record: ClinicRecord, day: DayRange, actor: Actor): Array<{ patientId: string; at: number }>;
}

/** How far back "recently opened" reaches. */
export const RECENTLY_OPENED_MS = 3 * 24 * 3_600_000;
const RECENTLY_OPENED_MAX = 10;

/** Booked today and not cancelled: the appointments clinic operations write (none until bookings exist). */
export const bookingsSource: TodaySource = {
  kind: 'booking',
  patientsFor: (record, day) =>
    record.db
      .select({ patientId: appointments.patientId, at: appointments.startsAt })
      .from(appointments)
      .where(and(gte(appointments.startsAt, day.from), lt(appointments.startsAt, day.to), notInArray(appointments.status, ['cancelled', 'no_show'])))
      .all(),
};

/** A scan captured today, or imported today (a scan captured yesterday and brought in this morning). */
export const scansSource: TodaySource = {
  kind: 'scan',
  patientsFor: (record, day) =>
    record.db
      .select({ patientId: wounds.patientId, at: sql<number>`max(${scans.createdAt})` })
      .from(scans)
      .innerJoin(wounds, eq(wounds.id, scans.woundId))
      .where(or(and(gte(scans.capturedAt, day.from), lt(scans.capturedAt, day.to)), and(gte(scans.createdAt, day.from), lt(scans.createdAt, day.to))))
      .groupBy(wounds.patientId)
      .all(),
};

export const assessmentsSource: TodaySource = {
  kind: 'assessment',
  patientsFor: (record, day) =>
    record.db
      .select({ patientId: wounds.patientId, at: sql<number>`max(${assessments.createdAt})` })
      .from(assessments)
      .innerJoin(wounds, eq(wounds.id, assessments.woundId))
      .where(and(gte(assessments.createdAt, day.from), lt(assessments.createdAt, day.to)))
      .groupBy(wounds.patientId)
      .all(),
};

/** The patients this person opened lately (their own `patient.read` rows of the audit log). */
export const recentlyOpenedSource: TodaySource = {
  kind: 'opened',
  patientsFor(record, day, actor) {
    const rows = record.db
      .select({ patientId: auditLog.entityId, at: auditLog.at })
      .from(auditLog)
      .where(and(eq(auditLog.actorId, actor.id), eq(auditLog.action, 'patient.read'), gte(auditLog.at, day.to - RECENTLY_OPENED_MS)))
      .orderBy(desc(auditLog.seq))
      .limit(200)
      .all();
    const seen = new Map<string, number>();
    for (const r of rows) if (r.patientId && !seen.has(r.patientId) && seen.size < RECENTLY_OPENED_MAX) seen.set(r.patientId, r.at);
    return [...seen].map(([patientId, at]) => ({ patientId, at }));
  },
};

export const DEFAULT_TODAY_SOURCES: readonly TodaySource[] = [bookingsSource, scansSource, assessmentsSource, recentlyOpenedSource];

const patientColumns = { id: patients.id, mrn: patients.mrn, givenName: patients.givenName, familyName: patients.familyName, dateOfBirth: patients.dateOfBirth };

function patientsById(record: ClinicRecord, ids: string[]): Map<string, HomePatient> {
  if (ids.length === 0) return new Map();
  return new Map(record.db.select(patientColumns).from(patients).where(inArray(patients.id, ids)).all().map((p) => [p.id, p]));
}

const role = (actor: Actor) => (actor.roles.length ? [...actor.roles].sort().join(',') : 'none');

export interface HomeService {
  today(record: ClinicRecord, day: DayRange, actor: Actor): TodayPatient[];
  awaitingSignOff(record: ClinicRecord, actor: Actor): { items: AwaitingSignOff[]; total: number };
  managerOverview(record: ClinicRecord, day: DayRange, actor: Actor, now?: number): ManagerOverview;
}

export function createHomeService(options: { sources?: readonly TodaySource[] } = {}): HomeService {
  const sources = options.sources ?? DEFAULT_TODAY_SOURCES;
  return {
    today(record, day, actor) {
      return record.transaction(() => {
        const byPatient = new Map<string, TodayPatient['reasons']>();
        for (const source of sources) {
          for (const hit of source.patientsFor(record, day, actor)) {
            const reasons = byPatient.get(hit.patientId) ?? [];
            if (!reasons.some((r) => r.kind === source.kind)) reasons.push({ kind: source.kind, at: hit.at });
            byPatient.set(hit.patientId, reasons);
          }
        }
        const found = patientsById(record, [...byPatient.keys()]);
        const out: TodayPatient[] = [];
        for (const [id, reasons] of byPatient) {
          const patient = found.get(id);
          if (patient) out.push({ patient, reasons: reasons.sort((a, b) => b.at - a.at) });
        }
        // Booked patients first (the day's plan), then the most recent activity.
        const booked = (p: TodayPatient) => p.reasons.find((r) => r.kind === 'booking')?.at;
        out.sort((a, b) => {
          const ba = booked(a);
          const bb = booked(b);
          if (ba !== undefined || bb !== undefined) return (ba ?? Infinity) - (bb ?? Infinity);
          return b.reasons[0]!.at - a.reasons[0]!.at;
        });
        appendAudit(record, { actorId: actor.id, actorRole: role(actor), action: 'patient.list_today', entity: 'patient', entityId: null });
        return out;
      });
    },

    awaitingSignOff(record, actor) {
      return record.transaction(() => {
        // Voided assessments count nowhere: nothing to sign off.
        const unsigned = and(isNull(assessments.signedOffAt), isNull(assessments.voidedAt));
        const rows = record.db
          .select({ assessmentId: assessments.id, woundId: assessments.woundId, patientId: wounds.patientId, bodySite: wounds.bodySite, measuredAt: assessments.measuredAt, measuredBy: staff.displayName, areaMm2: assessments.areaMm2 })
          .from(assessments)
          .innerJoin(wounds, eq(wounds.id, assessments.woundId))
          .leftJoin(staff, eq(staff.id, assessments.measuredBy))
          .where(unsigned)
          .orderBy(asc(assessments.measuredAt), asc(assessments.id))
          .limit(50)
          .all();
        const total = record.db.select({ n: count() }).from(assessments).where(unsigned).get()?.n ?? 0;
        const found = patientsById(record, [...new Set(rows.map((r) => r.patientId))]);
        appendAudit(record, { actorId: actor.id, actorRole: role(actor), action: 'assessment.list_unsigned', entity: 'assessment', entityId: null });
        const items = rows.flatMap((r) => {
          const patient = found.get(r.patientId);
          return patient ? [{ assessmentId: r.assessmentId, woundId: r.woundId, patient, bodySite: r.bodySite, measuredAt: r.measuredAt, measuredBy: r.measuredBy, areaCm2: r.areaMm2 === null ? null : Math.round(r.areaMm2) / 100 }] : [];
        });
        return { items, total };
      });
    },

    managerOverview(record, day, actor, now = Date.now()) {
      return record.transaction(() => {
        const weekAgo = now - 7 * 24 * 3_600_000;
        const total = record.db.select({ n: count() }).from(patients).get()?.n ?? 0;
        const recent = gte(patients.createdAt, weekAgo);
        const newPatients = record.db.select({ ...patientColumns, createdAt: patients.createdAt }).from(patients).where(recent).orderBy(desc(patients.createdAt)).limit(10).all();
        const newPatientsCount = record.db.select({ n: count() }).from(patients).where(recent).get()?.n ?? 0;
        const noContact = and(isNull(patients.phone), isNull(patients.email));
        const withoutContact = record.db.select(patientColumns).from(patients).where(noContact).orderBy(asc(patients.familyKey), asc(patients.givenKey)).limit(10).all();
        const withoutContactCount = record.db.select({ n: count() }).from(patients).where(noContact).get()?.n ?? 0;
        const bookingsToday = bookingsSource.patientsFor(record, day, actor).length;
        appendAudit(record, { actorId: actor.id, actorRole: role(actor), action: 'patient.list_overview', entity: 'patient', entityId: null });
        return { patients: total, newPatients, newPatientsCount, withoutContact, withoutContactCount, bookingsToday };
      });
    },
  };
}
