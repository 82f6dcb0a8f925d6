/**
 * Backups as a domain: automatic backups on a schedule (schedule.ts). The backup archive, restore
 * and key rotation join this folder from main/api/ (layout refactor).
 */
export { createBackupScheduler, checkBackupFolder, BackupScheduleError, passwordAccount, RETRY_AFTER_MS, DEFAULT_MAX_AGE_HOURS, type BackupScheduler, type BackupScheduleDeps, type BackupScheduleErrorCode, type ScheduledClinic } from './schedule';
