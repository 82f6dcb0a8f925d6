/**
 * Backups, restore, key rotation and the wound model, as the renderer and the API share them.
 * Nothing here carries patient data: ids, names of files, sizes, times and counts.
 */
import { z } from 'zod';

/** The same minimum the record's backup service enforces (main/records/copy.ts). */
export const MIN_BACKUP_PASSWORD_LENGTH = 12;

export const backupPasswordSchema = z
  .string()
  .max(1024)
  .refine((p) => [...p].length >= MIN_BACKUP_PASSWORD_LENGTH, `At least ${MIN_BACKUP_PASSWORD_LENGTH} characters.`);

export const backupNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}-\d{8}-\d{6}(?:-\d{1,3})?\.cwbackup$/, 'Not a backup file name.');

/** What a backup holds, counted as the clinic counts it (issue 21 point 14). */
export const backupCountsSchema = z.object({
  /** Scans of the record (each is several encrypted files: its original and its 3D view). */
  scans: z.number().int().nonnegative(),
  /** Incoming scans from tablets, not yet assigned to a wound. */
  incoming: z.number().int().nonnegative(),
  /** Files of no scan (leftovers of an interrupted operation): kept, counted apart. */
  unlinkedFiles: z.number().int().nonnegative(),
  /** Encrypted files in all. */
  scanFiles: z.number().int().nonnegative(),
});

export const backupListingSchema = backupCountsSchema.extend({
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  createdAt: z.number().int().nonnegative(),
  clinicId: z.string(),
});
export type BackupListing = z.infer<typeof backupListingSchema>;

export const backupExportInputSchema = z.object({
  password: backupPasswordSchema,
  /** Desktop only: an absolute path the save dialog chose (the browser host writes to its backups folder). */
  destination: z.string().min(1).max(4096).optional(),
});

export const restoreInputSchema = z
  .object({
    password: z.string().min(1).max(1024),
    newClinicName: z.string().trim().min(1, 'Give the restored clinic a name.').max(200),
    fileName: backupNameSchema.optional(),
    uploadId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  })
  .refine((v) => Boolean(v.fileName) !== Boolean(v.uploadId), { message: 'Choose one backup: from the list or an uploaded file.', path: ['fileName'] });

/**
 * Automatic backups (issue 21 point 14): every `everyHours` into a folder IT chooses (a network
 * share, say), keeping the newest `keep` of this clinic's backups there. The password lives in
 * the OS keychain, never in a file.
 */
export const backupPolicySchema = z.object({
  enabled: z.boolean(),
  /** An absolute path to an existing, writable folder on this workstation (a mounted share counts). */
  folder: z.string().trim().min(1, 'Choose a folder').max(4096),
  everyHours: z.number().int().min(1, 'At least every hour').max(24 * 7, 'At least once a week'),
  keep: z.number().int().min(1, 'Keep at least 1').max(365, 'At most 365'),
});
export type BackupPolicy = z.infer<typeof backupPolicySchema>;

export const backupScheduleInputSchema = backupPolicySchema.extend({
  /** Needed the first time (and to change it); absent keeps the stored one. */
  password: backupPasswordSchema.optional(),
});
export type BackupScheduleInput = z.input<typeof backupScheduleInputSchema>;

export const backupRunStatusSchema = z.object({
  lastAttemptAt: z.number().nullable(),
  lastSuccessAt: z.number().nullable(),
  lastFile: z.string().nullable(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Old backups retention removed after the last success. */
  lastRemoved: z.number().int().nonnegative(),
});
export type BackupRunStatus = z.infer<typeof backupRunStatusSchema>;

/** How the clinic stands: what IT's home screen warns about. */
export const BACKUP_HEALTH = ['ok', 'overdue', 'never', 'failing', 'not-scheduled'] as const;
export const backupScheduleViewSchema = z.object({
  policy: backupPolicySchema.nullable(),
  passwordStored: z.boolean(),
  status: backupRunStatusSchema,
  nextDueAt: z.number().nullable(),
  /** The newest good backup, scheduled or made by hand on this workstation. */
  lastGoodAt: z.number().nullable(),
  health: z.enum(BACKUP_HEALTH),
  /** The age a good backup may reach before the warning (the policy's interval and an hour). */
  maxAgeHours: z.number(),
});
export type BackupScheduleView = z.infer<typeof backupScheduleViewSchema>;

export const OPERATIONS = ['export', 'restore', 'rotate'] as const;
export const operationProgressSchema = z.object({
  operation: z.enum(OPERATIONS),
  phase: z.enum(['record', 'scans', 'verifying', 'finishing']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type OperationProgress = z.infer<typeof operationProgressSchema>;

/** The wound-segmentation model in use, as the admin screen shows it. */
export const activeModelSchema = z.object({
  source: z.enum(['bundled', 'installed']),
  name: z.string(),
  version: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative().nullable(),
  licence: z.string(),
  metrics: z.record(z.string(), z.unknown()).nullable(),
  /** The execution providers the manifest asks for or reports, when it says. */
  provider: z.string().nullable(),
  installedAt: z.number().int().nullable(),
});
export type ActiveModel = z.infer<typeof activeModelSchema>;

export const MODEL_UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_MODEL_BYTES = 512 * 1024 * 1024;
export const MAX_MANIFEST_CHARS = 256 * 1024;
