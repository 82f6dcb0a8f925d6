/**
 * Test helpers in the style of Signal's `helpers.node.ts`: every test opens a REAL encrypted file
 * in a temp dir with a test key — no in-memory shortcut, no mocked SQLCipher.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { createMemoryLogger } from '../shared/logger';
import { applyRawKey } from './cipher';
import { loadMigrations, migrate } from './migrate';
import { createClinicRecord, connectionOf, openClinicRecord, type ClinicRecord } from './record';

export const logger = createMemoryLogger();

export function tempDir(prefix = 'coherency-records-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const testKey = (): Buffer => randomBytes(32);

export interface TestDb {
  file: string;
  key: Buffer;
  clinicId: string;
  record: ClinicRecord;
  raw: Database.Database;
  /** Close the record and reopen it (runs the open checks again). */
  reopen(): ClinicRecord;
  dispose(): void;
}

/** A new encrypted record at schema `version` (default: latest) in its own temp dir. */
export function createDb(options: { version?: number; name?: string } = {}): TestDb {
  const tmp = tempDir();
  const file = join(tmp.dir, 'clinics', 'c1', 'record.db');
  const key = testKey();
  const clinicId = randomUUID();
  const created = createClinicRecord({ file, key, clinicId, clinicName: options.name ?? 'Test Clinic', logger, ...(options.version !== undefined ? { migrateTo: options.version } : {}) });
  if (!created.ok) throw created.error;
  const state: TestDb = {
    file,
    key,
    clinicId,
    record: created.record,
    get raw() {
      return connectionOf(state.record);
    },
    reopen() {
      state.record.dispose();
      const opened = openClinicRecord({ file, key, clinicId, logger, migrateTo: state.record.schemaVersion });
      if (!opened.ok) throw opened.error;
      state.record = opened.record;
      return opened.record;
    },
    dispose() {
      state.record.dispose();
      tmp.cleanup();
    },
  };
  return state;
}

/** Signal's `updateToVersion`: apply migrations up to `version`. */
/** The version of the migration named `name` (its tag without the number): migrations are renumbered at merges, so tests find theirs by name. */
export function versionOf(name: string): number {
  const m = loadMigrations().find((x) => x.tag.endsWith(`_${name}`));
  if (!m) throw new Error(`no migration named ${name}`);
  return m.version;
}

export function migrateTo(db: TestDb, version: number): number[] {
  return migrate(db.raw, { file: db.file, logger, migrations: loadMigrations(), to: version });
}

/** Inserts plain rows (column names as in SQL) with parameters; for old-shape rows in migration tests. */
export function insertRows(db: TestDb, table: string, rows: Record<string, unknown>[]): void {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
  for (const row of rows) {
    const cols = Object.keys(row);
    if (!cols.every((c) => /^[a-z_][a-z0-9_]*$/.test(c))) throw new Error('bad column name');
    db.raw.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]));
  }
}

/** Signal's `getTableData`: every row of a table, ordered by its first column. */
export function tableRows(db: TestDb, table: string): Record<string, unknown>[] {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
  return db.raw.prepare(`SELECT * FROM ${table} ORDER BY 1`).all() as Record<string, unknown>[];
}

/** `EXPLAIN QUERY PLAN` details of a statement, joined by newlines (Signal's `explain`). */
export function explain(db: TestDb, sqlText: string, params: unknown[] = []): string {
  const rows = db.raw.prepare(`EXPLAIN QUERY PLAN ${sqlText}`).all(...params) as { detail: string }[];
  return rows.map((r) => r.detail).join('\n');
}

/** Opens any file with a raw key, outside the record's checks (for inspecting what tests wrote). */
export function openRaw(file: string, key: Buffer, options: { readonly?: boolean } = {}): Database.Database {
  const db = new Database(file, { fileMustExist: true, readonly: options.readonly ?? false });
  applyRawKey(db, key);
  return db;
}

export const nurse = { id: '0190aaaa-0000-7000-8000-000000000001', roles: ['nurse'] as const } as const;
export const doctor = { id: '0190aaaa-0000-7000-8000-000000000002', roles: ['doctor'] as const } as const;
