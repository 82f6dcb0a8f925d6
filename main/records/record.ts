/**
 * Opening and creating the encrypted clinic record (one SQLite file per clinic).
 *
 * Opening never creates, overwrites or deletes an existing file. Everything that can refuse a
 * file — key, identity, schema version, damage — is checked before the first write, so a refused
 * file is left byte-for-byte as it was. Startup returns `{ ok: true, record } | { ok: false, error }`
 * (Signal's `initializeSQL`): the UI maps each error's `name` to its own screen.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Logger } from '../shared/logger';
import { applyRawKey, PAGE_SIZE } from './cipher';
import { createDrizzle, type RecordDb } from './drizzle';
import { CorruptRecordError, DbFromFutureError, NotAClinicRecordError, RecordError, RecordExistsError, RecordNotFoundError, sqliteCode, translateSqliteError, WrongKeyError } from './errors';
import { loadMigrations, migrate, schemaVersion, type Migration } from './migrate';
import { clinic } from './schema';
import { installSyncCapture } from './sync-capture';

export interface ClinicRecord {
  readonly clinicId: string;
  readonly clinicName: string;
  readonly file: string;
  readonly schemaVersion: number;
  /** drizzle over the open connection; build queries with it (parameterised only). */
  readonly db: RecordDb;
  readonly logger: Logger;
  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T;
  /** `PRAGMA integrity_check`: `ok`, or SQLite's list of problems. */
  integrityCheck(): { ok: true } | { ok: false; problems: string[] };
  /** Copies the WAL into the main file and truncates it. */
  checkpoint(): void;
  readonly disposed: boolean;
  dispose(): void;
}

export type OpenResult = { ok: true; record: ClinicRecord } | { ok: false; error: RecordError | Error };

export interface OpenClinicRecordOptions {
  file: string;
  /** 32 random bytes from the keychain. */
  key: Buffer;
  /** The clinic this file must belong to. */
  clinicId: string;
  logger: Logger;
  /** Run `PRAGMA quick_check` before use (default true; about 1 s per 100 MB). */
  quickCheck?: boolean;
  /** Stop migrating at this schema version (tests only). */
  migrateTo?: number;
  migrations?: readonly Migration[];
  busyTimeoutMs?: number;
}

export interface CreateClinicRecordOptions {
  file: string;
  key: Buffer;
  clinicId: string;
  clinicName: string;
  logger: Logger;
  migrateTo?: number;
  migrations?: readonly Migration[];
  busyTimeoutMs?: number;
  now?: number;
}

interface Internals {
  db: Database.Database;
  /** A private copy of the key (backup needs it to open the copy it makes); zeroed on dispose. */
  key: Buffer;
}

const internals = new WeakMap<ClinicRecord, Internals>();

function internalsOf(record: ClinicRecord): Internals {
  const found = internals.get(record);
  if (!found || record.disposed) throw new Error('clinic record is closed');
  return found;
}

/** The raw connection behind a record, for this service's own modules (backup, rekey, audit). */
export function connectionOf(record: ClinicRecord): Database.Database {
  return internalsOf(record).db;
}

/** The record's current key, for this service's backup and rekey only. */
export function keyOf(record: ClinicRecord): Buffer {
  return internalsOf(record).key;
}

/** After `PRAGMA rekey`, remember the new key. */
export function setKeyOf(record: ClinicRecord, key: Buffer): void {
  const i = internalsOf(record);
  i.key.fill(0);
  i.key = Buffer.from(key);
}

const SIDECARS = ['-wal', '-shm', '-journal'] as const;

function presentSidecars(file: string): Set<string> {
  return new Set(SIDECARS.filter((s) => existsSync(file + s)));
}

/** Remove only what this open created and SQLite left behind (an empty WAL, the shared-memory index). */
function removeCreatedSidecars(file: string, before: Set<string>): void {
  for (const suffix of SIDECARS) {
    const path = file + suffix;
    if (before.has(suffix) || !existsSync(path)) continue;
    if (suffix === '-wal' && statSync(path).size > 0) continue;
    rmSync(path, { force: true });
  }
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) === 1;
}

function configureConnection(db: Database.Database): void {
  db.pragma('foreign_keys = ON');
  db.pragma('journal_mode = WAL');
  // FULL: a signed-off assessment or an audit row survives power loss, not just a crash.
  db.pragma('synchronous = FULL');
  db.pragma('temp_store = MEMORY');
}

function wrap(db: Database.Database, key: Buffer, file: string, logger: Logger): ClinicRecord {
  // Every change of a synced table is captured in its own transaction (sync-capture.ts).
  installSyncCapture(db);
  const row = db.prepare('SELECT id, name FROM clinic WHERE singleton = 1').get() as { id: string; name: string };
  const drizzleDb = createDrizzle(db);
  let disposed = false;
  const record: ClinicRecord = {
    clinicId: row.id,
    clinicName: row.name,
    file,
    get schemaVersion() {
      return schemaVersion(db);
    },
    db: drizzleDb,
    logger,
    transaction: (fn) => {
      try {
        return db.transaction(fn).immediate();
      } catch (error) {
        throw translateSqliteError(error, file);
      }
    },
    integrityCheck: () => {
      const rows = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
      const problems = rows.map((r) => r.integrity_check);
      return problems.length === 1 && problems[0] === 'ok' ? { ok: true } : { ok: false, problems };
    },
    checkpoint: () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    get disposed() {
      return disposed;
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      const own = internals.get(record);
      own?.key.fill(0);
      try {
        db.pragma('optimize');
      } catch {
        // closing anyway
      }
      db.close();
      logger.info('clinic record closed');
    },
  };
  internals.set(record, { db, key: Buffer.from(key) });
  return record;
}

function fail(error: unknown, file: string): { ok: false; error: RecordError | Error } {
  const translated = translateSqliteError(error, file);
  return { ok: false, error: translated instanceof Error ? translated : new Error(String(translated)) };
}

export function openClinicRecord(options: OpenClinicRecordOptions): OpenResult {
  const { file, key, clinicId, quickCheck = true, busyTimeoutMs = 5000 } = options;
  const logger = options.logger.child({ service: 'records', clinicId });
  if (!existsSync(file)) return { ok: false, error: new RecordNotFoundError(file) };
  const before = presentSidecars(file);
  const size = statSync(file).size;
  // An empty file would be taken by SQLite as a new database and written to: refuse it.
  if (size === 0) return { ok: false, error: new CorruptRecordError(file, 'the file is empty') };
  if (!before.has('-wal') && size % PAGE_SIZE !== 0) return { ok: false, error: new CorruptRecordError(file, 'the file is truncated') };
  const refused = (error: unknown): OpenResult => {
    removeCreatedSidecars(file, before);
    logger.warn('clinic record refused', { code: error instanceof RecordError ? error.code : (sqliteCode(error) ?? 'unknown') });
    return fail(error, file);
  };

  // Phase 1, read-only: everything that can refuse the file. A read-only connection cannot write
  // the database or its WAL (nor checkpoint on close), so a refused file keeps every data byte.
  // (SQLite may still build the -shm wal-index, a derived cache; if it did not exist, it is removed.)
  const migrations = options.migrations ?? loadMigrations();
  try {
    const check = new Database(file, { fileMustExist: true, readonly: true, timeout: busyTimeoutMs });
    try {
      applyRawKey(check, key);
      try {
        check.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
      } catch (error) {
        if (sqliteCode(error) === 'SQLITE_NOTADB') throw new WrongKeyError(file, { cause: error });
        throw error;
      }
      const found = tableExists(check, 'clinic') ? ((check.prepare('SELECT id FROM clinic WHERE singleton = 1').pluck().get() as string | undefined) ?? null) : null;
      if (found !== clinicId) throw new NotAClinicRecordError(file, clinicId, found);
      const version = schemaVersion(check);
      if (version > migrations.length) throw new DbFromFutureError(file, version, migrations.length);
      if (!before.has('-wal')) {
        const pages = check.pragma('page_count', { simple: true }) as number;
        if (pages * PAGE_SIZE > size) throw new CorruptRecordError(file, 'the file is truncated');
      }
      if (quickCheck && check.pragma('quick_check(1)', { simple: true }) !== 'ok') throw new CorruptRecordError(file, 'integrity check failed');
    } finally {
      check.close();
    }
  } catch (error) {
    return refused(error);
  }

  // Phase 2: the file is ours and sound; open it for writing and bring the schema up to date.
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, timeout: busyTimeoutMs });
    applyRawKey(db, key);
    configureConnection(db);
    migrate(db, { file, logger, migrations, ...(options.migrateTo !== undefined ? { to: options.migrateTo } : {}) });
    const record = wrap(db, key, file, logger);
    logger.info('clinic record opened', { schemaVersion: record.schemaVersion });
    return { ok: true, record };
  } catch (error) {
    db?.close();
    return refused(error);
  }
}

/** Creates a new record; refuses if anything already exists at `file`. */
export function createClinicRecord(options: CreateClinicRecordOptions): OpenResult {
  const { file, key, clinicId, clinicName, busyTimeoutMs = 5000, now = Date.now() } = options;
  const logger = options.logger.child({ service: 'records', clinicId });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (SIDECARS.some((s) => existsSync(file + s))) return { ok: false, error: new RecordExistsError(file) };
  try {
    // 'wx' claims the path atomically: two enrolments can never share or clobber a file.
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { ok: false, error: new RecordExistsError(file) };
    return fail(error, file);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, timeout: busyTimeoutMs });
    applyRawKey(db, key);
    db.pragma(`page_size = ${PAGE_SIZE}`);
    configureConnection(db);
    const migrations = options.migrations ?? loadMigrations();
    migrate(db, { file, logger, migrations, ...(options.migrateTo !== undefined ? { to: options.migrateTo } : {}) });
    createDrizzle(db).insert(clinic).values({ singleton: 1, id: clinicId, name: clinicName, createdAt: now, updatedAt: now }).run();
    const record = wrap(db, key, file, logger);
    logger.info('clinic record created', { schemaVersion: record.schemaVersion });
    return { ok: true, record };
  } catch (error) {
    // The file is ours and new: remove it so a retry starts clean.
    db?.close();
    for (const path of [file, ...SIDECARS.map((s) => file + s)]) rmSync(path, { force: true });
    return fail(error, file);
  }
}

/** Throws instead of returning a result: for code past startup, where a failure is a bug or an emergency. */
export function unwrapOpen(result: OpenResult): ClinicRecord {
  if (!result.ok) throw result.error;
  return result.record;
}
