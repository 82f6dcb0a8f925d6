import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../../common/records';
import { capturedAtSchema } from '../../common/scan-checks';
import { importJobSchema, MAX_UPLOAD_BYTES, scanSchema, UPLOAD_CHUNK_BYTES, type ImportJob } from '../../common/scans';
import { octreePrefixOf, type ImportJobState } from '../scans/index';
import { eventStream } from './event-stream';
import { SCAN_FILES_PREFIX } from '../file-routes/index';
import { permitted, router, sessionGuard } from './trpc';

function toJob(job: ImportJobState): ImportJob {
  return importJobSchema.parse(job);
}

export const scansRouter = router({
  listByWound: permitted('clinical.read')
    .input(z.object({ woundId: idSchema }))
    .output(z.array(scanSchema))
    .query(({ ctx, input }) => ctx.clinic.scans.listByWound(input.woundId, ctx.actor)),

  get: permitted('clinical.read')
    .input(z.object({ id: idSchema }))
    .output(scanSchema)
    .query(({ ctx, input }) => {
      const scan = ctx.clinic.scans.get(input.id, ctx.actor);
      if (!scan) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such scan in this clinic.' });
      return scan;
    }),

  /** A short-lived URL of the scan's octree for the viewer (see main/file-routes/scan-files.ts). */
  fileUrl: permitted('clinical.read')
    .input(z.object({ id: idSchema }))
    .output(z.object({ url: z.string() }))
    .query(({ ctx, input }) => {
      const scan = ctx.clinic.scans.get(input.id, ctx.actor);
      if (!scan) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such scan in this clinic.' });
      const token = ctx.services.scanFiles.mint(ctx.connectionId, ctx.clinic.id, scan.id, octreePrefixOf(ctx.clinic.scans.files(scan.id)?.octreeFileId));
      return { url: `${SCAN_FILES_PREFIX}${token}/metadata.json` };
    }),

  beginUpload: permitted('clinical.write')
    .input(z.object({ fileName: z.string().min(1).max(255), size: z.number().int().positive().max(MAX_UPLOAD_BYTES) }))
    .output(z.object({ uploadId: z.string(), chunkBytes: z.number() }))
    .mutation(({ ctx, input }) => ctx.services.scanUploads.begin(ctx.connectionId, input.fileName, input.size)),

  uploadChunk: permitted('clinical.write')
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), offset: z.number().int().nonnegative(), data: z.base64().max(Math.ceil((UPLOAD_CHUNK_BYTES * 4) / 3) + 4) }))
    .output(z.object({ received: z.number() }))
    .mutation(({ ctx, input }) => ctx.services.scanUploads.chunk(ctx.connectionId, input.uploadId, input.offset, Buffer.from(input.data, 'base64'))),

  /** Gives up an upload and frees what it reserved. */
  cancelUpload: permitted('clinical.write')
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }))
    .output(z.object({ cancelled: z.boolean() }))
    .mutation(async ({ ctx, input }) => ({ cancelled: await ctx.services.scanUploads.cancel(ctx.connectionId, input.uploadId) })),

  /**
   * Starts the import job of a finished upload onto a wound. A capture time in the future is
   * refused here; a scan that does not fit the wound's body part waits in `confirming`.
   */
  import: permitted('clinical.write')
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), woundId: idSchema, capturedAt: capturedAtSchema }))
    .output(importJobSchema)
    .mutation(({ ctx, input }) => {
      const upload = ctx.services.scanUploads.take(ctx.connectionId, input.uploadId);
      if (!ctx.clinic.scans.woundExists(input.woundId)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such wound in this clinic.' });
      return toJob(ctx.clinic.imports.start({ bytes: upload.bytes, fileName: upload.fileName, woundId: input.woundId, capturedAt: input.capturedAt, actor: ctx.actor, extentCheck: 'ask' }));
    }),

  /** Goes on with an import held in `confirming` (its extent did not fit the wound); `confirmed: false` when it was not waiting. */
  confirmImport: permitted('clinical.write')
    .input(z.object({ jobId: z.string().max(64) }))
    .output(z.object({ confirmed: z.boolean() }))
    .mutation(({ ctx, input }) => ({ confirmed: ctx.clinic.imports.confirm(input.jobId) })),

  cancelImport: permitted('clinical.write')
    .input(z.object({ jobId: z.string().max(64) }))
    .output(z.object({ cancelled: z.boolean() }))
    .mutation(({ ctx, input }) => ({ cancelled: ctx.clinic.imports.cancel(input.jobId) })),

  jobs: permitted('clinical.read').output(z.array(importJobSchema)).query(({ ctx }) => ctx.clinic.imports.list().map(toJob)),

  /** Import progress, live: every change of every job of this clinic, while this session may read clinical data. */
  onJob: permitted('clinical.read').subscription(({ ctx, signal }) =>
    eventStream<ImportJob>((push) => ctx.clinic.imports.onDidChangeJob((job) => push(toJob(job))), signal, sessionGuard(ctx, 'clinical.read')),
  ),

  /** Deletes the scan's row (audited) and its encrypted files. */
  delete: permitted('clinical.write')
    .input(z.object({ id: idSchema }))
    .mutation(async ({ ctx, input }) => {
      ctx.clinic.scans.remove(input.id, ctx.actor);
      ctx.clinic.analysis.evict(input.id);
      await ctx.clinic.store.remove(input.id);
    }),
});
