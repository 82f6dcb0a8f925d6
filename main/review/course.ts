/**
 * The predicted course of a wound's area: the exponential healing model A(t) = A₀·e^(−kt), fitted
 * by least squares on ln A (a closed form: ordinary least squares of ln A on t), with 95 % bands.
 *
 * Why ln A: the scatter of repeated wound-area measurements grows with the area (a percentage, not
 * a fixed cm²), so equal weights belong on the log scale; there the model is a straight line, the
 * least-squares estimate is exact and closed-form, the bands follow Student's t, and an area band
 * never dips below zero.
 *
 * Healed wounds: ln 0 is undefined, and an area of 0 is not a point on the curve but the end of it
 * (the wound closed). Visits with area 0 are therefore left out of the fit and reported as the
 * closure; the fit uses the visits with an area (at least three). A wound whose latest visit is 0 is
 * "healed on <date>" instead of getting a predicted date.
 *
 * The scatter σ of ln A about the line: with three or four visits the residuals alone say almost
 * nothing (one or two degrees of freedom), and a perfect exponential would give σ = 0 and a band of
 * zero width. So σ² is estimated with a weak prior (scaled inverse χ², the conjugate prior of a
 * normal variance): σ₀ = 0.10 (about ±10 % visit to visit — the repeatability of 3D wound-area
 * measurement plus day-to-day change of the wound) worth ν₀ = 2 visits:
 *   σ̂² = (RSS + ν₀σ₀²) / (n − 2 + ν₀),  and the bands use Student's t with n − 2 + ν₀ degrees of freedom.
 * With many visits the residuals dominate.
 *
 * Bands: the 95 % *prediction* band (where a visit's measured area should fall if the wound keeps
 * this course) is what is drawn and what visits are checked against; the 95 % *confidence* band of
 * the curve itself gives the range of the predicted closure date.
 *
 * Visits off the course are flagged two ways:
 *  - "outside the band": the visit lies outside the drawn prediction band of the fit to all visits;
 *  - "off the course so far": the visit lies outside the prediction band of the course fitted to the
 *    visits *before* it (at least three) — a wound that healed and then stalls (Warriner 2011: a
 *    deviation from the expected course shows by week 6) is flagged at the first visit that leaves
 *    its course, even when later stalled visits drag the overall fit towards them.
 */
import { studentQuantileTwoSided } from './stats';

export const DAY_MS = 86_400_000;
/** Area below which the wound counts as closed for the predicted date (cm²). */
export const CLOSURE_AREA_CM2 = 0.1;
/** Prior scatter of ln(area) between visits, and its weight in visits (see above). */
export const PRIOR_SIGMA_LOG = 0.1;
export const PRIOR_DOF = 2;
/** How far ahead a closure date is looked for (days after the baseline). */
export const HORIZON_DAYS = 730;
export const MIN_VISITS_FOR_FIT = 3;

export interface AreaPoint {
  id: string;
  /** Days since the baseline (may be fractional). */
  day: number;
  areaCm2: number;
}

export interface LogLinearFit {
  n: number;
  /** ln A₀ and the slope −k of ln A per day. */
  intercept: number;
  slope: number;
  meanDay: number;
  sxx: number;
  /** Posterior scatter of ln A about the line, and the degrees of freedom of its t. */
  sigma: number;
  dof: number;
  /** Residual sum of squares on ln A (without the prior). */
  rss: number;
  tQuantile: number;
}

/** Ordinary least squares of ln A on t, with the prior on the scatter. `points` must have area > 0. */
export function fitLogLinear(points: readonly AreaPoint[], level = 0.95): LogLinearFit | null {
  const n = points.length;
  if (n < MIN_VISITS_FOR_FIT) return null;
  let mx = 0;
  let my = 0;
  for (const p of points) {
    if (!(p.areaCm2 > 0)) throw new RangeError('fitLogLinear: areas must be positive');
    mx += p.day / n;
    my += Math.log(p.areaCm2) / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.day - mx) ** 2;
    sxy += (p.day - mx) * (Math.log(p.areaCm2) - my);
  }
  if (!(sxx > 1e-9)) return null; // all visits on the same day: no slope
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (const p of points) rss += (Math.log(p.areaCm2) - intercept - slope * p.day) ** 2;
  const dof = n - 2 + PRIOR_DOF;
  const sigma = Math.sqrt((rss + PRIOR_DOF * PRIOR_SIGMA_LOG ** 2) / dof);
  return { n, intercept, slope, meanDay: mx, sxx, sigma, dof, rss, tQuantile: studentQuantileTwoSided(level, dof) };
}

/** ln A on the fitted line at `day`, and the half-widths of the prediction and confidence bands (ln units). */
export function bandAt(fit: LogLinearFit, day: number): { mean: number; predictionHalf: number; confidenceHalf: number } {
  const lever = 1 / fit.n + (day - fit.meanDay) ** 2 / fit.sxx;
  return {
    mean: fit.intercept + fit.slope * day,
    predictionHalf: fit.tQuantile * fit.sigma * Math.sqrt(1 + lever),
    confidenceHalf: fit.tQuantile * fit.sigma * Math.sqrt(lever),
  };
}

export interface CourseFlag {
  kind: 'outside-band' | 'off-course';
  direction: 'larger' | 'smaller';
  /** The 95 % range the visit was expected in (cm²). */
  expectedLowCm2: number;
  expectedHighCm2: number;
  /** How many visits the expectation came from. */
  fromVisits: number;
}

export interface CurveSample {
  day: number;
  fitCm2: number;
  lowCm2: number;
  highCm2: number;
}

export type Course =
  | { status: 'too-few'; visits: number; healedOnDay: number | null }
  | {
      status: 'fitted';
      n: number;
      a0Cm2: number;
      /** Rate per day (positive: healing). */
      kPerDay: number;
      /** Standard error of k (per day). */
      kStdError: number;
      sigmaLog: number;
      dof: number;
      /** True when k > 0. */
      closing: boolean;
      /** Day the fitted area falls below CLOSURE_AREA_CM2, and the range from the curve's 95 % confidence band (null: beyond the horizon or never). */
      closureDay: number | null;
      closureEarliestDay: number | null;
      closureLatestDay: number | null;
      /** The latest visit had area 0: closed on that day (no prediction then). */
      healedOnDay: number | null;
      curve: CurveSample[];
      flags: Map<string, CourseFlag>;
    };

/** First day in [from, to] where lnAt falls below target: half-day steps, then bisection. */
function firstCrossing(from: number, to: number, lnAt: (day: number) => number, target: number): number | null {
  let prev = from;
  if (lnAt(prev) < target) return prev;
  for (let d = from + 0.5; d <= to; d += 0.5) {
    if (lnAt(d) < target) {
      let lo = prev;
      let hi = d;
      for (let i = 0; i < 40; i++) {
        const mid = (lo + hi) / 2;
        if (lnAt(mid) < target) hi = mid;
        else lo = mid;
      }
      return hi;
    }
    prev = d;
  }
  return null;
}

function flagAgainst(fit: LogLinearFit, p: AreaPoint, kind: CourseFlag['kind']): CourseFlag | null {
  const b = bandAt(fit, p.day);
  const y = Math.log(p.areaCm2);
  if (Math.abs(y - b.mean) <= b.predictionHalf) return null;
  return {
    kind,
    direction: y > b.mean ? 'larger' : 'smaller',
    expectedLowCm2: Math.exp(b.mean - b.predictionHalf),
    expectedHighCm2: Math.exp(b.mean + b.predictionHalf),
    fromVisits: fit.n,
  };
}

/**
 * The course of the visits from the baseline on (day 0 = baseline), in time order. Visits with
 * area 0 are closures (see above). `curveTo` extends the drawn curve (days), e.g. to the predicted
 * closure.
 */
export function fitCourse(points: readonly AreaPoint[], options: { samples?: number } = {}): Course {
  const ordered = [...points].sort((a, b) => a.day - b.day);
  const open = ordered.filter((p) => p.areaCm2 > 0);
  // Closed on the first of the zero-area visits that end the series (a wound that reopened is open).
  let healedOnDay: number | null = null;
  for (let i = ordered.length - 1; i >= 0 && !(ordered[i]!.areaCm2 > 0); i--) healedOnDay = ordered[i]!.day;
  const fit = fitLogLinear(open);
  if (!fit) return { status: 'too-few', visits: open.length, healedOnDay };

  const k = -fit.slope;
  const lnTarget = Math.log(CLOSURE_AREA_CM2);
  const lastDay = open.at(-1)!.day;
  const start = Math.min(0, open[0]!.day);
  let closureDay: number | null = null;
  let earliest: number | null = null;
  let latest: number | null = null;
  if (healedOnDay === null && k > 0) {
    // The mean is a straight line in ln A: closed form. The band edges are not: found numerically.
    const crossing = (fit.intercept - lnTarget) / k;
    closureDay = crossing > HORIZON_DAYS ? null : Math.max(start, crossing);
    earliest = firstCrossing(start, HORIZON_DAYS, (d) => bandAt(fit, d).mean - bandAt(fit, d).confidenceHalf, lnTarget);
    latest = firstCrossing(start, HORIZON_DAYS, (d) => bandAt(fit, d).mean + bandAt(fit, d).confidenceHalf, lnTarget);
  }

  const flags = new Map<string, CourseFlag>();
  for (const p of open) {
    const outside = flagAgainst(fit, p, 'outside-band');
    if (outside) flags.set(p.id, outside);
  }
  for (let i = MIN_VISITS_FOR_FIT; i < open.length; i++) {
    const before = fitLogLinear(open.slice(0, i));
    if (!before) continue;
    const off = flagAgainst(before, open[i]!, 'off-course');
    // "Off the course so far" says more than "outside the band" (it names the visits it came from).
    if (off) flags.set(open[i]!.id, off);
  }

  const samples = options.samples ?? 60;
  const from = Math.min(0, open[0]!.day);
  const to = Math.max(lastDay, Math.min(HORIZON_DAYS, (closureDay ?? lastDay) + 7));
  const curve: CurveSample[] = [];
  for (let s = 0; s <= samples; s++) {
    const day = from + ((to - from) * s) / samples;
    const b = bandAt(fit, day);
    curve.push({ day, fitCm2: Math.exp(b.mean), lowCm2: Math.exp(b.mean - b.predictionHalf), highCm2: Math.exp(b.mean + b.predictionHalf) });
  }
  return {
    status: 'fitted',
    n: fit.n,
    a0Cm2: Math.exp(fit.intercept),
    kPerDay: k,
    kStdError: fit.sigma / Math.sqrt(fit.sxx),
    sigmaLog: fit.sigma,
    dof: fit.dof,
    closing: k > 0,
    closureDay,
    closureEarliestDay: earliest,
    closureLatestDay: latest,
    healedOnDay,
    curve,
    flags,
  };
}
