import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export type Vec3 = [number, number, number];

/** An orthonormal right-handed frame: world = origin + u·e1 + v·e2 + w·n. */
export interface Frame {
  origin: Vec3;
  e1: Vec3;
  e2: Vec3;
  n: Vec3;
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function normalize(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]);
  return l > 0 ? [a[0] / l, a[1] / l, a[2] / l] : [0, 0, 0];
}

export interface Pca {
  mean: Vec3;
  /** Eigenvalues of the covariance, largest first. */
  values: Vec3;
  /** Matching unit eigenvectors. */
  axes: [Vec3, Vec3, Vec3];
}

/**
 * Principal axes of points given as three coordinate arrays (optionally weighted), by the
 * symmetric eigen-decomposition of their 3×3 covariance.
 */
export function pca(xs: ArrayLike<number>, ys: ArrayLike<number>, zs: ArrayLike<number>, count: number, weights?: ArrayLike<number>): Pca {
  let sw = 0;
  let mx = 0;
  let my = 0;
  let mz = 0;
  for (let i = 0; i < count; i++) {
    const w = weights ? weights[i]! : 1;
    sw += w;
    mx += w * xs[i]!;
    my += w * ys[i]!;
    mz += w * zs[i]!;
  }
  mx /= sw;
  my /= sw;
  mz /= sw;
  let cxx = 0;
  let cxy = 0;
  let cxz = 0;
  let cyy = 0;
  let cyz = 0;
  let czz = 0;
  for (let i = 0; i < count; i++) {
    const w = weights ? weights[i]! : 1;
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    const dz = zs[i]! - mz;
    cxx += w * dx * dx;
    cxy += w * dx * dy;
    cxz += w * dx * dz;
    cyy += w * dy * dy;
    cyz += w * dy * dz;
    czz += w * dz * dz;
  }
  const cov = new Matrix([
    [cxx / sw, cxy / sw, cxz / sw],
    [cxy / sw, cyy / sw, cyz / sw],
    [cxz / sw, cyz / sw, czz / sw],
  ]);
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const vals = evd.realEigenvalues;
  const vecs = evd.eigenvectorMatrix;
  const order = [0, 1, 2].sort((a, b) => vals[b]! - vals[a]!);
  const axis = (k: number): Vec3 => normalize([vecs.get(0, k), vecs.get(1, k), vecs.get(2, k)]);
  return {
    mean: [mx, my, mz],
    values: [vals[order[0]!]!, vals[order[1]!]!, vals[order[2]!]!],
    axes: [axis(order[0]!), axis(order[1]!), axis(order[2]!)],
  };
}

/** A right-handed frame whose third axis is `n`, first axis the given in-plane hint made orthogonal. */
export function frameFrom(origin: Vec3, n: Vec3, hint: Vec3): Frame {
  const nn = normalize(n);
  let e1 = normalize(sub(hint, scale(nn, dot(hint, nn))));
  if (Math.hypot(e1[0], e1[1], e1[2]) < 0.5) {
    const alt: Vec3 = Math.abs(nn[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    e1 = normalize(sub(alt, scale(nn, dot(alt, nn))));
  }
  const e2 = cross(nn, e1);
  return { origin, e1, e2, n: nn };
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

/** Flip the frame to the other side (n → −n) keeping it right-handed (e2 → −e2). */
export function flipFrame(f: Frame): Frame {
  return { origin: f.origin, e1: f.e1, e2: scale(f.e2, -1), n: scale(f.n, -1) };
}
