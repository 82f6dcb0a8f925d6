/**
 * A closed 2D polygon (the outline in the lid's parameter plane) with the indexes the measurement
 * needs: even-odd point-in-polygon through horizontal strips, distance to the boundary through a
 * bucket grid of edges, and a self-intersection test.
 */
export class Polygon2 {
  readonly n: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  private readonly stripH: number;
  private readonly stripStart: Int32Array;
  private readonly stripEdges: Int32Array;
  private readonly gridCell: number;
  private readonly gnx: number;
  private readonly gny: number;
  private readonly gridStart: Int32Array;
  private readonly gridEdges: Int32Array;

  constructor(
    readonly xs: Float64Array,
    readonly ys: Float64Array,
  ) {
    const n = xs.length;
    this.n = n;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    let perimeter = 0;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, xs[i]!);
      x1 = Math.max(x1, xs[i]!);
      y0 = Math.min(y0, ys[i]!);
      y1 = Math.max(y1, ys[i]!);
      const j = (i + 1) % n;
      perimeter += Math.hypot(xs[j]! - xs[i]!, ys[j]! - ys[i]!);
    }
    this.minX = x0;
    this.minY = y0;
    this.maxX = x1;
    this.maxY = y1;

    // Horizontal strips, each listing the edges whose y-range overlaps it.
    const strips = Math.max(1, Math.min(4096, n));
    this.stripH = Math.max((y1 - y0) / strips, 1e-9);
    const stripOf = (y: number): number => Math.min(strips - 1, Math.max(0, Math.floor((y - y0) / this.stripH)));
    const sCount = new Int32Array(strips + 1);
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const a = stripOf(Math.min(ys[i]!, ys[j]!));
      const b = stripOf(Math.max(ys[i]!, ys[j]!));
      for (let s = a; s <= b; s++) sCount[s + 1]!++;
    }
    for (let s = 0; s < strips; s++) sCount[s + 1]! += sCount[s]!;
    const sFill = sCount.slice(0, strips);
    const sEdges = new Int32Array(sCount[strips]!);
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const a = stripOf(Math.min(ys[i]!, ys[j]!));
      const b = stripOf(Math.max(ys[i]!, ys[j]!));
      for (let s = a; s <= b; s++) sEdges[sFill[s]!++] = i;
    }
    this.stripStart = sCount;
    this.stripEdges = sEdges;

    // Square buckets of about the mean edge length, each listing the edges whose box overlaps it.
    const cell = Math.max(perimeter / n, (Math.max(x1 - x0, y1 - y0) || 1) / 256, 1e-9);
    this.gridCell = cell;
    this.gnx = Math.floor((x1 - x0) / cell) + 1;
    this.gny = Math.floor((y1 - y0) / cell) + 1;
    const cells = this.gnx * this.gny;
    const gCount = new Int32Array(cells + 1);
    const forCells = (i: number, fn: (k: number) => void): void => {
      const j = (i + 1) % n;
      const ax = Math.floor((Math.min(xs[i]!, xs[j]!) - x0) / cell);
      const bx = Math.min(this.gnx - 1, Math.floor((Math.max(xs[i]!, xs[j]!) - x0) / cell));
      const ay = Math.floor((Math.min(ys[i]!, ys[j]!) - y0) / cell);
      const by = Math.min(this.gny - 1, Math.floor((Math.max(ys[i]!, ys[j]!) - y0) / cell));
      for (let gy = ay; gy <= by; gy++) for (let gx = ax; gx <= bx; gx++) fn(gx + this.gnx * gy);
    };
    for (let i = 0; i < n; i++) forCells(i, (k) => gCount[k + 1]!++);
    for (let k = 0; k < cells; k++) gCount[k + 1]! += gCount[k]!;
    const gFill = gCount.slice(0, cells);
    const gEdges = new Int32Array(gCount[cells]!);
    for (let i = 0; i < n; i++) forCells(i, (k) => (gEdges[gFill[k]!++] = i));
    this.gridStart = gCount;
    this.gridEdges = gEdges;
  }

  /** Signed area (positive when counter-clockwise). */
  signedArea(): number {
    let s = 0;
    for (let i = 0, n = this.n; i < n; i++) {
      const j = (i + 1) % n;
      s += this.xs[i]! * this.ys[j]! - this.xs[j]! * this.ys[i]!;
    }
    return s / 2;
  }

  /** Even-odd rule. */
  contains(x: number, y: number): boolean {
    if (x < this.minX || x > this.maxX || y < this.minY || y > this.maxY) return false;
    const strips = this.stripStart.length - 1;
    const s = Math.min(strips - 1, Math.max(0, Math.floor((y - this.minY) / this.stripH)));
    let inside = false;
    const xs = this.xs;
    const ys = this.ys;
    for (let t = this.stripStart[s]!, e = this.stripStart[s + 1]!; t < e; t++) {
      const i = this.stripEdges[t]!;
      const j = i + 1 === this.n ? 0 : i + 1;
      const yi = ys[i]!;
      const yj = ys[j]!;
      if (yi > y !== yj > y) {
        const xCross = xs[i]! + ((y - yi) / (yj - yi)) * (xs[j]! - xs[i]!);
        if (x < xCross) inside = !inside;
      }
    }
    return inside;
  }

  /**
   * Distance from (x, y) to the nearest edge if within `maxDist` (else Infinity); the edge index
   * (edge i runs from vertex i to vertex i+1) and the parameter along it go to `out`.
   */
  distanceToBoundary(x: number, y: number, maxDist: number, out?: { edge: number; t: number }): number {
    // Search squares of growing size: most queries are answered by the first one or two.
    for (let r = Math.min(this.gridCell, maxDist); ; r = Math.min(2 * r, maxDist)) {
      const d = this.nearestEdgeWithin(x, y, r, out);
      if (d <= r || r >= maxDist) return d;
    }
  }

  private nearestEdgeWithin(x: number, y: number, maxDist: number, out?: { edge: number; t: number }): number {
    const c = this.gridCell;
    const ax = Math.max(0, Math.floor((x - maxDist - this.minX) / c));
    const bx = Math.min(this.gnx - 1, Math.floor((x + maxDist - this.minX) / c));
    const ay = Math.max(0, Math.floor((y - maxDist - this.minY) / c));
    const by = Math.min(this.gny - 1, Math.floor((y + maxDist - this.minY) / c));
    let best = maxDist * maxDist;
    let bestEdge = -1;
    let bestT = 0;
    for (let gy = ay; gy <= by; gy++) {
      for (let gx = ax; gx <= bx; gx++) {
        const k = gx + this.gnx * gy;
        for (let t = this.gridStart[k]!, e = this.gridStart[k + 1]!; t < e; t++) {
          const i = this.gridEdges[t]!;
          const j = i + 1 === this.n ? 0 : i + 1;
          const ex = this.xs[j]! - this.xs[i]!;
          const ey = this.ys[j]! - this.ys[i]!;
          const l2 = ex * ex + ey * ey;
          let s = l2 > 0 ? ((x - this.xs[i]!) * ex + (y - this.ys[i]!) * ey) / l2 : 0;
          s = s < 0 ? 0 : s > 1 ? 1 : s;
          const dx = this.xs[i]! + s * ex - x;
          const dy = this.ys[i]! + s * ey - y;
          const d2 = dx * dx + dy * dy;
          if (d2 < best || (bestEdge < 0 && d2 <= best)) {
            best = d2;
            bestEdge = i;
            bestT = s;
          }
        }
      }
    }
    if (bestEdge < 0) return Infinity;
    if (out) {
      out.edge = bestEdge;
      out.t = bestT;
    }
    return Math.sqrt(best);
  }

  /** First pair of non-adjacent edges that touch or cross, or null when the polygon is simple. */
  findSelfIntersection(): [number, number] | null {
    const n = this.n;
    const xs = this.xs;
    const ys = this.ys;
    const cells = this.gnx * this.gny;
    for (let k = 0; k < cells; k++) {
      const s = this.gridStart[k]!;
      const e = this.gridStart[k + 1]!;
      for (let p = s; p < e; p++) {
        const i = this.gridEdges[p]!;
        for (let q = p + 1; q < e; q++) {
          const j = this.gridEdges[q]!;
          const gap = Math.abs(i - j);
          if (gap <= 1 || gap === n - 1) continue; // adjacent edges share a vertex
          const i2 = (i + 1) % n;
          const j2 = (j + 1) % n;
          if (segmentsIntersect(xs[i]!, ys[i]!, xs[i2]!, ys[i2]!, xs[j]!, ys[j]!, xs[j2]!, ys[j2]!)) return [i, j];
        }
      }
    }
    // Adjacent edges that fold back onto each other (a spike retracing itself) also self-intersect.
    for (let i = 0; i < n; i++) {
      const a = (i + n - 1) % n;
      const b = (i + 1) % n;
      const ux = xs[a]! - xs[i]!;
      const uy = ys[a]! - ys[i]!;
      const vx = xs[b]! - xs[i]!;
      const vy = ys[b]! - ys[i]!;
      const crossUV = ux * vy - uy * vx;
      const dotUV = ux * vx + uy * vy;
      if (dotUV > 0 && Math.abs(crossUV) <= 1e-12 * (ux * ux + uy * uy + vx * vx + vy * vy)) return [a, i];
    }
    return null;
  }
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);
}

/** Closed-segment intersection test (touching counts). */
export function segmentsIntersect(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const o1 = orient(ax, ay, bx, by, cx, cy);
  const o2 = orient(ax, ay, bx, by, dx, dy);
  const o3 = orient(cx, cy, dx, dy, ax, ay);
  const o4 = orient(cx, cy, dx, dy, bx, by);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  if (o1 === 0 && onSegment(ax, ay, bx, by, cx, cy)) return true;
  if (o2 === 0 && onSegment(ax, ay, bx, by, dx, dy)) return true;
  if (o3 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) return true;
  if (o4 === 0 && onSegment(cx, cy, dx, dy, bx, by)) return true;
  return false;
}
