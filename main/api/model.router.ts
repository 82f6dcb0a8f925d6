/**
 * The wound-segmentation model for IT admins (`settings.manage`), per clinic: what this clinic uses
 * (name, version,
 * sha256, metrics, licence) and installing another model with its own manifest. The manifest
 * comes first (refused at once when invalid), then the .onnx in base64 chunks — the same on IPC
 * and HTTP, like scan uploads. The chunks go to a staging folder under `<data dir>/models/`; the
 * segmentation service verifies sha256 and that onnxruntime opens it before it becomes THIS
 * clinic's active model (other clinics on the workstation keep theirs), audited in this clinic's record.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { activeModelSchema, MAX_MANIFEST_CHARS, MAX_MODEL_BYTES, MODEL_UPLOAD_CHUNK_BYTES, type ActiveModel } from '../../common/backups';
import { describeActiveModel, installAndActivateModel, ModelError, parseManifest, useBundledModel, type ActiveModelInfo } from '../analysis/segmentation/index';
import { appendAudit } from '../records/index';
import { permitted, router } from './trpc';

const manage = permitted('settings.manage');

interface ModelUpload {
  connectionId: string;
  dir: string;
  modelPath: string;
  size: number;
  received: number;
  lastTouched: number;
}
const uploads = new Map<string, ModelUpload>();
const IDLE_MS = 30 * 60_000;

async function sweep(now: number): Promise<void> {
  for (const [id, u] of uploads) {
    if (now - u.lastTouched > IDLE_MS) {
      uploads.delete(id);
      await rm(u.dir, { recursive: true, force: true });
    }
  }
}

function view(info: ActiveModelInfo): ActiveModel {
  const m = info.manifest;
  const providerField = (m as Record<string, unknown>)['provider'];
  return activeModelSchema.parse({
    source: info.source,
    name: m.name,
    version: m.version,
    sha256: m.sha256.toLowerCase(),
    bytes: m.bytes ?? null,
    licence: m.licence,
    metrics: m.metrics ?? null,
    provider: info.provider ?? (typeof providerField === 'string' ? providerField : null),
    installedAt: info.installedAt,
  });
}

export const modelRouter = router({
  active: manage.output(activeModelSchema).query(({ ctx }) => view(describeActiveModel(ctx.services.workstation.dataDir, ctx.clinic.id))),

  /** Checks the manifest and opens an upload for the model file it names. */
  beginInstall: manage
    .input(z.object({ manifest: z.string().min(2).max(MAX_MANIFEST_CHARS), size: z.number().int().positive().max(MAX_MODEL_BYTES) }))
    .output(z.object({ uploadId: z.string(), chunkBytes: z.number(), file: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const manifest = parseManifest(input.manifest, 'the manifest');
      if (manifest.bytes !== undefined && manifest.bytes !== input.size) {
        throw new ModelError('MODEL_SHA256_MISMATCH', `The model file is ${input.size} bytes but its manifest says ${manifest.bytes}; this is not the file the manifest describes.`);
      }
      const now = Date.now();
      await sweep(now);
      const uploadId = randomBytes(16).toString('hex');
      const dir = join(ctx.services.workstation.dataDir, 'models', `.upload-${uploadId}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, 'model.json'), input.manifest, { mode: 0o600, flag: 'wx' });
      const modelPath = join(dir, manifest.file);
      await (await open(modelPath, 'wx', 0o600)).close();
      uploads.set(uploadId, { connectionId: ctx.connectionId, dir, modelPath, size: input.size, received: 0, lastTouched: now });
      return { uploadId, chunkBytes: MODEL_UPLOAD_CHUNK_BYTES, file: manifest.file };
    }),

  uploadChunk: manage
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), offset: z.number().int().nonnegative(), data: z.base64().max(Math.ceil((MODEL_UPLOAD_CHUNK_BYTES * 4) / 3) + 4) }))
    .output(z.object({ received: z.number() }))
    .mutation(async ({ ctx, input }) => {
      const u = uploads.get(input.uploadId);
      if (!u || u.connectionId !== ctx.connectionId) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such upload (it may have expired).' });
      if (input.offset !== u.received) throw new TRPCError({ code: 'CONFLICT', message: `Expected the chunk at byte ${u.received}.` });
      const chunk = Buffer.from(input.data, 'base64');
      if (input.offset + chunk.length > u.size) throw new TRPCError({ code: 'BAD_REQUEST', message: 'The upload is longer than announced.' });
      const fh = await open(u.modelPath, 'r+');
      try {
        await fh.write(chunk, 0, chunk.length, input.offset);
      } finally {
        await fh.close();
      }
      u.received += chunk.length;
      u.lastTouched = Date.now();
      return { received: u.received };
    }),

  /** Verifies the uploaded model (sha256, onnxruntime opens it) and makes it the active one. */
  install: manage
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }))
    .output(activeModelSchema)
    .mutation(async ({ ctx, input }) => {
      const u = uploads.get(input.uploadId);
      if (!u || u.connectionId !== ctx.connectionId) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such upload (it may have expired).' });
      if (u.received !== u.size) throw new TRPCError({ code: 'BAD_REQUEST', message: `The upload is incomplete (${u.received} of ${u.size} bytes).` });
      uploads.delete(input.uploadId);
      try {
        const info = await installAndActivateModel(ctx.services.workstation.dataDir, ctx.clinic.id, join(u.dir, 'model.json'));
        appendAudit(ctx.clinic.record, { actorId: ctx.actor.id, actorRole: [...ctx.actor.roles].sort().join(','), action: 'model.install', entity: 'settings', entityId: `${info.manifest.name}-${info.manifest.version}`.slice(0, 64) });
        ctx.services.logger.info('wound model installed', { sha256: info.manifest.sha256.slice(0, 12) });
        return view(info);
      } finally {
        await rm(u.dir, { recursive: true, force: true });
      }
    }),

  /** Back to the bundled reference model. */
  useBundled: manage.output(activeModelSchema).mutation(async ({ ctx }) => {
    const info = await useBundledModel(ctx.services.workstation.dataDir, ctx.clinic.id);
    appendAudit(ctx.clinic.record, { actorId: ctx.actor.id, actorRole: [...ctx.actor.roles].sort().join(','), action: 'model.use_bundled', entity: 'settings', entityId: null });
    return view(info);
  }),
});
