/**
 * One error class per kind, each with a `code` (VS Code's FileSystemProviderErrorCode idea).
 * Messages never contain patient data or key material: they name the file and say what to do.
 */
export type RecordErrorCode =
  | 'RECORD_NOT_FOUND'
  | 'RECORD_EXISTS'
  | 'WRONG_KEY'
  | 'NOT_A_CLINIC_RECORD'
  | 'CORRUPT_RECORD'
  | 'DB_FROM_FUTURE'
  | 'DISK_FULL'
  | 'MIGRATION_FAILED'
  | 'INVALID_KEY'
  | 'BACKUP_PASSWORD'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LAST_ADMIN';

export abstract class RecordError extends Error {
  abstract readonly code: RecordErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RecordNotFoundError extends RecordError {
  readonly code = 'RECORD_NOT_FOUND';
  constructor(readonly file: string) {
    super(`No clinic record at ${file}. Restore it from a backup or re-enrol the clinic.`);
  }
}

export class RecordExistsError extends RecordError {
  readonly code = 'RECORD_EXISTS';
  constructor(readonly file: string) {
    super(`A file already exists at ${file}; an existing record is never overwritten.`);
  }
}

export class WrongKeyError extends RecordError {
  readonly code = 'WRONG_KEY';
  constructor(readonly file: string, options?: { cause?: unknown }) {
    super(`The key from the keychain does not open ${file} (wrong key, or the file's first page is damaged). The file was not changed.`, options);
  }
}

export class NotAClinicRecordError extends RecordError {
  readonly code = 'NOT_A_CLINIC_RECORD';
  constructor(
    readonly file: string,
    readonly expectedClinicId: string,
    readonly foundClinicId: string | null,
  ) {
    super(
      foundClinicId
        ? `${file} belongs to clinic ${foundClinicId}, not ${expectedClinicId}. The file was not changed.`
        : `${file} opens with this key but is not a Coherency clinic record. The file was not changed.`,
    );
  }
}

export class CorruptRecordError extends RecordError {
  readonly code = 'CORRUPT_RECORD';
  constructor(
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file} is damaged (${detail}). Restore the clinic from a backup.`, options);
  }
}

export class DbFromFutureError extends RecordError {
  readonly code = 'DB_FROM_FUTURE';
  constructor(
    readonly file: string,
    readonly fileVersion: number,
    readonly appVersion: number,
  ) {
    super(`${file} was written by a newer Coherency Workstation (schema ${fileVersion}, this app knows ${appVersion}). Update the app; the file was not changed.`);
  }
}

export class DiskFullError extends RecordError {
  readonly code = 'DISK_FULL';
  constructor(options?: { cause?: unknown }) {
    super('The disk holding the clinic record is full; the last change was not saved. Free some space and try again.', options);
  }
}

export class MigrationError extends RecordError {
  readonly code = 'MIGRATION_FAILED';
  constructor(
    readonly version: number,
    options?: { cause?: unknown },
  ) {
    super(`Upgrading the record to schema ${version} failed and was rolled back.`, options);
  }
}

export class InvalidKeyError extends RecordError {
  readonly code = 'INVALID_KEY';
  constructor(detail: string) {
    super(`Invalid record key: ${detail}.`);
  }
}

export class BackupPasswordError extends RecordError {
  readonly code = 'BACKUP_PASSWORD';
  constructor(detail: string) {
    super(detail);
  }
}

export class EntityNotFoundError extends RecordError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found.`);
  }
}

export class ConflictError extends RecordError {
  readonly code = 'CONFLICT';
  constructor(
    readonly entity: string,
    readonly field: string,
  ) {
    super(`Another ${entity} already has this ${field}.`);
  }
}

/** The change would leave the clinic without an active IT administrator (nobody could manage staff, backups or keys). */
export class LastAdminError extends RecordError {
  readonly code = 'LAST_ADMIN';
  constructor(readonly change: 'disable' | 'demote') {
    super(
      change === 'disable'
        ? 'This is the only active IT administrator: disabling the account would lock everyone out of staff, backups and keys. Make another staff member an IT administrator first.'
        : 'This is the only active IT administrator: without that role nobody could manage staff, backups or keys. Make another staff member an IT administrator first.',
    );
  }
}

/** The SQLite result code of a better-sqlite3 error (`SQLITE_FULL`, `SQLITE_CORRUPT_…`), or null. */
export function sqliteCode(error: unknown): string | null {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_')) return error.code;
  return null;
}

/** Translate the storage-level SQLite failures every caller must see as typed errors. */
export function translateSqliteError(error: unknown, file: string): unknown {
  // The file system's own "no space left" (a copy the record makes, e.g. before a rekey).
  if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOSPC') return new DiskFullError({ cause: error });
  const code = sqliteCode(error);
  if (!code) return error;
  if (code === 'SQLITE_FULL') return new DiskFullError({ cause: error });
  if (code.startsWith('SQLITE_CORRUPT')) return new CorruptRecordError(file, 'SQLite reported corruption', { cause: error });
  return error;
}
