import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDb, tableRows, type TestDb } from '../test-helpers';
import { SYSTEM_ACTOR, type Actor } from './actor';
import { createPatientsRepository } from './patients';
import { createScansRepository, type NewScan } from './scans';
import { createStaffRepository } from './staff';
import { createWoundsRepository } from './wounds';

let db: TestDb;
let nurse: Actor;
let scan: NewScan;

beforeEach(() => {
  db = createDb();
  nurse = { id: createStaffRepository(db.record).create({ username: 'nora', displayName: 'Nora Nurse', passwordHash: 'scrypt$x', roles: ['nurse'] }, SYSTEM_ACTOR).id, roles: ['nurse'] };
  const patient = createPatientsRepository(db.record).create({ mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1960-05-04', sex: 'female' }, nurse);
  const woundId = createWoundsRepository(db.record).create({ patientId: patient.id, bodySite: 'heel', etiology: 'diabetic_foot_ulcer' }, nurse).id;
  scan = {
    id: '0190aaaa-0000-7000-8000-00000000c0de',
    woundId,
    capturedAt: 1,
    format: 'las',
    pointCount: 9,
    bbox: { min: [0, 0, 0], max: [1, 1, 1] },
    attributes: ['position', 'classification'],
    sourceApp: null,
    sourceDeviceId: null,
    sha256: 'a'.repeat(64),
    rawFileId: 'original.las',
    octreeFileId: 'metadata.json',
    warnings: [
      { code: 'LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS', message: 'return number is greater than the number of returns in 2 of 9 points', count: 2 },
      { code: 'LAS_RESERVED_CLASSIFICATION', message: 'classification code 23 is reserved in the ASPRS table for point format 6 (LAS 1.4): 1 of 9 points', count: 1 },
    ],
  };
});
afterEach(() => db.dispose());

describe('scans repository: the reader warnings stored with the scan', () => {
  it('keeps them on the row and gives them back in the list and the scan', () => {
    const repo = createScansRepository(db.record);
    expect(repo.insert(scan, nurse).warnings).toEqual(scan.warnings);
    expect(repo.listByWound(scan.woundId, nurse).map((s) => s.warnings)).toEqual([scan.warnings]);
    expect(JSON.parse(tableRows(db, 'scans')[0]!.warnings_json as string)).toEqual(scan.warnings);
  });

  it('stores [] for a clean file', () => {
    expect(createScansRepository(db.record).insert({ ...scan, warnings: [] }, nurse).warnings).toEqual([]);
  });

  it('refuses warnings of an unknown shape and writes nothing', () => {
    const repo = createScansRepository(db.record);
    const bad = { ...scan, warnings: [{ code: 'MADE_UP', message: 'x', count: 0 }] } as unknown as NewScan;
    expect(() => repo.insert(bad, nurse)).toThrow();
    expect(tableRows(db, 'scans')).toEqual([]);
  });
});
