/**
 * Backup: one password-protected archive of a whole clinic (record + scan files), restore into a
 * new clinic, and rotation of the clinic key, for IT admins. The record's own SQLCipher copy and
 * rekey are primitives of records/ (records/copy.ts); this folder is the feature built on them, and
 * automatic backups on a schedule into a folder IT chooses (schedule.ts).
 */
export {
  createBackupService,
  BACKUP_FILES_PREFIX,
  BACKUP_UPLOAD_CHUNK_BYTES,
  MAX_BACKUP_UPLOAD_BYTES,
  type BackupService,
  type DownloadResponse,
  type Operation,
  type OperationProgress,
} from './backup.service';
export {
  BackupError,
  BACKUP_EXTENSION,
  BACKUP_KDF_ITERATIONS,
  backupManifestSchema,
  readBackupManifest,
  verifyBackup,
  writeBackup,
  restoreAsNewClinic,
  listBackupFiles,
  backupFileName,
  checkBackupPassword,
  type BackupErrorCode,
  type BackupManifest,
  type BackupProgress,
  type BackupSummary,
  type BackupListing,
} from './archive';
export { rotateClinicKey, recoverKeyRotation, KeyRotationError, nextKeyAccount, previousKeyAccount, type RotateKeyOptions, type RecoverOptions } from './key-rotation';
export { createBackupScheduler, checkBackupFolder, BackupScheduleError, passwordAccount, RETRY_AFTER_MS, DEFAULT_MAX_AGE_HOURS, type BackupScheduler, type BackupScheduleDeps, type BackupScheduleErrorCode, type ScheduledClinic } from './schedule';
