import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from './audit';
import { exportBackup, inspectBackup, rekey, restoreBackup } from './copy';
import { BackupPasswordError, RecordExistsError, WrongKeyError } from './errors';
import { connectionOf, openClinicRecord } from './record';
import { createPatientsRepository } from './repositories/patients';
import { createWoundsRepository } from './repositories/wounds';
import { createDb, logger, nurse, openRaw, tableRows, tempDir, testKey, type TestDb } from './test-helpers';

const PASSWORD = 'correct horse battery staple';
let db: TestDb;
let out: ReturnType<typeof tempDir>;

const TABLES = ['clinic', 'patients', 'wounds', 'audit_log', 'audit_head', 'staff'];
function everyRow(t: TestDb): Record<string, unknown[]> {
  return Object.fromEntries(TABLES.map((table) => [table, tableRows(t, table)]));
}

beforeEach(() => {
  db = createDb({ name: 'North Clinic' });
  out = tempDir('coherency-backup-');
  const patients = createPatientsRepository(db.record);
  const wounds = createWoundsRepository(db.record);
  for (let i = 0; i < 50; i++) {
    const p = patients.create({ mrn: `MRN-${i}`, givenName: `Given${i}`, familyName: `Family${i}`, dateOfBirth: '1970-01-01', sex: 'unknown' }, nurse);
    wounds.create({ patientId: p.id, bodySite: 'heel', etiology: 'diabetic_foot_ulcer' }, nurse);
  }
});
afterEach(() => {
  db.dispose();
  out.cleanup();
});

describe('backup and restore', () => {
  it('round-trips every row into a new profile with a new key', async () => {
    const before = everyRow(db);
    const file = join(out.dir, 'north.cwbackup');
    const info = await exportBackup(db.record, { password: PASSWORD, file });
    expect(info).toMatchObject({ clinicId: db.clinicId, clinicName: 'North Clinic', schemaVersion: db.record.schemaVersion });
    expect(readdirSync(out.dir)).toEqual(['north.cwbackup']);

    const newKey = testKey();
    const newFile = join(out.dir, 'restored', 'record.db');
    mkdirSync(join(out.dir, 'restored'));
    const restored = await restoreBackup(file, PASSWORD, { newFile, newKey, logger });
    if (!restored.ok) throw restored.error;
    const raw = connectionOf(restored.record);
    const rows = Object.fromEntries(TABLES.map((table) => [table, raw.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()]));
    expect(rows).toEqual(before);
    expect(verifyAuditChain(restored.record)).toEqual({ ok: true, rows: 100 });
    expect(restored.record.clinicId).toBe(db.clinicId);
    restored.record.dispose();
    // The restored file opens with the new key only; the backup with the password only.
    expect(openClinicRecord({ file: newFile, key: db.key, clinicId: db.clinicId, logger })).toMatchObject({ ok: false, error: expect.any(WrongKeyError) });
    expect(() => openRaw(file, db.key, { readonly: true }).prepare('SELECT 1 FROM clinic').get()).toThrow(/not a database/);
  });

  it('refuses a wrong password, a short password and an existing target', async () => {
    const file = join(out.dir, 'b.cwbackup');
    await expect(exportBackup(db.record, { password: 'short', file })).rejects.toBeInstanceOf(BackupPasswordError);
    expect(existsSync(file)).toBe(false);
    await exportBackup(db.record, { password: PASSWORD, file });
    await expect(exportBackup(db.record, { password: PASSWORD, file })).rejects.toBeInstanceOf(RecordExistsError);
    expect(() => inspectBackup(file, 'wrong password!!')).toThrow(BackupPasswordError);
    const restored = await restoreBackup(file, 'wrong password!!', { newFile: join(out.dir, 'x.db'), newKey: testKey(), logger });
    expect(restored).toMatchObject({ ok: false, error: expect.any(BackupPasswordError) });
    expect(existsSync(join(out.dir, 'x.db'))).toBe(false);
    // Restoring over an existing record is refused and leaves it alone.
    const again = await restoreBackup(file, PASSWORD, { newFile: db.file, newKey: testKey(), logger });
    expect(again).toMatchObject({ ok: false, error: expect.any(RecordExistsError) });
  });

  it('refuses a backup of another clinic when one is expected', async () => {
    const file = join(out.dir, 'b.cwbackup');
    await exportBackup(db.record, { password: PASSWORD, file });
    const result = await restoreBackup(file, PASSWORD, { newFile: join(out.dir, 'y.db'), newKey: testKey(), logger, expectedClinicId: 'another-clinic-000' });
    expect(result.ok).toBe(false);
    expect(existsSync(join(out.dir, 'y.db'))).toBe(false);
  });
});

describe('rekey', () => {
  it('re-encrypts in place with no data loss; the old key no longer opens the file', async () => {
    appendAudit(db.record, { actorId: 'it-1', actorRole: 'it-admin', action: 'record.rekey', entity: 'clinic', entityId: db.clinicId });
    const before = everyRow(db);
    const newKey = testKey();
    await rekey(db.record, newKey);
    // Still usable on the same connection…
    createPatientsRepository(db.record).create({ mrn: 'AFTER', givenName: 'A', familyName: 'B', dateOfBirth: '2000-01-01', sex: 'unknown' }, nurse);
    db.record.dispose();
    expect(openClinicRecord({ file: db.file, key: db.key, clinicId: db.clinicId, logger })).toMatchObject({ ok: false, error: expect.any(WrongKeyError) });
    const opened = openClinicRecord({ file: db.file, key: newKey, clinicId: db.clinicId, logger });
    if (!opened.ok) throw opened.error;
    db.record = opened.record;
    db.key = newKey;
    const after = everyRow(db);
    expect(after.patients).toHaveLength((before.patients as unknown[]).length + 1);
    expect(after.patients!.slice(0, 50)).toEqual(before.patients);
    expect(after.wounds).toEqual(before.wounds);
    expect(after.clinic).toEqual(before.clinic);
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: true });
    expect(db.record.integrityCheck()).toEqual({ ok: true });
    // A backup made after the rekey still works (the record remembers its new key).
    const file = join(out.dir, 'after-rekey.cwbackup');
    await exportBackup(db.record, { password: PASSWORD, file });
    expect(inspectBackup(file, PASSWORD).clinicId).toBe(db.clinicId);
  });
});
