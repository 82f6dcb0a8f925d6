/**
 * Backups, restore into a new clinic, and key rotation, for IT admins (`backup.manage`). The same
 * procedures over IPC and HTTP: the backup file is written to `<data dir>/backups/` and offered
 * for download by a capability URL (`downloadUrl`); a desktop save dialog may pass `destination`
 * instead. No patient data passes here: file names, sizes, times, ids and counts.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { backupCountsSchema, backupExportInputSchema, backupListingSchema, backupNameSchema, backupScheduleInputSchema, backupScheduleViewSchema, operationProgressSchema, restoreInputSchema, type OperationProgress } from '../../common/backups';
import { BACKUP_FILES_PREFIX, BACKUP_UPLOAD_CHUNK_BYTES, MAX_BACKUP_UPLOAD_BYTES } from '../backup/index';
import { permitted, router, sessionGuard } from './trpc';
import { eventStream } from './event-stream';

const manage = permitted('backup.manage');

const summarySchema = backupCountsSchema.extend({ name: z.string(), bytes: z.number(), createdAt: z.number(), clinicId: z.string() });

export const backupRouter = router({
  /** Writes an encrypted backup (record + scan files) and returns what was written. */
  export: manage
    .input(backupExportInputSchema)
    .output(summarySchema)
    .mutation(async ({ ctx, input }) => {
      if (input.destination !== undefined && ctx.transport !== 'ipc') {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'A destination path can only be chosen in the desktop app; the browser host keeps backups in its backups folder for download.' });
      }
      const s = await ctx.services.backups.exportBackup(ctx.clinic, ctx.actor, input);
      return { name: s.name, bytes: s.bytes, createdAt: s.createdAt, clinicId: s.clinicId, scanFiles: s.scanFiles, scans: s.scans, incoming: s.incoming, unlinkedFiles: s.unlinkedFiles };
    }),

  /** Automatic backups: the policy, the last run and how the clinic stands (IT's home screen warns from this). */
  schedule: manage.output(backupScheduleViewSchema).query(({ ctx }) => ctx.services.backupSchedule.view(ctx.clinic.id)),

  /** Sets the folder, interval and how many to keep (the folder is checked by writing to it); `enabled: false` turns it off. */
  setSchedule: manage
    .input(backupScheduleInputSchema)
    .output(backupScheduleViewSchema)
    .mutation(({ ctx, input }) => ctx.services.backupSchedule.set(ctx.clinic, ctx.actor, input)),

  /** Makes the scheduled backup now, into the folder (to try the share); the outcome is in the returned status. */
  runScheduleNow: manage.output(backupScheduleViewSchema).mutation(({ ctx }) => ctx.services.backupSchedule.runNow(ctx.clinic, ctx.actor)),

  /** This clinic's backups in the backups folder, newest first. */
  list: manage.output(z.array(backupListingSchema)).query(({ ctx }) => ctx.services.backups.list(ctx.clinic.id)),

  /** A short-lived download URL of one of this clinic's backups. */
  downloadUrl: manage
    .input(z.object({ name: backupNameSchema }))
    .output(z.object({ url: z.string() }))
    .query(async ({ ctx, input }) => {
      const mine = await ctx.services.backups.list(ctx.clinic.id);
      if (!mine.some((b) => b.name === input.name)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No backup of that name for this clinic.' });
      return { url: `${BACKUP_FILES_PREFIX}${ctx.services.backups.mintDownload(ctx.connectionId, ctx.clinic.id, input.name)}` };
    }),

  /** Uploading a backup file to restore: announced, then base64 chunks in order. */
  beginUpload: manage
    .input(z.object({ size: z.number().int().positive().max(MAX_BACKUP_UPLOAD_BYTES) }))
    .output(z.object({ uploadId: z.string(), chunkBytes: z.number() }))
    .mutation(({ ctx, input }) => ctx.services.backups.beginUpload(ctx.connectionId, input.size)),

  uploadChunk: manage
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), offset: z.number().int().nonnegative(), data: z.base64().max(Math.ceil((BACKUP_UPLOAD_CHUNK_BYTES * 4) / 3) + 4) }))
    .output(z.object({ received: z.number() }))
    .mutation(({ ctx, input }) => ctx.services.backups.uploadChunk(ctx.connectionId, input.uploadId, input.offset, Buffer.from(input.data, 'base64'))),

  /** Restores a backup into a NEW clinic (new id, new key); the signed-in clinic is untouched. */
  restore: manage
    .input(restoreInputSchema)
    .output(backupCountsSchema.extend({ clinicId: z.string(), name: z.string() }))
    .mutation(({ ctx, input }) => ctx.services.backups.restore(ctx.clinic, ctx.actor, { ...input, connectionId: ctx.connectionId })),

  /** Rotates the clinic key: the record and every scan file, with no data loss (audited). */
  rotateKey: manage
    .input(z.object({ confirm: z.literal(true) }))
    .output(z.object({ scanFiles: z.number() }))
    .mutation(({ ctx }) => ctx.services.backups.rotateKey(ctx.clinic, ctx.actor)),

  /** Progress of this clinic's long operations (export, restore, rotate), live, while this session may manage backups. */
  onProgress: manage.subscription(({ ctx, signal }) =>
    eventStream<OperationProgress>(
      (push) =>
        ctx.services.backups.onDidProgress((p) => {
          if (p.clinicId === ctx.clinic.id) push(operationProgressSchema.parse(p));
        }),
      signal,
      sessionGuard(ctx, 'backup.manage'),
    ),
  ),
});
