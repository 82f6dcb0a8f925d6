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

export const backupListingSchema = z.object({
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  createdAt: z.number().int().nonnegative(),
  clinicId: z.string(),
  scanFiles: z.number().int().nonnegative(),
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
