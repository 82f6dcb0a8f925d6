/**
 * Wound finder: from a coloured 3D scan (millimetres) to the wound's points and outline.
 *
 *   const seg = await createSegmenter({ manifestPath });
 *   const found = await findWoundInScan(cloud, seg, { signal });
 *   found.labels        // per point: 1 wound, 0 not (the octree's wound-label attribute)
 *   found.boundary      // closed polyline on the surface, xyz interleaved: measureWound accepts it
 *
 * 1. View: along the given capture direction, else the cloud's least-variance direction (PCA),
 *    signed so the camera sees the outside (normals, else the side the surface bulges toward).
 * 2. Render: orthographic splats of the coloured points, z-buffered so only the front surface is
 *    drawn, small gaps filled, black background (what the model treats as background).
 * 3. Model: `segmenter.segmentImage` in the segmentation service's worker.
 * 4. Lift: a point takes its pixel's label when it is on the front surface there; the largest
 *    region connected over the surface is kept and its holes filled.
 * 5. Boundary: the region's outline in the image (marching squares, smoothed, resampled), each
 *    vertex lifted onto the surface by a local plane through the visible points around it.
 *
 * Steps 1, 2, 4 and 5 run in a `wound-find` worker (one per call), so the caller's thread only
 * copies the arrays out and the results back; inference runs in the segmenter's worker.
 */
import type { PointCloud } from '../../../common/point-cloud';
import type { Segmenter } from '../segmentation/index';
import { spawnWorker } from '../../shared/workers';
import { WoundFinderError } from './errors';
import { checkInput, finishScan, prepareScan, type PreparedScan } from './pipeline';
import { woundFindReplySchema, type WoundFindReply, type WoundFindRequest } from './worker-protocol';

export { WoundFinderError, isWoundFinderError, WOUND_FINDER_ERROR_CODES, type WoundFinderErrorCode } from './errors';
export { MIN_POINTS, MIN_WOUND_POINTS } from './pipeline';

export interface FindWoundOptions {
  /**
   * Direction from the scanner toward the surface, if known; else the least-variance normal
   * (PCA) of the cloud, its sign chosen so the camera sees the outside of the body (against the
   * points' normals when the scan has them, else toward the side the surface bulges).
   */
  viewDirection?: [number, number, number];
  signal?: AbortSignal;
  /** Run the CPU steps on the calling thread instead of a worker (tools, benchmarks). */
  inProcess?: boolean;
}

export interface FindWoundResult {
  /** Per input point: 1 wound, 0 not. */
  labels: Uint8Array;
  woundPointCount: number;
  /** Closed polyline on the surface, xyz interleaved, cloud coordinates, first point not repeated; ≥ 3 points, simple. */
  boundary: Float64Array;
  /** Execution provider used (Segmenter.provider). */
  provider: string;
  model: { name: string; version: string };
  viewDirection: [number, number, number];
  timings: { renderMs: number; inferenceMs: number; liftMs: number; totalMs: number };
  diagnostics?: {
    /** How the view direction was chosen. */
    viewSource: 'given' | 'normals' | 'convexity' | 'default';
    /** Median nearest-neighbour distance of the scan (mm). */
    spacingMm: number;
    /** Rendered image size and pixel size. */
    imageWidth: number;
    imageHeight: number;
    pixelMm: number;
    /** Points the model's mask marked on the front surface, and in how many connected regions. */
    candidatePoints: number;
    regionCount: number;
    /** Forward pass alone (ms), as the segmenter reports it. */
    modelMs: number;
  };
}

interface ImageReply {
  width: number;
  height: number;
  rgb: Uint8Array;
  viewDirection: [number, number, number];
  viewSource: 'given' | 'normals' | 'convexity' | 'default';
  spacingMm: number;
  pixelMm: number;
  ms: number;
}

interface ResultReply {
  labels: Uint8Array;
  woundPointCount: number;
  boundary: Float64Array;
  candidatePoints: number;
  regionCount: number;
  ms: number;
}

interface Runner {
  prepare(cloud: PointCloud, viewDirection: [number, number, number] | undefined): Promise<ImageReply>;
  finish(mask: Uint8Array): Promise<ResultReply>;
  dispose(): void;
}

function inProcessRunner(): Runner {
  let prepared: PreparedScan | undefined;
  return {
    async prepare(cloud, viewDirection) {
      prepared = prepareScan({ positions: cloud.positions, count: cloud.count, colors: cloud.colors, normals: cloud.normals, viewDirection });
      const { render, frame } = prepared;
      return {
        width: render.width,
        height: render.height,
        rgb: render.rgb,
        viewDirection: frame.d,
        viewSource: frame.source,
        spacingMm: prepared.spacingMm,
        pixelMm: render.pixelMm,
        ms: prepared.renderMs,
      };
    },
    async finish(mask) {
      if (!prepared) throw new WoundFinderError('INTERNAL', 'finish before prepare');
      const done = finishScan(prepared, mask);
      return { ...done.diagnostics, labels: done.labels, woundPointCount: done.woundPointCount, boundary: done.boundary, ms: done.liftMs };
    },
    dispose() {
      prepared = undefined;
    },
  };
}

function fromPayload(error: { code: WoundFinderError['code']; message: string }): WoundFinderError {
  return new WoundFinderError(error.code, error.message);
}

function workerRunner(): Runner {
  const worker = spawnWorker('wound-find');
  let waiting: { resolve: (r: WoundFindReply) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  let disposed = false;
  const fail = (error: Error) => {
    failure ??= error;
    waiting?.reject(error);
    waiting = undefined;
  };
  worker.on('message', (raw: unknown) => {
    const parsed = woundFindReplySchema.safeParse(raw);
    if (!parsed.success) return fail(new WoundFinderError('INTERNAL', 'the wound-find worker sent a malformed reply'));
    const w = waiting;
    waiting = undefined;
    w?.resolve(parsed.data);
  });
  worker.on('error', (error) => fail(new WoundFinderError('INTERNAL', `the wound-find worker failed: ${error.message}`)));
  worker.on('exit', (code) => {
    if (!disposed) fail(new WoundFinderError('INTERNAL', `the wound-find worker exited (${code})`));
  });
  const ask = (request: WoundFindRequest, transfer: ArrayBuffer[]): Promise<WoundFindReply> => {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      waiting = { resolve, reject };
      worker.postMessage(request, transfer);
    });
  };
  return {
    async prepare(cloud, viewDirection) {
      // Copies of exactly the points' values (a reader's arrays may be views into larger buffers), transferred.
      const positions = cloud.positions.slice(0, 3 * cloud.count);
      const colors = cloud.colors ? cloud.colors.slice(0, 3 * cloud.count) : undefined;
      const normals = cloud.normals && cloud.normals.length >= 3 * cloud.count ? cloud.normals.slice(0, 3 * cloud.count) : undefined;
      const transfer = [positions.buffer, ...(colors ? [colors.buffer] : []), ...(normals ? [normals.buffer] : [])];
      const reply = await ask(
        { type: 'prepare', count: cloud.count, positions, ...(colors ? { colors } : {}), ...(normals ? { normals } : {}), ...(viewDirection ? { viewDirection } : {}) },
        transfer,
      );
      if (reply.type !== 'image') throw new WoundFinderError('INTERNAL', 'the wound-find worker answered out of turn');
      if (!reply.ok) throw fromPayload(reply.error);
      return reply;
    },
    async finish(mask) {
      const copy = mask.slice();
      const reply = await ask({ type: 'finish', mask: copy }, [copy.buffer]);
      if (reply.type !== 'result') throw new WoundFinderError('INTERNAL', 'the wound-find worker answered out of turn');
      if (!reply.ok) throw fromPayload(reply.error);
      return reply;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      fail(new WoundFinderError('CANCELLED', 'the wound search was stopped'));
      void worker.terminate();
    },
  };
}

function cancelled(): WoundFinderError {
  return new WoundFinderError('CANCELLED', 'The wound search was cancelled.');
}

/** Settles with `promise`, or rejects with CANCELLED as soon as `signal` fires. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Finds the wound in a coloured scan (millimetres). Rejects with WoundFinderError (NO_COLOUR,
 * NO_WOUND_FOUND, TOO_FEW_POINTS, CANCELLED, INVALID_INPUT, INTERNAL) or, for model problems,
 * the segmenter's ModelError. Never modifies `cloud`.
 */
export async function findWoundInScan(cloud: PointCloud, segmenter: Segmenter, options: FindWoundOptions = {}): Promise<FindWoundResult> {
  const t0 = performance.now();
  const { signal } = options;
  if (signal?.aborted) throw cancelled();
  // Cheap refusals here, before a worker starts.
  checkInput({ positions: cloud.positions, count: cloud.count, colors: cloud.colors });
  const runner = options.inProcess ? inProcessRunner() : workerRunner();
  try {
    const image = await unlessAborted(runner.prepare(cloud, options.viewDirection), signal);
    const t1 = performance.now();
    const seg = await unlessAborted(segmenter.segmentImage(image.rgb, image.width, image.height), signal);
    const inferenceMs = performance.now() - t1;
    const done = await unlessAborted(runner.finish(seg.mask), signal);
    return {
      labels: done.labels,
      woundPointCount: done.woundPointCount,
      boundary: done.boundary,
      provider: seg.provider,
      model: { name: segmenter.model.name, version: segmenter.model.version },
      viewDirection: image.viewDirection,
      timings: { renderMs: image.ms, inferenceMs, liftMs: done.ms, totalMs: performance.now() - t0 },
      diagnostics: {
        viewSource: image.viewSource,
        spacingMm: image.spacingMm,
        imageWidth: image.width,
        imageHeight: image.height,
        pixelMm: image.pixelMm,
        candidatePoints: done.candidatePoints,
        regionCount: done.regionCount,
        modelMs: seg.inferenceMs,
      },
    };
  } finally {
    runner.dispose();
  }
}
