/**
 * One `review-compare` worker per workstation, started on first use: comparisons run one at a
 * time (each is seconds of CPU), in the order asked. A comparison that is cancelled while it runs
 * stops the worker (a fresh one serves the next); a worker that dies fails the comparison it ran.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../shared/workers';
import { compareReplySchema, type CompareDone, type CompareRequest, type CompareStage } from './compare-worker.schema';
import type { ScanForRegistration } from './registration/register';

export class CompareError extends Error {
  override readonly name = 'CompareError';
  constructor(
    readonly code: 'COMPARE_FAILED' | 'CANCELLED',
    message: string,
  ) {
    super(message);
  }
}

export interface CompareRunner {
  run(earlier: ScanForRegistration, later: ScanForRegistration, options: { maxChangePoints: number; onProgress?(stage: CompareStage, fraction: number): void; signal?: AbortSignal }): Promise<CompareDone>;
  dispose(): Promise<void>;
}

export function createCompareRunner(spawn: () => Worker = () => spawnWorker('review-compare')): CompareRunner {
  let worker: Worker | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let nextId = 1;
  let disposed = false;

  const runOne = (earlier: ScanForRegistration, later: ScanForRegistration, options: Parameters<CompareRunner['run']>[2]): Promise<CompareDone> =>
    new Promise<CompareDone>((resolve, reject) => {
      if (disposed) return reject(new CompareError('CANCELLED', 'the workstation is closing'));
      if (options.signal?.aborted) return reject(new CompareError('CANCELLED', 'The comparison was cancelled.'));
      const w = (worker ??= spawn());
      w.unref();
      const id = nextId++;
      const finish = () => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (raw: unknown) => {
        const parsed = compareReplySchema.safeParse(raw);
        if (!parsed.success || parsed.data.id !== id) return;
        const reply = parsed.data;
        if (reply.type === 'progress') options.onProgress?.(reply.stage, reply.fraction);
        else if (reply.type === 'done') {
          finish();
          resolve(reply);
        } else {
          finish();
          reject(new CompareError('COMPARE_FAILED', reply.error.message));
        }
      };
      const lost = (why: string) => {
        finish();
        if (worker === w) worker = null;
        reject(new CompareError('COMPARE_FAILED', `the compare worker stopped (${why})`));
      };
      const onError = (e: Error) => lost(e.message);
      const onExit = (code: number) => lost(`exit ${code}`);
      const onAbort = () => {
        finish();
        if (worker === w) worker = null;
        void w.terminate();
        reject(new CompareError('CANCELLED', 'The comparison was cancelled.'));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      options.signal?.addEventListener('abort', onAbort);
      // Structured clone (a copy): the caller keeps its clouds (they are cached for measuring).
      w.postMessage({ type: 'compare', id, earlier, later, maxChangePoints: options.maxChangePoints } satisfies CompareRequest);
    });

  return {
    run(earlier, later, options) {
      const result = queue.catch(() => undefined).then(() => runOne(earlier, later, options));
      queue = result;
      return result;
    },
    async dispose() {
      disposed = true;
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
