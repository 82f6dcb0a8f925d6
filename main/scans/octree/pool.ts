/**
 * A capped pool of `octree-build` workers (STYLE.md habit 9). Workers start on first use and stay
 * until `dispose()`, so a caller that builds many octrees (the import queue, the bench) pays the
 * start-up once. Each worker runs one subtree at a time; a cancelled task's worker is terminated
 * and replaced on demand.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../shared/workers';
import { buildReplySchema, requestBuffers, type BuildRequest, type BuildReply } from './build-worker.schema';
import { OCTREE_ERROR_CODES, OctreeError, type OctreeErrorCode } from './format';

/** A worker's answer to one request: `built` for a chunk, `bounded` / `counted` / `distributed` for a slice of a pass. */
export type BuiltReply = Exclude<BuildReply, { type: 'failed' }>;

export interface OctreeWorkerPool {
  readonly size: number;
  /** Runs one request (a chunk, or a slice of a pass); non-shared buffers in it are transferred (the caller's arrays are emptied). */
  run(request: BuildRequest, signal?: AbortSignal): Promise<BuiltReply>;
  dispose(): Promise<void>;
}

/** Workers to use by default: every core the OS offers us, at most 8. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

interface Task {
  request: BuildRequest;
  signal: AbortSignal | undefined;
  resolve(reply: BuiltReply): void;
  reject(error: Error): void;
  onAbort(): void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

export function createOctreeWorkerPool(size: number = defaultWorkerCount()): OctreeWorkerPool {
  if (!Number.isInteger(size) || size < 1) throw new OctreeError('INVALID_OPTIONS', `worker pool size must be a positive integer, got ${size}`);
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let disposed = false;

  const settle = (task: Task, outcome: { reply: BuiltReply } | { error: Error }): void => {
    task.signal?.removeEventListener('abort', task.onAbort);
    if ('reply' in outcome) task.resolve(outcome.reply);
    else task.reject(outcome.error);
  };

  const retire = (slot: Slot): void => {
    const at = slots.indexOf(slot);
    if (at >= 0) slots.splice(at, 1);
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
  };

  const spawn = (): Slot => {
    const worker = spawnWorker('octree-build');
    const slot: Slot = { worker, task: null };
    worker.on('message', (raw: unknown) => {
      const task = slot.task;
      slot.task = null;
      const parsed = buildReplySchema.safeParse(raw);
      if (task) {
        if (!parsed.success) settle(task, { error: new OctreeError('WORKER_FAILED', 'octree worker sent a malformed reply') });
        else if (parsed.data.type === 'failed') settle(task, { error: toError(parsed.data.error) });
        else settle(task, { reply: parsed.data });
      }
      pump();
    });
    const fail = (why: string): void => {
      const task = slot.task;
      slot.task = null;
      retire(slot);
      if (task) settle(task, { error: new OctreeError('WORKER_FAILED', why) });
      pump();
    };
    worker.on('error', (error) => fail(`octree worker crashed: ${error.message}`));
    worker.on('exit', (code) => fail(`octree worker exited with code ${code}`));
    slots.push(slot);
    return slot;
  };

  const pump = (): void => {
    while (queue.length > 0 && !disposed) {
      let slot = slots.find((s) => s.task === null);
      if (!slot) {
        if (slots.length >= size) return;
        slot = spawn();
      }
      const task = queue.shift()!;
      slot.task = task;
      slot.worker.postMessage(task.request, requestBuffers(task.request));
    }
  };

  return {
    size,
    run(request, signal) {
      if (disposed) return Promise.reject(new OctreeError('WORKER_FAILED', 'the octree worker pool is disposed'));
      if (signal?.aborted) return Promise.reject(new OctreeError('ABORTED', 'octree build cancelled'));
      return new Promise<BuiltReply>((resolve, reject) => {
        const task: Task = {
          request,
          signal,
          resolve,
          reject,
          onAbort: () => {
            const queued = queue.indexOf(task);
            if (queued >= 0) queue.splice(queued, 1);
            const slot = slots.find((s) => s.task === task);
            if (slot) {
              slot.task = null;
              retire(slot);
            }
            settle(task, { error: new OctreeError('ABORTED', 'octree build cancelled') });
            pump();
          },
        };
        signal?.addEventListener('abort', task.onAbort, { once: true });
        queue.push(task);
        pump();
      });
    },
    async dispose() {
      disposed = true;
      const pending = [...queue, ...slots.flatMap((s) => (s.task ? [s.task] : []))];
      queue.length = 0;
      const workers = slots.splice(0).map((s) => {
        s.worker.removeAllListeners();
        return s.worker.terminate();
      });
      for (const task of pending) settle(task, { error: new OctreeError('WORKER_FAILED', 'the octree worker pool was disposed') });
      await Promise.all(workers);
    },
  };
}

function toError(error: { name: string; code: string; message: string }): Error {
  const code = (OCTREE_ERROR_CODES as readonly string[]).includes(error.code) ? (error.code as OctreeErrorCode) : 'WORKER_FAILED';
  // The worker's message already ends with its code; keep the text, not a second suffix.
  return new OctreeError(code, `octree worker: ${error.message.replace(/ \[[A-Z_]+\]$/, '')}`);
}
