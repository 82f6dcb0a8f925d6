import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAssessmentsRepository, createClinicRecord, createPatientsRepository, createScansRepository, createWoundsRepository, listAudit, tables, type ClinicRecord, type PatientsRepository } from '../records/index';
import { silentLogger } from '../shared/logger';
import { createHomeService } from './home.service';

// A real encrypted record in a temp dir, through the records' public API only.
let dir: string;
let record: ClinicRecord;
let patients: PatientsRepository;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cw-home-'));
  const created = createClinicRecord({ file: join(dir, 'record.db'), key: randomBytes(32), clinicId: randomUUID(), clinicName: 'Home Clinic', logger: silentLogger });
  if (!created.ok) throw created.error;
  record = created.record;
  patients = createPatientsRepository(record);
});
afterEach(() => {
  record.dispose();
  rmSync(dir, { recursive: true, force: true });
});
const db = { get record() { return record; } };
const nurse = { id: '0190aaaa-0000-7000-8000-000000000001', roles: ['nurse'] as const };
const doctor = { id: '0190aaaa-0000-7000-8000-000000000002', roles: ['doctor'] as const };

const HOUR = 3_600_000;
const person = (mrn: string, givenName: string, familyName: string, extra: { phone?: string } = {}) => ({ mrn, givenName, familyName, dateOfBirth: '1950-05-04', sex: 'female' as const, ...extra });
const figures = { area_cm2: 4.25, projected_area_cm2: 4.2, perimeter_cm: 8, length_cm: 3, width_cm: 2, max_depth_mm: 3, mean_depth_mm: 1, volume_cm3: 0.5, raised_volume_cm3: 0, tissue_pct: null, tissue_confirmed_pct: null, tissue_unavailable_reason: 'no colour', head_to_toe_length_cm: null, width_across_cm: null };

function scanOf(woundId: string, capturedAt: number, id: string) {
  return { id, woundId, capturedAt, format: 'ply' as const, pointCount: 10, bbox: { min: [0, 0, 0] as [number, number, number], max: [1, 1, 1] as [number, number, number] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: '0'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json' };
}

describe('home screens (issue 21 point 8)', () => {
  it("today's patients: booked, scanned or assessed today, or opened lately by this nurse — each with why, booked first; nothing else", () => {
    const home = createHomeService();
    const wounds = createWoundsRepository(db.record);
    const scans = createScansRepository(db.record);
    const now = Date.now();
    const day = { from: now - 2 * HOUR, to: now + 22 * HOUR };
    const scanned = patients.create(person('MRN-0001', 'Ada', 'Lovelace'), nurse);
    const assessed = patients.create(person('MRN-0002', 'Grace', 'Hopper'), nurse);
    const opened = patients.create(person('MRN-0003', 'Mary', 'Somerville'), nurse);
    const booked = patients.create(person('MRN-0004', 'Emmy', 'Noether'), nurse);
    const yesterday = patients.create(person('MRN-0005', 'Lise', 'Meitner'), nurse);
    const w1 = wounds.create({ patientId: scanned.id, bodySite: 'heel', etiology: 'pressure_injury' }, nurse);
    const w2 = wounds.create({ patientId: assessed.id, bodySite: 'shin', etiology: 'venous_leg_ulcer' }, nurse);
    const w5 = wounds.create({ patientId: yesterday.id, bodySite: 'toe', etiology: 'diabetic_foot_ulcer' }, nurse);
    scans.insert(scanOf(w1.id, now - HOUR, 'scan-today-0001'), nurse);
    const s2 = scans.insert(scanOf(w2.id, now - 30 * HOUR, 'scan-older-0002'), nurse);
    // Yesterday's scan, imported yesterday: not today.
    scans.insert(scanOf(w5.id, now - 30 * HOUR, 'scan-yester-0005'), nurse);
    record.db.update(tables.scans).set({ createdAt: now - 30 * HOUR }).where(inArray(tables.scans.id, ['scan-older-0002', 'scan-yester-0005'])).run();
    createAssessmentsRepository(db.record).create({ scanId: s2.id, method: 'manual', modelVersion: null, figures, outline: [[0, 0, 0], [1, 0, 0], [0, 1, 0]] }, nurse);
    patients.get(opened.id, nurse);
    // Another nurse opening a patient does not put it on this nurse's list.
    patients.get(yesterday.id, { id: 'another-nurse-000001', roles: ['nurse'] });
    // A booking today (the appointments clinic operations write), and a cancelled one.
    record.db
      .insert(tables.appointments)
      .values([
        { id: 'appt-000000001', patientId: booked.id, startsAt: now + 3 * HOUR, endsAt: now + 4 * HOUR, kind: 'clinic', status: 'booked', createdAt: now, updatedAt: now },
        { id: 'appt-000000002', patientId: yesterday.id, startsAt: now + 5 * HOUR, endsAt: now + 6 * HOUR, kind: 'clinic', status: 'cancelled', createdAt: now, updatedAt: now },
      ])
      .run();

    const list = home.today(db.record, day, nurse);
    expect(list.map((p) => [p.patient.familyName, p.reasons.map((r) => r.kind)])).toEqual([
      ['Noether', ['booking']],
      ['Somerville', ['opened']],
      ['Hopper', ['assessment']],
      ['Lovelace', ['scan']],
    ]);
    expect(listAudit(db.record, { limit: 1 })[0]).toMatchObject({ action: 'patient.list_today', actorId: nurse.id, entityId: null });
    // The next day the activity is gone (but what she opened lately stays for a few days).
    expect(home.today(db.record, { from: day.to, to: day.to + 24 * HOUR }, nurse).map((p) => p.patient.familyName)).toEqual(['Somerville']);
  });

  it('assessments awaiting sign-off, oldest clinical date first, with patient, wound and who measured; signed and voided ones drop off', () => {
    const home = createHomeService();
    const wounds = createWoundsRepository(db.record);
    const scans = createScansRepository(db.record);
    const assessments = createAssessmentsRepository(db.record);
    const t = Date.now();
    for (const [id, username, displayName] of [[nurse.id, 'nora', 'Nora Nurse'], [doctor.id, 'dora', 'Dora Doctor']] as const) record.db.insert(tables.staff).values({ id, username, displayName, passwordHash: 'x', createdAt: t, updatedAt: t }).run();
    const p = patients.create(person('MRN-0010', 'Ada', 'Lovelace'), nurse);
    const w = wounds.create({ patientId: p.id, bodySite: 'left heel', etiology: 'pressure_injury' }, nurse);
    // The clinical date is the scan's capture time: the older scan's assessment comes first.
    const older = scans.insert(scanOf(w.id, Date.now() - 2 * HOUR, 'scan-sign-00001'), nurse);
    const newer = scans.insert(scanOf(w.id, Date.now() - HOUR, 'scan-sign-00002'), nurse);
    const a2 = assessments.create({ scanId: newer.id, method: 'manual', modelVersion: null, figures, outline: [[0, 0, 0], [1, 0, 0], [0, 1, 0]] }, nurse);
    const a1 = assessments.create({ scanId: older.id, method: 'manual', modelVersion: null, figures, outline: [[0, 0, 0], [1, 0, 0], [0, 1, 0]] }, nurse);
    // A voided assessment (day-a's void column) waits for nobody.
    const voided = assessments.create({ scanId: newer.id, method: 'manual', modelVersion: null, figures, outline: [[0, 0, 0], [1, 0, 0], [0, 1, 0]] }, nurse);
    assessments.void(voided.id, 'outlined the wrong wound', nurse);
    let waiting = home.awaitingSignOff(db.record, doctor);
    expect(waiting.total).toBe(2);
    expect(waiting.items.map((i) => i.assessmentId)).toEqual([a1.id, a2.id]);
    expect(waiting.items[0]).toMatchObject({ woundId: w.id, bodySite: 'left heel', patient: { familyName: 'Lovelace', mrn: 'MRN-0010' }, areaCm2: 4.25, measuredBy: 'Nora Nurse' });
    assessments.signOff(a1.id, doctor);
    waiting = home.awaitingSignOff(db.record, doctor);
    expect(waiting.items.map((i) => i.assessmentId)).toEqual([a2.id]);
    expect(listAudit(db.record, { limit: 1 })[0]).toMatchObject({ action: 'assessment.list_unsigned', actorId: doctor.id });
  });

  it("a manager's overview: how many patients, who is new this week, who cannot be reached, today's bookings", () => {
    const home = createHomeService();
    const manager = { id: '0190aaaa-0000-7000-8000-000000000003', roles: ['manager'] as const };
    const now = Date.now();
    patients.create(person('MRN-0020', 'Ada', 'Lovelace', { phone: '+44 20 7946 0000' }), nurse);
    const old = patients.create(person('MRN-0021', 'Grace', 'Hopper'), nurse);
    record.db.update(tables.patients).set({ createdAt: now - 30 * 24 * HOUR }).where(and(eq(tables.patients.id, old.id))).run();
    let o = home.managerOverview(db.record, { from: now - HOUR, to: now + 23 * HOUR }, manager, now);
    expect(o).toMatchObject({ patients: 2, newPatientsCount: 1, withoutContactCount: 1, bookingsToday: 0 });
    // Bookings in clinic operations' status words: checked in and completed count, a no-show or a cancellation does not.
    const appt = (id: string, status: 'checked_in' | 'completed' | 'no_show' | 'cancelled') => ({ id, patientId: old.id, startsAt: now + HOUR, endsAt: now + 2 * HOUR, kind: 'clinic' as const, status, createdAt: now, updatedAt: now });
    record.db.insert(tables.appointments).values([appt('appt-000000011', 'checked_in'), appt('appt-000000012', 'completed'), appt('appt-000000013', 'no_show'), appt('appt-000000014', 'cancelled')]).run();
    o = home.managerOverview(db.record, { from: now - HOUR, to: now + 23 * HOUR }, manager, now);
    expect(o.bookingsToday).toBe(2);
    expect(o.newPatients.map((p) => p.familyName)).toEqual(['Lovelace']);
    expect(o.withoutContact.map((p) => p.familyName)).toEqual(['Hopper']);
    expect(listAudit(db.record, { limit: 1 })[0]).toMatchObject({ action: 'patient.list_overview', actorId: manager.id });
  });
});
