/**
 * Inference worker (`spawnWorker('segment-inference')`): loads and verifies the model once,
 * opens one onnxruntime session with provider fallback, then serves segment requests with that
 * session until terminated. Pre- and post-processing run here too, off the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { ModelError, toErrorPayload } from './errors';
import { loadModel, type LoadedModel } from './manifest';
import { DEFAULT_POSTPROCESS, postprocessMask, predictMap } from './postprocess';
import { fromModelOutput, toModelInput } from './preprocess';
import type { ProviderName } from './providers';
import { openSession, runSession, type OpenSession } from './session';
import { segmentRequestSchema, type SegmentReply } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('inference.worker.ts must run in a worker thread');

let state: { model: LoadedModel; open: OpenSession } | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function init(manifestPath: string, providers: ProviderName[] | undefined, threads: number | undefined): Promise<SegmentReply> {
  if (state) throw new ModelError('INTERNAL', 'the worker is already initialised');
  const model = await loadModel(manifestPath);
  const open = await openSession(model, { ...(providers ? { providers } : {}), ...(threads ? { threads } : {}) });
  state = { model, open };
  const m = model.manifest;
  return {
    type: 'ready',
    ok: true,
    provider: open.provider,
    attempts: open.attempts,
    model: { name: m.name, version: m.version, inputHeight: model.input.height, inputWidth: model.input.width, threshold: m.threshold, sha256: m.sha256.toLowerCase(), licence: m.licence },
  };
}

async function segment(id: number, pixels: Uint8Array, width: number, height: number, withProbability: boolean): Promise<{ reply: SegmentReply; transfer: ArrayBuffer[] }> {
  if (!state) throw new ModelError('INTERNAL', 'segment before init');
  const { model, open } = state;
  const t0 = performance.now();
  const input = toModelInput(pixels, width, height, model.manifest.input);
  const t1 = performance.now();
  const pp = model.manifest.postprocess ?? DEFAULT_POSTPROCESS;
  const shape = model.manifest.input.shape;
  const out = await predictMap((x) => runSession(open, x, shape), input, shape, pp.flips);
  const inferenceMs = performance.now() - t1;
  const cleanUp = pp.minComponentFraction > 0 || pp.fallbackThreshold > 0;
  const toMask = (probability: boolean) =>
    fromModelOutput(out.map, out.height, out.width, width, height, {
      meaning: model.manifest.output.meaning,
      threshold: model.manifest.threshold,
      withProbability: probability,
    });
  const raw = toMask(withProbability);
  const mask = cleanUp ? postprocessMask(raw.mask, () => raw.probability ?? toMask(true).probability!, width, height, pp) : raw.mask;
  const result = { mask, ...(withProbability ? { probability: raw.probability! } : {}) };
  const ms = performance.now() - t0;
  const transfer: ArrayBuffer[] = [result.mask.buffer];
  if (result.probability) transfer.push(result.probability.buffer);
  return {
    reply: { type: 'result', id, ok: true, mask: result.mask, ...(result.probability ? { probability: result.probability } : {}), provider: open.provider, ms, inferenceMs },
    transfer,
  };
}

port.on('message', (raw: unknown) => {
  const parsed = segmentRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : 0;
    const reply: SegmentReply = { type: 'result', id, ok: false, error: { name: 'ModelError', code: 'INTERNAL', message: 'malformed request to the inference worker' } };
    port.postMessage(reply);
    return;
  }
  const request = parsed.data;
  // One request at a time: the session is shared.
  queue = queue.then(async () => {
    if (request.type === 'init') {
      try {
        port.postMessage(await init(request.manifestPath, request.providers, request.threads));
      } catch (error) {
        const reply: SegmentReply = { type: 'ready', ok: false, error: toErrorPayload(error) };
        port.postMessage(reply);
      }
      return;
    }
    try {
      const { reply, transfer } = await segment(request.id, request.pixels, request.width, request.height, request.withProbability);
      port.postMessage(reply, transfer);
    } catch (error) {
      const reply: SegmentReply = { type: 'result', id: request.id, ok: false, error: toErrorPayload(error) };
      port.postMessage(reply);
    }
  });
});
