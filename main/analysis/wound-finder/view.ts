/**
 * The view a scan is rendered along: an orthographic camera looking along `d` (from the scanner
 * toward the surface), with `e1` to the right and `e2` up in the image (`e1 × e2 = −d`, so the
 * image is seen from the camera's side, not mirrored). Points are expressed in that frame as
 * (u, v, depth) relative to the cloud's centroid; depth grows away from the camera.
 */
import { cross, dot, normalize, pca, type Vec3 } from '../measure/index';
import { WoundFinderError } from './errors';

export interface ViewFrame {
  origin: Vec3;
  e1: Vec3;
  e2: Vec3;
  /** View direction: from the camera into the scene (unit). */
  d: Vec3;
  /** How `d` was chosen. */
  source: 'given' | 'normals' | 'convexity' | 'default';
}

/** PCA and orientation use at most this many points (evenly strided). */
const MAX_FRAME_SAMPLES = 100_000;

export interface CloudArrays {
  positions: Float64Array;
  count: number;
  normals?: Float32Array | undefined;
}

function finite3(p: Float64Array, i: number): boolean {
  return Number.isFinite(p[3 * i]!) && Number.isFinite(p[3 * i + 1]!) && Number.isFinite(p[3 * i + 2]!);
}

/**
 * The least-variance direction of the cloud (PCA) is the view axis unless one is given. Its sign:
 * against the points' normals when the file has them (normals face the scanner); otherwise the
 * side the surface bulges toward (a limb, a heel, a sacrum seen from outside: the middle of the
 * patch is nearer the camera than its rim); for a flat patch without normals, looking down −z.
 * The image's right axis is the largest-variance direction, its sign fixed by the third moment,
 * so a rigidly moved copy of a scan renders to the same image.
 */
export function chooseViewFrame(cloud: CloudArrays, given?: readonly number[]): ViewFrame {
  const { positions, count } = cloud;
  const stride = Math.max(1, Math.ceil(count / MAX_FRAME_SAMPLES));
  const sampled: number[] = [];
  for (let i = 0; i < count; i += stride) if (finite3(positions, i)) sampled.push(i);
  const n = sampled.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const zs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = sampled[k]!;
    xs[k] = positions[3 * i]!;
    ys[k] = positions[3 * i + 1]!;
    zs[k] = positions[3 * i + 2]!;
  }
  const p = pca(xs, ys, zs, n);
  const origin = p.mean;
  const axisN = p.axes[2];

  let d: Vec3;
  let source: ViewFrame['source'] = 'default';
  if (given) {
    if (given.length !== 3 || !given.every(Number.isFinite) || Math.hypot(given[0]!, given[1]!, given[2]!) === 0) {
      throw new WoundFinderError('INVALID_INPUT', 'The view direction must be three finite numbers, not all zero.');
    }
    d = normalize([given[0]!, given[1]!, given[2]!]);
    source = 'given';
  } else {
    let sign = 0;
    if (cloud.normals && cloud.normals.length >= 3 * count) {
      let s = 0;
      let m = 0;
      for (const i of sampled) {
        const nx = cloud.normals[3 * i]!;
        const ny = cloud.normals[3 * i + 1]!;
        const nz = cloud.normals[3 * i + 2]!;
        if (!Number.isFinite(nx + ny + nz)) continue;
        s += nx * axisN[0] + ny * axisN[1] + nz * axisN[2];
        m++;
      }
      // Normals point out of the surface, toward the scanner: the camera looks against them.
      if (m > 0 && Math.abs(s) > 0.05 * m) {
        sign = s > 0 ? -1 : 1;
        source = 'normals';
      }
    }
    if (sign === 0) {
      // Mean height along axisN of the central points (the overall mean is 0 by construction).
      const r2max = 0.25 * (p.values[0] + p.values[1]);
      let sum = 0;
      let m = 0;
      const a0 = p.axes[0];
      const a1 = p.axes[1];
      for (let k = 0; k < n; k++) {
        const dx = xs[k]! - origin[0];
        const dy = ys[k]! - origin[1];
        const dz = zs[k]! - origin[2];
        const u = dx * a0[0] + dy * a0[1] + dz * a0[2];
        const v = dx * a1[0] + dy * a1[1] + dz * a1[2];
        if (u * u + v * v > r2max) continue;
        sum += dx * axisN[0] + dy * axisN[1] + dz * axisN[2];
        m++;
      }
      const bulge = m > 0 ? sum / m : 0;
      if (Math.abs(bulge) > 0.25 * Math.sqrt(Math.max(p.values[2], 0)) && Math.abs(bulge) > 1e-9) {
        // The middle stands out toward +axisN: the camera is on that side, looking along −axisN.
        sign = bulge > 0 ? -1 : 1;
        source = 'convexity';
      } else {
        sign = axisN[2] > 0 ? -1 : 1;
        source = 'default';
      }
    }
    d = [sign * axisN[0], sign * axisN[1], sign * axisN[2]];
  }

  // Right axis: the largest-variance direction made perpendicular to d.
  const toward: Vec3 = [-d[0], -d[1], -d[2]];
  let e1: Vec3 = [0, 0, 0];
  for (const axis of p.axes) {
    const c = dot(axis, d);
    e1 = normalize([axis[0] - c * d[0], axis[1] - c * d[1], axis[2] - c * d[2]]);
    if (Math.hypot(...e1) > 0.5 && Math.abs(c) < 0.9) break;
  }
  if (Math.hypot(...e1) < 0.5) {
    const alt: Vec3 = Math.abs(d[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    const c = dot(alt, d);
    e1 = normalize([alt[0] - c * d[0], alt[1] - c * d[1], alt[2] - c * d[2]]);
  }
  let m3 = 0;
  for (let k = 0; k < n; k++) {
    const u = (xs[k]! - origin[0]) * e1[0] + (ys[k]! - origin[1]) * e1[1] + (zs[k]! - origin[2]) * e1[2];
    m3 += u * u * u;
  }
  if (m3 < 0) e1 = [-e1[0], -e1[1], -e1[2]];
  const e2 = cross(toward, e1);
  return { origin, e1, e2, d, source };
}

export interface Projected {
  /** Per point, in the view frame relative to its origin (mm); NaN for points without finite coordinates. */
  u: Float32Array;
  v: Float32Array;
  depth: Float32Array;
  validCount: number;
  uMin: number;
  uMax: number;
  vMin: number;
  vMax: number;
}

export function projectCloud(cloud: CloudArrays, f: ViewFrame): Projected {
  const { positions, count } = cloud;
  const u = new Float32Array(count);
  const v = new Float32Array(count);
  const depth = new Float32Array(count);
  const [ox, oy, oz] = f.origin;
  const [ax, ay, az] = f.e1;
  const [bx, by, bz] = f.e2;
  const [cx, cy, cz] = f.d;
  let uMin = Infinity;
  let uMax = -Infinity;
  let vMin = Infinity;
  let vMax = -Infinity;
  let validCount = 0;
  for (let i = 0; i < count; i++) {
    const x = positions[3 * i]! - ox;
    const y = positions[3 * i + 1]! - oy;
    const z = positions[3 * i + 2]! - oz;
    if (!Number.isFinite(x + y + z)) {
      u[i] = v[i] = depth[i] = NaN;
      continue;
    }
    const pu = x * ax + y * ay + z * az;
    const pv = x * bx + y * by + z * bz;
    u[i] = pu;
    v[i] = pv;
    depth[i] = x * cx + y * cy + z * cz;
    if (pu < uMin) uMin = pu;
    if (pu > uMax) uMax = pu;
    if (pv < vMin) vMin = pv;
    if (pv > vMax) vMax = pv;
    validCount++;
  }
  return { u, v, depth, validCount, uMin, uMax, vMin, vMax };
}
