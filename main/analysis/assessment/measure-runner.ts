/**
 * One `wound-measure` worker per workstation, started on first use: measureWound is CPU-heavy
 * (hundreds of ms on a large scan) and must not block the main thread (ARCHITECTURE: workers).
 * Requests queue in the worker; a crashed worker is replaced on the next call and the clouds it
 * held are sent again.
 */
import type { Worker } from 'node:worker_threads';
import type { PointCloud } from '../../../common/point-cloud';
import { MeasureError, type MeasureErrorCode } from '../measure/index';
import { spawnWorker } from '../../shared/workers';
import { measureReplySchema, type MeasureRequest } from './measure-worker.schema';
import type { MeasureSummary } from './summarise';

export interface MeasureRunResult extends MeasureSummary {
  /** Milliseconds measureWound took inside the worker. */
  ms: number;
}

export interface MeasureRunOptions {
  bodyAxis?: [number, number, number];
  /** The nurse's tissue paint (class index, centre in mm, radius in mm). */
  tissuePaint?: { tissue: number; centre: [number, number, number]; radiusMm: number }[];
  perPoint?: boolean;
  maxOverlayPoints?: number;
}

export interface MeasureRunner {
  /** Measures `outline` (mm) on `cloud` (mm), which is sent to the worker once per `key`. */
  measure(key: string, cloud: PointCloud, outline: [number, number, number][], options?: MeasureRunOptions): Promise<MeasureRunResult>;
  /** Forgets a cloud (scan deleted or rebuilt, clinic closed). */
  drop(key: string): void;
  dispose(): Promise<void>;
}

export interface MeasureRunnerOptions {
  /** Starts the worker; default `spawnWorker('wound-measure')`. */
  spawn?: () => Worker;
}

const MEASURE_CODES = new Set<string>(['INVALID_INPUT', 'OUTLINE_TOO_FEW_POINTS', 'OUTLINE_OPEN', 'OUTLINE_SELF_INTERSECTS', 'OUTLINE_DEGENERATE', 'OUTLINE_OFF_SURFACE', 'LID_TOO_SPARSE', 'BED_TOO_SPARSE', 'BODY_AXIS_INVALID'] satisfies MeasureErrorCode[]);

export function createMeasureRunner(options: MeasureRunnerOptions = {}): MeasureRunner {
  const spawn = options.spawn ?? (() => spawnWorker('wound-measure'));
  let worker: Worker | null = null;
  /** Keys the current worker holds, in the order sent (it keeps the last two). */
  let held: string[] = [];
  let nextId = 1;
  let disposed = false;
  const pending = new Map<number, { resolve(r: MeasureRunResult): void; reject(e: Error): void }>();

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  function ensureWorker(): Worker {
    if (worker) return worker;
    const w = spawn();
    w.unref();
    w.on('message', (raw: unknown) => {
      const parsed = measureReplySchema.safeParse(raw);
      if (!parsed.success) return;
      const reply = parsed.data;
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) {
        const { ok: _ok, id: _id, ...rest } = reply;
        p.resolve(rest);
      } else if (MEASURE_CODES.has(reply.error.code)) p.reject(new MeasureError(reply.error.code as MeasureErrorCode, reply.error.message));
      else p.reject(Object.assign(new Error(`measuring failed: ${reply.error.message}`), { code: reply.error.code === 'CLOUD_MISSING' ? 'CLOUD_MISSING' : 'MEASURE_FAILED' }));
    });
    const lost = (why: string) => {
      if (worker === w) {
        worker = null;
        held = [];
      }
      failAll(Object.assign(new Error(`the measure worker stopped (${why})`), { code: 'MEASURE_FAILED' }));
    };
    w.on('error', (e) => lost(e.message));
    w.on('exit', (code) => lost(`exit ${code}`));
    worker = w;
    held = [];
    return w;
  }

  const post = (w: Worker, message: MeasureRequest) => w.postMessage(message);

  return {
    measure(key, cloud, outline, opts = {}) {
      if (disposed) return Promise.reject(new Error('the measure runner is closed'));
      const w = ensureWorker();
      if (!held.includes(key)) {
        // Structured clone (a copy): the caller keeps its cloud for the octree and the finder.
        post(w, { type: 'put', key, cloud });
        held = [...held.filter((k) => k !== key), key].slice(-2);
      } else {
        held = [...held.filter((k) => k !== key), key];
      }
      const id = nextId++;
      return new Promise<MeasureRunResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        post(w, {
          type: 'measure',
          id,
          key,
          outline,
          perPoint: opts.perPoint ?? false,
          maxOverlayPoints: opts.maxOverlayPoints ?? 20_000,
          ...(opts.bodyAxis ? { bodyAxis: opts.bodyAxis } : {}),
          ...(opts.tissuePaint && opts.tissuePaint.length > 0 ? { tissuePaint: opts.tissuePaint } : {}),
        });
      });
    },
    drop(key) {
      if (worker && held.includes(key)) post(worker, { type: 'drop', key });
      held = held.filter((k) => k !== key);
    },
    async dispose() {
      disposed = true;
      failAll(new Error('the measure runner was closed'));
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
