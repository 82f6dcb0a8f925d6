import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../shared/logger';
import { CorruptRecordError, DbFromFutureError, DiskFullError, NotAClinicRecordError, RecordExistsError, RecordNotFoundError, WrongKeyError } from './errors';
import { createClinicRecord, openClinicRecord } from './record';
import { createPatientsRepository } from './repositories/patients';
import { createDb, logger, nurse, openRaw, tempDir, testKey, type TestDb } from './test-helpers';
import { loadMigrations } from './migrate';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every file in the record's folder with its hash: "unchanged" means this whole map is equal. */
function snapshot(file: string): Record<string, string> {
  const dir = join(file, '..');
  return Object.fromEntries(readdirSync(dir).map((name) => [name, sha(join(dir, name))]));
}

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

/** A record with one patient, closed (so the WAL is checkpointed and removed), ready to reopen. */
function closedRecord(): TestDb {
  db = createDb();
  createPatientsRepository(db.record).create({ mrn: 'MRN-0001', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1915-12-10', sex: 'female' }, nurse);
  db.record.dispose();
  return db;
}

describe('openClinicRecord', () => {
  it('creates a record, then reopens it with the same key and clinic', () => {
    const t = closedRecord();
    const opened = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger });
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    t.record = opened.record;
    expect(opened.record.clinicName).toBe('Test Clinic');
    expect(opened.record.schemaVersion).toBe(loadMigrations().length);
    const raw = t.raw;
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(raw.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(raw.pragma('cipher', { simple: true })).toBe('sqlcipher');
    expect(String(raw.pragma('legacy', { simple: true }))).toBe('4');
    expect(statSync(t.file).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong key with WrongKeyError and leaves every byte (and no -wal/-shm) as it was', () => {
    const t = closedRecord();
    const before = snapshot(t.file);
    expect(Object.keys(before)).toEqual(['record.db']);
    const result = openClinicRecord({ file: t.file, key: testKey(), clinicId: t.clinicId, logger });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(WrongKeyError);
    expect(result.error.message).toMatch(/does not open/);
    expect(snapshot(t.file)).toEqual(before);
    // …and the right key still opens it afterwards.
    const again = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger });
    expect(again.ok).toBe(true);
    if (again.ok) t.record = again.record;
  });

  it('refuses a wrong key after a crash too: the database and its WAL are left untouched', () => {
    db = createDb();
    const t = db;
    createPatientsRepository(t.record).create({ mrn: 'MRN-0002', givenName: 'Grace', familyName: 'Hopper', dateOfBirth: '1906-12-09', sex: 'female' }, nurse);
    // Simulate a crash: copy the live files (with the WAL holding the last commit) to a new place.
    const crashDir = tempDir();
    try {
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(t.file + suffix)) writeFileSync(join(crashDir.dir, `record.db${suffix}`), readFileSync(t.file + suffix));
      const copy = join(crashDir.dir, 'record.db');
      const before = snapshot(copy);
      expect(Object.keys(before).sort()).toEqual(['record.db', 'record.db-shm', 'record.db-wal']);
      const result = openClinicRecord({ file: copy, key: testKey(), clinicId: t.clinicId, logger });
      expect(result.ok || result.error).toBeInstanceOf(WrongKeyError);
      // The -shm is SQLite's wal-index, a cache rebuilt from the WAL by any reader after a crash; the data is in the other two.
      const after = snapshot(copy);
      expect(after['record.db']).toBe(before['record.db']);
      expect(after['record.db-wal']).toBe(before['record.db-wal']);
      // …and the committed row is still there for the right key.
      const reopened = openClinicRecord({ file: copy, key: t.key, clinicId: t.clinicId, logger });
      if (!reopened.ok) throw reopened.error;
      expect(createPatientsRepository(reopened.record).search({ query: 'hopper' }, nurse).items).toHaveLength(1);
      reopened.record.dispose();
    } finally {
      crashDir.cleanup();
    }
  });

  it('refuses a record of another clinic (NotAClinicRecordError), unchanged', () => {
    const t = closedRecord();
    const before = snapshot(t.file);
    const result = openClinicRecord({ file: t.file, key: t.key, clinicId: 'some-other-clinic-id', logger });
    expect(result.ok || result.error).toBeInstanceOf(NotAClinicRecordError);
    expect(result.ok || (result.error as NotAClinicRecordError).foundClinicId).toBe(t.clinicId);
    expect(snapshot(t.file)).toEqual(before);
  });

  it('refuses an encrypted SQLite file that is not a clinic record', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'other.db');
      writeFileSync(file, '');
      const key = testKey();
      const created = openRaw(file, key);
      created.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      created.close();
      const before = snapshot(file);
      const result = openClinicRecord({ file, key, clinicId: 'c', logger });
      expect(result.ok || result.error).toBeInstanceOf(NotAClinicRecordError);
      expect(snapshot(file)).toEqual(before);
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses a truncated file (CorruptRecordError) without changing it', () => {
    const t = closedRecord();
    const size = statSync(t.file).size;
    truncateSync(t.file, size - 4096);
    const before = snapshot(t.file);
    const result = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger });
    expect(result.ok || result.error).toBeInstanceOf(CorruptRecordError);
    expect(snapshot(t.file)).toEqual(before);
    truncateSync(t.file, size - 1000);
    const odd = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger });
    expect(odd.ok || odd.error).toBeInstanceOf(CorruptRecordError);
  });

  it('refuses an empty file instead of treating it as a new database', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'record.db');
      writeFileSync(file, '');
      const result = openClinicRecord({ file, key: testKey(), clinicId: 'c', logger });
      expect(result.ok || result.error).toBeInstanceOf(CorruptRecordError);
      expect(statSync(file).size).toBe(0);
      expect(readdirSync(tmp.dir)).toEqual(['record.db']);
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses a record whose inner pages were damaged (CorruptRecordError)', () => {
    const t = closedRecord();
    const bytes = readFileSync(t.file);
    // Flip bytes inside the last page (page 1 intact, so the key still verifies).
    for (let i = bytes.length - 2048; i < bytes.length - 2000; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(t.file, bytes);
    const result = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger });
    expect(result.ok || result.error).toBeInstanceOf(CorruptRecordError);
  });

  it('refuses a file from a newer app (DbFromFutureError) and does not touch it', () => {
    const t = closedRecord();
    const raw = openRaw(t.file, t.key);
    raw.pragma('user_version = 999');
    raw.close();
    const before = snapshot(t.file);
    const result = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger });
    expect(result.ok || result.error).toBeInstanceOf(DbFromFutureError);
    expect(result.ok || (result.error as DbFromFutureError).fileVersion).toBe(999);
    expect(snapshot(t.file)).toEqual(before);
  });

  it('says RecordNotFoundError for a missing file and never creates one', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'nope.db');
      const result = openClinicRecord({ file, key: testKey(), clinicId: 'c', logger });
      expect(result.ok || result.error).toBeInstanceOf(RecordNotFoundError);
      expect(existsSync(file)).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });

  it('createClinicRecord never overwrites an existing file', () => {
    const t = closedRecord();
    const before = snapshot(t.file);
    const result = createClinicRecord({ file: t.file, key: testKey(), clinicId: 'x', clinicName: 'X', logger });
    expect(result.ok || result.error).toBeInstanceOf(RecordExistsError);
    expect(snapshot(t.file)).toEqual(before);
  });

  it('turns SQLITE_FULL into DiskFullError and keeps the record usable', () => {
    db = createDb();
    const patients = createPatientsRepository(db.record);
    const pages = db.raw.pragma('page_count', { simple: true }) as number;
    db.raw.pragma(`max_page_count = ${pages + 2}`);
    let error: unknown;
    try {
      for (let i = 0; i < 500; i++) patients.create({ mrn: `MRN-${1000 + i}`, givenName: 'A'.repeat(150), familyName: 'B'.repeat(150), dateOfBirth: '1950-01-01', sex: 'unknown', address: 'x'.repeat(900) }, nurse);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DiskFullError);
    expect(db.record.integrityCheck()).toEqual({ ok: true });
  });

  it('never logs the key', () => {
    const log = createMemoryLogger();
    const tmp = tempDir();
    try {
      const key = testKey();
      const file = join(tmp.dir, 'r.db');
      const created = createClinicRecord({ file, key, clinicId: 'c1-0000000000', clinicName: 'C', logger: log });
      if (!created.ok) throw created.error;
      created.record.dispose();
      openClinicRecord({ file, key: testKey(), clinicId: 'c1-0000000000', logger: log });
      const opened = openClinicRecord({ file, key, clinicId: 'c1-0000000000', logger: log });
      if (opened.ok) opened.record.dispose();
      const text = JSON.stringify(log.lines);
      expect(log.lines.length).toBeGreaterThan(2);
      for (const form of [key.toString('hex'), key.toString('base64'), key.toString('hex').toUpperCase()]) expect(text).not.toContain(form);
    } finally {
      tmp.cleanup();
    }
  });
});
