import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssessmentFigures } from '../../../common/assessments';
import { listAudit, verifyAuditChain } from '../audit';
import { EntityNotFoundError } from '../errors';
import { createDb, explain, tableRows, type TestDb } from '../test-helpers';
import { createAssessmentsRepository, SignOffError, type AssessmentsRepository } from './assessments';
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
let scanId: string;

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
  tissue_pct: { granulation: 60, slough: 30, eschar: 5, epithelium: 5 },
  tissue_unavailable_reason: null,
  head_to_toe_length_cm: 2.5,
  width_across_cm: 2,
};
const outline: [number, number, number][] = [
  [0, 0, 0],
  [20, 0, 0],
  [20, 15, 1],
  [0, 15, 0.5],
];

beforeEach(() => {
  db = createDb();
  const staff = createStaffRepository(db.record);
  nurse = { id: staff.create({ username: 'nora', displayName: 'Nora Nurse', passwordHash: 'scrypt$x', roles: ['nurse'] }, SYSTEM_ACTOR).id, roles: ['nurse'] };
  doctor = { id: staff.create({ username: 'dan', displayName: 'Dan Doctor', passwordHash: 'scrypt$y', roles: ['doctor'] }, SYSTEM_ACTOR).id, roles: ['doctor'] };
  const patient = createPatientsRepository(db.record).create({ mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1960-05-04', sex: 'female' }, nurse);
  woundId = createWoundsRepository(db.record).create({ patientId: patient.id, bodySite: 'heel', etiology: 'diabetic_foot_ulcer' }, nurse).id;
  scanId = '0190aaaa-0000-7000-8000-00000000c0de';
  createScansRepository(db.record).insert(
    { id: scanId, woundId, capturedAt: 1, format: 'ply', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'a'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json', warnings: [] },
    nurse,
  );
  repo = createAssessmentsRepository(db.record);
});
afterEach(() => db.dispose());

describe('assessments repository', () => {
  it('stores figures in mm and returns them in display units, with the nurse who measured', () => {
    const a = repo.create({ scanId, method: 'edited', modelVersion: 'wound-seg-unet 1.0.0', figures, outline }, nurse);
    expect(a).toMatchObject({ woundId, scanId, method: 'edited', modelVersion: 'wound-seg-unet 1.0.0', outline, measuredBy: { id: nurse.id, displayName: 'Nora Nurse' }, signedOffBy: null, signedOffAt: null });
    expect(a.figures).toEqual(figures);
    const [row] = tableRows(db, 'assessments');
    expect(row).toMatchObject({ area_mm2: 425, projected_area_mm2: 410, perimeter_mm: 75, length_mm: 27.5, width_mm: 19, max_depth_mm: 6.2, volume_mm3: 1320, raised_volume_mm3: 40, head_to_toe_length_mm: 25, width_across_mm: 20, outline_units: 'mm', tissue_unavailable_reason: null });
    expect(JSON.parse(row!.tissue_json as string)).toEqual({ granulation: 0.6, slough: 0.3, eschar: 0.05, epithelium: 0.05 });
    expect(repo.get(a.id, doctor)).toEqual(a);
    expect(repo.get('0190aaaa-0000-7000-8000-00000000dead', doctor)).toBeNull();
  });

  it('keeps the reason when no tissue mix was measured, and null head-to-toe extents', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures: { ...figures, tissue_pct: null, tissue_unavailable_reason: 'the scan has no colour', head_to_toe_length_cm: null, width_across_cm: null }, outline }, nurse);
    expect(a.figures.tissue_pct).toBeNull();
    expect(a.figures.tissue_unavailable_reason).toBe('the scan has no colour');
    expect(a.figures.head_to_toe_length_cm).toBeNull();
  });

  it('lists a wound newest first; a missing wound or scan is a typed error that writes nothing', () => {
    const first = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline, measuredAt: 1000 }, nurse);
    const second = repo.create({ scanId, method: 'automatic', modelVersion: 'm 1', figures: { ...figures, area_cm2: 3 }, outline, measuredAt: 2000 }, nurse);
    expect(repo.listByWound(woundId, nurse).map((a) => a.id)).toEqual([second.id, first.id]);
    expect(() => repo.listByWound('0190aaaa-0000-7000-8000-00000000dead', nurse)).toThrow(EntityNotFoundError);
    expect(() => repo.create({ scanId: '0190aaaa-0000-7000-8000-00000000dead', method: 'manual', modelVersion: null, figures, outline }, nurse)).toThrow(EntityNotFoundError);
    expect(() => repo.create({ scanId, method: 'manual', modelVersion: null, figures: { ...figures, area_cm2: Number.NaN }, outline }, nurse)).toThrow();
    expect(tableRows(db, 'assessments')).toHaveLength(2);
    expect(repo.countByScan(scanId)).toBe(2);
    expect(explain(db, 'SELECT * FROM assessments WHERE wound_id = ? ORDER BY measured_at DESC', ['x'])).toMatch(/assessments_wound_measured_idx/);
  });

  it('only a doctor signs off, once', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    expect(() => repo.signOff(a.id, nurse)).toThrow(SignOffError);
    const signed = repo.signOff(a.id, doctor);
    expect(signed.signedOffBy).toEqual({ id: doctor.id, displayName: 'Dan Doctor' });
    expect(signed.signedOffAt).toBeGreaterThan(0);
    let again: unknown;
    try {
      repo.signOff(a.id, doctor);
    } catch (e) {
      again = e;
    }
    expect(again).toBeInstanceOf(SignOffError);
    expect((again as SignOffError).code).toBe('CONFLICT');
    expect(() => repo.signOff('0190aaaa-0000-7000-8000-00000000dead', doctor)).toThrow(EntityNotFoundError);
  });

  it('audits every read and change by id only, on an intact chain', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    repo.get(a.id, nurse);
    repo.listByWound(woundId, doctor);
    repo.signOff(a.id, doctor);
    const actions = listAudit(db.record, { entity: 'assessment' }).map((r) => r.action);
    expect(actions.sort()).toEqual(['assessment.create', 'assessment.list', 'assessment.read', 'assessment.signoff'].sort());
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: true });
  });
});

describe('a scan with assessments', () => {
  it('cannot be deleted: a typed CONFLICT, and the scan and assessment stay', () => {
    repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    const scans = createScansRepository(db.record);
    let error: unknown;
    try {
      scans.remove(scanId, nurse);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('CONFLICT');
    expect(scans.get(scanId, nurse)).not.toBeNull();
    expect(repo.listByWound(woundId, nurse)).toHaveLength(1);
  });
});

describe('scan octree replacement', () => {
  it('points the scan at the new octree files, audited', () => {
    const scans = createScansRepository(db.record);
    expect(scans.files(scanId)).toEqual({ rawFileId: 'original.ply', octreeFileId: 'metadata.json' });
    scans.replaceOctree(scanId, 'r1.metadata.json', ['position', 'wound_label', 'depth_mm'], nurse);
    expect(scans.files(scanId)).toEqual({ rawFileId: 'original.ply', octreeFileId: 'r1.metadata.json' });
    expect(scans.get(scanId, nurse)!.attributes).toEqual(['position', 'wound_label', 'depth_mm']);
    expect(listAudit(db.record, { entity: 'scan', entityId: scanId }).map((r) => r.action)).toContain('scan.reindex');
    expect(scans.files('0190aaaa-0000-7000-8000-00000000dead')).toBeNull();
    expect(() => scans.replaceOctree('0190aaaa-0000-7000-8000-00000000dead', 'x', [], nurse)).toThrow(EntityNotFoundError);
  });
});
