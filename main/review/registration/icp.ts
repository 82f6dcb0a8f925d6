/**
 * Rigid ICP, point-to-plane (Chen & Medioni 1992), trimmed for partial overlap (TrICP,
 * Chetverikov et al. 2002): each iteration pairs every source sample with its nearest target
 * voxel, keeps the best fraction ξ of pairs — ξ chosen each time to minimise e(ξ)/ξ^(1+λ), λ = 2,
 * where e is the mean squared pair distance of that fraction — and solves the linearised
 * point-to-plane least squares for a small rotation ω and translation t.
 *
 * Directions the pairs do not constrain (sliding along a flat or cylindrical patch of skin) are
 * left alone: the 6×6 normal matrix is eigen-decomposed and only eigen-directions above 1e-3 of
 * the largest move. Those are reported, so that a pose pinned only by the initial frames says so.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { apply, compose, rotationFromVector, type Rigid, type Vec3 } from './rigid';
import type { Voxels } from './voxels';

export interface IcpOptions {
  maxIterations: number;
  /** Pairs farther apart than this are never made (mm). */
  maxDistance: number;
  /** Smallest share of the source that may be kept (overlap floor). */
  minOverlap: number;
  /** Centre and length scale of the rotation part (conditioning of the 6×6 system). */
  centre: Vec3;
  scale: number;
  /** Stop when a step rotates less than this (rad) and moves less than `minStepMm`. */
  minStepRad?: number;
  minStepMm?: number;
  onIteration?(iteration: number): void;
}

export interface IcpResult {
  transform: Rigid;
  iterations: number;
  /** RMS of the point-to-plane distances of the kept pairs (mm). */
  rmsMm: number;
  /** Share of the source samples kept as overlapping. */
  overlap: number;
  /** Trimmed score e(ξ)/ξ³ (lower is better), to compare starts. */
  score: number;
  /** Eigen-directions left unconstrained in the last step (0 when the skin pins all six). */
  unconstrained: number;
  /** Smallest eigenvalue ratio of the last step's normal matrix. */
  conditioning: number;
  pairs: number;
}

const LAMBDA = 2;
const CONSTRAINED = 1e-3;

export function icpPointToPlane(source: Float64Array, sourceCount: number, target: Voxels, initial: Rigid, options: IcpOptions): IcpResult {
  let T = initial;
  const moved = new Float64Array(3);
  const d2Out = new Float64Array(1);
  const pairTarget = new Int32Array(sourceCount);
  const pairD2 = new Float64Array(sourceCount);
  const order = new Float64Array(sourceCount);
  const px = new Float64Array(sourceCount);
  const py = new Float64Array(sourceCount);
  const pz = new Float64Array(sourceCount);
  let maxDistance = options.maxDistance;
  let result: IcpResult | null = null;
  const minStepRad = options.minStepRad ?? 1e-6;
  const minStepMm = options.minStepMm ?? 1e-4;
  const [cx, cy, cz] = options.centre;
  const L = options.scale;

  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    options.onIteration?.(iteration);
    let paired = 0;
    for (let i = 0; i < sourceCount; i++) {
      apply(T, source[3 * i]!, source[3 * i + 1]!, source[3 * i + 2]!, moved);
      px[i] = moved[0]!;
      py[i] = moved[1]!;
      pz[i] = moved[2]!;
      const j = target.nearest(moved[0]!, moved[1]!, moved[2]!, maxDistance, d2Out);
      pairTarget[i] = j;
      pairD2[i] = j >= 0 ? d2Out[0]! : Infinity;
      if (j >= 0) order[paired++] = d2Out[0]!;
    }
    if (paired < 6) break;
    // Trimming: the kept share ξ minimises e(ξ)/ξ^(1+λ) over the sorted pair distances.
    const sorted = order.subarray(0, paired).sort();
    let sum = 0;
    let bestScore = Infinity;
    let keep = 0;
    const minKeep = Math.max(6, Math.ceil(options.minOverlap * sourceCount));
    for (let k = 0; k < paired; k++) {
      sum += sorted[k]!;
      if (k + 1 < minKeep) continue;
      const xi = (k + 1) / sourceCount;
      const score = sum / (k + 1) / xi ** (1 + LAMBDA);
      if (score < bestScore) {
        bestScore = score;
        keep = k + 1;
      }
    }
    if (keep === 0) {
      keep = paired;
      bestScore = sum / paired / (paired / sourceCount) ** (1 + LAMBDA);
    }
    const cutoff = sorted[keep - 1]!;

    // Linearised point-to-plane: residual r = (p − q)·n; row a = [((p − c) × n)/L, n].
    const H = new Float64Array(36);
    const g = new Float64Array(6);
    const a = new Float64Array(6);
    let rss = 0;
    let kept = 0;
    for (let i = 0; i < sourceCount && kept < keep; i++) {
      if (!(pairD2[i]! <= cutoff)) continue;
      kept++;
      const j = pairTarget[i]!;
      const nx = target.normal[3 * j]!;
      const ny = target.normal[3 * j + 1]!;
      const nz = target.normal[3 * j + 2]!;
      const r = (px[i]! - target.planeOrigin[3 * j]!) * nx + (py[i]! - target.planeOrigin[3 * j + 1]!) * ny + (pz[i]! - target.planeOrigin[3 * j + 2]!) * nz;
      rss += r * r;
      const qx = px[i]! - cx;
      const qy = py[i]! - cy;
      const qz = pz[i]! - cz;
      a[0] = (qy * nz - qz * ny) / L;
      a[1] = (qz * nx - qx * nz) / L;
      a[2] = (qx * ny - qy * nx) / L;
      a[3] = nx;
      a[4] = ny;
      a[5] = nz;
      for (let u = 0; u < 6; u++) {
        g[u]! -= a[u]! * r;
        for (let v = u; v < 6; v++) H[6 * u + v]! += a[u]! * a[v]!;
      }
    }
    for (let u = 0; u < 6; u++) for (let v = 0; v < u; v++) H[6 * u + v] = H[6 * v + u]!;
    const evd = new EigenvalueDecomposition(new Matrix(Array.from({ length: 6 }, (_, u) => Array.from(H.subarray(6 * u, 6 * u + 6)))), { assumeSymmetric: true });
    const values = evd.realEigenvalues;
    const vectors = evd.eigenvectorMatrix;
    const top = Math.max(...values);
    if (!(top > 0) || kept < 6) break;
    const x = new Float64Array(6);
    let unconstrained = 0;
    let conditioning = Infinity;
    for (let e = 0; e < 6; e++) {
      const ratio = values[e]! / top;
      conditioning = Math.min(conditioning, ratio);
      if (!(ratio > CONSTRAINED)) {
        unconstrained++;
        continue;
      }
      let proj = 0;
      for (let u = 0; u < 6; u++) proj += vectors.get(u, e) * g[u]!;
      for (let u = 0; u < 6; u++) x[u]! += (vectors.get(u, e) * proj) / values[e]!;
    }
    const w: Vec3 = [x[0]! / L, x[1]! / L, x[2]! / L];
    // The step rotates about the centre c: p' = R(p − c) + c + t.
    const R = rotationFromVector(w[0], w[1], w[2]);
    const step: Rigid = { r: R, t: [0, 0, 0] };
    const rc = apply(step, cx, cy, cz) as Vec3;
    step.t = [cx - rc[0] + x[3]!, cy - rc[1] + x[4]!, cz - rc[2] + x[5]!];
    T = compose(step, T);
    result = { transform: T, iterations: iteration, rmsMm: Math.sqrt(rss / kept), overlap: kept / sourceCount, score: bestScore, unconstrained, conditioning, pairs: kept };
    // Pairs beyond a few times the kept spread are not worth searching for next time.
    maxDistance = Math.min(maxDistance, Math.max(3 * target.size, 4 * Math.sqrt(cutoff)));
    if (Math.hypot(w[0], w[1], w[2]) < minStepRad && Math.hypot(x[3]!, x[4]!, x[5]!) < minStepMm) break;
  }
  return result ?? { transform: T, iterations: 0, rmsMm: Infinity, overlap: 0, score: Infinity, unconstrained: 6, conditioning: 0, pairs: 0 };
}
