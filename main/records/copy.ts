/**
 * Backup, restore and re-keying of a clinic record.
 *
 * Backup format: a standard SQLCipher 4 database keyed by the backup PASSWORD (SQLCipher's own
 * passphrase mode: PBKDF2-HMAC-SHA512, 256,000 iterations, random per-file salt in the first 16
 * bytes; AES-256-CBC pages with HMAC-SHA512). Any SQLCipher 4 tool opens it with
 * `PRAGMA key = '<password>'`, so a backup stays readable without this app. It is made with
 * `VACUUM INTO` (a consistent, compacted snapshot, encrypted with the clinic key from the first
 * byte — plaintext never reaches the disk), then re-keyed to the password and renamed into place.
 *
 * Restore copies the backup to a NEW file, re-keys that copy to the new profile's raw key and
 * opens it as a record; the backup itself is only ever opened read-only.
 *
 * The API is async so it can move into a worker without changing callers; today the work is
 * synchronous SQLite (VACUUM INTO reads the whole file: about a second per 100 MB).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Logger } from '../shared/logger';
import { applyPassphrase, applyRawKey, assertRecordKey, rekeyPassphrase, rekeyRaw } from './cipher';
import { BackupPasswordError, DbFromFutureError, RecordExistsError, sqliteCode, translateSqliteError } from './errors';
import { loadMigrations } from './migrate';
import { connectionOf, keyOf, openClinicRecord, setKeyOf, type ClinicRecord, type OpenResult } from './record';

export const MIN_BACKUP_PASSWORD_LENGTH = 12;

export interface BackupInfo {
  file: string;
  clinicId: string;
  clinicName: string;
  schemaVersion: number;
  bytes: number;
  createdAt: number;
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || [...password].length < MIN_BACKUP_PASSWORD_LENGTH) {
    throw new BackupPasswordError(`A backup password needs at least ${MIN_BACKUP_PASSWORD_LENGTH} characters.`);
  }
}

/** Writes an encrypted backup of `record` to `file` (which must not exist yet). */
export async function exportBackup(record: ClinicRecord, options: { password: string; file: string }): Promise<BackupInfo> {
  checkPassword(options.password);
  const { file } = options;
  if (existsSync(file)) throw new RecordExistsError(file);
  const partial = `${file}.partial-${randomBytes(6).toString('hex')}`;
  const started = Date.now();
  try {
    // Same key and cipher as the record: the snapshot is encrypted as it is written.
    connectionOf(record).prepare('VACUUM INTO ?').run(partial);
    chmodSync(partial, 0o600);
    const copy = new Database(partial, { fileMustExist: true });
    try {
      applyRawKey(copy, keyOf(record));
      copy.pragma('journal_mode = DELETE');
      rekeyPassphrase(copy, options.password);
    } finally {
      copy.close();
    }
    const info = inspectBackup(partial, options.password);
    // 'wx'-like: refuse if someone created `file` meanwhile (rename would replace it).
    if (existsSync(file)) throw new RecordExistsError(file);
    renameSync(partial, file);
    record.logger.info('backup written', { ms: Date.now() - started, bytes: info.bytes, schemaVersion: info.schemaVersion });
    return { ...info, file, createdAt: started };
  } catch (error) {
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
    throw translateSqliteError(error, record.file);
  }
}

/** Opens a backup read-only with its password and says what is in it. */
export function inspectBackup(file: string, password: string): Omit<BackupInfo, 'createdAt'> {
  const db = new Database(file, { fileMustExist: true, readonly: true });
  try {
    applyPassphrase(db, password);
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_NOTADB') throw new BackupPasswordError('Wrong backup password, or the file is not a Coherency backup.');
      throw error;
    }
    const clinic = db.prepare('SELECT id, name FROM clinic WHERE singleton = 1').get() as { id: string; name: string } | undefined;
    if (!clinic) throw new BackupPasswordError('The file opens with this password but is not a Coherency backup.');
    const check = db.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw new BackupPasswordError('The backup is damaged (integrity check failed).');
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { file, clinicId: clinic.id, clinicName: clinic.name, schemaVersion: db.pragma('user_version', { simple: true }) as number, bytes: pages * pageSize };
  } finally {
    db.close();
  }
}

export interface RestoreOptions {
  /** Where the restored record goes; must not exist. */
  newFile: string;
  /** The new profile's 32-byte key (already in the keychain). */
  newKey: Buffer;
  logger: Logger;
  /** Refuse a backup of any other clinic. */
  expectedClinicId?: string;
  /**
   * Restore as a NEW clinic: the restored file's clinic row gets this id and name (every other
   * row is kept as it was), so it can sit beside the original on the same workstation.
   */
  identity?: { clinicId: string; clinicName: string };
}

/** Restores a backup into a new record file, re-keyed to `newKey`, migrated and opened. */
export async function restoreBackup(file: string, password: string, options: RestoreOptions): Promise<OpenResult> {
  const { newFile, newKey, logger } = options;
  try {
    assertRecordKey(newKey);
    const info = inspectBackup(file, password);
    if (options.expectedClinicId && info.clinicId !== options.expectedClinicId) {
      throw new BackupPasswordError(`This backup is of clinic ${info.clinicId}, not ${options.expectedClinicId}.`);
    }
    if (info.schemaVersion > loadMigrations().length) {
      throw new DbFromFutureError(file, info.schemaVersion, loadMigrations().length);
    }
    if (existsSync(newFile) || existsSync(`${newFile}-wal`)) throw new RecordExistsError(newFile);
    copyFileSync(file, newFile, constants.COPYFILE_EXCL);
    chmodSync(newFile, 0o600);
    try {
      const db = new Database(newFile, { fileMustExist: true });
      try {
        applyPassphrase(db, password);
        rekeyRaw(db, newKey);
        if (options.identity) {
          db.prepare('UPDATE clinic SET id = ?, name = ?, updated_at = ? WHERE singleton = 1').run(options.identity.clinicId, options.identity.clinicName, Date.now());
        }
      } finally {
        db.close();
      }
    } catch (error) {
      rmSync(newFile, { force: true });
      rmSync(`${newFile}-journal`, { force: true });
      throw error;
    }
    const clinicId = options.identity?.clinicId ?? info.clinicId;
    logger.info('backup restored', { fromClinicId: info.clinicId, clinicId, schemaVersion: info.schemaVersion });
    return openClinicRecord({ file: newFile, key: newKey, clinicId, logger });
  } catch (error) {
    const translated = translateSqliteError(error, newFile);
    return { ok: false, error: translated instanceof Error ? translated : new Error(String(translated)) };
  }
}

/** Beside the record during a rekey: the whole file as it was under the old key. */
export const REKEY_COPY_SUFFIX = '.before-rekey';

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename in `dir` durable where the platform allows it (Windows cannot open a directory;
 *  some filesystems refuse to fsync one): the rename itself is atomic either way. */
function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // as above
  } finally {
    closeSync(fd);
  }
}

/** Copies `from` to `to` so that `to` exists only complete and on disk (temp name, fsync, rename, fsync dir). */
function durableCopy(from: string, to: string): void {
  const tmp = `${to}.tmp`;
  rmSync(tmp, { force: true });
  copyFileSync(from, tmp, constants.COPYFILE_EXCL);
  chmodSync(tmp, 0o600);
  fsyncFile(tmp);
  renameSync(tmp, to);
  fsyncDir(dirname(to));
}

/**
 * Re-encrypts the whole record with `newKey` (PRAGMA rekey), in place and without data loss;
 * needs the only connection to the file (it leaves WAL mode for the duration).
 * Key rotation order for callers: keep the old key in the keychain until this returns, then
 * store the new one — a crash in between leaves a file that one of the two keys opens.
 *
 * SQLite3MultipleCiphers' rekey runs in one rollback-journal transaction, but it also gives the
 * file a new salt on page 1, so after a crash part-way through, neither key opens the file and
 * SQLite3MC cannot roll its own hot journal back (found by rekey-crash.test.ts). So the file is
 * first copied, complete and fsync'd, to `<file>.before-rekey`; `recoverInterruptedRekey` puts
 * that copy back when a journal shows the rekey did not commit.
 */
export async function rekey(record: ClinicRecord, newKey: Buffer): Promise<void> {
  assertRecordKey(newKey);
  const db = connectionOf(record);
  const copy = `${record.file}${REKEY_COPY_SUFFIX}`;
  try {
    // SQLite3MultipleCiphers cannot rekey a database while it is in WAL mode: leave WAL (which
    // checkpoints it into the main file), rekey every page, then return to WAL.
    db.pragma('journal_mode = DELETE');
    try {
      durableCopy(record.file, copy);
      rekeyRaw(db, newKey);
    } finally {
      db.pragma('journal_mode = WAL');
    }
  } catch (error) {
    // Not re-keyed (SQLite rolled its transaction back): the copy is not needed. Where that
    // cannot be confirmed the copy stays for recovery, and the rekey's own error is the one thrown.
    rmSync(`${copy}.tmp`, { force: true });
    let stillOldKey = false;
    try {
      stillOldKey = keyOpensRecord(record.file, keyOf(record));
    } catch {
      // keep the copy
    }
    if (stillOldKey) rmSync(copy, { force: true });
    throw translateSqliteError(error, record.file);
  }
  setKeyOf(record, newKey);
  rmSync(copy, { force: true });
  record.logger.info('record re-keyed');
}

/**
 * Run before opening a record whose key rotation was interrupted. A rekey that did not commit
 * leaves its rollback journal (`<file>-journal`) beside the record: the file may then be partly
 * under each key, so the copy made before it (`<file>.before-rekey`, complete or absent) is put
 * back. Without a journal the rekey either never touched the file or committed: the copy is
 * dropped. A journal without a copy (a crash before the copy was made, or a rekey from before
 * copies) is left to SQLite: a read-write open with the old key rolls it back if it is hot, and
 * one it leaves is removed. Returns what it did.
 */
export function recoverInterruptedRekey(file: string, oldKey: Buffer): 'none' | 'restored' | 'rolled-back' | 'stale-journal-removed' | 'copy-removed' {
  const copy = `${file}${REKEY_COPY_SUFFIX}`;
  const journal = `${file}-journal`;
  rmSync(`${copy}.tmp`, { force: true });
  if (existsSync(copy)) {
    if (!existsSync(journal)) {
      rmSync(copy, { force: true });
      return 'copy-removed';
    }
    renameSync(copy, file);
    // The journal holds the same pages as the copy under the old key; it must not be replayed
    // onto anything else.
    rmSync(journal, { force: true });
    fsyncDir(dirname(file));
    return 'restored';
  }
  if (!existsSync(journal)) return 'none';
  const db = new Database(file, { fileMustExist: true });
  try {
    applyRawKey(db, oldKey);
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
  } catch (error) {
    throw translateSqliteError(error, file);
  } finally {
    db.close();
  }
  if (!existsSync(journal)) return 'rolled-back';
  // SQLite opened and read the file with the old key and left the journal: one it does not need
  // (a crash in the WAL-to-rollback switch before the copy was made leaves one that a WAL-mode
  // file ignores, or a cold one). Left there, it would lie beside the record for good.
  rmSync(journal, { force: true });
  return 'stale-journal-removed';
}

/** Whether `key` opens the record file (read-only, changes nothing). */
export function keyOpensRecord(file: string, key: Buffer): boolean {
  const db = new Database(file, { fileMustExist: true, readonly: true });
  try {
    applyRawKey(db, key);
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    return true;
  } catch (error) {
    if (sqliteCode(error) === 'SQLITE_NOTADB') return false;
    throw translateSqliteError(error, file);
  } finally {
    db.close();
  }
}
