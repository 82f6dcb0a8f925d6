/**
 * onnxruntime-node session with execution-provider fallback. Imported by the inference worker
 * only (and by tests), never on the main thread.
 *
 * Order: CUDA, DirectML (Windows), CoreML (macOS), WebGPU, then CPU. Each candidate must create
 * a session AND run one warm-up inference; one that fails either falls through to the next, and
 * the attempts are reported. WebGPU is listed by onnxruntime-node even with no GPU: it then fails
 * to find an adapter within a few hundred milliseconds and we move on.
 */
import * as ort from 'onnxruntime-node';
import { ModelError } from './errors';
import type { LoadedModel } from './manifest';
import { defaultProviderOrder, type ProviderAttempt, type ProviderName } from './providers';

export interface OpenSessionOptions {
  /** Providers to try, in order; default `defaultProviderOrder()`. CPU is not added implicitly. */
  providers?: readonly ProviderName[];
  /** CPU intra-op threads (default: onnxruntime's choice). */
  threads?: number;
}

export interface OpenSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  attempts: ProviderAttempt[];
  inputName: string;
  outputName: string;
}

const CORRUPT_PATTERN = /protobuf|parsing failed|load model|invalid model|modelproto|no graph|ir_version|unsupported model ir version/i;
const SHAPE_PATTERN = /invalid dimensions|dimension|shape/i;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((l) => l.trim().length > 0) ?? text).slice(0, 300);
}

function supportedBackends(): Set<string> {
  try {
    return new Set(ort.listSupportedBackends().map((b) => b.name));
  } catch {
    return new Set(['cpu']);
  }
}

/** Checks the graph's declared input against the manifest (dimensions that are symbolic pass). */
function checkInputMetadata(session: ort.InferenceSession, inputName: string, shape: readonly number[]): void {
  const meta = session.inputMetadata?.find((m) => m.name === inputName);
  if (!meta || !meta.isTensor) return;
  const dims = meta.shape;
  const mismatch = dims.length !== shape.length || dims.some((d, i) => typeof d === 'number' && d > 0 && d !== shape[i]);
  if (mismatch) {
    throw new ModelError('INPUT_SHAPE', `the model's input "${inputName}" is [${dims.join(', ')}], the manifest says [${shape.join(', ')}]`);
  }
  if (meta.type !== 'float32') throw new ModelError('INPUT_SHAPE', `the model's input "${inputName}" is ${meta.type}, not float32`);
}

export async function openSession(model: LoadedModel, options: OpenSessionOptions = {}): Promise<OpenSession> {
  const order = options.providers ?? defaultProviderOrder();
  if (order.length === 0) throw new ModelError('PROVIDER_UNAVAILABLE', 'no execution provider was asked for');
  const supported = supportedBackends();
  // onnxruntime logs each failed provider library at error level; the attempts carry the reasons.
  ort.env.logLevel = 'fatal';
  const attempts: ProviderAttempt[] = [];
  const shape = model.manifest.input.shape;

  for (const provider of order) {
    const t0 = performance.now();
    if (provider !== 'cpu' && !supported.has(provider)) {
      attempts.push({ provider, ok: false, ms: 0, reason: 'not in this onnxruntime build' });
      continue;
    }
    let session: ort.InferenceSession | undefined;
    try {
      session = await ort.InferenceSession.create(model.bytes, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // Quiet for candidates expected to fail on this machine; errors still come back as exceptions.
        logSeverityLevel: provider === 'cpu' ? 3 : 4,
        ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
      });
    } catch (error) {
      const reason = firstLine(error);
      if (CORRUPT_PATTERN.test(reason)) throw new ModelError('MODEL_CORRUPT', `${model.manifest.file}: onnxruntime cannot load it (${reason})`);
      attempts.push({ provider, ok: false, ms: performance.now() - t0, reason });
      continue;
    }
    const inputName = model.input.name ?? session.inputNames[0];
    const outputName = model.manifest.output.name ?? session.outputNames[0];
    try {
      if (!inputName || !session.inputNames.includes(inputName)) {
        throw new ModelError('INPUT_SHAPE', `the model has no input named "${inputName ?? '(none)'}" (has ${session.inputNames.join(', ')})`);
      }
      if (!outputName || !session.outputNames.includes(outputName)) {
        throw new ModelError('MANIFEST_INVALID', `the model has no output named "${outputName ?? '(none)'}" (has ${session.outputNames.join(', ')})`);
      }
      checkInputMetadata(session, inputName, shape);
      // Warm-up: proves the provider can actually run this graph.
      const zeros = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      const out = await session.run({ [inputName]: zeros });
      const y = out[outputName];
      if (!y || y.type !== 'float32') throw new ModelError('MANIFEST_INVALID', `output "${outputName}" is not a float32 tensor`);
      const dims = y.dims;
      const plane = (dims[dims.length - 1] ?? 0) * (dims[dims.length - 2] ?? 0);
      if (dims.length < 2 || plane === 0 || y.size !== plane) {
        throw new ModelError('MANIFEST_INVALID', `output "${outputName}" has shape [${dims.join(', ')}]; one channel was expected`);
      }
    } catch (error) {
      await session.release().catch(() => undefined);
      if (error instanceof ModelError) throw error;
      const reason = firstLine(error);
      if (SHAPE_PATTERN.test(reason) && provider === 'cpu') {
        throw new ModelError('INPUT_SHAPE', `the model does not accept input [${shape.join(', ')}]: ${reason}`);
      }
      attempts.push({ provider, ok: false, ms: performance.now() - t0, reason: `warm-up run failed: ${reason}` });
      continue;
    }
    attempts.push({ provider, ok: true, ms: performance.now() - t0 });
    return { session, provider, attempts, inputName, outputName };
  }
  const tried = attempts.map((a) => `${a.provider}: ${a.reason ?? 'failed'}`).join('; ');
  throw new ModelError('PROVIDER_UNAVAILABLE', `no execution provider could run the model (${tried})`);
}

export interface InferenceOutput {
  map: Float32Array;
  height: number;
  width: number;
}

/** One forward pass on a prepared [1, 3, H, W] input. */
export async function runSession(open: OpenSession, input: Float32Array, shape: readonly number[]): Promise<InferenceOutput> {
  const feeds = { [open.inputName]: new ort.Tensor('float32', input, shape) };
  const out = await open.session.run(feeds);
  const y = out[open.outputName]!;
  const dims = y.dims;
  const map = y.data as Float32Array;
  return { map, height: dims[dims.length - 2]!, width: dims[dims.length - 1]! };
}
