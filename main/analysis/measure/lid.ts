import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';

/**
 * The lid as a height field over the best-fit plane of the surrounding skin:
 *   w = f(u, v) = Σ c_k · ξ^i η^j   (i + j ≤ degree),  ξ = u / S,  η = v / S,
 * in the local frame (u, v in the plane, w along its normal). Scaling by S (about the band's
 * radius) keeps the normal equations well conditioned.
 */
export class LidSurface {
  readonly terms: [number, number][];
  private readonly pu = new Float64Array(8);
  private readonly pv = new Float64Array(8);

  constructor(
    readonly degree: number,
    readonly scale: number,
    readonly coef: Float64Array,
  ) {
    this.terms = polynomialTerms(degree);
  }

  height(u: number, v: number): number {
    const xi = u / this.scale;
    const eta = v / this.scale;
    this.powers(xi, eta);
    let f = 0;
    for (let k = 0; k < this.terms.length; k++) {
      const [i, j] = this.terms[k]!;
      f += this.coef[k]! * this.pu[i]! * this.pv[j]!;
    }
    return f;
  }

  /** Writes f, f_u, f_v, f_uu, f_uv, f_vv at (u, v) to `out`. */
  evaluate(u: number, v: number, out: Float64Array): void {
    const s = this.scale;
    this.powers(u / s, v / s);
    let f = 0;
    let fu = 0;
    let fv = 0;
    let fuu = 0;
    let fuv = 0;
    let fvv = 0;
    const pu = this.pu;
    const pv = this.pv;
    for (let k = 0; k < this.terms.length; k++) {
      const [i, j] = this.terms[k]!;
      const c = this.coef[k]!;
      f += c * pu[i]! * pv[j]!;
      if (i > 0) fu += c * i * pu[i - 1]! * pv[j]!;
      if (j > 0) fv += c * j * pu[i]! * pv[j - 1]!;
      if (i > 1) fuu += c * i * (i - 1) * pu[i - 2]! * pv[j]!;
      if (i > 0 && j > 0) fuv += c * i * j * pu[i - 1]! * pv[j - 1]!;
      if (j > 1) fvv += c * j * (j - 1) * pu[i]! * pv[j - 2]!;
    }
    out[0] = f;
    out[1] = fu / s;
    out[2] = fv / s;
    out[3] = fuu / (s * s);
    out[4] = fuv / (s * s);
    out[5] = fvv / (s * s);
  }

  private powers(xi: number, eta: number): void {
    this.pu[0] = 1;
    this.pv[0] = 1;
    for (let k = 1; k <= this.degree; k++) {
      this.pu[k] = this.pu[k - 1]! * xi;
      this.pv[k] = this.pv[k - 1]! * eta;
    }
  }

  /** The same surface seen from the other side (v → −v, w → −w), for a flipped frame. */
  flipped(): LidSurface {
    const c = new Float64Array(this.coef.length);
    for (let k = 0; k < this.terms.length; k++) c[k] = -this.coef[k]! * (this.terms[k]![1] % 2 === 0 ? 1 : -1);
    return new LidSurface(this.degree, this.scale, c);
  }
}

export function polynomialTerms(degree: number): [number, number][] {
  const terms: [number, number][] = [];
  for (let d = 0; d <= degree; d++) for (let j = 0; j <= d; j++) terms.push([d - j, j]);
  return terms;
}

/** Result of projecting a point onto the lid along the lid's normal. */
export interface FootPoint {
  u: number;
  v: number;
  /** Signed distance along the unit normal (−f_u, −f_v, 1)/W: positive on the +w side. */
  t: number;
}

const scratch = new Float64Array(6);

/**
 * The closest point of the lid to (pu, pv, pw) by Newton's method on |p − L(u, v)|², started at the
 * point's own (u, v). Returns false when it does not converge (far from the lid, beyond its focal
 * distance), in which case the point has no well-defined depth.
 */
export function footPoint(lid: LidSurface, pu: number, pv: number, pw: number, out: FootPoint): boolean {
  let u = pu;
  let v = pv;
  const e = scratch;
  for (let it = 0; it < 20; it++) {
    lid.evaluate(u, v, e);
    const [f, fu, fv, fuu, fuv, fvv] = e as unknown as [number, number, number, number, number, number];
    const ru = u - pu;
    const rv = v - pv;
    const rw = f - pw;
    // Gradient and Hessian of ½|L − p|².
    const gu = ru + rw * fu;
    const gv = rv + rw * fv;
    let huu = 1 + fu * fu + rw * fuu;
    let huv = fu * fv + rw * fuv;
    let hvv = 1 + fv * fv + rw * fvv;
    let det = huu * hvv - huv * huv;
    if (!(huu > 0 && det > 0)) {
      // Not convex here: fall back to the Gauss–Newton matrix, always positive definite.
      huu = 1 + fu * fu;
      huv = fu * fv;
      hvv = 1 + fv * fv;
      det = huu * hvv - huv * huv;
    }
    const du = -(hvv * gu - huv * gv) / det;
    const dv = -(huu * gv - huv * gu) / det;
    u += du;
    v += dv;
    if (!Number.isFinite(u) || !Number.isFinite(v) || Math.abs(u - pu) > 10 * lid.scale || Math.abs(v - pv) > 10 * lid.scale) return false;
    if (du * du + dv * dv < 1e-16) break;
    if (it === 19) return false;
  }
  lid.evaluate(u, v, e);
  const w = Math.sqrt(1 + e[1]! * e[1]! + e[2]! * e[2]!);
  out.u = u;
  out.v = v;
  out.t = ((pu - u) * -e[1]! + (pv - v) * -e[2]! + (pw - e[0]!)) / w;
  return true;
}

/**
 * Area element and curvatures at (u, v). With the upward unit normal, H and K are the mean and
 * Gaussian curvature (H < 0 on a convex bump, e.g. the top of a limb); a parallel surface a depth
 * t below the lid has area element (1 + 2Ht + Kt²)·dA.
 */
export function lidGeometry(lid: LidSurface, u: number, v: number, out: { jac: number; H: number; K: number; f: number }): void {
  const e = scratch;
  lid.evaluate(u, v, e);
  const fu = e[1]!;
  const fv = e[2]!;
  const E = 1 + fu * fu;
  const F = fu * fv;
  const G = 1 + fv * fv;
  const W = Math.sqrt(E * G - F * F);
  const L = e[3]! / W;
  const M = e[4]! / W;
  const N = e[5]! / W;
  const EG = E * G - F * F;
  out.f = e[0]!;
  out.jac = W;
  out.H = (E * N - 2 * F * M + G * L) / (2 * EG);
  out.K = (L * N - M * M) / EG;
}

export interface RobustFit {
  lid: LidSurface;
  /** Robust scale of the residuals (1.4826 · MAD), mm. */
  sigma: number;
  /** Final IRLS weight of each band point (0 = rejected as an outlier). */
  weights: Float64Array;
}

/**
 * Robust least-squares fit of the lid polynomial to the band points (u, v, w): iteratively
 * reweighted least squares, three Huber steps (k = 1.345σ) to get near the bulk of the skin, then
 * Tukey biweight steps (c = 4.685σ), which give stray points exactly zero weight. With
 * `fixedWeights`, a single weighted least-squares solve with those weights.
 */
export function fitLidRobust(us: Float64Array, vs: Float64Array, ws: Float64Array, count: number, degree: number, scale: number, fixedWeights?: Float64Array): RobustFit {
  const terms = polynomialTerms(degree);
  const p = terms.length;
  const weights = fixedWeights ? Float64Array.from(fixedWeights) : new Float64Array(count).fill(1);
  const residual = new Float64Array(count);
  const absRes = new Float64Array(count);
  const basis = new Float64Array(p);
  const pu = new Float64Array(degree + 1);
  const pv = new Float64Array(degree + 1);
  let coef = new Float64Array(p);
  let sigma = 0;
  // Design matrix, row-major (count × p), computed once.
  const design = new Float64Array(count * p);
  for (let i = 0; i < count; i++) {
    const xi = us[i]! / scale;
    const eta = vs[i]! / scale;
    pu[0] = 1;
    pv[0] = 1;
    for (let k = 1; k <= degree; k++) {
      pu[k] = pu[k - 1]! * xi;
      pv[k] = pv[k - 1]! * eta;
    }
    for (let k = 0; k < p; k++) design[i * p + k] = pu[terms[k]![0]]! * pv[terms[k]![1]]!;
  }
  const fillBasis = (i: number): void => {
    for (let k = 0; k < p; k++) basis[k] = design[i * p + k]!;
  };
  for (let iter = 0; iter < 12; iter++) {
    const ata = new Float64Array(p * p);
    const atb = new Float64Array(p);
    for (let i = 0; i < count; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      fillBasis(i);
      for (let a = 0; a < p; a++) {
        const ba = w * basis[a]!;
        atb[a]! += ba * ws[i]!;
        for (let b = a; b < p; b++) ata[a * p + b]! += ba * basis[b]!;
      }
    }
    const rows: number[][] = [];
    let trace = 0;
    for (let a = 0; a < p; a++) trace += ata[a * p + a]!;
    for (let a = 0; a < p; a++) {
      const row: number[] = [];
      for (let b = 0; b < p; b++) row.push(a <= b ? ata[a * p + b]! : ata[b * p + a]!);
      row[a]! += 1e-12 * trace;
      rows.push(row);
    }
    const A = new Matrix(rows);
    const B = Matrix.columnVector(Array.from(atb));
    const chol = new CholeskyDecomposition(A);
    const x = chol.isPositiveDefinite() ? chol.solve(B) : solve(A, B, true);
    const next = Float64Array.from(x.getColumn(0));
    let change = 0;
    for (let k = 0; k < p; k++) change = Math.max(change, Math.abs(next[k]! - coef[k]!));
    coef = next;

    for (let i = 0; i < count; i++) {
      fillBasis(i);
      let f = 0;
      for (let k = 0; k < p; k++) f += coef[k]! * basis[k]!;
      residual[i] = ws[i]! - f;
      absRes[i] = Math.abs(residual[i]!);
    }
    // Floor at 0.02 mm (well below any clinical scanner's noise) so a near-perfect fit cannot reject everything.
    sigma = Math.max(1.4826 * median(absRes), 0.02);
    // Converged when no coefficient moves the surface by more than 0.1 µm.
    if (fixedWeights || (iter >= 4 && change < 1e-4)) break;
    for (let i = 0; i < count; i++) {
      const r = absRes[i]!;
      if (iter < 3) {
        const k = 1.345 * sigma;
        weights[i] = r <= k ? 1 : k / r;
      } else {
        const c = 4.685 * sigma;
        weights[i] = r < c ? (1 - (r / c) ** 2) ** 2 : 0;
      }
    }
  }
  return { lid: new LidSurface(degree, scale, coef), sigma, weights };
}

export function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
