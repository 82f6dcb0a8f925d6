import { randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../../common/records';
import { capturedAtSchema } from '../../common/scan-checks';
import { importJobSchema, MAX_UPLOAD_BYTES, scanSchema, UPLOAD_CHUNK_BYTES, type ImportJob } from '../../common/scans';
import { octreePrefixOf, type ImportJobState } from '../scans/index';
import { eventStream } from './event-stream';
import { SCAN_FILES_PREFIX } from './scan-files';
import { permitted, router } from './trpc';

/**
 * Uploads travel as base64 chunks over tRPC, so the desktop (IPC) and the browser host (HTTP)
 * carry them the same way. They are held in memory until imported (never written in plaintext).
 */
interface Upload {
  connectionId: string;
  fileName: string;
  bytes: Buffer;
  received: number;
  lastTouched: number;
}
const uploads = new Map<string, Upload>();
const UPLOAD_IDLE_MS = 30 * 60_000;

function sweep(now: number): void {
  for (const [id, u] of uploads) if (now - u.lastTouched > UPLOAD_IDLE_MS) uploads.delete(id);
}

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

  /** A short-lived URL of the scan's octree for the viewer (see scan-files.ts). */
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
    .mutation(({ ctx, input }) => {
      const now = Date.now();
      sweep(now);
      const uploadId = randomBytes(16).toString('hex');
      uploads.set(uploadId, { connectionId: ctx.connectionId, fileName: input.fileName, bytes: Buffer.alloc(input.size), received: 0, lastTouched: now });
      return { uploadId, chunkBytes: UPLOAD_CHUNK_BYTES };
    }),

  uploadChunk: permitted('clinical.write')
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), offset: z.number().int().nonnegative(), data: z.base64().max(Math.ceil((UPLOAD_CHUNK_BYTES * 4) / 3) + 4) }))
    .output(z.object({ received: z.number() }))
    .mutation(({ ctx, input }) => {
      const upload = uploads.get(input.uploadId);
      if (!upload || upload.connectionId !== ctx.connectionId) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such upload (it may have expired).' });
      if (input.offset !== upload.received) throw new TRPCError({ code: 'CONFLICT', message: `Expected the chunk at byte ${upload.received}.` });
      const chunk = Buffer.from(input.data, 'base64');
      if (input.offset + chunk.length > upload.bytes.length) throw new TRPCError({ code: 'BAD_REQUEST', message: 'The upload is longer than announced.' });
      chunk.copy(upload.bytes, input.offset);
      upload.received += chunk.length;
      upload.lastTouched = Date.now();
      return { received: upload.received };
    }),

  /**
   * Starts the import job of a finished upload onto a wound. A capture time in the future is
   * refused here; a scan that does not fit the wound's body part waits in `confirming`.
   */
  import: permitted('clinical.write')
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), woundId: idSchema, capturedAt: capturedAtSchema }))
    .output(importJobSchema)
    .mutation(({ ctx, input }) => {
      const upload = uploads.get(input.uploadId);
      if (!upload || upload.connectionId !== ctx.connectionId) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such upload (it may have expired).' });
      if (upload.received !== upload.bytes.length) throw new TRPCError({ code: 'BAD_REQUEST', message: `The upload is incomplete (${upload.received} of ${upload.bytes.length} bytes).` });
      uploads.delete(input.uploadId);
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

  /** Import progress, live: every change of every job of this clinic. */
  onJob: permitted('clinical.read').subscription(({ ctx, signal }) => eventStream<ImportJob>((push) => ctx.clinic.imports.onDidChangeJob((job) => push(toJob(job))), signal)),

  /** Deletes the scan's row (audited) and its encrypted files. */
  delete: permitted('clinical.write')
    .input(z.object({ id: idSchema }))
    .mutation(async ({ ctx, input }) => {
      ctx.clinic.scans.remove(input.id, ctx.actor);
      ctx.clinic.analysis.evict(input.id);
      await ctx.clinic.store.remove(input.id);
    }),
});
