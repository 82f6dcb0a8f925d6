/**
 * The wound-segmentation model for IT admins: what is in use, and installing another model with
 * its own manifest. The manifest comes first (refused at once when invalid), then the .onnx in
 * chunks — the same on IPC and HTTP, like scan uploads. The chunks go to a staging folder under
 * `<data dir>/models/`; the segmentation service verifies sha256 and that onnxruntime opens it
 * before it becomes the active model of the installing admin's clinic (other clinics on the
 * workstation keep theirs). Installing and going back to the bundled model are audited in that clinic's record.
 */
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_UPLOAD_CHUNK_BYTES } from '../../common/backups';
import { appendAudit, type ClinicRecord } from '../records/index';
import { createChunkedUploads } from '../shared/chunked-upload';
import type { Logger } from '../shared/logger';
import { describeActiveModel, installAndActivateModel, ModelError, parseManifest, useBundledModel, type ActiveModelInfo } from './segmentation/index';

const IDLE_MS = 30 * 60_000;

interface ModelUpload {
  dir: string;
  write(chunk: Buffer, offset: number): Promise<void>;
  discard(): Promise<void>;
}

/** Who installs: the clinic whose model changes and whose record the audit entry goes into, and the admin. */
export interface ModelInstallActor {
  clinicId: string;
  record: ClinicRecord;
  actor: { id: string; roles: readonly string[] };
}

export interface ModelInstaller {
  /** The model `clinicId` uses. */
  active(clinicId: string): ActiveModelInfo;
  /** Checks the manifest and opens an upload for the model file it names. */
  beginInstall(connectionId: string, manifest: string, size: number): Promise<{ uploadId: string; chunkBytes: number; file: string }>;
  uploadChunk(connectionId: string, uploadId: string, offset: number, data: Buffer): Promise<{ received: number }>;
  /** Verifies the uploaded model (sha256, onnxruntime opens it) and makes it the active one. */
  install(connectionId: string, uploadId: string, by: ModelInstallActor): Promise<ActiveModelInfo>;
  /** Back to the bundled reference model. */
  useBundled(by: ModelInstallActor): Promise<ActiveModelInfo>;
}

const auditRole = (actor: ModelInstallActor['actor']) => [...actor.roles].sort().join(',');

export function createModelInstaller(deps: { dataDir: string; logger: Logger; now?: () => number }): ModelInstaller {
  const uploads = createChunkedUploads<ModelUpload>({ idleMs: IDLE_MS, ...(deps.now ? { now: deps.now } : {}) });

  return {
    active: (clinicId) => describeActiveModel(deps.dataDir, clinicId),

    async beginInstall(connectionId, manifestText, size) {
      const manifest = parseManifest(manifestText, 'the manifest');
      if (manifest.bytes !== undefined && manifest.bytes !== size) {
        throw new ModelError('MODEL_SHA256_MISMATCH', `The model file is ${size} bytes but its manifest says ${manifest.bytes}; this is not the file the manifest describes.`);
      }
      const uploadId = await uploads.begin(connectionId, size, async (id) => {
        const dir = join(deps.dataDir, 'models', `.upload-${id}`);
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await writeFile(join(dir, 'model.json'), manifestText, { mode: 0o600, flag: 'wx' });
        const modelPath = join(dir, manifest.file);
        await (await open(modelPath, 'wx', 0o600)).close();
        return {
          dir,
          async write(chunk, offset) {
            const fh = await open(modelPath, 'r+');
            try {
              await fh.write(chunk, 0, chunk.length, offset);
            } finally {
              await fh.close();
            }
          },
          discard: () => rm(dir, { recursive: true, force: true }),
        };
      });
      return { uploadId, chunkBytes: MODEL_UPLOAD_CHUNK_BYTES, file: manifest.file };
    },

    uploadChunk: (connectionId, uploadId, offset, data) => uploads.chunk(connectionId, uploadId, offset, data),

    async install(connectionId, uploadId, by) {
      const u = uploads.take(connectionId, uploadId);
      try {
        const info = await installAndActivateModel(deps.dataDir, by.clinicId, join(u.dir, 'model.json'));
        appendAudit(by.record, { actorId: by.actor.id, actorRole: auditRole(by.actor), action: 'model.install', entity: 'settings', entityId: `${info.manifest.name}-${info.manifest.version}`.slice(0, 64) });
        deps.logger.info('wound model installed', { sha256: info.manifest.sha256.slice(0, 12) });
        return info;
      } finally {
        await u.discard();
      }
    },

    async useBundled(by) {
      const info = await useBundledModel(deps.dataDir, by.clinicId);
      appendAudit(by.record, { actorId: by.actor.id, actorRole: auditRole(by.actor), action: 'model.use_bundled', entity: 'settings', entityId: null });
      return info;
    },
  };
}
