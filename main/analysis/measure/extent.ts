import type { LidSurface } from './lid';
import type { Polygon2 } from './polygon';

/**
 * Length of the lid curve above the straight segment (u0, v0) → (u1, v1) of the parameter plane:
 * what a flexible ruler laid across the opening along that line would read.
 */
export function lidPathLength(lid: LidSurface, u0: number, v0: number, u1: number, v1: number, steps = 24): number {
  let len = 0;
  let pu = u0;
  let pv = v0;
  let pw = lid.height(u0, v0);
  for (let k = 1; k <= steps; k++) {
    const s = k / steps;
    const u = u0 + s * (u1 - u0);
    const v = v0 + s * (v1 - v0);
    const w = lid.height(u, v);
    len += Math.hypot(u - pu, v - pv, w - pw);
    pu = u;
    pv = v;
    pw = w;
  }
  return len;
}

/**
 * Longest extent: the largest on-lid distance between two outline vertices. Candidate pairs are
 * pruned exactly: an on-lid path is at most `maxJacobian` times its plane length.
 */
export function longestExtent(lid: LidSurface, poly: Polygon2, maxJacobian: number): { length: number; dirU: number; dirV: number } {
  const n = poly.n;
  const xs = poly.xs;
  const ys = poly.ys;
  let bestI = 0;
  let bestJ = 1;
  let best2 = -1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d2 = (xs[i]! - xs[j]!) ** 2 + (ys[i]! - ys[j]!) ** 2;
      if (d2 > best2) {
        best2 = d2;
        bestI = i;
        bestJ = j;
      }
    }
  }
  let best = lidPathLength(lid, xs[bestI]!, ys[bestI]!, xs[bestJ]!, ys[bestJ]!);
  const bound = (best / Math.max(1, maxJacobian)) ** 2;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d2 = (xs[i]! - xs[j]!) ** 2 + (ys[i]! - ys[j]!) ** 2;
      if (d2 < bound || (i === bestI && j === bestJ)) continue;
      const l = lidPathLength(lid, xs[i]!, ys[i]!, xs[j]!, ys[j]!);
      if (l > best) {
        best = l;
        bestI = i;
        bestJ = j;
      }
    }
  }
  const du = xs[bestJ]! - xs[bestI]!;
  const dv = ys[bestJ]! - ys[bestI]!;
  const dl = Math.hypot(du, dv) || 1;
  return { length: best, dirU: du / dl, dirV: dv / dl };
}

/**
 * Longest extent along a direction: over all lines of the parameter plane parallel to (du, dv),
 * the largest on-lid distance between the first and last places the line meets the outline.
 * Used for the width (perpendicular to the length) and for head-to-toe length / width across.
 */
export function longestChordAlong(lid: LidSurface, poly: Polygon2, du: number, dv: number, samples = 512): number {
  const l = Math.hypot(du, dv);
  const dx = du / l;
  const dy = dv / l;
  const px = -dy;
  const py = dx;
  const n = poly.n;
  let smin = Infinity;
  let smax = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = poly.xs[i]! * px + poly.ys[i]! * py;
    smin = Math.min(smin, s);
    smax = Math.max(smax, s);
  }
  const chordAt = (s: number): number => {
    let tmin = Infinity;
    let tmax = -Infinity;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const ai = poly.xs[i]! * px + poly.ys[i]! * py - s;
      const aj = poly.xs[j]! * px + poly.ys[j]! * py - s;
      if ((ai > 0 && aj > 0) || (ai < 0 && aj < 0) || ai === aj) continue;
      const r = ai / (ai - aj);
      const x = poly.xs[i]! + r * (poly.xs[j]! - poly.xs[i]!);
      const y = poly.ys[i]! + r * (poly.ys[j]! - poly.ys[i]!);
      const t = x * dx + y * dy;
      tmin = Math.min(tmin, t);
      tmax = Math.max(tmax, t);
    }
    if (!(tmax > tmin)) return 0;
    return lidPathLength(lid, px * s + dx * tmin, py * s + dy * tmin, px * s + dx * tmax, py * s + dy * tmax);
  };
  const step = (smax - smin) / samples;
  let best = 0;
  let bestS = smin;
  for (let k = 0; k <= samples; k++) {
    const s = smin + k * step;
    const c = chordAt(s);
    if (c > best) {
      best = c;
      bestS = s;
    }
  }
  // Refine around the best line.
  for (let k = -16; k <= 16; k++) {
    const s = bestS + (k / 16) * step;
    if (s < smin || s > smax) continue;
    best = Math.max(best, chordAt(s));
  }
  return best;
}
