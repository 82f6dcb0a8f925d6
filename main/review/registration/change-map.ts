/**
 * The change map: for each point of the later scan in the wound region (inside either outline,
 * with a margin), its signed distance to the earlier surface once registered — CloudCompare's
 * cloud-to-cloud distance with a local model: the nearest earlier voxel's local plane (its
 * neighbourhood's centroid and normal), the distance along that normal (the M3C2 idea of measuring
 * along the surface normal rather than to a single point, so that sampling density and noise
 * average out).
 *
 * Sign: positive where the later surface lies *outward* of the earlier one — filled in (granulation)
 * or raised —, negative where it lies deeper. Each local normal is turned towards a viewpoint above
 * the wound on the earlier scan's outward normal (as a scanner orients its normals towards itself),
 * so that the walls of a cavity face into it.
 */
import { apply, type Rigid, type Vec3 } from './rigid';
import type { RegistrationResult } from './register';

export interface ChangeMapOptions {
  /** Most points returned for drawing (a stride subsample); statistics use all. */
  maxPoints?: number;
  onProgress?(fraction: number): void;
}

export interface ChangeMap {
  /** Later-scan coordinates of the points drawn (xyz interleaved, mm). */
  positions: Float32Array;
  /** Their signed change (mm); NaN where no earlier surface was near. */
  changeMm: Float32Array;
  /** Points measured (all, not only those drawn). */
  measured: number;
  /** Median and spread of the change over the later wound (inside the later outline). */
  laterWound: ChangeStats | null;
  /** The same over the earlier wound's area carried onto the later scan. */
  earlierWound: ChangeStats | null;
  /** Colour scale: ±this many mm (the 95th percentile of |change|, at least 1 mm). */
  scaleMm: number;
}

export interface ChangeStats {
  points: number;
  medianMm: number;
  p10Mm: number;
  p90Mm: number;
  /** Share of points more than 0.5 mm outward (filled in) and inward (deeper). */
  filledShare: number;
  deeperShare: number;
}

const SIGNIFICANT_MM = 0.5;

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

function statsOf(values: number[]): ChangeStats | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  let filled = 0;
  let deeper = 0;
  for (const v of sorted) {
    if (v > SIGNIFICANT_MM) filled++;
    else if (v < -SIGNIFICANT_MM) deeper++;
  }
  return { points: sorted.length, medianMm: quantile(sorted, 0.5), p10Mm: quantile(sorted, 0.1), p90Mm: quantile(sorted, 0.9), filledShare: filled / sorted.length, deeperShare: deeper / sorted.length };
}

export interface ChangeMapInput {
  positions: Float64Array;
  count: number;
  /** Inside the later scan's own outline (no margin), for the statistics. */
  insideLaterOutline(x: number, y: number, z: number): boolean;
  /** Inside the earlier outline carried onto the later scan (no margin). */
  insideEarlierOutline(x: number, y: number, z: number): boolean;
}

export function computeChangeMap(later: ChangeMapInput, registration: RegistrationResult, options: ChangeMapOptions = {}): ChangeMap {
  const T: Rigid = registration.transform;
  const region = registration.earlierRegion;
  const frame = registration.earlierFrame;
  const lift = Math.max(50, 3 * frame.radius);
  const viewpoint: Vec3 = [frame.centre[0] + lift * frame.outward[0], frame.centre[1] + lift * frame.outward[1], frame.centre[2] + lift * frame.outward[2]];
  const reach = Math.max(30, 2 * frame.radius);
  const Q = later.positions;
  const picked: number[] = [];
  for (let i = 0; i < later.count; i++) if (registration.laterWound(Q[3 * i]!, Q[3 * i + 1]!, Q[3 * i + 2]!)) picked.push(i);
  const values = new Float64Array(picked.length).fill(NaN);
  const moved = new Float64Array(3);
  const d2 = new Float64Array(1);
  const inLater: number[] = [];
  const inEarlier: number[] = [];
  const tick = Math.max(1, Math.floor(picked.length / 20));
  for (let k = 0; k < picked.length; k++) {
    if (k % tick === 0) options.onProgress?.(k / picked.length);
    const i = picked[k]!;
    const x = Q[3 * i]!;
    const y = Q[3 * i + 1]!;
    const z = Q[3 * i + 2]!;
    apply(T, x, y, z, moved);
    const j = region.nearest(moved[0]!, moved[1]!, moved[2]!, reach, d2);
    if (j < 0 || !Number.isFinite(region.planeSigma[j]!)) continue;
    let nx = region.normal[3 * j]!;
    let ny = region.normal[3 * j + 1]!;
    let nz = region.normal[3 * j + 2]!;
    const ox = region.planeOrigin[3 * j]!;
    const oy = region.planeOrigin[3 * j + 1]!;
    const oz = region.planeOrigin[3 * j + 2]!;
    if ((viewpoint[0] - ox) * nx + (viewpoint[1] - oy) * ny + (viewpoint[2] - oz) * nz < 0) {
      nx = -nx;
      ny = -ny;
      nz = -nz;
    }
    const d = (moved[0]! - ox) * nx + (moved[1]! - oy) * ny + (moved[2]! - oz) * nz;
    values[k] = d;
    if (later.insideLaterOutline(x, y, z)) inLater.push(d);
    if (later.insideEarlierOutline(x, y, z)) inEarlier.push(d);
  }
  options.onProgress?.(1);
  const max = options.maxPoints ?? 60_000;
  const step = Math.max(1, picked.length / max);
  const n = Math.min(picked.length, Math.floor(picked.length / step));
  const positions = new Float32Array(3 * n);
  const changeMm = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const src = Math.floor(k * step);
    const i = picked[src]!;
    positions[3 * k] = Q[3 * i]!;
    positions[3 * k + 1] = Q[3 * i + 1]!;
    positions[3 * k + 2] = Q[3 * i + 2]!;
    changeMm[k] = values[src]!;
  }
  const magnitudes = Float64Array.from(values.filter(Number.isFinite), Math.abs).sort();
  return {
    positions,
    changeMm,
    measured: values.filter(Number.isFinite).length,
    laterWound: statsOf(inLater),
    earlierWound: statsOf(inEarlier),
    scaleMm: Math.max(1, Math.ceil(quantile(magnitudes, 0.95) * 2) / 2 || 1),
  };
}
