/**
 * The wound-segmentation model for IT admins (`settings.manage`), per clinic: what this clinic uses
 * (name, version,
 * sha256, metrics, licence) and installing another model with its own manifest. The manifest
 * comes first (refused at once when invalid), then the .onnx in base64 chunks — the same on IPC
 * and HTTP, like scan uploads. The chunks go to a staging folder under `<data dir>/models/`; the
 * segmentation service verifies sha256 and that onnxruntime opens it before it becomes THIS
 * clinic's active model (other clinics on the workstation keep theirs), audited in this clinic's record
 * (main/analysis/model-install.ts does the work).
 */
import { z } from 'zod';
import { activeModelSchema, MAX_MANIFEST_CHARS, MAX_MODEL_BYTES, MODEL_UPLOAD_CHUNK_BYTES, type ActiveModel } from '../../common/backups';
import type { ActiveModelInfo } from '../analysis/index';
import { permitted, router } from './trpc';

const manage = permitted('settings.manage');

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
  active: manage.output(activeModelSchema).query(({ ctx }) => view(ctx.services.models.active(ctx.clinic.id))),

  /** Checks the manifest and opens an upload for the model file it names. */
  beginInstall: manage
    .input(z.object({ manifest: z.string().min(2).max(MAX_MANIFEST_CHARS), size: z.number().int().positive().max(MAX_MODEL_BYTES) }))
    .output(z.object({ uploadId: z.string(), chunkBytes: z.number(), file: z.string() }))
    .mutation(({ ctx, input }) => ctx.services.models.beginInstall(ctx.connectionId, input.manifest, input.size)),

  uploadChunk: manage
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), offset: z.number().int().nonnegative(), data: z.base64().max(Math.ceil((MODEL_UPLOAD_CHUNK_BYTES * 4) / 3) + 4) }))
    .output(z.object({ received: z.number() }))
    .mutation(({ ctx, input }) => ctx.services.models.uploadChunk(ctx.connectionId, input.uploadId, input.offset, Buffer.from(input.data, 'base64'))),

  /** Verifies the uploaded model (sha256, onnxruntime opens it) and makes it the active one. */
  install: manage
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }))
    .output(activeModelSchema)
    .mutation(async ({ ctx, input }) => view(await ctx.services.models.install(ctx.connectionId, input.uploadId, { clinicId: ctx.clinic.id, record: ctx.clinic.record, actor: ctx.actor }))),

  /** Back to the bundled reference model. */
  useBundled: manage.output(activeModelSchema).mutation(async ({ ctx }) => view(await ctx.services.models.useBundled({ clinicId: ctx.clinic.id, record: ctx.clinic.record, actor: ctx.actor }))),
});
