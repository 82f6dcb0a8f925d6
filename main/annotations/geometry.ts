/**
 * What the workstation measures for an annotation: a ruler's straight and along-surface distance,
 * a region's area. Scan coordinates in millimetres.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Vec3Tuple } from '../../common/assessments';

/** The scan's points (xyz interleaved, mm), as the analysis loads them. */
export interface SurfacePoints {
  count: number;
  positions: ArrayLike<number>;
}

export const distance = (a: Vec3Tuple, b: Vec3Tuple): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** How far (mm, along the skin's normal) a bin's points may lie from the surface the path follows. */
const SURFACE_TOLERANCE = 1.5;
/** Most points of the neighbourhood used (every k-th beyond this). */
const MAX_NEIGHBOURHOOD = 300_000;

/**
 * Distance along the scanned surface from `from` to `to`, the way a tape laid on the skin measures:
 * the skin's local plane is fitted to the points around the ruler (principal axes); the points in a
 * narrow corridor over the ruler (±1.5 mm across it, widened up to ±8 mm where the scan is sparse)
 * are binned every millimetre along it (16–400 bins); each bin's mean height over that plane
 * (of the points on the surface the path is following) gives the profile under the ruler, whose
 * length is summed — jitter across the ruler does not add length. It follows dips and bumps seen from the skin's
 * plane (a wound bed, a heel's curve); a wall that is vertical to that plane is shortened. Never
 * less than the straight distance. Null when the scan has no points along the ruler.
 */
export function surfaceDistance(cloud: SurfacePoints, from: Vec3Tuple, to: Vec3Tuple): number | null {
  const straight = distance(from, to);
  if (straight === 0) return 0;
  const p = cloud.positions;
  const mid: Vec3Tuple = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2, (from[2] + to[2]) / 2];
  const reach = Math.min(150, Math.max(10, straight));
  const step = Math.max(1, Math.ceil(cloud.count / MAX_NEIGHBOURHOOD));
  const hood: number[] = [];
  for (let i = 0; i < cloud.count; i += step) {
    const dx = p[3 * i]! - mid[0];
    const dy = p[3 * i + 1]! - mid[1];
    const dz = p[3 * i + 2]! - mid[2];
    if (dx * dx + dy * dy + dz * dz <= reach * reach) hood.push(i);
  }
  if (hood.length < 8) return null;
  const normal = planeNormal(p, hood);
  // The ruler's direction in the skin's plane, and the direction across it.
  const chord: Vec3Tuple = [to[0] - from[0], to[1] - from[1], to[2] - from[2]];
  const h = dot(chord, normal);
  const along = normalise([chord[0] - h * normal[0], chord[1] - h * normal[1], chord[2] - h * normal[2]]);
  if (!along) return straight; // the ruler stands perpendicular to the skin: nothing to follow
  const across = cross(normal, along);
  const span = dot(chord, along);
  const bins = Math.min(400, Math.max(16, Math.ceil(span)));
  /** Height over the skin's plane through the ruler's start. */
  const heightOf = (i: number) => (p[3 * i]! - from[0]) * normal[0] + (p[3 * i + 1]! - from[1]) * normal[1] + (p[3 * i + 2]! - from[2]) * normal[2];
  for (const halfWidth of [1.5, 3, 8]) {
    const inBin: number[][] = Array.from({ length: bins }, () => []);
    for (const i of hood) {
      const u: Vec3Tuple = [p[3 * i]! - from[0], p[3 * i + 1]! - from[1], p[3 * i + 2]! - from[2]];
      const t = dot(u, along);
      if (t < 0 || t > span || Math.abs(dot(u, across)) > halfWidth) continue;
      inBin[Math.min(bins - 1, Math.floor((t / span) * bins))]!.push(i);
    }
    if (inBin.filter((b) => b.length > 0).length < bins / 2) continue;
    // Bin by bin, the surface continues from where the path is: of the points in a bin, those
    // within SURFACE_TOLERANCE of the height nearest the previous one (another layer of the scan —
    // the far side of a limb, a slab's underside — is not the surface being measured).
    // The profile along the ruler: (distance along it, height over the skin's plane), from its start.
    let length = 0;
    let prevT = 0;
    let prevH = 0;
    for (let b = 0; b < bins; b++) {
      const members = inBin[b]!;
      if (members.length === 0) continue;
      let nearest = Infinity;
      for (const i of members) {
        const h = heightOf(i);
        if (Math.abs(h - prevH) < Math.abs(nearest - prevH)) nearest = h;
      }
      let sum = 0;
      let k = 0;
      for (const i of members) {
        const h = heightOf(i);
        if (Math.abs(h - nearest) > SURFACE_TOLERANCE) continue;
        sum += h;
        k++;
      }
      const t = ((b + 0.5) / bins) * span;
      const h = sum / k;
      length += Math.hypot(t - prevT, h - prevH);
      prevT = t;
      prevH = h;
    }
    length += Math.hypot(span - prevT, dot(chord, normal) - prevH);
    return Math.max(straight, length);
  }
  return null;
}

const dot = (a: Vec3Tuple, b: Vec3Tuple) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3Tuple, b: Vec3Tuple): Vec3Tuple => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
function normalise(v: Vec3Tuple): Vec3Tuple | null {
  const l = Math.hypot(v[0], v[1], v[2]);
  return l < 1e-9 ? null : [v[0] / l, v[1] / l, v[2] / l];
}

/** The direction of least spread of the points (the normal of their best-fit plane). */
function planeNormal(p: ArrayLike<number>, idx: number[]): Vec3Tuple {
  const c = [0, 0, 0];
  for (const i of idx) for (let k = 0; k < 3; k++) c[k]! += p[3 * i + k]! / idx.length;
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (const i of idx) {
    const d = [p[3 * i]! - c[0]!, p[3 * i + 1]! - c[1]!, p[3 * i + 2]! - c[2]!];
    for (let r = 0; r < 3; r++) for (let s = 0; s < 3; s++) m[r]![s]! += d[r]! * d[s]!;
  }
  const e = new EigenvalueDecomposition(new Matrix(m), { assumeSymmetric: true });
  const values = e.realEigenvalues;
  const smallest = values.indexOf(Math.min(...values));
  const v = e.eigenvectorMatrix.getColumn(smallest);
  return normalise([v[0]!, v[1]!, v[2]!]) ?? [0, 0, 1];
}

/** Area enclosed by a closed polygon in 3D, on its best-fit plane (Newell's method), mm². */
export function polygonArea(points: readonly Vec3Tuple[]): number {
  let nx = 0;
  let ny = 0;
  let nz = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    nx += (a[1] - b[1]) * (a[2] + b[2]);
    ny += (a[2] - b[2]) * (a[0] + b[0]);
    nz += (a[0] - b[0]) * (a[1] + b[1]);
  }
  return Math.hypot(nx, ny, nz) / 2;
}
