/**
 * The encrypted clinic record: one SQLCipher-4-format SQLite file per clinic, its schema and
 * migrations, repositories, the hash-chained audit log, backup/restore and re-keying.
 * Plain Node: takes file paths, keys and a logger as arguments; never imports electron.
 */
export { openClinicRecord, createClinicRecord, unwrapOpen, type ClinicRecord, type OpenResult, type OpenClinicRecordOptions, type CreateClinicRecordOptions } from './record';
export {
  RecordError,
  RecordNotFoundError,
  RecordExistsError,
  WrongKeyError,
  NotAClinicRecordError,
  CorruptRecordError,
  DbFromFutureError,
  DiskFullError,
  MigrationError,
  InvalidKeyError,
  BackupPasswordError,
  EntityNotFoundError,
  ConflictError,
  LastAdminError,
  type RecordErrorCode,
} from './errors';
export { RECORD_KEY_BYTES } from './cipher';
export { exportAuditCsv, csvField, AUDIT_CSV_COLUMNS } from './audit-export';
export { loadMigrations, DEFAULT_MIGRATIONS_FOLDER, type Migration } from './migrate';
export { appendAudit, verifyAuditChain, listAudit, countAudit, iterateAudit, auditNames, auditEntities, type AuditEntry, type AuditRow, type AuditVerification, type AuditQuery, type AuditName } from './audit';
/** JSON with keys sorted at every level and no whitespace (the audit chain's hashes, the backup manifest's MAC). */
export { canonicalJson } from './audit';
export { exportBackup, restoreBackup, inspectBackup, rekey, recoverInterruptedRekey, REKEY_COPY_SUFFIX, keyOpensRecord, MIN_BACKUP_PASSWORD_LENGTH, type BackupInfo, type RestoreOptions } from './copy';
export { newId } from './ids';
export { SYSTEM_ACTOR, type Actor } from './repositories/actor';
export { createPatientsRepository, type PatientsRepository } from './repositories/patients';
export { createWoundsRepository, type WoundsRepository } from './repositories/wounds';
export { createScansRepository, ScanInUseError, type ScansRepository, type NewScan } from './repositories/scans';
export { createStaffRepository, type StaffRepository, type NewStaff, type StaffCredentials } from './repositories/staff';
export { createTwoFactorRepository, TWO_FACTOR_POLICY_KEY, type Authenticator, type TwoFactorRepository } from './repositories/two-factor';
export type { RecordDb } from './drizzle';
export * as tables from './schema';
export { createAssessmentsRepository, AssessmentError, type AssessmentErrorCode, type AssessmentsRepository, type NewAssessment } from './repositories/assessments';
export { actorRole } from './repositories/actor';
export { sqliteCode } from './errors';
export { installSyncCapture, snapshotQuery, rowJson } from './sync-capture';
export { applyPulledPage, storedCursor, danglingReferences, type ApplyResult } from './sync-apply';
export { createWoundBaselinesRepository, type WoundBaselinesRepository, type WoundBaseline } from './repositories/wound-baselines';
