/**
 * `buildOctree`: a PointCloud → the Potree 2.0 files (see `format.ts` for the layout).
 *
 * How the work is split (PotreeConverter's plan, in typed arrays):
 *
 * 1. scan — tight bounds (and that every coordinate is finite); the cube, the quantisation scale
 *    and offset.
 * 2. count — points per cell of a 64³ grid (morton-ordered), summed into a pyramid. Walking down
 *    from the root, a node with more than `chunkPoints` points is an "upper" node; the others
 *    become chunks, at most `samplingBits` levels deep.
 * 3. distribute ("sample" in progress reports) — one pass in input order copies every point,
 *    quantised, into its chunk's range of a chunk-sorted copy in shared memory (a stable counting
 *    sort: each chunk's points stay in input order).
 * 4. build — one worker task per chunk, all reading the shared copy in place. A task first lets
 *    the chunk's ancestors (the upper nodes above it) take their samples from its points, then
 *    builds and encodes the chunk's subtree (`subtree.ts`). Every sampling cell of an upper node
 *    lies inside one chunk, so this gives the same tree as sampling the whole cloud top-down in
 *    one thread. octree.bin is streamed to the sink in a fixed order (chunks depth-first in chunk
 *    order, then the upper nodes breadth-first), whatever order the workers finish in.
 * 5. hierarchy.bin and metadata.json.
 *
 * The passes over the whole cloud run on the calling thread in slices, yielding to the event loop
 * between slices (and checking the AbortSignal); everything per chunk runs in workers. Clouds of
 * at most `inProcessBelow` points are built entirely on the calling thread by the same subtree
 * code (one chunk: the root), which gives the same nodes.
 */
import type { PointCloud } from '../../../common/point-cloud';
import {
  chooseScale,
  DEFAULT_EXTRA_ATTRIBUTES,
  GRID_BITS,
  OctreeError,
  recordLayout,
  typedArrayFor,
  typedArrayOver,
  ATTRIBUTE_TYPE_SIZE,
  type ExtraAttributeSpec,
  type MetadataAttribute,
  type OctreeFileName,
  type OctreeMetadata,
  type PointColumns,
  type RecordLayout,
  type ScalarArray,
} from './format';
import { buildAndEncodeSubtree, type EncodedSubtree } from './build-subtree';
import { compareBreadthFirst, encodeHierarchy, type HierarchyNode } from './hierarchy';
import type { BuildRequest } from './build-worker.schema';
import { countCells, distribute, sliceBounds, type GridParams, type SliceBounds, type SourceColumns } from './passes';
import { createOctreeWorkerPool, defaultWorkerCount, type BuiltReply, type OctreeWorkerPool } from './pool';
import { createDirectorySink, createMemorySink, type OctreeSink } from './sink';
import type { SubtreeParams } from './subtree';

export const DEFAULT_MAX_POINTS_PER_NODE = 10_000;
export const DEFAULT_SAMPLING_BITS = 7;
export const DEFAULT_HIERARCHY_STEP = 4;
export const DEFAULT_IN_PROCESS_BELOW = 100_000;
const COUNT_LEVEL = 6;
const SLICE = 1 << 18;
/** Chunks per worker to aim for (smaller chunks balance the workers; each costs one message). */
const CHUNKS_PER_WORKER = 8;
const CHUNK_POINTS_MAX = 1_000_000;
/** Slices per worker of the passes over the whole cloud when they run in the workers, and their least size. */
const SLICES_PER_WORKER = 4;
const MIN_WORKER_SLICE = 1 << 16;

export type OctreePhase = 'scan' | 'count' | 'sample' | 'build' | 'finish';

export interface OctreeProgress {
  phase: OctreePhase;
  /** Overall progress, 0 to 1, never decreasing. */
  fraction: number;
}

export interface BuildOctreeOptions {
  /** Write the three files into this directory (created if missing; files appear only on success). */
  outDir?: string;
  /** Or hand them to this sink (e.g. the encrypted scan store). One of `outDir` / `sink` is required. */
  sink?: OctreeSink;
  /**
   * Minimum distance between points of the root node, in the cloud's units. Rounded so that the
   * cube side is a power-of-two multiple of it (2 … 256 cells per axis). Default: cube side / 128.
   */
  spacing?: number;
  /** A node with more points than this is split (PotreeConverter: 10,000). */
  maxPointsPerNode?: number;
  /** Our own per-point attributes. Default `DEFAULT_EXTRA_ATTRIBUTES` (wound_label, depth_mm). */
  extraAttributes?: readonly ExtraAttributeSpec[];
  /** Levels per hierarchy chunk (PotreeConverter: 4). */
  hierarchyStepSize?: number;
  /** Worker threads (default: `os.availableParallelism()`, at most 8). 0 builds on the calling thread. */
  workers?: number;
  /** A pool to reuse across builds (not disposed here); overrides `workers`. */
  pool?: OctreeWorkerPool;
  /** Clouds with at most this many points are built on the calling thread. Default 100,000. */
  inProcessBelow?: number;
  name?: string;
  description?: string;
  projection?: string;
  onProgress?: (progress: OctreeProgress) => void;
  signal?: AbortSignal;
}

export interface BuildOctreeResult {
  metadata: OctreeMetadata;
  /** Bytes written per file. */
  files: Record<OctreeFileName, number>;
  stats: {
    points: number;
    nodes: number;
    /** Wall-clock milliseconds of the whole build. */
    ms: number;
    /** Worker threads used (0: built on the calling thread). */
    workers: number;
    /** Subtrees built by workers, and nodes sampled on the calling thread above them. */
    chunks: number;
    upperNodes: number;
    depth: number;
    hierarchyChunks: number;
  };
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function nameOf(level: number, code: number): string {
  let name = 'r';
  for (let l = level - 1; l >= 0; l--) name += String((code >>> (3 * l)) & 7);
  return name;
}

interface Attributes {
  layout: RecordLayout;
  extras: (ScalarArray | undefined)[];
}

function resolveAttributes(cloud: PointCloud, specs: readonly ExtraAttributeSpec[]): Attributes {
  const extras = specs.map((spec) => {
    const values = spec.values ?? cloud.extras.find((e) => e.name === spec.name && e.size === 1)?.values;
    if (values && values.length !== cloud.count) throw new OctreeError('INVALID_OPTIONS', `attribute "${spec.name}" has ${values.length} values for ${cloud.count} points`);
    return values;
  });
  const layout = recordLayout({ rgb: !!cloud.colors, intensity: !!cloud.intensity, classification: !!cloud.classification }, specs);
  return { layout, extras };
}

function validateCloud(cloud: PointCloud): void {
  const n = cloud.count;
  if (!Number.isInteger(n) || n < 0) throw new OctreeError('INVALID_INPUT', 'point count must be a non-negative integer');
  if (n > 0xffffffff) throw new OctreeError('INVALID_INPUT', 'more than 2^32 points');
  if (cloud.positions.length !== 3 * n) throw new OctreeError('INVALID_INPUT', `positions hold ${cloud.positions.length} values for ${n} points`);
  if (cloud.colors && cloud.colors.length !== 3 * n) throw new OctreeError('INVALID_INPUT', `colors hold ${cloud.colors.length} values for ${n} points`);
  if (cloud.intensity && cloud.intensity.length !== n) throw new OctreeError('INVALID_INPUT', `intensity holds ${cloud.intensity.length} values for ${n} points`);
  if (cloud.classification && cloud.classification.length !== n) throw new OctreeError('INVALID_INPUT', `classification holds ${cloud.classification.length} values for ${n} points`);
}

export async function buildOctree(cloud: PointCloud, options: BuildOctreeOptions): Promise<BuildOctreeResult> {
  const started = performance.now();
  const { signal } = options;
  const sink = options.sink ?? (options.outDir !== undefined ? createDirectorySink(options.outDir) : undefined);
  if (!sink) throw new OctreeError('INVALID_OPTIONS', 'give outDir or sink');
  const maxPointsPerNode = options.maxPointsPerNode ?? DEFAULT_MAX_POINTS_PER_NODE;
  if (!Number.isInteger(maxPointsPerNode) || maxPointsPerNode < 1) throw new OctreeError('INVALID_OPTIONS', 'maxPointsPerNode must be a positive integer');
  const stepSize = options.hierarchyStepSize ?? DEFAULT_HIERARCHY_STEP;
  if (!Number.isInteger(stepSize) || stepSize < 1) throw new OctreeError('INVALID_OPTIONS', 'hierarchyStepSize must be a positive integer');
  if (options.spacing !== undefined && !(options.spacing > 0 && Number.isFinite(options.spacing))) throw new OctreeError('INVALID_OPTIONS', 'spacing must be a positive number');
  validateCloud(cloud);
  const attributes = resolveAttributes(cloud, options.extraAttributes ?? DEFAULT_EXTRA_ATTRIBUTES);

  let lastFraction = 0;
  const progress = (phase: OctreePhase, fraction: number): void => {
    lastFraction = Math.max(lastFraction, Math.min(1, fraction));
    options.onProgress?.({ phase, fraction: lastFraction });
  };
  const checkAbort = (): void => {
    if (signal?.aborted) throw new OctreeError('ABORTED', 'octree build cancelled');
  };

  const requestedWorkers = options.pool ? options.pool.size : (options.workers ?? defaultWorkerCount());
  const inProcess = requestedWorkers === 0 || cloud.count <= (options.inProcessBelow ?? DEFAULT_IN_PROCESS_BELOW);
  let ownedPool: OctreeWorkerPool | null = null;
  const pool = (): OctreeWorkerPool => options.pool ?? (ownedPool ??= createOctreeWorkerPool(requestedWorkers));

  try {
    checkAbort();
    const result = await build(cloud, attributes, {
      maxPointsPerNode,
      stepSize,
      spacing: options.spacing,
      workers: inProcess ? 0 : requestedWorkers,
      pool,
      sink,
      progress,
      checkAbort,
      signal,
      names: { name: options.name ?? '', description: options.description ?? '', projection: options.projection ?? '' },
    });
    await sink.close?.();
    progress('finish', 1);
    return { ...result, stats: { ...result.stats, ms: performance.now() - started } };
  } catch (error) {
    await Promise.resolve(sink.abort?.(error)).catch(() => undefined);
    if (signal?.aborted) throw new OctreeError('ABORTED', 'octree build cancelled');
    throw error;
  } finally {
    if (ownedPool) await (ownedPool as OctreeWorkerPool).dispose();
  }
}

/** Builds into memory and returns the three files (tests, small clouds, callers that encrypt whole files). */
export async function buildOctreeInMemory(cloud: PointCloud, options: Omit<BuildOctreeOptions, 'outDir' | 'sink'> = {}): Promise<BuildOctreeResult & { buffers: Record<OctreeFileName, Uint8Array> }> {
  const sink = createMemorySink();
  const result = await buildOctree(cloud, { ...options, sink });
  const get = (name: OctreeFileName): Uint8Array => sink.files.get(name) ?? new Uint8Array(0);
  return { ...result, buffers: { 'octree.bin': get('octree.bin'), 'hierarchy.bin': get('hierarchy.bin'), 'metadata.json': get('metadata.json') } };
}

interface BuildContext {
  maxPointsPerNode: number;
  stepSize: number;
  spacing: number | undefined;
  workers: number;
  pool: () => OctreeWorkerPool;
  sink: OctreeSink;
  progress: (phase: OctreePhase, fraction: number) => void;
  checkAbort: () => void;
  signal: AbortSignal | undefined;
  names: { name: string; description: string; projection: string };
}

type BuildCore = Omit<BuildOctreeResult, 'stats'> & { stats: Omit<BuildOctreeResult['stats'], 'ms'> };

async function build(cloud: PointCloud, attrs: Attributes, ctx: BuildContext): Promise<BuildCore> {
  const n = cloud.count;
  const pos = cloud.positions;
  const { layout } = attrs;
  const bpp = layout.bytesPerPoint;

  // The passes over the whole cloud run in the workers, slices side by side, when the positions
  // are in shared memory (as `toMillimetres` gives them); otherwise here, slice after slice.
  const parallel = ctx.workers > 0 && pos.buffer instanceof SharedArrayBuffer && n >= 2 * MIN_WORKER_SLICE;
  const slices = sliceRanges(n, parallel ? Math.min(SLICES_PER_WORKER * ctx.workers, Math.floor(n / MIN_WORKER_SLICE)) : Math.ceil(n / SLICE));
  /** Runs one request per slice in the pool; `done` is told each slice's share as it finishes. */
  const inWorkers = <T extends BuiltReply['type']>(type: T, request: (start: number, end: number, w: number) => BuildRequest, done: (fraction: number) => void): Promise<Extract<BuiltReply, { type: T }>[]> => {
    const pool = ctx.pool();
    let finished = 0;
    return Promise.all(
      slices.map(([start, end], w) =>
        pool.run(request(start, end, w), ctx.signal).then((reply) => {
          finished += end - start;
          done(finished / Math.max(1, n));
          return replyOf(reply, type);
        }),
      ),
    );
  };

  // 1. scan: bounds (and that every coordinate is finite).
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  const scanProgress = (f: number): void => ctx.progress('scan', 0.04 * f);
  const bounds: SliceBounds[] = [];
  if (parallel) {
    bounds.push(...(await inWorkers('bounded', (start, end, w) => ({ type: 'bounds', id: w, positions: pos, start, end }), scanProgress)));
  } else {
    for (const [start, end] of slices) {
      const b = sliceBounds(pos, start, end);
      bounds.push(b);
      if (b.bad >= 0) break;
      ctx.checkAbort();
      scanProgress(end / n);
      await yieldToLoop();
    }
  }
  for (const b of bounds) {
    if (b.bad >= 0) throw new OctreeError('INVALID_INPUT', `point ${b.bad} has a NaN or infinite coordinate`);
    for (let a = 0; a < 3; a++) {
      min[a] = Math.min(min[a]!, b.min[a]!);
      max[a] = Math.max(max[a]!, b.max[a]!);
    }
  }
  ctx.checkAbort();
  const offset: [number, number, number] = n > 0 ? [min[0]!, min[1]!, min[2]!] : [0, 0, 0];
  const extent = n > 0 ? Math.max(max[0]! - min[0]!, max[1]! - min[1]!, max[2]! - min[2]!) : 0;
  const scale = chooseScale(extent > 0 ? extent : 1);
  const inv = 1 / scale;
  // The cube: a whole number of quanta, one more than the largest extent so every quantised point is inside.
  const cubeQuanta = Math.round(extent * inv) + 1;
  const cubeSize = cubeQuanta * scale;
  const gridPerQuantum = 2 ** GRID_BITS / cubeQuanta;
  const samplingBits = ctx.spacing === undefined ? DEFAULT_SAMPLING_BITS : Math.min(8, Math.max(1, Math.round(Math.log2(cubeSize / ctx.spacing))));
  const params: SubtreeParams = { gridPerQuantum, samplingBits, maxPointsPerNode: ctx.maxPointsPerNode, maxLevel: GRID_BITS - samplingBits };
  const qMax = [0, 1, 2].map((a) => (n > 0 ? Math.round((max[a]! - offset[a]!) * inv) : 0));

  // Octree.bin layout: chunks (depth-first, in chunk order), then the upper nodes (breadth-first); each node's points contiguous.
  const hierarchyNodes: HierarchyNode[] = [];
  let chunkCount = 0;
  let upperCount = 0;
  await ctx.sink.begin?.('octree.bin', n * bpp);
  let written = 0;
  const writeOctree = async (bytes: Uint8Array): Promise<void> => {
    if (bytes.byteLength === 0) return;
    await ctx.sink.write('octree.bin', bytes);
    written += bytes.byteLength;
  };
  const addSubtree = (sub: EncodedSubtree, base: number): void => {
    let at = base;
    for (let k = 0; k < sub.names.length; k++) {
      const size = sub.numPoints[k]! * bpp;
      hierarchyNodes.push({ name: sub.names[k]!, numPoints: sub.numPoints[k]!, childMask: sub.childMask[k]!, byteOffset: at, byteSize: size });
      at += size;
    }
  };

  if (ctx.workers === 0) {
    // Small cloud: one subtree, on this thread, straight from the cloud's arrays.
    const columns = inputColumns(cloud, attrs, offset, inv);
    ctx.progress('build', 0.3);
    const sub = buildAndEncodeSubtree(columns, 0, n, 'r', params, layout);
    addSubtree(sub, 0);
    await writeOctree(sub.bytes);
    chunkCount = 1;
  } else {
    // 2. count: points per cell at countLevel. Chunks are at most samplingBits deep, so every
    // sampling cell of an upper node lies inside one chunk and the chunks can sample independently.
    const countLevel = Math.min(COUNT_LEVEL, params.maxLevel, samplingBits);
    const countShift = GRID_BITS - countLevel;
    const counts: Uint32Array[] = [];
    for (let l = 0; l <= countLevel; l++) counts.push(new Uint32Array(1 << (3 * l)));
    const fine = counts[countLevel]!;
    const grid: GridParams = { offset, inv, gridPerQuantum, countShift };
    const countProgress = (f: number): void => ctx.progress('count', 0.04 + 0.04 * f);
    let sliceCounts: Uint32Array[] | null = null;
    if (parallel) {
      const replies = await inWorkers('counted', (start, end, w) => ({ type: 'count', id: w, positions: pos, start, end, grid, cells: fine.length }), countProgress);
      sliceCounts = replies.map((r) => r.counts);
      for (const part of sliceCounts) for (let c = 0; c < fine.length; c++) fine[c]! += part[c]!;
    } else {
      for (const [start, end] of slices) {
        countCells(pos, start, end, grid, fine);
        ctx.checkAbort();
        countProgress(end / n);
        await yieldToLoop();
      }
    }
    ctx.checkAbort();
    for (let l = countLevel - 1; l >= 0; l--) {
      const parent = counts[l]!;
      const child = counts[l + 1]!;
      for (let c = 0; c < child.length; c++) parent[c >>> 3]! += child[c]!;
    }

    // Partition: upper nodes (sampled by the chunks below them) and chunks (one worker task each).
    const chunkPoints = Math.max(4 * ctx.maxPointsPerNode, Math.min(CHUNK_POINTS_MAX, Math.ceil(n / (CHUNKS_PER_WORKER * ctx.workers))));
    const upper: { level: number; code: number }[] = [];
    const chunks: { level: number; code: number }[] = [];
    const walk = (level: number, code: number): void => {
      const c = counts[level]![code]!;
      if (c === 0) return;
      if (c <= chunkPoints || level === countLevel) {
        chunks.push({ level, code });
        return;
      }
      upper.push({ level, code });
      for (let k = 0; k < 8; k++) walk(level + 1, (code << 3) | k);
    };
    walk(0, 0);
    upper.sort((a, b) => a.level - b.level || a.code - b.code); // breadth-first
    upperCount = upper.length;
    chunkCount = chunks.length;
    const nodeId: Int32Array[] = counts.map((c) => new Int32Array(c.length).fill(-1));
    upper.forEach((u, id) => (nodeId[u.level]![u.code] = id));
    chunks.forEach((c, id) => (nodeId[c.level]![c.code] = upper.length + id));

    // 3. distribute: a chunk-sorted, quantised copy of the cloud in shared memory (a stable
    // counting sort, so each chunk's points stay in input order), read by every worker in place.
    const chunkStart = new Float64Array(chunks.length + 1);
    const cellChunk = new Int32Array(fine.length);
    chunks.forEach(({ level, code }, k) => {
      chunkStart[k + 1] = chunkStart[k]! + counts[level]![code]!;
      const span = 3 * (countLevel - level);
      cellChunk.fill(k, code << span, (code + 1) << span);
    });
    const { columns, release } = sharedColumns(cloud, attrs, ctx.pool());
    const distributeProgress = (f: number): void => ctx.progress('sample', 0.08 + 0.12 * f);
    if (parallel && sliceCounts) {
      // Slice w's points of chunk k go after those of the slices before it: the same order as one pass.
      const cursors = slices.map(() => new Float64Array(chunks.length));
      const next = chunkStart.slice(0, chunks.length);
      sliceCounts.forEach((part, w) => {
        const perChunk = new Float64Array(chunks.length);
        for (let c = 0; c < part.length; c++) if (part[c]! > 0) perChunk[cellChunk[c]!]! += part[c]!;
        for (let k = 0; k < chunks.length; k++) {
          cursors[w]![k] = next[k]!;
          next[k]! += perChunk[k]!;
        }
      });
      const source = sharedSource(cloud, attrs);
      const sharedCellChunk = new Int32Array(new SharedArrayBuffer(cellChunk.byteLength));
      sharedCellChunk.set(cellChunk);
      await inWorkers('distributed', (start, end, w) => ({ type: 'distribute', id: w, source, start, end, grid, cellChunk: sharedCellChunk, cursor: cursors[w]!, out: columns }), distributeProgress);
    } else {
      const source = sourceOf(cloud, attrs);
      const cursor = chunkStart.slice(0, chunks.length);
      for (const [start, end] of slices) {
        distribute(source, start, end, grid, cellChunk, cursor, columns);
        ctx.checkAbort();
        distributeProgress(end / n);
        await yieldToLoop();
      }
    }
    ctx.checkAbort();

    // 4. chunks, in the workers (all reading `columns`), written in chunk order.
    const pool = ctx.pool();
    const window = 3 * pool.size;
    const results = new Map<number, Promise<EncodedSubtree>>();
    let doneChunkPoints = 0;
    const dispatch = (k: number): void => {
      const { level, code } = chunks[k]!;
      const promise = pool
        .run({ type: 'build', id: k, rootName: nameOf(level, code), start: chunkStart[k]!, end: chunkStart[k + 1]!, params, layout, columns }, ctx.signal)
        .then((raw): EncodedSubtree => {
          const reply = replyOf(raw, 'built');
          return { names: reply.names, numPoints: reply.numPoints, childMask: reply.childMask, bytes: reply.bytes, upperCounts: reply.upperCounts, upperBytes: reply.upperBytes };
        });
      promise.catch(() => undefined); // awaited in order below; this only keeps a later failure from being "unhandled" meanwhile
      results.set(k, promise);
    };
    // The upper nodes' records arrive piecewise, from every chunk below them, in chunk order.
    const upperParts: Uint8Array[][] = upper.map(() => []);
    const upperPoints = new Float64Array(upper.length);
    const chunkRemaining = new Float64Array(chunks.length);
    let next = 0;
    for (let k = 0; k < chunks.length; k++) {
      for (; next < chunks.length && next - k < window; next++) dispatch(next);
      const sub = await results.get(k)!;
      results.delete(k);
      ctx.checkAbort();
      addSubtree(sub, written);
      await writeOctree(sub.bytes);
      chunkRemaining[k] = sub.bytes.byteLength / bpp;
      const { level, code } = chunks[k]!;
      let at = 0;
      for (let l = 0; l < level; l++) {
        const taken = sub.upperCounts[l]!;
        if (taken === 0) continue;
        const id = nodeId[l]![code >>> (3 * (level - l))]!;
        upperParts[id]!.push(sub.upperBytes.subarray(at * bpp, (at + taken) * bpp));
        upperPoints[id]! += taken;
        at += taken;
      }
      doneChunkPoints += chunkStart[k + 1]! - chunkStart[k]!;
      ctx.progress('build', 0.2 + (0.75 * doneChunkPoints) / n);
    }

    // 4b. the upper nodes, after the chunks, with child masks from what exists below them.
    const upperSubtree = new Float64Array(upper.length);
    const childExists = (level: number, code: number): boolean => {
      const cid = level <= countLevel ? nodeId[level]![code]! : -1;
      if (cid < 0) return false;
      return cid < upper.length ? upperSubtree[cid]! > 0 : chunkRemaining[cid - upper.length]! > 0;
    };
    for (let id = upper.length - 1; id >= 0; id--) {
      const { level, code } = upper[id]!;
      let total = upperPoints[id]!;
      for (let c = 0; c < 8; c++) {
        const cid = level + 1 <= countLevel ? nodeId[level + 1]![(code << 3) | c]! : -1;
        if (cid < 0) continue;
        total += cid < upper.length ? upperSubtree[cid]! : chunkRemaining[cid - upper.length]!;
      }
      upperSubtree[id] = total;
    }
    const upperBytes = new Uint8Array(upperPoints.reduce((sum, p) => sum + p, 0) * bpp);
    let at = 0;
    for (let id = 0; id < upper.length; id++) {
      const { level, code } = upper[id]!;
      const start = at;
      for (const part of upperParts[id]!) {
        upperBytes.set(part, at);
        at += part.byteLength;
      }
      let mask = 0;
      for (let c = 0; c < 8; c++) if (childExists(level + 1, (code << 3) | c)) mask |= 1 << c;
      if (upperSubtree[id]! > 0) hierarchyNodes.push({ name: nameOf(level, code), numPoints: upperPoints[id]!, childMask: mask, byteOffset: written + start, byteSize: at - start });
    }
    await writeOctree(upperBytes);
    // Only after success: after a failure a worker may still be busy with this buffer, so the next build takes a new one.
    release();
  }
  if (written !== n * bpp) throw new OctreeError('WRITE_FAILED', `octree.bin has ${written} bytes, expected ${n * bpp}`);
  ctx.checkAbort();

  // 5. hierarchy and metadata.
  if (!hierarchyNodes.some((h) => h.name === 'r')) hierarchyNodes.push({ name: 'r', numPoints: 0, childMask: 0, byteOffset: 0, byteSize: 0 });
  hierarchyNodes.sort((a, b) => compareBreadthFirst(a.name, b.name));
  const hierarchy = encodeHierarchy(hierarchyNodes, ctx.stepSize);
  await ctx.sink.begin?.('hierarchy.bin', hierarchy.bytes.byteLength);
  await ctx.sink.write('hierarchy.bin', hierarchy.bytes);

  const tightMin: [number, number, number] = [offset[0], offset[1], offset[2]];
  const tightMax: [number, number, number] = [qMax[0]! * scale + offset[0], qMax[1]! * scale + offset[1], qMax[2]! * scale + offset[2]];
  const metadata: OctreeMetadata = {
    version: '2.0',
    name: ctx.names.name,
    description: ctx.names.description,
    points: n,
    projection: ctx.names.projection,
    hierarchy: { firstChunkSize: hierarchy.firstChunkSize, stepSize: ctx.stepSize, depth: hierarchy.depth },
    offset,
    scale: [scale, scale, scale],
    spacing: cubeSize / 2 ** samplingBits,
    boundingBox: { min: [offset[0], offset[1], offset[2]], max: [offset[0] + cubeSize, offset[1] + cubeSize, offset[2] + cubeSize] },
    tightBoundingBox: { min: tightMin, max: tightMax },
    encoding: 'DEFAULT',
    attributes: metadataAttributes(cloud, attrs, { min: tightMin, max: tightMax, scale, offset }),
    units: cloud.units,
    generator: 'coherency-workstation octree writer',
  };
  const json = new TextEncoder().encode(JSON.stringify(metadata, null, '\t') + '\n');
  await ctx.sink.begin?.('metadata.json', json.byteLength);
  await ctx.sink.write('metadata.json', json);

  return {
    metadata,
    files: { 'octree.bin': written, 'hierarchy.bin': hierarchy.bytes.byteLength, 'metadata.json': json.byteLength },
    stats: { points: n, nodes: hierarchyNodes.length, workers: ctx.workers, chunks: chunkCount, upperNodes: upperCount, depth: hierarchy.depth, hierarchyChunks: hierarchy.chunks },
  };
}

/**
 * One shared buffer per worker pool, reused by every build on it (grown when a cloud needs more).
 * A fresh buffer per build would pile up: a worker's isolate frees its handle to a shared buffer
 * only when it next collects garbage, which an idle worker may not do for a long time.
 */
const sharedScratch = new WeakMap<OctreeWorkerPool, SharedArrayBuffer>();
/** Buffers a build is using now: a second build on the same pool at the same time gets its own. */
const sharedInUse = new WeakSet<SharedArrayBuffer>();

/** The chunk-sorted copy the workers read: quantised positions and every stored attribute, in shared memory. */
function sharedColumns(cloud: PointCloud, attrs: Attributes, pool: OctreeWorkerPool): { columns: PointColumns; release: () => void } {
  const n = cloud.count;
  const { layout } = attrs;
  const align = (bytes: number): number => Math.ceil(bytes / 8) * 8;
  const parts: [string, number][] = [['xyz', 12 * n]];
  if (layout.hasRgb) parts.push(['rgb', 3 * n]);
  if (layout.hasIntensity) parts.push(['intensity', 2 * n]);
  if (layout.hasClassification) parts.push(['classification', n]);
  layout.extras.forEach((slot, e) => {
    if (attrs.extras[e]) parts.push([`extra${e}`, ATTRIBUTE_TYPE_SIZE[slot.type] * n]);
  });
  const total = parts.reduce((sum, [, bytes]) => sum + align(bytes), 0);
  let buffer = sharedScratch.get(pool);
  if (!buffer || buffer.byteLength < total || sharedInUse.has(buffer)) {
    buffer = new SharedArrayBuffer(Math.max(total, 8));
    if (!sharedInUse.has(sharedScratch.get(pool)!)) sharedScratch.set(pool, buffer);
  }
  sharedInUse.add(buffer);
  const at = new Map<string, number>();
  let offset = 0;
  for (const [name, bytes] of parts) {
    at.set(name, offset);
    offset += align(bytes);
  }
  const view = <T>(name: string, make: (buffer: SharedArrayBuffer, byteOffset: number) => T): T | undefined => (at.has(name) ? make(buffer!, at.get(name)!) : undefined);
  // Extras start at 0 where the cloud has none; the others are written for every point.
  const release = (): void => void sharedInUse.delete(buffer!);
  const columns: PointColumns = {
    count: n,
    xyz: new Int32Array(buffer, 0, 3 * n),
    rgb: view('rgb', (b, o) => new Uint8Array(b, o, 3 * n)),
    intensity: view('intensity', (b, o) => new Uint16Array(b, o, n)),
    classification: view('classification', (b, o) => new Uint8Array(b, o, n)),
    extras: layout.extras.map((slot, e) => view(`extra${e}`, (b, o) => typedArrayOver(slot.type, b, o, n))),
  };
  return { columns, release };
}

/** The cloud's arrays as the passes read them. */
function sourceOf(cloud: PointCloud, attrs: Attributes): SourceColumns {
  const { layout } = attrs;
  return {
    positions: cloud.positions,
    colors: layout.hasRgb ? cloud.colors : undefined,
    intensity: layout.hasIntensity ? cloud.intensity : undefined,
    classification: layout.hasClassification ? cloud.classification : undefined,
    extras: attrs.extras,
  };
}

/** The same, every array in shared memory (the positions already are; the smaller arrays are copied when not). */
function sharedSource(cloud: PointCloud, attrs: Attributes): SourceColumns {
  const source = sourceOf(cloud, attrs);
  return {
    positions: source.positions,
    colors: shareable(source.colors),
    intensity: shareable(source.intensity),
    classification: shareable(source.classification),
    extras: source.extras.map((e) => shareable(e)),
  };
}

function shareable<T extends ScalarArray>(array: T | undefined): T | undefined {
  if (!array || array.buffer instanceof SharedArrayBuffer) return array;
  const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

/** `parts` ranges of about equal size covering 0 … n − 1 (none for an empty cloud). */
function sliceRanges(n: number, parts: number): [number, number][] {
  const count = Math.max(1, Math.min(n, parts));
  const ranges: [number, number][] = [];
  for (let w = 0; w < count; w++) {
    const start = Math.floor((n * w) / count);
    const end = Math.floor((n * (w + 1)) / count);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}

function replyOf<T extends BuiltReply['type']>(reply: BuiltReply, type: T): Extract<BuiltReply, { type: T }> {
  if (reply.type !== type) throw new OctreeError('WORKER_FAILED', `octree worker answered ${reply.type} to a ${type} request`);
  return reply as Extract<BuiltReply, { type: T }>;
}

/** The columns of the whole cloud in input order, for the calling-thread path: quantised positions, the cloud's own attribute arrays. */
function inputColumns(cloud: PointCloud, attrs: Attributes, offset: readonly number[], inv: number): PointColumns {
  const n = cloud.count;
  const pos = cloud.positions;
  const [ox, oy, oz] = offset as [number, number, number];
  const xyz = new Int32Array(3 * n);
  for (let j = 0; j < 3 * n; j += 3) {
    xyz[j] = Math.round((pos[j]! - ox) * inv);
    xyz[j + 1] = Math.round((pos[j + 1]! - oy) * inv);
    xyz[j + 2] = Math.round((pos[j + 2]! - oz) * inv);
  }
  // Extras are converted to their slot's type, as the worker path's shared copy does.
  const extras = attrs.layout.extras.map((slot, e) => {
    const src = attrs.extras[e];
    if (!src) return undefined;
    const out = typedArrayFor(slot.type, n);
    out.set(src);
    return out;
  });
  return { count: n, xyz, rgb: cloud.colors, intensity: cloud.intensity, classification: cloud.classification, extras };
}

function metadataAttributes(cloud: PointCloud, attrs: Attributes, position: { min: number[]; max: number[]; scale: number; offset: number[] }): MetadataAttribute[] {
  const n = cloud.count;
  const rangeOf = (values: ArrayLike<number> | undefined, components: number): { min: number[]; max: number[] } => {
    const lo = new Array<number>(components).fill(n > 0 && values ? Infinity : 0);
    const hi = new Array<number>(components).fill(n > 0 && values ? -Infinity : 0);
    if (!values || n === 0) return { min: lo, max: hi };
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < components; c++) {
        const v = values[components * i + c]!;
        if (v < lo[c]!) lo[c] = v;
        if (v > hi[c]!) hi[c] = v;
      }
    }
    return { min: lo.map((v) => (Number.isFinite(v) ? v : 0)), max: hi.map((v) => (Number.isFinite(v) ? v : 0)) };
  };
  return attrs.layout.slots.map((slot): MetadataAttribute => {
    const elementSize = slot.type === 'double' ? 8 : slot.type.endsWith('8') ? 1 : slot.type.endsWith('16') ? 2 : 4;
    const base = { name: slot.name, description: slot.description, size: elementSize * slot.numElements, numElements: slot.numElements, elementSize, type: slot.type };
    switch (slot.name) {
      case 'position':
        return { ...base, min: position.min, max: position.max, scale: [position.scale, position.scale, position.scale], offset: [...position.offset] };
      case 'rgb': {
        const r = rangeOf(cloud.colors, 3);
        return { ...base, min: r.min.map((v) => v * 257), max: r.max.map((v) => v * 257) };
      }
      case 'intensity':
        return { ...base, ...rangeOf(cloud.intensity, 1) };
      case 'classification':
        return { ...base, ...rangeOf(cloud.classification, 1) };
      default: {
        const e = attrs.layout.extras.findIndex((x) => x.name === slot.name);
        return { ...base, ...rangeOf(attrs.extras[e], 1) };
      }
    }
  });
}
