/**
 * Signed-off assessments are immutable in the record itself (triggers), and corrections are
 * amendments: a new version naming the one it replaces and why, the old one kept as signed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssessmentFigures } from '../../../common/assessments';
import { listAudit, verifyAuditChain } from '../audit';
import { EntityNotFoundError } from '../errors';
import { createDb, tableRows, type TestDb } from '../test-helpers';
import { AssessmentError, createAssessmentsRepository, type AssessmentsRepository } from './assessments';
import { createPatientsRepository } from './patients';
import { createScansRepository } from './scans';
import { createStaffRepository } from './staff';
import { createWoundsRepository } from './wounds';
import { SYSTEM_ACTOR, type Actor } from './actor';

let db: TestDb;
let repo: AssessmentsRepository;
let nurse: Actor;
let doctor: Actor;
let woundId: string;
const scanId = '0190aaaa-0000-7000-8000-00000000c0de';

const figures: AssessmentFigures = {
  area_cm2: 4.25,
  projected_area_cm2: 4.1,
  perimeter_cm: 7.5,
  length_cm: 2.75,
  width_cm: 1.9,
  max_depth_mm: 6.2,
  mean_depth_mm: 3.1,
  volume_cm3: 1.32,
  raised_volume_cm3: 0.04,
  tissue_pct: null,
  tissue_confirmed_pct: null,
  tissue_unavailable_reason: 'the scan has no colour',
  head_to_toe_length_cm: null,
  width_across_cm: null,
};
const outline: [number, number, number][] = [[0, 0, 0], [20, 0, 0], [20, 15, 1], [0, 15, 0.5]];
const smaller: [number, number, number][] = [[2, 2, 0], [18, 2, 0], [18, 13, 1], [2, 13, 0.5]];

function expectAssessmentError(code: AssessmentError['code'], fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AssessmentError);
    expect((error as AssessmentError).code).toBe(code);
    return;
  }
  throw new Error(`expected AssessmentError ${code}`);
}

beforeEach(() => {
  db = createDb();
  const staff = createStaffRepository(db.record);
  nurse = { id: staff.create({ username: 'nora', displayName: 'Nora Nurse', passwordHash: 'scrypt$x', roles: ['nurse'] }, SYSTEM_ACTOR).id, roles: ['nurse'] };
  doctor = { id: staff.create({ username: 'dan', displayName: 'Dan Doctor', passwordHash: 'scrypt$y', roles: ['doctor'] }, SYSTEM_ACTOR).id, roles: ['doctor'] };
  const patient = createPatientsRepository(db.record).create({ mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1960-05-04', sex: 'female' }, nurse);
  woundId = createWoundsRepository(db.record).create({ patientId: patient.id, bodySite: 'heel', etiology: 'diabetic_foot_ulcer' }, nurse).id;
  createScansRepository(db.record).insert(
    { id: scanId, woundId, capturedAt: 1, format: 'ply', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'a'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json' },
    nurse,
  );
  repo = createAssessmentsRepository(db.record);
});
afterEach(() => db.dispose());

describe('signed-off assessments are immutable in the record', () => {
  it('the record refuses UPDATE and DELETE of a signed-off row, whoever asks (a trigger, not the app)', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    // Before sign-off the row may still change (sign-off itself is an update).
    db.raw.prepare('UPDATE assessments SET area_mm2 = 400 WHERE id = ?').run(a.id);
    repo.signOff(a.id, doctor);
    expect(() => db.raw.prepare('UPDATE assessments SET area_mm2 = 1 WHERE id = ?').run(a.id)).toThrow(/ASSESSMENT_SIGNED/);
    expect(() => db.raw.prepare('UPDATE assessments SET signed_off_at = NULL WHERE id = ?').run(a.id)).toThrow(/ASSESSMENT_SIGNED/);
    expect(() => db.raw.prepare('DELETE FROM assessments WHERE id = ?').run(a.id)).toThrow(/ASSESSMENT_SIGNED/);
    expect(tableRows(db, 'assessments')[0]).toMatchObject({ id: a.id, area_mm2: 400, signed_off_by: doctor.id });
    // Signing off twice is refused before the record would be asked.
    expect(() => repo.signOff(a.id, doctor)).toThrow(/already signed off/);
  });

  it('an amendment is a new version with the reason; the old one is kept, shown as replaced; both audited', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    repo.signOff(a.id, doctor);
    const amended = repo.amend(a.id, { method: 'manual', modelVersion: null, figures: { ...figures, area_cm2: 3.5 }, outline: smaller, reason: 'The outline took in healthy skin at the 3 o’clock edge.' }, doctor);
    expect(amended).toMatchObject({
      woundId,
      scanId,
      measuredAt: 1, // the same visit: the scan's capture time
      version: 2,
      amends: { id: a.id, reason: 'The outline took in healthy skin at the 3 o’clock edge.' },
      replacedBy: null,
      measuredBy: { id: doctor.id, displayName: 'Dan Doctor' },
      signedOffBy: null,
      outline: smaller,
    });
    expect(amended.figures.area_cm2).toBe(3.5);
    const old = repo.get(a.id, doctor)!;
    expect(old.figures.area_cm2).toBe(4.25); // as signed
    expect(old.signedOffBy?.id).toBe(doctor.id);
    expect(old.replacedBy).toMatchObject({ id: amended.id, version: 2, by: { id: doctor.id, displayName: 'Dan Doctor' } });
    expect(repo.listByWound(woundId, doctor).map((x) => [x.version, x.replacedBy?.id ?? null])).toEqual([[2, null], [1, amended.id]]);
    const actions = listAudit(db.record, {}).map((e) => [e.action, e.entityId]);
    expect(actions).toContainEqual(['assessment.amend', amended.id]);
    expect(actions).toContainEqual(['assessment.replaced', a.id]);
    expect(verifyAuditChain(db.record).ok).toBe(true);
    // The amendment is signed off in turn, and amended again from the newest version only.
    repo.signOff(amended.id, doctor);
    expectAssessmentError('ALREADY_AMENDED', () => repo.amend(a.id, { method: 'manual', modelVersion: null, figures, outline, reason: 'again from the old one' }, doctor));
    const third = repo.amend(amended.id, { method: 'manual', modelVersion: null, figures, outline, reason: 'Back to the first outline after review.' }, doctor);
    expect(third.version).toBe(3);
  });

  it('refuses amending an unsigned assessment, a nurse amending, and an unknown id — writing nothing', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    const before = tableRows(db, 'assessments').length;
    expectAssessmentError('NOT_SIGNED_OFF', () => repo.amend(a.id, { method: 'manual', modelVersion: null, figures, outline, reason: 'a correction' }, doctor));
    repo.signOff(a.id, doctor);
    expectAssessmentError('FORBIDDEN', () => repo.amend(a.id, { method: 'manual', modelVersion: null, figures, outline, reason: 'a correction' }, nurse));
    expect(() => repo.amend('0190aaaa-0000-7000-8000-00000000dead', { method: 'manual', modelVersion: null, figures, outline, reason: 'a correction' }, doctor)).toThrow(EntityNotFoundError);
    expect(tableRows(db, 'assessments')).toHaveLength(before);
  });

  it('the record refuses an amendment row that does not follow a signed-off version of the same scan', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    const row = tableRows(db, 'assessments')[0]!;
    const insert = (patch: Record<string, unknown>) => {
      const values: Record<string, unknown> = { ...row, id: `0190aaaa-0000-7000-8000-${String(Math.random()).slice(2, 14).padEnd(12, '0')}`, signed_off_by: null, signed_off_at: null, ...patch };
      const keys = Object.keys(values);
      db.raw.prepare(`INSERT INTO assessments (${keys.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`).run(...keys.map((k) => values[k] as never));
    };
    expect(() => insert({ amends_id: a.id, version: 2 })).toThrow(/AMENDMENT_INVALID/); // not signed off
    repo.signOff(a.id, doctor);
    expect(() => insert({ amends_id: a.id, version: 5 })).toThrow(/AMENDMENT_INVALID/); // skips versions
    expect(() => insert({ amends_id: a.id, version: 2, scan_id: null })).toThrow(/AMENDMENT_INVALID/); // another scan
    insert({ amends_id: a.id, version: 2 });
    expect(() => insert({ amends_id: a.id, version: 2 })).toThrow(/UNIQUE/); // a version is amended once
  });
});
