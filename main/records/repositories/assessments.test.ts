import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_DETAILS, type AssessmentDetails, type AssessmentFigures } from '../../../common/assessments';
import { listAudit, verifyAuditChain } from '../audit';
import { EntityNotFoundError } from '../errors';
import { createDb, explain, tableRows, type TestDb } from '../test-helpers';
import { createAssessmentsRepository, AssessmentError, type AssessmentsRepository } from './assessments';
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
let scans: ReturnType<typeof createScansRepository>;
/** 8 November, 09:30 UTC: when the scan was captured. */
const CAPTURED = Date.UTC(2025, 10, 8, 9, 30);

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
  tissue_confirmed_pct: { granulation: 70, slough: 20, eschar: 5, epithelium: 5 },
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
  scans = createScansRepository(db.record);
  scans.insert(
    { id: scanId, woundId, capturedAt: CAPTURED, format: 'ply', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'a'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json', warnings: [] },
    nurse,
  );
  repo = createAssessmentsRepository(db.record);
});
afterEach(() => db.dispose());

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('assessments repository', () => {
  it('stores figures in mm and returns them in display units, with the nurse who measured', () => {
    const a = repo.create({ scanId, method: 'edited', modelVersion: 'wound-seg-unet 1.0.0', figures, outline }, nurse);
    expect(a).toMatchObject({ woundId, scanId, method: 'edited', modelVersion: 'wound-seg-unet 1.0.0', outline, measuredBy: { id: nurse.id, displayName: 'Nora Nurse' }, signedOffBy: null, signedOffAt: null, voided: null, details: null, bodyAxis: null, tissuePaint: [] });
    expect(a.figures).toEqual(figures);
    const [row] = tableRows(db, 'assessments');
    expect(JSON.parse(row!.tissue_confirmed_json as string)).toEqual({ granulation: 0.7, slough: 0.2, eschar: 0.05, epithelium: 0.05 });
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

  it('is dated by its scan\'s capture time (the clinical date), keeps when it was saved, and names the scan', () => {
    const before = Date.now();
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    expect(a.measuredAt).toBe(CAPTURED);
    expect(a.savedAt).toBeGreaterThanOrEqual(before);
    expect(a.scan).toEqual({ id: scanId, capturedAt: CAPTURED, format: 'ply' });
    expect(tableRows(db, 'assessments')[0]).toMatchObject({ measured_at: CAPTURED, created_at: a.savedAt });
    expect(repo.listByWound(woundId, nurse)[0]).toMatchObject({ measuredAt: CAPTURED, savedAt: a.savedAt, scan: { capturedAt: CAPTURED } });
  });

  it('lists a wound by clinical date, newest first; a missing wound or scan is a typed error that writes nothing', () => {
    const laterScan = '0190aaaa-0000-7000-8000-00000000c0df';
    scans.insert({ id: laterScan, woundId, capturedAt: CAPTURED + 86_400_000, format: 'las', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'b'.repeat(64), rawFileId: 'original.las', octreeFileId: 'metadata.json' }, nurse);
    // Saved in the opposite order to the scans' capture: the list follows the capture.
    const second = repo.create({ scanId: laterScan, method: 'automatic', modelVersion: 'm 1', figures: { ...figures, area_cm2: 3 }, outline }, nurse);
    const first = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    expect(repo.listByWound(woundId, nurse).map((a) => a.id)).toEqual([second.id, first.id]);
    expect(() => repo.listByWound('0190aaaa-0000-7000-8000-00000000dead', nurse)).toThrow(EntityNotFoundError);
    expect(() => repo.create({ scanId: '0190aaaa-0000-7000-8000-00000000dead', method: 'manual', modelVersion: null, figures, outline }, nurse)).toThrow(EntityNotFoundError);
    expect(() => repo.create({ scanId, method: 'manual', modelVersion: null, figures: { ...figures, area_cm2: Number.NaN }, outline }, nurse)).toThrow();
    expect(tableRows(db, 'assessments')).toHaveLength(2);
    expect(repo.countByScan(scanId)).toBe(1);
    expect(explain(db, 'SELECT * FROM assessments WHERE wound_id = ? ORDER BY measured_at DESC', ['x'])).toMatch(/assessments_wound_measured_idx/);
  });

  it('only a doctor signs off, once, with an optional comment', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    expect(() => repo.signOff(a.id, nurse)).toThrow(AssessmentError);
    const signed = repo.signOff(a.id, doctor, '  Healing as expected; review in 2 weeks. ');
    expect(signed.signedOffBy).toEqual({ id: doctor.id, displayName: 'Dan Doctor' });
    expect(signed.signedOffAt).toBeGreaterThan(0);
    expect(signed.signOffComment).toBe('Healing as expected; review in 2 weeks.');
    expect(codeOf(() => repo.signOff(a.id, doctor))).toBe('ASSESSMENT_SIGNED');
    expect(repo.get(a.id, doctor)!.signOffComment).toBe('Healing as expected; review in 2 weeks.');
    expect(() => repo.signOff('0190aaaa-0000-7000-8000-00000000dead', doctor)).toThrow(EntityNotFoundError);
    const plain = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    expect(repo.signOff(plain.id, doctor, '   ').signOffComment).toBeNull();
  });

  it('a wrong assessment is voided before sign-off with the reason, kept in the history, and cannot be signed or voided again', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    expect(codeOf(() => repo.void(a.id, '  ', nurse))).toBe('VOID_REASON_MISSING');
    const voided = repo.void(a.id, ' Saved twice by mistake ', nurse);
    expect(voided.voided).toMatchObject({ by: { id: nurse.id, displayName: 'Nora Nurse' }, reason: 'Saved twice by mistake' });
    expect(voided.voided!.at).toBeGreaterThan(0);
    expect(repo.listByWound(woundId, doctor).map((x) => [x.id, x.voided?.reason])).toEqual([[a.id, 'Saved twice by mistake']]);
    expect(codeOf(() => repo.signOff(a.id, doctor))).toBe('ASSESSMENT_VOIDED');
    expect(codeOf(() => repo.void(a.id, 'again', nurse))).toBe('ASSESSMENT_VOIDED');
    const signed = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    repo.signOff(signed.id, doctor);
    expect(codeOf(() => repo.void(signed.id, 'too late', nurse))).toBe('ASSESSMENT_SIGNED');
    expect(repo.get(signed.id, nurse)!.voided).toBeNull();
    expect(() => repo.void('0190aaaa-0000-7000-8000-00000000dead', 'gone', nurse)).toThrow(EntityNotFoundError);
    expect(listAudit(db.record, { entity: 'assessment', entityId: a.id }).map((r) => r.action)).toContain('assessment.void');
  });

  it('one assessment per save request id: the same nurse and scan get it back; another scan or person is refused', () => {
    const requestId = '7f0c1a52-0000-4000-8000-000000000001';
    expect(repo.forRequest(requestId, scanId, nurse)).toBeNull();
    const a = repo.create({ requestId, scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    expect(repo.forRequest(requestId, scanId, nurse)).toEqual(a);
    expect(codeOf(() => repo.create({ requestId, scanId, method: 'manual', modelVersion: null, figures, outline }, nurse))).toBe('REQUEST_ID_REUSED');
    expect(codeOf(() => repo.forRequest(requestId, scanId, doctor))).toBe('REQUEST_ID_REUSED');
    expect(codeOf(() => repo.forRequest(requestId, '0190aaaa-0000-7000-8000-00000000c0df', nurse))).toBe('REQUEST_ID_REUSED');
    expect(tableRows(db, 'assessments')).toHaveLength(1);
  });

  it('keeps the charted details, the body axis and the tissue paint, parsed when read', () => {
    const details: AssessmentDetails = { ...EMPTY_DETAILS, exudateAmount: 'moderate', exudateType: 'serous', odour: 'faint', painScore: 4, periwound: ['macerated', 'erythema'], infectionSigns: ['warmth'], dressing: 'Foam, bordered', note: 'Edges rolled.' };
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline, details, bodyAxis: [0, 40, 2], tissuePaint: [{ tissue: 'slough', centre: [5, 5, 0], radiusMm: 3 }] }, nurse);
    expect(a).toMatchObject({ details, bodyAxis: [0, 40, 2], tissuePaint: [{ tissue: 'slough', centre: [5, 5, 0], radiusMm: 3 }] });
    expect(repo.get(a.id, doctor)).toEqual(a);
    expect(() => repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline, details: { ...details, painScore: 11 } }, nurse)).toThrow();
    expect(() => repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline, details: { ...details, exudateAmount: 'none' } }, nurse)).toThrow(/exudate type/);
    expect(tableRows(db, 'assessments')).toHaveLength(1);
  });

  it('audits every read and change by id only, on an intact chain', () => {
    const a = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    repo.get(a.id, nurse);
    repo.listByWound(woundId, doctor);
    repo.signOff(a.id, doctor);
    const b = repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
    repo.void(b.id, 'wrong wound', nurse);
    const actions = listAudit(db.record, { entity: 'assessment' }).map((r) => r.action);
    expect(actions.sort()).toEqual(['assessment.create', 'assessment.create', 'assessment.list', 'assessment.read', 'assessment.signoff', 'assessment.void'].sort());
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: true });
  });
});

describe('a scan with assessments', () => {
  it('cannot be deleted: a typed CONFLICT, and the scan and assessment stay', () => {
    repo.create({ scanId, method: 'manual', modelVersion: null, figures, outline }, nurse);
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
    expect(scans.files(scanId)).toEqual({ rawFileId: 'original.ply', octreeFileId: 'metadata.json' });
    scans.replaceOctree(scanId, 'r1.metadata.json', ['position', 'wound_label', 'depth_mm'], nurse);
    expect(scans.files(scanId)).toEqual({ rawFileId: 'original.ply', octreeFileId: 'r1.metadata.json' });
    expect(scans.get(scanId, nurse)!.attributes).toEqual(['position', 'wound_label', 'depth_mm']);
    expect(listAudit(db.record, { entity: 'scan', entityId: scanId }).map((r) => r.action)).toContain('scan.reindex');
    expect(scans.files('0190aaaa-0000-7000-8000-00000000dead')).toBeNull();
    expect(() => scans.replaceOctree('0190aaaa-0000-7000-8000-00000000dead', 'x', [], nurse)).toThrow(EntityNotFoundError);
  });
});
