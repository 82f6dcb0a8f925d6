/**
 * The outline of a binary region: marching squares (crossings at pixel-edge midpoints, saddles
 * resolved so the region stays 8-connected) gives closed loops that never touch or cross; the
 * longest-area loop is the outer boundary. It is then smoothed without shrinking (Taubin λ|μ)
 * and resampled evenly, and kept only if it is still simple.
 */
import { Polygon2 } from '../measure/index';

export interface Loop {
  /** Pixel-centre coordinates (x right, y down) of the loop's vertices, not repeated at the end. */
  xs: Float64Array;
  ys: Float64Array;
}

/**
 * Every contour loop of `img` (w × h, 0/1). The window's outermost pixels must be 0 so that all
 * loops close. Each crossing is a pixel-edge midpoint with a unique id: horizontal neighbours
 * (x, y)–(x+1, y) → 2(y·w + x), vertical neighbours (x, y)–(x, y+1) → 2(y·w + x) + 1.
 */
export function contourLoops(img: Uint8Array, w: number, h: number): Loop[] {
  const next = new Int32Array(2 * w * h).fill(-1);
  const H = (x: number, y: number) => 2 * (y * w + x);
  const V = (x: number, y: number) => 2 * (y * w + x) + 1;
  const edgeIds = new Int32Array(4);
  const kinds = new Int8Array(4); // +1 exit (inside → outside, clockwise), −1 entry
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const a = img[y * w + x]!;
      const b = img[y * w + x + 1]!;
      const c = img[(y + 1) * w + x + 1]!;
      const d = img[(y + 1) * w + x]!;
      const code = a | (b << 1) | (c << 2) | (d << 3);
      if (code === 0 || code === 15) continue;
      // Edges clockwise (y down): top a→b, right b→c, bottom c→d, left d→a.
      const corners = [a, b, c, d];
      const ids = [H(x, y), V(x + 1, y), H(x, y + 1), V(x, y)];
      let n = 0;
      for (let e = 0; e < 4; e++) {
        const s = corners[e]!;
        const t = corners[(e + 1) % 4]!;
        if (s === t) continue;
        edgeIds[n] = ids[e]!;
        kinds[n] = s ? 1 : -1;
        n++;
      }
      // Each entry pairs with the exit just before it clockwise: at a saddle that cuts off the
      // two background corners, keeping the region's diagonal pixels connected.
      for (let k = 0; k < n; k++) {
        if (kinds[k] !== -1) continue;
        const prev = (k + n - 1) % n;
        next[edgeIds[k]!] = edgeIds[prev]!;
      }
    }
  }
  const seen = new Uint8Array(next.length);
  const loops: Loop[] = [];
  for (let start = 0; start < next.length; start++) {
    if (next[start] === -1 || seen[start]) continue;
    const xs: number[] = [];
    const ys: number[] = [];
    let id = start;
    while (!seen[id] && id !== -1) {
      seen[id] = 1;
      const cell = id >> 1;
      const px = cell % w;
      const py = (cell - px) / w;
      if (id & 1) {
        xs.push(px);
        ys.push(py + 0.5);
      } else {
        xs.push(px + 0.5);
        ys.push(py);
      }
      id = next[id]!;
    }
    if (xs.length >= 3) loops.push({ xs: Float64Array.from(xs), ys: Float64Array.from(ys) });
  }
  return loops;
}

export function loopArea(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let s = 0;
  const n = xs.length;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    s += xs[i]! * ys[j]! - xs[j]! * ys[i]!;
  }
  return s / 2;
}

/** Taubin smoothing (λ = 0.5, μ = −0.53) of a closed polyline: removes the pixel staircase, keeps the size. */
export function smoothLoop(xs: Float64Array, ys: Float64Array, iterations: number): Loop {
  const n = xs.length;
  let ax = Float64Array.from(xs);
  let ay = Float64Array.from(ys);
  let bx = new Float64Array(n);
  let by = new Float64Array(n);
  for (let it = 0; it < 2 * iterations; it++) {
    const f = it % 2 === 0 ? 0.5 : -0.53;
    for (let i = 0; i < n; i++) {
      const p = i === 0 ? n - 1 : i - 1;
      const q = i + 1 === n ? 0 : i + 1;
      bx[i] = ax[i]! + f * ((ax[p]! + ax[q]!) / 2 - ax[i]!);
      by[i] = ay[i]! + f * ((ay[p]! + ay[q]!) / 2 - ay[i]!);
    }
    [ax, bx] = [bx, ax];
    [ay, by] = [by, ay];
  }
  return { xs: ax, ys: ay };
}

/** Evenly spaced vertices along a closed polyline, about `step` apart (at least `minPoints`). */
export function resampleLoop(xs: Float64Array, ys: Float64Array, step: number, minPoints = 12): Loop {
  const n = xs.length;
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    cum[i + 1] = cum[i]! + Math.hypot(xs[j]! - xs[i]!, ys[j]! - ys[i]!);
  }
  const total = cum[n]!;
  const m = Math.max(minPoints, Math.round(total / step));
  const ox = new Float64Array(m);
  const oy = new Float64Array(m);
  let seg = 0;
  for (let k = 0; k < m; k++) {
    const s = (k * total) / m;
    while (seg < n - 1 && cum[seg + 1]! <= s) seg++;
    const j = seg + 1 === n ? 0 : seg + 1;
    const len = cum[seg + 1]! - cum[seg]!;
    const t = len > 0 ? (s - cum[seg]!) / len : 0;
    ox[k] = xs[seg]! + t * (xs[j]! - xs[seg]!);
    oy[k] = ys[seg]! + t * (ys[j]! - ys[seg]!);
  }
  return { xs: ox, ys: oy };
}

export function isSimple(loop: Loop): boolean {
  return loop.xs.length >= 3 && new Polygon2(loop.xs, loop.ys).findSelfIntersection() === null;
}

/**
 * The outer boundary of the region in `img`, smoothed and resampled every `step` pixels;
 * falls back to less smoothing, then to the raw marching-squares loop (simple by construction),
 * whichever is the first that is simple. Null when the region is empty.
 */
export function outerBoundary(img: Uint8Array, w: number, h: number, step: number, smoothing = 6): Loop | null {
  const loops = contourLoops(img, w, h);
  let outer: Loop | null = null;
  let best = 0;
  for (const l of loops) {
    const a = Math.abs(loopArea(l.xs, l.ys));
    if (a > best) {
      best = a;
      outer = l;
    }
  }
  if (!outer) return null;
  for (const iterations of [smoothing, Math.floor(smoothing / 2), 0]) {
    const smooth = iterations > 0 ? smoothLoop(outer.xs, outer.ys, iterations) : outer;
    const even = resampleLoop(smooth.xs, smooth.ys, step);
    if (isSimple(even)) return even;
  }
  return outer;
}
