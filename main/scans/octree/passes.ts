/**
 * The passes over the whole cloud (see `build.ts`): bounds, points per chunk-grid cell, and the
 * distribution of points into a chunk-sorted copy. Each works on a slice `s … e − 1` of the
 * points, so the orchestrator runs them either on its own thread, slice after slice, or — when
 * the cloud's arrays are in shared memory — in the workers, slices side by side. Both give the
 * same bytes: a slice's output depends only on the slice and on cursors the orchestrator hands
 * it.
 */
import { GRID_MAX, type PointColumns, type ScalarArray } from './format';

/** The input arrays the passes read (a PointCloud's, or shared copies of them). */
export interface SourceColumns {
  positions: Float64Array;
  colors?: Uint8Array;
  intensity?: Uint16Array;
  classification?: Uint8Array;
  /** The values of each `RecordLayout.extras` entry, as given (absent: stored as 0). */
  extras: (ScalarArray | undefined)[];
}

/** How positions map to the chunk grid: q = round((p − offset) / scale), cell = floor(q × gridPerQuantum) >> countShift. */
export interface GridParams {
  offset: [number, number, number];
  inv: number;
  gridPerQuantum: number;
  countShift: number;
}

export interface SliceBounds {
  min: [number, number, number];
  max: [number, number, number];
  /** The first point with a NaN or infinite coordinate, or −1. */
  bad: number;
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
export function morton(cx: number, cy: number, cz: number): number {
  return (SPREAD[cx]! << 2) | (SPREAD[cy]! << 1) | SPREAD[cz]!;
}

export function sliceBounds(pos: Float64Array, s: number, e: number): SliceBounds {
  let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = -Infinity;
  for (let i = s, j = 3 * s; i < e; i++, j += 3) {
    const x = pos[j]!, y = pos[j + 1]!, z = pos[j + 2]!;
    // NaN and ±Infinity make x − x NaN.
    if (x - x + (y - y) + (z - z) !== 0) return { min: [x0, y0, z0], max: [x1, y1, z1], bad: i };
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  return { min: [x0, y0, z0], max: [x1, y1, z1], bad: -1 };
}

/** Adds the points `s … e − 1` to `fine`, points per cell (morton order) of the chunk grid. */
export function countCells(pos: Float64Array, s: number, e: number, grid: GridParams, fine: Uint32Array): void {
  const [ox, oy, oz] = grid.offset;
  const { inv, gridPerQuantum: f, countShift } = grid;
  for (let j = 3 * s, end = 3 * e; j < end; j += 3) {
    const gx = Math.min(GRID_MAX, Math.floor(Math.round((pos[j]! - ox) * inv) * f)) >>> countShift;
    const gy = Math.min(GRID_MAX, Math.floor(Math.round((pos[j + 1]! - oy) * inv) * f)) >>> countShift;
    const gz = Math.min(GRID_MAX, Math.floor(Math.round((pos[j + 2]! - oz) * inv) * f)) >>> countShift;
    fine[morton(gx, gy, gz)]!++;
  }
}

/**
 * Copies points `s … e − 1` into their chunks' places in `out` (`cursor[k]`: chunk k's next free
 * place for this slice, advanced here), quantising positions on the way: one pass in input order,
 * writing as many sequential streams as there are chunks. The cell formula is `countCells`'s.
 */
export function distribute(src: SourceColumns, s: number, e: number, grid: GridParams, cellChunk: Int32Array, cursor: Float64Array, out: PointColumns): void {
  const pos = src.positions;
  const [ox, oy, oz] = grid.offset;
  const { inv, gridPerQuantum: f, countShift } = grid;
  const xyz = out.xyz;
  const rgb = out.rgb;
  const colors = src.colors;
  if (rgb && colors && !out.intensity && !out.classification && out.extras.every((a) => !a)) {
    // The common case (a scan with colour and nothing else): a loop with nothing else in it.
    for (let j = 3 * s, end = 3 * e; j < end; j += 3) {
      const qx = Math.round((pos[j]! - ox) * inv);
      const qy = Math.round((pos[j + 1]! - oy) * inv);
      const qz = Math.round((pos[j + 2]! - oz) * inv);
      const gx = Math.min(GRID_MAX, Math.floor(qx * f)) >>> countShift;
      const gy = Math.min(GRID_MAX, Math.floor(qy * f)) >>> countShift;
      const gz = Math.min(GRID_MAX, Math.floor(qz * f)) >>> countShift;
      const k = cellChunk[morton(gx, gy, gz)]!;
      const p = cursor[k]!;
      cursor[k] = p + 1;
      const t = 3 * p;
      xyz[t] = qx;
      xyz[t + 1] = qy;
      xyz[t + 2] = qz;
      rgb[t] = colors[j]!;
      rgb[t + 1] = colors[j + 1]!;
      rgb[t + 2] = colors[j + 2]!;
    }
    return;
  }
  const { intensity, classification } = out;
  const extras = out.extras.flatMap((to, x) => (to && src.extras[x] ? [{ to, from: src.extras[x] }] : []));
  for (let i = s, j = 3 * s; i < e; i++, j += 3) {
    const qx = Math.round((pos[j]! - ox) * inv);
    const qy = Math.round((pos[j + 1]! - oy) * inv);
    const qz = Math.round((pos[j + 2]! - oz) * inv);
    const gx = Math.min(GRID_MAX, Math.floor(qx * f)) >>> countShift;
    const gy = Math.min(GRID_MAX, Math.floor(qy * f)) >>> countShift;
    const gz = Math.min(GRID_MAX, Math.floor(qz * f)) >>> countShift;
    const k = cellChunk[morton(gx, gy, gz)]!;
    const p = cursor[k]!;
    cursor[k] = p + 1;
    const t = 3 * p;
    xyz[t] = qx;
    xyz[t + 1] = qy;
    xyz[t + 2] = qz;
    if (rgb && colors) {
      rgb[t] = colors[j]!;
      rgb[t + 1] = colors[j + 1]!;
      rgb[t + 2] = colors[j + 2]!;
    }
    if (intensity && src.intensity) intensity[p] = src.intensity[i]!;
    if (classification && src.classification) classification[p] = src.classification[i]!;
    for (const x of extras) x.to[p] = x.from[i]!;
  }
}
