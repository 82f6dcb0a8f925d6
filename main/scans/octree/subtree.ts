/**
 * Builds the octree below one node from the points that reach it (runs in the subtree workers,
 * and in the orchestrator's thread for clouds too small to be worth a worker).
 *
 * Top-down grid sampling, every point stored exactly once (as PotreeConverter): a node with more
 * than `maxPointsPerNode` points keeps the first point (in the order given, so the result is
 * deterministic) of each occupied cell of a 2^samplingBits grid over its cube, and hands the rest
 * to its eight children; a node with at most `maxPointsPerNode` points, or one at `maxLevel`,
 * keeps all of them and is a leaf. Cells are kept in a bitset; children are formed by a stable
 * counting sort. No per-point objects.
 */
import { GRID_BITS, GRID_MAX, type PointColumns } from './format';

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
  /** Node names ("r", "r0", "r05", …) in depth-first pre-order, the order of their points. */
  names: string[];
  numPoints: Uint32Array;
  childMask: Uint8Array;
}

export interface SubtreeResult {
  /** Indices into the columns, in output order: node by node, pre-order. */
  order: Uint32Array;
  nodes: SubtreeNodes;
}

/** The integer grid coordinate of a quantised coordinate; the one formula every thread uses. */
export function gridCoordinate(q: number, gridPerQuantum: number): number {
  return Math.min(GRID_MAX, Math.floor(q * gridPerQuantum));
}

export function buildSubtree(columns: PointColumns, rootName: string, rootLevel: number, params: SubtreeParams): SubtreeResult {
  const n = columns.count;
  const { xyz } = columns;
  const gx = new Uint32Array(n);
  const gy = new Uint32Array(n);
  const gz = new Uint32Array(n);
  const f = params.gridPerQuantum;
  for (let i = 0; i < n; i++) {
    gx[i] = Math.min(GRID_MAX, Math.floor(xyz[3 * i]! * f));
    gy[i] = Math.min(GRID_MAX, Math.floor(xyz[3 * i + 1]! * f));
    gz[i] = Math.min(GRID_MAX, Math.floor(xyz[3 * i + 2]! * f));
  }

  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const rest = new Uint32Array(n);
  const restChild = new Uint8Array(n);
  const order = new Uint32Array(n);
  let outPos = 0;

  const bits = params.samplingBits;
  const cellMask = (1 << bits) - 1;
  const bitset = new Int32Array(Math.max(1, (1 << (3 * bits)) >>> 5));

  const names: string[] = [];
  const numPoints: number[] = [];
  const childMasks: number[] = [];
  const childCount = new Int32Array(8);

  // Explicit stack (pre-order): each entry is a node's name, level and range in idx.
  const stackName: string[] = [rootName];
  const stackLevel: number[] = [rootLevel];
  const stackStart: number[] = [0];
  const stackEnd: number[] = [n];

  while (stackName.length > 0) {
    const name = stackName.pop()!;
    const level = stackLevel.pop()!;
    const start = stackStart.pop()!;
    const end = stackEnd.pop()!;
    const count = end - start;
    names.push(name);

    if (count <= params.maxPointsPerNode || level >= params.maxLevel) {
      order.set(idx.subarray(start, end), outPos);
      outPos += count;
      numPoints.push(count);
      childMasks.push(0);
      continue;
    }

    const shift = GRID_BITS - level - bits;
    const childShift = GRID_BITS - level - 1;
    const pickStart = outPos;
    let restCount = 0;
    childCount.fill(0);
    for (let k = start; k < end; k++) {
      const p = idx[k]!;
      const x = gx[p]!;
      const y = gy[p]!;
      const z = gz[p]!;
      const key = (((x >>> shift) & cellMask) << (2 * bits)) | (((y >>> shift) & cellMask) << bits) | ((z >>> shift) & cellMask);
      const word = key >>> 5;
      const bit = 1 << (key & 31);
      const w = bitset[word]!;
      if ((w & bit) === 0) {
        bitset[word] = w | bit;
        order[outPos++] = p;
      } else {
        const child = (((x >>> childShift) & 1) << 2) | (((y >>> childShift) & 1) << 1) | ((z >>> childShift) & 1);
        rest[restCount] = p;
        restChild[restCount] = child;
        restCount++;
        childCount[child]!++;
      }
    }
    // Clear only the words this node touched.
    for (let k = pickStart; k < outPos; k++) {
      const p = order[k]!;
      const key = (((gx[p]! >>> shift) & cellMask) << (2 * bits)) | (((gy[p]! >>> shift) & cellMask) << bits) | ((gz[p]! >>> shift) & cellMask);
      bitset[key >>> 5] = 0;
    }
    numPoints.push(outPos - pickStart);

    // Stable counting sort of the rest into idx[start, start + restCount), by child.
    const childStart = new Int32Array(8);
    let acc = start;
    let mask = 0;
    for (let c = 0; c < 8; c++) {
      childStart[c] = acc;
      acc += childCount[c]!;
      if (childCount[c]! > 0) mask |= 1 << c;
    }
    childMasks.push(mask);
    const cursor = childStart.slice();
    for (let k = 0; k < restCount; k++) idx[cursor[restChild[k]!]!++] = rest[k]!;

    // Push children in reverse so child 0 is visited first.
    for (let c = 7; c >= 0; c--) {
      if (childCount[c]! === 0) continue;
      stackName.push(name + c);
      stackLevel.push(level + 1);
      stackStart.push(childStart[c]!);
      stackEnd.push(childStart[c]! + childCount[c]!);
    }
  }

  return {
    order,
    nodes: { names, numPoints: Uint32Array.from(numPoints), childMask: Uint8Array.from(childMasks) },
  };
}
