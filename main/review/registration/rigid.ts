/**
 * Rigid transforms x' = R·x + t (R row-major 3×3) and the small symmetric eigen-problems the
 * registration needs per voxel (a 3×3 covariance's smallest axis), written out for speed: they run
 * hundreds of thousands of times per scan, where a general matrix library allocates per call.
 */
export type Vec3 = [number, number, number];

export interface Rigid {
  /** Row-major rotation. */
  r: Float64Array;
  t: Vec3;
}

export const identity = (): Rigid => ({ r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: [0, 0, 0] });

export function apply(T: Rigid, x: number, y: number, z: number, out: Vec3 | Float64Array = [0, 0, 0], o = 0): Vec3 | Float64Array {
  const r = T.r;
  out[o] = r[0]! * x + r[1]! * y + r[2]! * z + T.t[0];
  out[o + 1] = r[3]! * x + r[4]! * y + r[5]! * z + T.t[1];
  out[o + 2] = r[6]! * x + r[7]! * y + r[8]! * z + T.t[2];
  return out;
}

export function rotate(T: Rigid, v: Vec3): Vec3 {
  const r = T.r;
  return [r[0]! * v[0] + r[1]! * v[1] + r[2]! * v[2], r[3]! * v[0] + r[4]! * v[1] + r[5]! * v[2], r[6]! * v[0] + r[7]! * v[1] + r[8]! * v[2]];
}

/** A ∘ B: first B, then A. */
export function compose(A: Rigid, B: Rigid): Rigid {
  const r = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r[3 * i + j] = A.r[3 * i]! * B.r[j]! + A.r[3 * i + 1]! * B.r[3 + j]! + A.r[3 * i + 2]! * B.r[6 + j]!;
  const t = apply(A, B.t[0], B.t[1], B.t[2]) as Vec3;
  return { r, t };
}

export function invert(T: Rigid): Rigid {
  const r = T.r;
  const rt = Float64Array.from([r[0]!, r[3]!, r[6]!, r[1]!, r[4]!, r[7]!, r[2]!, r[5]!, r[8]!]);
  const inv: Rigid = { r: rt, t: [0, 0, 0] };
  const t = rotate(inv, T.t);
  inv.t = [-t[0], -t[1], -t[2]];
  return inv;
}

/** Rotation by the vector ω (axis × angle, radians), Rodrigues' formula. */
export function rotationFromVector(wx: number, wy: number, wz: number): Float64Array {
  const angle = Math.hypot(wx, wy, wz);
  if (angle < 1e-15) return Float64Array.from([1, -wz, wy, wz, 1, -wx, -wy, wx, 1]);
  const [x, y, z] = [wx / angle, wy / angle, wz / angle];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const C = 1 - c;
  return Float64Array.from([c + x * x * C, x * y * C - z * s, x * z * C + y * s, y * x * C + z * s, c + y * y * C, y * z * C - x * s, z * x * C - y * s, z * y * C + x * s, c + z * z * C]);
}

/** Angle of a rotation (degrees). */
export function rotationAngleDeg(r: Float64Array): number {
  const c = Math.min(1, Math.max(-1, (r[0]! + r[4]! + r[8]! - 1) / 2));
  return (Math.acos(c) * 180) / Math.PI;
}

/** The frame [e1 e2 n] at `origin` as the transform local → world. */
export function frameToWorld(origin: Vec3, e1: Vec3, e2: Vec3, n: Vec3): Rigid {
  return { r: Float64Array.from([e1[0], e2[0], n[0], e1[1], e2[1], n[1], e1[2], e2[2], n[2]]), t: [...origin] };
}

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export function normalize(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]);
  return l > 0 ? [a[0] / l, a[1] / l, a[2] / l] : [0, 0, 1];
}

/**
 * Eigenvalues (ascending) of the symmetric 3×3 [[a, b, c], [b, d, e], [c, e, f]] by the closed
 * form (trigonometric solution of the characteristic cubic).
 */
export function symmetricEigenvalues(a: number, b: number, c: number, d: number, e: number, f: number): Vec3 {
  const p1 = b * b + c * c + e * e;
  const q = (a + d + f) / 3;
  const p2 = (a - q) ** 2 + (d - q) ** 2 + (f - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  if (p1 <= 1e-30 * (a * a + d * d + f * f) || !(p > 0)) {
    // Diagonal (or all zero: points that coincide).
    const v = [a, d, f].sort((x, y) => x - y);
    return [v[0]!, v[1]!, v[2]!];
  }
  // B = (A − qI) / p; r = det(B) / 2.
  const ba = (a - q) / p;
  const bd = (d - q) / p;
  const bf = (f - q) / p;
  const bb = b / p;
  const bc = c / p;
  const be = e / p;
  const det = ba * (bd * bf - be * be) - bb * (bb * bf - be * bc) + bc * (bb * be - bd * bc);
  const r = Math.min(1, Math.max(-1, det / 2));
  const phi = Math.acos(r) / 3;
  const l3 = q + 2 * p * Math.cos(phi);
  const l1 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  const l2 = 3 * q - l1 - l3;
  return [l1, l2, l3];
}

/** Unit eigenvector of the symmetric 3×3 for eigenvalue `lambda` (the largest cross product of two rows of A − λI). */
export function symmetricEigenvector(a: number, b: number, c: number, d: number, e: number, f: number, lambda: number, out: Float64Array, o = 0): void {
  const r0: Vec3 = [a - lambda, b, c];
  const r1: Vec3 = [b, d - lambda, e];
  const r2: Vec3 = [c, e, f - lambda];
  const c01 = cross(r0, r1);
  const c02 = cross(r0, r2);
  const c12 = cross(r1, r2);
  const n01 = dot(c01, c01);
  const n02 = dot(c02, c02);
  const n12 = dot(c12, c12);
  let v = c01;
  let n = n01;
  if (n02 > n) {
    v = c02;
    n = n02;
  }
  if (n12 > n) {
    v = c12;
    n = n12;
  }
  if (!(n > 0)) {
    out[o] = 0;
    out[o + 1] = 0;
    out[o + 2] = 1;
    return;
  }
  const l = Math.sqrt(n);
  out[o] = v[0] / l;
  out[o + 1] = v[1] / l;
  out[o + 2] = v[2] / l;
}
