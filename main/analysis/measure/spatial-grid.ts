/**
 * Uniform bucket grids (counting-sorted, CSR layout) for radius and nearest-neighbour queries.
 * Scan points near a wound are close to uniformly spread over a surface, which a uniform grid
 * indexes as well as a k-d tree with less work to build; everything is typed arrays.
 */

/** Upper bound on grid cells, so a sparse or elongated neighbourhood cannot blow up memory. */
const MAX_CELLS = 2_000_000;

export class Grid3 {
  readonly cell: number;
  private readonly min: [number, number, number];
  private readonly dims: [number, number, number];
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  /** `xyz`: interleaved coordinates of `count` points. */
  constructor(
    readonly xyz: Float64Array,
    readonly count: number,
    desiredCell: number,
  ) {
    let x0 = Infinity;
    let y0 = Infinity;
    let z0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    let z1 = -Infinity;
    for (let i = 0; i < count; i++) {
      const x = xyz[3 * i]!;
      const y = xyz[3 * i + 1]!;
      const z = xyz[3 * i + 2]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      if (z > z1) z1 = z;
    }
    if (count === 0) x0 = y0 = z0 = x1 = y1 = z1 = 0;
    let cell = Math.max(desiredCell, 1e-6);
    const volume = (x1 - x0 + cell) * (y1 - y0 + cell) * (z1 - z0 + cell);
    if (volume / cell ** 3 > MAX_CELLS) cell = Math.cbrt(volume / MAX_CELLS) * 1.01;
    this.cell = cell;
    this.min = [x0, y0, z0];
    this.dims = [Math.floor((x1 - x0) / cell) + 1, Math.floor((y1 - y0) / cell) + 1, Math.floor((z1 - z0) / cell) + 1];
    const [nx, ny, nz] = this.dims;
    const start = new Int32Array(nx * ny * nz + 1);
    const key = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const k = this.keyOf(xyz[3 * i]!, xyz[3 * i + 1]!, xyz[3 * i + 2]!);
      key[i] = k;
      start[k + 1]!++;
    }
    for (let k = 0; k < nx * ny * nz; k++) start[k + 1]! += start[k]!;
    const fill = start.slice(0, nx * ny * nz);
    const items = new Int32Array(count);
    for (let i = 0; i < count; i++) items[fill[key[i]!]!++] = i;
    this.start = start;
    this.items = items;
  }

  private keyOf(x: number, y: number, z: number): number {
    const [nx, ny, nz] = this.dims;
    const ix = Math.min(nx - 1, Math.max(0, Math.floor((x - this.min[0]) / this.cell)));
    const iy = Math.min(ny - 1, Math.max(0, Math.floor((y - this.min[1]) / this.cell)));
    const iz = Math.min(nz - 1, Math.max(0, Math.floor((z - this.min[2]) / this.cell)));
    return ix + nx * (iy + ny * iz);
  }

  /** Calls `visit(index, squaredDistance)` for every point within `r` of (x, y, z). */
  within(x: number, y: number, z: number, r: number, visit: (i: number, d2: number) => void): void {
    const [nx, ny, nz] = this.dims;
    const c = this.cell;
    const ix0 = Math.max(0, Math.floor((x - r - this.min[0]) / c));
    const ix1 = Math.min(nx - 1, Math.floor((x + r - this.min[0]) / c));
    const iy0 = Math.max(0, Math.floor((y - r - this.min[1]) / c));
    const iy1 = Math.min(ny - 1, Math.floor((y + r - this.min[1]) / c));
    const iz0 = Math.max(0, Math.floor((z - r - this.min[2]) / c));
    const iz1 = Math.min(nz - 1, Math.floor((z + r - this.min[2]) / c));
    const r2 = r * r;
    const p = this.xyz;
    for (let iz = iz0; iz <= iz1; iz++) {
      for (let iy = iy0; iy <= iy1; iy++) {
        const row = nx * (iy + ny * iz);
        const s = this.start[row + ix0]!;
        const e = this.start[row + ix1 + 1]!;
        for (let t = s; t < e; t++) {
          const i = this.items[t]!;
          const dx = p[3 * i]! - x;
          const dy = p[3 * i + 1]! - y;
          const dz = p[3 * i + 2]! - z;
          const d2 = dx * dx + dy * dy + dz * dz;
          if (d2 <= r2) visit(i, d2);
        }
      }
    }
  }

  /**
   * The `k` nearest points within `maxR` of (x, y, z), nearest first, written to `outIndex` /
   * `outD2`; returns how many were found. Points with index `exclude` are skipped.
   */
  kNearest(x: number, y: number, z: number, k: number, maxR: number, outIndex: Int32Array, outD2: Float64Array, exclude = -1): number {
    let found = 0;
    // Grow the search radius until k points are found (or maxR is reached).
    for (let r = Math.min(this.cell, maxR); ; r = Math.min(r * 2, maxR)) {
      found = 0;
      this.within(x, y, z, r, (i, d2) => {
        if (i === exclude) return;
        if (found < k) {
          let j = found++;
          while (j > 0 && outD2[j - 1]! > d2) {
            outD2[j] = outD2[j - 1]!;
            outIndex[j] = outIndex[j - 1]!;
            j--;
          }
          outD2[j] = d2;
          outIndex[j] = i;
        } else if (d2 < outD2[k - 1]!) {
          let j = k - 1;
          while (j > 0 && outD2[j - 1]! > d2) {
            outD2[j] = outD2[j - 1]!;
            outIndex[j] = outIndex[j - 1]!;
            j--;
          }
          outD2[j] = d2;
          outIndex[j] = i;
        }
      });
      if (found >= k || r >= maxR) return found;
    }
  }
}

export class Grid2 {
  readonly cell: number;
  private readonly x0: number;
  private readonly y0: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  constructor(
    readonly xs: Float64Array,
    readonly ys: Float64Array,
    readonly count: number,
    desiredCell: number,
  ) {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < count; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (count === 0) x0 = y0 = x1 = y1 = 0;
    let cell = Math.max(desiredCell, 1e-6);
    const area = (x1 - x0 + cell) * (y1 - y0 + cell);
    if (area / cell ** 2 > MAX_CELLS) cell = Math.sqrt(area / MAX_CELLS) * 1.01;
    this.cell = cell;
    this.x0 = x0;
    this.y0 = y0;
    this.nx = Math.floor((x1 - x0) / cell) + 1;
    this.ny = Math.floor((y1 - y0) / cell) + 1;
    const n = this.nx * this.ny;
    const start = new Int32Array(n + 1);
    const key = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const ix = Math.min(this.nx - 1, Math.floor((xs[i]! - x0) / cell));
      const iy = Math.min(this.ny - 1, Math.floor((ys[i]! - y0) / cell));
      const k = ix + this.nx * iy;
      key[i] = k;
      start[k + 1]!++;
    }
    for (let k = 0; k < n; k++) start[k + 1]! += start[k]!;
    const fill = start.slice(0, n);
    const items = new Int32Array(count);
    for (let i = 0; i < count; i++) items[fill[key[i]!]!++] = i;
    this.start = start;
    this.items = items;
  }

  /** Calls `visit(index, squaredDistance)` for every point within `r` of (x, y). */
  within(x: number, y: number, r: number, visit: (i: number, d2: number) => void): void {
    const c = this.cell;
    const ix0 = Math.max(0, Math.floor((x - r - this.x0) / c));
    const ix1 = Math.min(this.nx - 1, Math.floor((x + r - this.x0) / c));
    const iy0 = Math.max(0, Math.floor((y - r - this.y0) / c));
    const iy1 = Math.min(this.ny - 1, Math.floor((y + r - this.y0) / c));
    if (ix0 > ix1 || iy0 > iy1) return;
    const r2 = r * r;
    for (let iy = iy0; iy <= iy1; iy++) {
      const s = this.start[this.nx * iy + ix0]!;
      const e = this.start[this.nx * iy + ix1 + 1]!;
      for (let t = s; t < e; t++) {
        const i = this.items[t]!;
        const dx = this.xs[i]! - x;
        const dy = this.ys[i]! - y;
        const d2 = dx * dx + dy * dy;
        if (d2 <= r2) visit(i, d2);
      }
    }
  }

  /** Index of the nearest point within `maxR` (accepted by `filter` when given), or −1. */
  nearest(x: number, y: number, maxR: number, filter?: (i: number) => boolean): number {
    for (let r = Math.min(this.cell, maxR); ; r = Math.min(r * 2, maxR)) {
      let best = -1;
      let bestD2 = Infinity;
      this.within(x, y, r, (i, d2) => {
        if (d2 < bestD2 && (!filter || filter(i))) {
          bestD2 = d2;
          best = i;
        }
      });
      if (best >= 0 || r >= maxR) return best;
    }
  }
}
