/**
 * Wound segmentation service: the public face (STYLE.md habit 6). Inference runs in a
 * `segment-inference` worker that creates its onnxruntime session once and reuses it.
 *
 *   const seg = await createSegmenter({ manifestPath });
 *   const { mask, provider, ms } = await seg.segmentImage(rgba, width, height);
 *   seg.dispose();
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../shared/workers';
import { ModelError, fromErrorPayload } from './errors';
import { loadModel, sha256Hex, type ModelManifest } from './manifest';
import { channelsOf, type PixelArray } from './preprocess';
import type { ProviderAttempt, ProviderName } from './providers';
import { segmentReplySchema, type ModelInfo, type SegmentReply, type SegmentRequest } from './worker-protocol';

export { ModelError, isModelError, MODEL_ERROR_CODES, type ModelErrorCode } from './errors';
export { loadModel, parseManifest, modelManifestSchema, sha256Hex, type LoadedModel, type ModelManifest } from './manifest';
export { PROVIDER_NAMES, defaultProviderOrder, parseProviderList, type ProviderName, type ProviderAttempt } from './providers';
export { decodeImage, encodeMaskPng, type DecodedImage } from './image-io';
export type { ModelInfo } from './worker-protocol';
export { activeModelManifest, adoptLegacyActiveModel, bundledModelManifest, describeActiveModel, installAndActivateModel, useBundledModel, type ActiveModelInfo } from './active-model';

export interface SegmenterOptions {
  manifestPath: string;
  /** Providers to try in order (default: CUDA, DirectML, CoreML, WebGPU, CPU as the platform has them). */
  providers?: readonly ProviderName[];
  /** CPU intra-op threads for onnxruntime. */
  threads?: number;
}

export interface SegmentOptions {
  /** Also return the per-pixel wound probability. */
  withProbability?: boolean;
}

export interface SegmentResult {
  /** 0 (background) or 255 (wound), width × height, row-major. */
  mask: Uint8Array;
  probability?: Float32Array;
  provider: ProviderName;
  /** Milliseconds in the worker for this image: resize, inference, resize back. */
  ms: number;
  /** Milliseconds of the forward pass alone at the model's input size. */
  inferenceMs: number;
}

export interface Segmenter {
  /** The execution provider in use. */
  readonly provider: ProviderName;
  /** Every provider tried before (and including) the one in use. */
  readonly attempts: readonly ProviderAttempt[];
  readonly model: ModelInfo;
  /** RGBA or RGB 8-bit pixels (told apart by length). The buffer is copied, not taken. */
  segmentImage(pixels: PixelArray, width: number, height: number, options?: SegmentOptions): Promise<SegmentResult>;
  dispose(): Promise<void>;
}

/** Starts a worker, loads and verifies the model and opens a session. Rejects with ModelError. */
export async function createSegmenter(options: SegmenterOptions): Promise<Segmenter> {
  const worker: Worker = spawnWorker('segment-inference');
  const pending = new Map<number, { resolve: (r: SegmentResult) => void; reject: (e: Error) => void }>();
  let onReady: ((reply: SegmentReply) => void) | undefined;
  let failure: Error | undefined;
  let disposed = false;

  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  worker.on('message', (raw: unknown) => {
    const parsed = segmentReplySchema.safeParse(raw);
    if (!parsed.success) {
      failAll(new ModelError('INTERNAL', 'the inference worker sent a malformed reply'));
      return;
    }
    const reply = parsed.data;
    if (reply.type === 'ready') {
      onReady?.(reply);
      return;
    }
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) {
      p.resolve({
        mask: reply.mask,
        ...(reply.probability ? { probability: reply.probability } : {}),
        provider: reply.provider,
        ms: reply.ms,
        inferenceMs: reply.inferenceMs,
      });
    } else {
      p.reject(fromErrorPayload(reply.error));
    }
  });
  worker.on('error', (error) => failAll(new ModelError('INTERNAL', `inference worker failed: ${error.message}`)));
  worker.on('exit', (code) => {
    if (!disposed) failAll(new ModelError('INTERNAL', `inference worker exited (${code})`));
  });

  const ready = await new Promise<SegmentReply & { type: 'ready' }>((resolve, reject) => {
    onReady = (reply) => resolve(reply as SegmentReply & { type: 'ready' });
    worker.once('error', (error) => reject(new ModelError('INTERNAL', `inference worker failed to start: ${error.message}`)));
    worker.once('exit', (code) => reject(new ModelError('INTERNAL', `inference worker exited (${code}) before it was ready`)));
    const init: SegmentRequest = {
      type: 'init',
      manifestPath: options.manifestPath,
      ...(options.providers ? { providers: [...options.providers] } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
    };
    worker.postMessage(init);
  });
  onReady = undefined;
  if (!ready.ok) {
    disposed = true;
    await worker.terminate();
    throw fromErrorPayload(ready.error);
  }

  let nextId = 1;
  return {
    provider: ready.provider,
    attempts: ready.attempts,
    model: ready.model,
    segmentImage(pixels, width, height, segmentOptions = {}) {
      if (disposed) return Promise.reject(new ModelError('DISPOSED', 'the segmenter was disposed'));
      if (failure) return Promise.reject(failure);
      try {
        channelsOf(pixels, width, height);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      const copy = new Uint8Array(pixels);
      const id = nextId++;
      return new Promise<SegmentResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const request: SegmentRequest = { type: 'segment', id, pixels: copy, width, height, withProbability: segmentOptions.withProbability ?? false };
        worker.postMessage(request, [copy.buffer]);
      });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      failAll(new ModelError('DISPOSED', 'the segmenter was disposed'));
      await worker.terminate();
    },
  };
}

export interface InstalledModel {
  manifestPath: string;
  modelPath: string;
  manifest: ModelManifest;
  /** The execution provider that opened it during validation (CPU). */
  provider: ProviderName;
}

/**
 * Validates a clinic-supplied model (manifest schema, sha256, onnxruntime can load it on the
 * CPU, input shape, one warm-up run) and only then copies it with its manifest into `destDir`.
 * The files written are the verified bytes, renamed into place so a reader never sees half a file.
 */
export async function installModel(manifestPath: string, destDir: string): Promise<InstalledModel> {
  const probe = await createSegmenter({ manifestPath, providers: ['cpu'], threads: 1 });
  await probe.dispose();
  const model = await loadModel(manifestPath); // the bytes we write, verified again
  if (sha256Hex(model.bytes) !== probe.model.sha256) {
    throw new ModelError('MODEL_SHA256_MISMATCH', `${model.manifest.file} changed while it was being validated`);
  }
  await mkdir(destDir, { recursive: true });
  const modelPath = join(destDir, model.manifest.file);
  const destManifest = join(destDir, 'model.json');
  const tag = randomBytes(6).toString('hex');
  const tmpModel = `${modelPath}.${tag}.tmp`;
  const tmpManifest = `${destManifest}.${tag}.tmp`;
  try {
    await writeFile(tmpModel, model.bytes);
    await writeFile(tmpManifest, JSON.stringify(model.manifest, null, 1) + '\n');
    await rename(tmpModel, modelPath);
    await rename(tmpManifest, destManifest);
  } finally {
    await rm(tmpModel, { force: true });
    await rm(tmpManifest, { force: true });
  }
  return { manifestPath: destManifest, modelPath, manifest: model.manifest, provider: probe.provider };
}
