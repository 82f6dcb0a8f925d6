/**
 * Builds the octree below one chunk node from the points in its cube (runs in the subtree
 * workers, and on the orchestrator's thread for clouds too small to be worth a worker).
 *
 * Top-down grid sampling, every point stored exactly once (as PotreeConverter): a node with more
 * than `maxPointsPerNode` points keeps the first point (in input order, so the result is
 * deterministic) of each occupied cell of a 2^samplingBits grid over its cube, and hands the rest
 * to its eight children; a node with at most `maxPointsPerNode` points, or one at `maxLevel`,
 * keeps all of them and is a leaf.
 *
 * The chunk's ancestors (the "upper" nodes, levels 0 … rootLevel − 1) sample first: each point, in
 * input order, is taken by the first ancestor whose sampling cell for it is still empty, and only
 * the points no ancestor took enter the chunk's own subtree. Every sampling cell of every ancestor
 * lies inside one chunk (the orchestrator keeps chunks at a level ≤ samplingBits), so deciding
 * this per chunk gives exactly the choices one pass over the whole cloud would.
 *
 * No per-point objects: grid coordinates and point ids travel together through two ping-pong
 * buffer sets (a node reads its range from one and writes its children's ranges into the other),
 * so every pass reads memory in order. Cells are kept in bitsets that are cleared word by word.
 * Scratch buffers grow once per thread and are reused for every chunk.
 */
import { encodeAttributes, GRID_BITS, GRID_MAX, type PointColumns, type RecordLayout } from './format';

export interface SubtreeParams {
  /** Grid cells (of the 2^21 grid) per quantised unit: g = min(GRID_MAX, floor(q × gridPerQuantum)). */
  gridPerQuantum: number;
  /** log2 of the sampling grid per axis in every node (7: 128 cells, spacing = node side / 128). */
  samplingBits: number;
  maxPointsPerNode: number;
  /** Deepest level; a node there keeps all its points. At most GRID_BITS − samplingBits. */
  maxLevel: number;
}

export interface SubtreeNodes {
  /** Node names ("r", "r0", "r05", …) in depth-first pre-order, the order of their points. Empty when no point reached the chunk. */
  names: string[];
  numPoints: Uint32Array;
  childMask: Uint8Array;
}

/** The integer grid coordinate of a quantised coordinate; the one formula every thread uses. */
export function gridCoordinate(q: number, gridPerQuantum: number): number {
  return Math.min(GRID_MAX, Math.floor(q * gridPerQuantum));
}

/** What one chunk task gives back: its subtree's nodes and records, and what its ancestors took. */
export interface EncodedSubtree extends SubtreeNodes {
  /** The subtree's part of octree.bin, nodes in `names` order. */
  bytes: Uint8Array;
  /** Points the chunk's ancestors (levels 0 … rootLevel − 1) took from it: how many per level, and their records, level 0 first. */
  upperCounts: Uint32Array;
  upperBytes: Uint8Array;
}

/** Words per point in the working buffers: qx, qy, qz, rgb (r | g << 8 | b << 16), point index. */
const STRIDE = 5;

interface Scratch {
  capacity: number;
  /** Two buffer sets of STRIDE words per point: a node reads its range from one, its children are written to the other. */
  a: Uint32Array;
  b: Uint32Array;
  child: Uint8Array;
  /** Point indices in output order (for the attributes beyond position and colour). */
  order: Uint32Array;
  touched: Uint32Array;
  bitsetWords: number;
  bitsets: Int32Array[];
}

let scratch: Scratch | null = null;

function scratchFor(n: number, bits: number, ancestors: number): Scratch {
  const words = Math.max(1, (1 << (3 * bits)) >>> 5);
  let s = scratch;
  if (!s || s.capacity < n) {
    // Grow by half again, so a run of slightly larger chunks does not reallocate each time.
    const capacity = Math.max(n, s ? Math.ceil(s.capacity * 1.5) : 0, 1024);
    s = {
      capacity,
      a: new Uint32Array(STRIDE * capacity),
      b: new Uint32Array(STRIDE * capacity),
      child: new Uint8Array(capacity),
      order: new Uint32Array(capacity),
      touched: new Uint32Array(capacity),
      bitsetWords: s?.bitsetWords ?? words,
      bitsets: s?.bitsets ?? [],
    };
    scratch = s;
  }
  if (s.bitsetWords !== words) {
    s.bitsetWords = words;
    s.bitsets = [];
  }
  while (s.bitsets.length < ancestors + 1) s.bitsets.push(new Int32Array(words));
  return s;
}

/** Position and colour of one record (the rest of the record is written by `encodeRest`). */
function put(view: DataView, out: Uint8Array, o: number, qx: number, qy: number, qz: number, rgb: number, hasRgb: boolean): void {
  view.setUint32(o, qx, true);
  view.setUint32(o + 4, qy, true);
  view.setUint32(o + 8, qz, true);
  if (hasRgb) {
    // 16-bit colour is the 8-bit value × 257: the same byte twice.
    const r = rgb & 255;
    const g = (rgb >>> 8) & 255;
    const b = rgb >>> 16;
    out[o + 12] = r;
    out[o + 13] = r;
    out[o + 14] = g;
    out[o + 15] = g;
    out[o + 16] = b;
    out[o + 17] = b;
  }
}

/** The attributes after position and colour, for records `order` lists (in that order). */
function encodeRest(columns: PointColumns, order: Uint32Array, layout: RecordLayout, out: Uint8Array): void {
  if (!layout.hasIntensity && !layout.hasClassification && columns.extras.every((e) => !e)) return;
  encodeAttributes(columns, order, layout, out, 0);
}

/**
 * Builds the subtree rooted at `rootName` from points `start … end − 1` of `columns` (their
 * positions quantised), after the root's ancestors have taken their samples from them, and
 * encodes both: records are written as points are placed, reading only memory in order.
 */
export function buildChunk(columns: PointColumns, start: number, end: number, rootName: string, params: SubtreeParams, layout: RecordLayout): EncodedSubtree {
  const total = end - start;
  const rootLevel = rootName.length - 1;
  const bits = params.samplingBits;
  const cellMask = (1 << bits) - 1;
  const bpp = layout.bytesPerPoint;
  const hasRgb = layout.hasRgb;
  const s = scratchFor(total, bits, rootLevel);
  const { child } = s;
  const f = params.gridPerQuantum;
  const xyz = columns.xyz;
  const colors = hasRgb ? columns.rgb : undefined;

  // 1. The ancestors' samples: child[k] = the level that took point k, or rootLevel for none.
  const upperCounts = new Uint32Array(rootLevel);
  if (rootLevel > 0) {
    const bitsets = s.bitsets;
    for (let k = 0, j = 3 * start; k < total; k++, j += 3) {
      const x = Math.min(GRID_MAX, Math.floor(xyz[j]! * f));
      const y = Math.min(GRID_MAX, Math.floor(xyz[j + 1]! * f));
      const z = Math.min(GRID_MAX, Math.floor(xyz[j + 2]! * f));
      let level = 0;
      for (; level < rootLevel; level++) {
        const shift = GRID_BITS - level - bits;
        const key = (((x >>> shift) & cellMask) << (2 * bits)) | (((y >>> shift) & cellMask) << bits) | ((z >>> shift) & cellMask);
        const bitset = bitsets[level]!;
        const word = key >>> 5;
        const bit = 1 << (key & 31);
        const w = bitset[word]!;
        if ((w & bit) === 0) {
          bitset[word] = w | bit;
          upperCounts[level]!++;
          break;
        }
      }
      child[k] = level;
    }
    for (let level = 0; level < rootLevel; level++) s.bitsets[level]!.fill(0);
  }
  let taken = 0;
  for (let level = 0; level < rootLevel; level++) taken += upperCounts[level]!;
  const n = total - taken;

  // The ancestors' records (level by level, input order), and the rest into the working buffer.
  const upperBytes = new Uint8Array(taken * bpp);
  const upperView = new DataView(upperBytes.buffer);
  const upperOrder = new Uint32Array(taken);
  const upperCursor = new Uint32Array(rootLevel + 1);
  for (let level = 1; level <= rootLevel; level++) upperCursor[level] = upperCursor[level - 1]! + upperCounts[level - 1]!;
  const a = s.a;
  for (let k = 0, j = 3 * start, w = 0; k < total; k++, j += 3) {
    const rgb = colors ? colors[j]! | (colors[j + 1]! << 8) | (colors[j + 2]! << 16) : 0;
    const level = rootLevel > 0 ? child[k]! : 0;
    if (level < rootLevel) {
      const at = upperCursor[level]!++;
      upperOrder[at] = start + k;
      put(upperView, upperBytes, at * bpp, xyz[j]!, xyz[j + 1]!, xyz[j + 2]!, rgb, hasRgb);
    } else {
      a[w] = xyz[j]!;
      a[w + 1] = xyz[j + 1]!;
      a[w + 2] = xyz[j + 2]!;
      a[w + 3] = rgb;
      a[w + 4] = start + k;
      w += STRIDE;
    }
  }
  encodeRest(columns, upperOrder, layout, upperBytes);

  // 2. The subtree, top-down.
  const names: string[] = [];
  const numPoints: number[] = [];
  const childMasks: number[] = [];
  const bytes = new Uint8Array(n * bpp);
  const view = new DataView(bytes.buffer);
  const order = s.order;
  let outPos = 0;
  if (n > 0) {
    const bitset = s.bitsets[rootLevel]!;
    const touched = s.touched;
    const childCount = new Int32Array(8);
    const cursor = new Int32Array(8);
    const buffers = [a, s.b] as const;

    // Explicit stack (pre-order): each entry is a node's name, level, range and which buffer holds it.
    const stackName: string[] = [rootName];
    const stackLevel: number[] = [rootLevel];
    const stackStart: number[] = [0];
    const stackEnd: number[] = [n];
    const stackSide: number[] = [0];

    while (stackName.length > 0) {
      const name = stackName.pop()!;
      const level = stackLevel.pop()!;
      const from = stackStart.pop()!;
      const to = stackEnd.pop()!;
      const side = stackSide.pop()!;
      const src = buffers[side]!;
      const count = to - from;
      names.push(name);

      if (count <= params.maxPointsPerNode || level >= params.maxLevel) {
        for (let k = from, w = STRIDE * from; k < to; k++, w += STRIDE) {
          put(view, bytes, outPos * bpp, src[w]!, src[w + 1]!, src[w + 2]!, src[w + 3]!, hasRgb);
          order[outPos++] = src[w + 4]!;
        }
        numPoints.push(count);
        childMasks.push(0);
        continue;
      }

      const shift = GRID_BITS - level - bits;
      const childShift = GRID_BITS - level - 1;
      const pickStart = outPos;
      childCount.fill(0);
      for (let k = from, w = STRIDE * from; k < to; k++, w += STRIDE) {
        const qx = src[w]!;
        const qy = src[w + 1]!;
        const qz = src[w + 2]!;
        const x = Math.min(GRID_MAX, Math.floor(qx * f));
        const y = Math.min(GRID_MAX, Math.floor(qy * f));
        const z = Math.min(GRID_MAX, Math.floor(qz * f));
        const key = (((x >>> shift) & cellMask) << (2 * bits)) | (((y >>> shift) & cellMask) << bits) | ((z >>> shift) & cellMask);
        const word = key >>> 5;
        const bit = 1 << (key & 31);
        const old = bitset[word]!;
        if ((old & bit) === 0) {
          bitset[word] = old | bit;
          touched[outPos - pickStart] = word;
          put(view, bytes, outPos * bpp, qx, qy, qz, src[w + 3]!, hasRgb);
          order[outPos++] = src[w + 4]!;
          child[k] = 8;
        } else {
          const c = (((x >>> childShift) & 1) << 2) | (((y >>> childShift) & 1) << 1) | ((z >>> childShift) & 1);
          child[k] = c;
          childCount[c]!++;
        }
      }
      const picked = outPos - pickStart;
      for (let k = 0; k < picked; k++) bitset[touched[k]!] = 0;
      numPoints.push(picked);

      // Stable counting sort of the rest into the other buffer, same range.
      let acc = from;
      let mask = 0;
      for (let c = 0; c < 8; c++) {
        cursor[c] = acc;
        acc += childCount[c]!;
        if (childCount[c]! > 0) mask |= 1 << c;
      }
      childMasks.push(mask);
      const dst = buffers[1 - side]!;
      for (let k = from, w = STRIDE * from; k < to; k++, w += STRIDE) {
        const c = child[k]!;
        if (c === 8) continue;
        const d = STRIDE * cursor[c]!++;
        dst[d] = src[w]!;
        dst[d + 1] = src[w + 1]!;
        dst[d + 2] = src[w + 2]!;
        dst[d + 3] = src[w + 3]!;
        dst[d + 4] = src[w + 4]!;
      }

      // Push children in reverse so child 0 is visited first.
      for (let c = 7; c >= 0; c--) {
        if (childCount[c]! === 0) continue;
        const childEnd = cursor[c]!;
        stackName.push(name + c);
        stackLevel.push(level + 1);
        stackStart.push(childEnd - childCount[c]!);
        stackEnd.push(childEnd);
        stackSide.push(1 - side);
      }
    }
  }
  encodeRest(columns, order.subarray(0, outPos), layout, bytes);

  return { names, numPoints: Uint32Array.from(numPoints), childMask: Uint8Array.from(childMasks), bytes, upperCounts, upperBytes };
}
