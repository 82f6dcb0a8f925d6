/**
 * `buildOctree`: a PointCloud → the Potree 2.0 files (see `format.ts` for the layout).
 *
 * How the work is split (PotreeConverter's plan, in typed arrays):
 *
 * 1. scan — tight bounds and attribute ranges; the cube, the quantisation scale and offset.
 * 2. count — points per cell of a 64³ grid (morton-ordered), summed into a pyramid. Walking down
 *    from the root, a node with more than `chunkPoints` points is an "upper" node, sampled here;
 *    the others become chunks, each built as one subtree by a worker.
 * 3. sample — for every point in input order, the upper nodes on its path take it if its
 *    sampling cell in that node is still empty; otherwise it goes to its chunk. A stable counting
 *    sort by destination gives each upper node and chunk its points in input order.
 * 4. build — chunks go to the worker pool (at most two per worker in flight); the upper nodes are
 *    encoded here. octree.bin is streamed to the sink in a fixed order (upper nodes breadth-first,
 *    then chunks depth-first), whatever order the workers finish in.
 * 5. hierarchy.bin and metadata.json.
 *
 * The passes over the whole cloud run on the calling thread in slices, yielding to the event loop
 * between slices (and checking the AbortSignal); everything per-chunk runs in workers. Clouds of
 * at most `inProcessBelow` points are built entirely on the calling thread, with the same code
 * and the same bytes as the worker path.
 */
import type { PointCloud } from '../../../common/point-cloud';
import {
  chooseScale,
  DEFAULT_EXTRA_ATTRIBUTES,
  encodeRecords,
  GRID_BITS,
  OctreeError,
  recordLayout,
  typedArrayFor,
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
import { createOctreeWorkerPool, defaultWorkerCount, type OctreeWorkerPool } from './pool';
import { createDirectorySink, createMemorySink, type OctreeSink } from './sink';
import { gridCoordinate, type SubtreeParams } from './subtree';

export const DEFAULT_MAX_POINTS_PER_NODE = 10_000;
export const DEFAULT_SAMPLING_BITS = 7;
export const DEFAULT_HIERARCHY_STEP = 4;
export const DEFAULT_IN_PROCESS_BELOW = 100_000;
const COUNT_LEVEL = 6;
const SLICE = 1 << 18;

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

const SPREAD = (() => {
  const table = new Uint32Array(256);
  for (let v = 0; v < 256; v++) {
    let s = 0;
    for (let b = 0; b < 8; b++) if (v & (1 << b)) s |= 1 << (3 * b);
    table[v] = s;
  }
  return table;
})();

/** Morton code of a cell whose coordinates have at most 8 bits; x is the high bit of each triple. */
function morton(cx: number, cy: number, cz: number): number {
  return (SPREAD[cx]! << 2) | (SPREAD[cy]! << 1) | SPREAD[cz]!;
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

  // 1. scan: bounds (and that every coordinate is finite).
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let s = 0; s < n; s += SLICE) {
    const e = Math.min(n, s + SLICE);
    let x0 = min[0]!, y0 = min[1]!, z0 = min[2]!, x1 = max[0]!, y1 = max[1]!, z1 = max[2]!;
    for (let i = s; i < e; i++) {
      const x = pos[3 * i]!, y = pos[3 * i + 1]!, z = pos[3 * i + 2]!;
      // NaN and ±Infinity make x − x NaN.
      if (x - x + (y - y) + (z - z) !== 0) throw new OctreeError('INVALID_INPUT', `point ${i} has a NaN or infinite coordinate`);
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      if (z > z1) z1 = z;
    }
    min[0] = x0; min[1] = y0; min[2] = z0; max[0] = x1; max[1] = y1; max[2] = z1;
    ctx.checkAbort();
    ctx.progress('scan', (0.04 * e) / n);
    await yieldToLoop();
  }
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

  const gather = (perm: Uint32Array | null, from: number, to: number): PointColumns => gatherColumns(cloud, attrs, offset, inv, perm, from, to);

  // Octree.bin layout: upper nodes (breadth-first), then chunks (depth-first); each node's points contiguous.
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
    // Small cloud: one subtree, on this thread.
    const columns = gather(null, 0, n);
    ctx.progress('build', 0.3);
    const sub = buildAndEncodeSubtree(columns, 'r', params, layout);
    addSubtree(sub, 0);
    await writeOctree(sub.bytes);
    chunkCount = 1;
  } else {
    // 2. count: points per cell at COUNT_LEVEL.
    const countLevel = Math.min(COUNT_LEVEL, params.maxLevel);
    const countShift = GRID_BITS - countLevel;
    const counts: Uint32Array[] = [];
    for (let l = 0; l <= countLevel; l++) counts.push(new Uint32Array(1 << (3 * l)));
    const fine = counts[countLevel]!;
    for (let s = 0; s < n; s += SLICE) {
      const e = Math.min(n, s + SLICE);
      for (let i = s; i < e; i++) {
        const gx = gridCoordinate(Math.round((pos[3 * i]! - offset[0]) * inv), gridPerQuantum) >>> countShift;
        const gy = gridCoordinate(Math.round((pos[3 * i + 1]! - offset[1]) * inv), gridPerQuantum) >>> countShift;
        const gz = gridCoordinate(Math.round((pos[3 * i + 2]! - offset[2]) * inv), gridPerQuantum) >>> countShift;
        fine[morton(gx, gy, gz)]!++;
      }
      ctx.checkAbort();
      ctx.progress('count', 0.04 + (0.06 * e) / n);
      await yieldToLoop();
    }
    for (let l = countLevel - 1; l >= 0; l--) {
      const parent = counts[l]!;
      const child = counts[l + 1]!;
      for (let c = 0; c < child.length; c++) parent[c >>> 3]! += child[c]!;
    }

    // Partition: upper nodes (sampled here) and chunks (built by workers).
    const chunkPoints = Math.max(4 * ctx.maxPointsPerNode, Math.min(4_000_000, Math.ceil(n / (4 * ctx.workers))));
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
    const destinations = upper.length + chunks.length;
    const nodeId: Int32Array[] = counts.map((c) => new Int32Array(c.length).fill(-1));
    upper.forEach((u, id) => (nodeId[u.level]![u.code] = id));
    chunks.forEach((c, id) => (nodeId[c.level]![c.code] = upper.length + id));

    // 3. sample: each point's destination, then a stable counting sort by destination.
    let perm: Uint32Array | null = null;
    const destStart = new Float64Array(destinations + 1);
    if (upper.length === 0) {
      destStart[1] = n; // one chunk, the root: every point in input order
    } else {
      const dest = destinations <= 0x10000 ? new Uint16Array(n) : new Uint32Array(n);
      const destCount = new Float64Array(destinations);
      const cellBits = samplingBits;
      const cellMask = (1 << cellBits) - 1;
      const bitsets = upper.map(() => new Int32Array(Math.max(1, (1 << (3 * cellBits)) >>> 5)));
      const levelIds = nodeId;
      for (let s = 0; s < n; s += SLICE) {
        const e = Math.min(n, s + SLICE);
        for (let i = s; i < e; i++) {
          const gx = gridCoordinate(Math.round((pos[3 * i]! - offset[0]) * inv), gridPerQuantum);
          const gy = gridCoordinate(Math.round((pos[3 * i + 1]! - offset[1]) * inv), gridPerQuantum);
          const gz = gridCoordinate(Math.round((pos[3 * i + 2]! - offset[2]) * inv), gridPerQuantum);
          const code = morton(gx >>> countShift, gy >>> countShift, gz >>> countShift);
          let target = -1;
          for (let level = 0; level <= countLevel; level++) {
            const id = levelIds[level]![code >>> (3 * (countLevel - level))]!;
            if (id >= upper.length) {
              target = id;
              break;
            }
            const shift = GRID_BITS - level - cellBits;
            const key = (((gx >>> shift) & cellMask) << (2 * cellBits)) | (((gy >>> shift) & cellMask) << cellBits) | ((gz >>> shift) & cellMask);
            const bitset = bitsets[id]!;
            const word = key >>> 5;
            const bit = 1 << (key & 31);
            const w = bitset[word]!;
            if ((w & bit) === 0) {
              bitset[word] = w | bit;
              target = id;
              break;
            }
          }
          dest[i] = target;
          destCount[target]!++;
        }
        ctx.checkAbort();
        ctx.progress('sample', 0.1 + (0.08 * e) / n);
        await yieldToLoop();
      }
      for (let d = 0; d < destinations; d++) destStart[d + 1] = destStart[d]! + destCount[d]!;
      const cursor = destStart.slice(0, destinations);
      perm = new Uint32Array(n);
      for (let s = 0; s < n; s += SLICE) {
        const e = Math.min(n, s + SLICE);
        for (let i = s; i < e; i++) perm[cursor[dest[i]!]!++] = i;
        ctx.checkAbort();
        await yieldToLoop();
      }
    }
    ctx.progress('sample', 0.2);

    // 4a. upper nodes, encoded here, written first.
    const subtreePoints = new Float64Array(destinations); // points in each destination's whole subtree, for child masks
    for (let d = 0; d < destinations; d++) subtreePoints[d] = destStart[d + 1]! - destStart[d]!;
    const upperBytes = new Uint8Array(destStart[upper.length]! * bpp);
    const upperView = new DataView(upperBytes.buffer);
    for (let id = 0; id < upper.length; id++) {
      const columns = gather(perm, destStart[id]!, destStart[id + 1]!);
      encodeRecords(columns, null, layout, upperView, destStart[id]! * bpp);
    }
    await writeOctree(upperBytes);

    // 4b. chunks, in the workers, written in chunk order.
    const pool = ctx.pool();
    const window = 2 * pool.size;
    const results = new Map<number, Promise<EncodedSubtree>>();
    const totalChunkPoints = n - destStart[upper.length]!;
    let doneChunkPoints = 0;
    const dispatch = (k: number): void => {
      const d = upper.length + k;
      const { level, code } = chunks[k]!;
      const columns = gather(perm, destStart[d]!, destStart[d + 1]!);
      const promise = pool
        .run({ type: 'build', id: k, rootName: nameOf(level, code), params, layout, columns }, ctx.signal)
        .then((reply): EncodedSubtree => ({ names: reply.names, numPoints: reply.numPoints, childMask: reply.childMask, bytes: reply.bytes }));
      promise.catch(() => undefined); // awaited in order below; this only keeps a later failure from being "unhandled" meanwhile
      results.set(k, promise);
    };
    // Chunks whose every point went to an upper node have no node at all.
    const work = chunks.map((_, k) => k).filter((k) => destStart[upper.length + k + 1]! > destStart[upper.length + k]!);
    let next = 0;
    for (let j = 0; j < work.length; j++) {
      for (; next < work.length && next - j < window; next++) dispatch(work[next]!);
      const k = work[j]!;
      const sub = await results.get(k)!;
      results.delete(k);
      ctx.checkAbort();
      addSubtree(sub, written);
      await writeOctree(sub.bytes);
      doneChunkPoints += sub.bytes.byteLength / bpp;
      ctx.progress('build', 0.2 + (0.75 * doneChunkPoints) / Math.max(1, totalChunkPoints));
    }

    // Upper nodes' records, with child masks from what exists below them.
    const exists = new Set<string>(hierarchyNodes.map((h) => h.name));
    const upperNames = upper.map((u) => nameOf(u.level, u.code));
    // An upper node exists if anything in its subtree has points; children are upper nodes or chunk roots.
    const upperSubtree = new Float64Array(upper.length);
    for (let id = upper.length - 1; id >= 0; id--) {
      const { level, code } = upper[id]!;
      let total = subtreePoints[id]!;
      for (let k = 0; k < 8; k++) {
        const childLevel = level + 1;
        if (childLevel > countLevel) continue;
        const cid = nodeId[childLevel]![(code << 3) | k]!;
        if (cid >= 0 && cid < upper.length) total += upperSubtree[cid]!;
        else if (cid >= upper.length) total += subtreePoints[cid]!;
      }
      upperSubtree[id] = total;
    }
    let at = 0;
    for (let id = 0; id < upper.length; id++) {
      const size = subtreePoints[id]! * bpp;
      const { level, code } = upper[id]!;
      let mask = 0;
      for (let k = 0; k < 8; k++) {
        const cid = nodeId[level + 1]![(code << 3) | k]!;
        if (cid < 0) continue;
        const childExists = cid < upper.length ? upperSubtree[cid]! > 0 : exists.has(nameOf(level + 1, (code << 3) | k));
        if (childExists) mask |= 1 << k;
      }
      if (upperSubtree[id]! > 0) hierarchyNodes.push({ name: upperNames[id]!, numPoints: subtreePoints[id]!, childMask: mask, byteOffset: at, byteSize: size });
      at += size;
    }
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

/** The columns of points `perm[from..to)` (or `from..to` in input order when `perm` is null). */
function gatherColumns(cloud: PointCloud, attrs: Attributes, offset: readonly number[], inv: number, perm: Uint32Array | null, from: number, to: number): PointColumns {
  const count = to - from;
  const pos = cloud.positions;
  const [ox, oy, oz] = offset as [number, number, number];
  const xyz = new Int32Array(3 * count);
  for (let k = 0; k < count; k++) {
    const i = perm ? perm[from + k]! : from + k;
    xyz[3 * k] = Math.round((pos[3 * i]! - ox) * inv);
    xyz[3 * k + 1] = Math.round((pos[3 * i + 1]! - oy) * inv);
    xyz[3 * k + 2] = Math.round((pos[3 * i + 2]! - oz) * inv);
  }
  const columns: PointColumns = { count, xyz, extras: [] };
  if (cloud.colors) {
    const src = cloud.colors;
    const rgb = new Uint16Array(3 * count);
    for (let k = 0; k < count; k++) {
      const i = perm ? perm[from + k]! : from + k;
      rgb[3 * k] = src[3 * i]! * 257;
      rgb[3 * k + 1] = src[3 * i + 1]! * 257;
      rgb[3 * k + 2] = src[3 * i + 2]! * 257;
    }
    columns.rgb = rgb;
  }
  if (cloud.intensity) {
    const src = cloud.intensity;
    const out = new Uint16Array(count);
    for (let k = 0; k < count; k++) out[k] = src[perm ? perm[from + k]! : from + k]!;
    columns.intensity = out;
  }
  if (cloud.classification) {
    const src = cloud.classification;
    const out = new Uint8Array(count);
    for (let k = 0; k < count; k++) out[k] = src[perm ? perm[from + k]! : from + k]!;
    columns.classification = out;
  }
  columns.extras = attrs.layout.extras.map((slot, e) => {
    const src = attrs.extras[e];
    if (!src) return undefined;
    const out = typedArrayFor(slot.type, count);
    for (let k = 0; k < count; k++) out[k] = src[perm ? perm[from + k]! : from + k]!;
    return out;
  });
  return columns;
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
