import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../analysis/test-phantoms';
import { CLOSURE_AREA_CM2, DAY_MS, fitCourse, fitLogLinear, type AreaPoint } from './course';
import { checkThresholds, gilmanRate, parAtDay, percentAreaReduction, volumeRate, type VisitFigures } from './healing';
import { studentQuantileTwoSided } from './stats';

const series = (days: number[], area: (day: number) => number): AreaPoint[] => days.map((day, i) => ({ id: `v${i}`, day, areaCm2: area(day) }));
const weekly = (weeks: number) => Array.from({ length: weeks + 1 }, (_, i) => 7 * i);

describe("Student's t quantile", () => {
  it('matches the tables', () => {
    // Two-sided 95 %: ν = 1, 2, 3, 5, 10, 30, and the normal.
    const table: [number, number][] = [[1, 12.7062], [2, 4.3027], [3, 3.1824], [5, 2.5706], [10, 2.2281], [30, 2.0423], [Infinity, 1.96]];
    for (const [nu, t] of table) expect(studentQuantileTwoSided(0.95, nu)).toBeCloseTo(t, 3);
    expect(studentQuantileTwoSided(0.9, 4)).toBeCloseTo(2.1318, 3);
  });
});

describe('percent area reduction', () => {
  it('is the share of the baseline area gone, negative when the wound grew', () => {
    expect(percentAreaReduction(10, 4)).toBeCloseTo(60);
    expect(percentAreaReduction(10, 12)).toBeCloseTo(-20);
    expect(percentAreaReduction(10, 0)).toBe(100);
    expect(percentAreaReduction(0, 0)).toBeNull();
  });

  it('at day 28: the visit on that day when there is one', () => {
    const par = parAtDay([{ id: 'a', day: 0, areaCm2: 8 }, { id: 'b', day: 14, areaCm2: 6 }, { id: 'c', day: 28.2, areaCm2: 3 }, { id: 'd', day: 42, areaCm2: 2 }], 28);
    expect(par.status).toBe('visit');
    if (par.status !== 'visit') return;
    expect(par.visit.id).toBe('c');
    expect(par.pct).toBeCloseTo(62.5);
  });

  it('at day 28: interpolated between the visits either side, naming that window', () => {
    const par = parAtDay([{ id: 'a', day: 0, areaCm2: 10 }, { id: 'b', day: 21, areaCm2: 7 }, { id: 'c', day: 35, areaCm2: 5 }], 28);
    expect(par.status).toBe('interpolated');
    if (par.status !== 'interpolated') return;
    // Halfway from day 21 (7 cm²) to day 35 (5 cm²): 6 cm², 40 % smaller.
    expect(par.areaCm2).toBeCloseTo(6);
    expect(par.pct).toBeCloseTo(40);
    expect(par.window.from).toEqual({ id: 'b', day: 21, areaCm2: 7 });
    expect(par.window.to).toEqual({ id: 'c', day: 35, areaCm2: 5 });
  });

  it('at day 28: not yet while no visit lies after it, and unavailable without a baseline area', () => {
    expect(parAtDay([{ id: 'a', day: 0, areaCm2: 10 }, { id: 'b', day: 20, areaCm2: 7 }], 28)).toEqual({ status: 'too-early', day: 28, latestDay: 20 });
    expect(parAtDay([{ id: 'a', day: 0, areaCm2: 0 }, { id: 'b', day: 30, areaCm2: 1 }], 28).status).toBe('unavailable');
    expect(parAtDay([], 28).status).toBe('unavailable');
  });
});

describe('thresholds per etiology (decision support)', () => {
  const visits = (pctAt28: number) => [{ id: 'a', day: 0, areaCm2: 10 }, { id: 'b', day: 28, areaCm2: 10 * (1 - pctAt28 / 100) }, { id: 'c', day: 56, areaCm2: 0.5 }];

  it('diabetic foot ulcer: < 50 % at 4 weeks (Sheehan 2003) and < 90 % at 8 weeks (Warriner 2011)', () => {
    const flagged = checkThresholds('diabetic_foot_ulcer', visits(45));
    expect(flagged.map((c) => [c.threshold.id, c.outcome])).toEqual([['dfu-4w-50', 'flag'], ['dfu-8w-90', 'met']]);
    expect(flagged[0]!.threshold.citation).toMatch(/Sheehan/);
    expect(flagged[1]!.threshold.citation).toMatch(/Warriner/);
    expect(checkThresholds('diabetic_foot_ulcer', visits(50))[0]!.outcome).toBe('met');
    const slow = checkThresholds('diabetic_foot_ulcer', [{ id: 'a', day: 0, areaCm2: 10 }, { id: 'b', day: 28, areaCm2: 4 }, { id: 'c', day: 56, areaCm2: 1.5 }]);
    expect(slow[1]!.outcome).toBe('flag'); // 85 % at 8 weeks
  });

  it('venous leg ulcer: < 40 % at 4 weeks (Kantor & Margolis 2000; Phillips 2000)', () => {
    const [check] = checkThresholds('venous_leg_ulcer', visits(35));
    expect(check!.threshold.id).toBe('vlu-4w-40');
    expect(check!.outcome).toBe('flag');
    expect(check!.threshold.citation).toMatch(/Kantor.*Phillips/);
    expect(checkThresholds('venous_leg_ulcer', visits(41))[0]!.outcome).toBe('met');
  });

  it('other etiologies have no published area threshold, and a check waits for a visit after its day', () => {
    expect(checkThresholds('pressure_injury', visits(10))).toEqual([]);
    expect(checkThresholds('surgical', visits(10))).toEqual([]);
    expect(checkThresholds('venous_leg_ulcer', [{ id: 'a', day: 0, areaCm2: 10 }, { id: 'b', day: 21, areaCm2: 9 }])[0]!.outcome).toBe('pending');
  });
});

describe('healing rates', () => {
  const at = (day: number) => Date.UTC(2024, 0, 1) + day * DAY_MS;
  const v = (day: number, areaCm2: number, perimeterCm: number, volumeCm3: number): VisitFigures => ({ id: `d${day}`, at: at(day), areaCm2, perimeterCm, volumeCm3, maxDepthMm: 0 });

  it("Gilman: Δarea / mean perimeter per week", () => {
    // A circle of radius 2 cm shrinking to 1.5 cm over 2 weeks: the edge moves 0.25 cm/week, and
    // Gilman's d = ΔA/p̄ = π(4 − 2.25)/(π(4 + 3)/2) = 0.5 cm over 2 weeks.
    const r = gilmanRate(v(0, Math.PI * 4, 4 * Math.PI, 0), v(14, Math.PI * 2.25, 3 * Math.PI, 0));
    expect(r).toBeCloseTo(0.25, 10);
    expect(gilmanRate(v(0, 2, 5, 0), v(7, 3, 6, 0))).toBeLessThan(0); // grew
    expect(gilmanRate(v(0, 2, 5, 0), v(0, 1, 4, 0))).toBeNull(); // same day
  });

  it('volume: Δvolume / mean area per week', () => {
    // 3 cm³ → 1 cm³ over one week with areas 6 and 4 cm²: 2 / 5 = 0.4 cm/week.
    expect(volumeRate(v(0, 6, 9, 3), v(7, 4, 8, 1))).toBeCloseTo(0.4, 10);
    expect(volumeRate(v(0, 0, 0, 0), v(7, 0, 0, 0))).toBeNull();
  });
});

describe('the exponential course A(t) = A₀·e^(−kt)', () => {
  it('recovers a known k and A₀ from an exact series, and predicts the day the area falls below 0.1 cm²', () => {
    for (const k of [0.01, 0.03, 0.08]) {
      const course = fitCourse(series(weekly(6), (d) => 12 * Math.exp(-k * d)));
      expect(course.status).toBe('fitted');
      if (course.status !== 'fitted') return;
      expect(Math.abs(course.kPerDay - k) / k).toBeLessThan(1e-9);
      expect(course.a0Cm2).toBeCloseTo(12, 6);
      expect(course.closureDay!).toBeCloseTo(Math.log(12 / CLOSURE_AREA_CM2) / k, 3);
      expect(course.closureEarliestDay!).toBeLessThanOrEqual(course.closureDay! + 1e-9);
      expect(course.flags.size).toBe(0);
    }
  });

  it('on noisy series (10 % scatter) k is recovered within its stated error, the median within 5 %, and few visits are flagged', () => {
    const rand = mulberry32(42);
    const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
    const errors: number[] = [];
    let covered = 0;
    let flagged = 0;
    const trials = 40;
    for (let trial = 0; trial < trials; trial++) {
      const k = 0.02 + 0.001 * trial;
      // Twice-weekly visits for 12 weeks, ±10 % (log-normal) measurement scatter.
      const points = series(Array.from({ length: 25 }, (_, i) => 3.5 * i), (d) => 15 * Math.exp(-k * d + 0.1 * gauss()));
      const course = fitCourse(points);
      if (course.status !== 'fitted') throw new Error('not fitted');
      errors.push(Math.abs(course.kPerDay - k) / k);
      expect(Math.abs(course.kPerDay - k), `trial ${trial}`).toBeLessThan(3.5 * course.kStdError);
      if (Math.abs(course.kPerDay - k) < 2.06 * course.kStdError) covered++; // t(0.975, 25 dof)
      flagged += course.flags.size;
    }
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(trials / 2)]!).toBeLessThan(0.05);
    expect(covered / trials).toBeGreaterThanOrEqual(0.85); // nominal 95 %
    // Each visit is checked against two 95 % bands: about 5–10 % false flags by design, not more.
    expect(flagged / (trials * 25)).toBeLessThan(0.12);
  });

  it('says "not closing" when k ≤ 0, with no predicted date', () => {
    const growing = fitCourse(series(weekly(4), (d) => 5 * Math.exp(0.01 * d)));
    expect(growing.status).toBe('fitted');
    if (growing.status !== 'fitted') return;
    expect(growing.closing).toBe(false);
    expect(growing.kPerDay).toBeLessThan(0);
    expect(growing.closureDay).toBeNull();
    expect(growing.closureEarliestDay).toBeNull();
    const flat = fitCourse(series(weekly(4), () => 5));
    if (flat.status !== 'fitted') throw new Error('not fitted');
    expect(flat.closing).toBe(false);
    expect(flat.closureDay).toBeNull();
  });

  it('flags a wound that heals and then stalls, at the first visit off its course', () => {
    // k = 0.05/day for three weeks, then no change for three more.
    const points = series(weekly(6), (d) => 10 * Math.exp(-0.05 * Math.min(d, 21)));
    const course = fitCourse(points);
    if (course.status !== 'fitted') throw new Error('not fitted');
    const flagged = [...course.flags.entries()];
    expect(flagged.length).toBeGreaterThanOrEqual(1);
    const [firstId, first] = flagged.sort((a, b) => Number(a[0].slice(1)) - Number(b[0].slice(1)))[0]!;
    expect(firstId).toBe('v4'); // day 28: the first stalled visit
    expect(first.kind).toBe('off-course');
    expect(first.direction).toBe('larger');
    expect(first.fromVisits).toBe(4);
    expect(points[4]!.areaCm2).toBeGreaterThan(first.expectedHighCm2);
    // Nothing flagged while it healed on course.
    expect(['v0', 'v1', 'v2', 'v3'].some((id) => course.flags.has(id))).toBe(false);
  });

  it('a single visit far off the course is outside the drawn band', () => {
    const points = series(weekly(8), (d) => 10 * Math.exp(-0.03 * d) * (d === 35 ? 2.2 : 1));
    const course = fitCourse(points);
    if (course.status !== 'fitted') throw new Error('not fitted');
    expect(course.flags.get('v5')?.direction).toBe('larger');
    expect([...course.flags.keys()]).toEqual(['v5']);
  });

  it('a healed wound (area 0) does not break the fit: the closure is the day it healed', () => {
    const points = series(weekly(5), (d) => (d >= 35 ? 0 : 6 * Math.exp(-0.06 * d)));
    const course = fitCourse(points);
    expect(course.status).toBe('fitted');
    if (course.status !== 'fitted') return;
    expect(course.healedOnDay).toBe(35);
    expect(course.kPerDay).toBeCloseTo(0.06, 9); // from the five visits with an area
    expect(course.n).toBe(5);
    expect(course.closureDay).toBeNull(); // healed, not predicted
    for (const s of course.curve) expect(Number.isFinite(s.fitCm2) && Number.isFinite(s.lowCm2) && Number.isFinite(s.highCm2)).toBe(true);
    // Healed after only two visits with an area: too few to fit, still healed.
    expect(fitCourse(series([0, 7, 14], (d) => (d === 14 ? 0 : 2)))).toEqual({ status: 'too-few', visits: 2, healedOnDay: 14 });
    // A wound that closed and reopened is open again.
    const reopened = fitCourse(series(weekly(4), (d) => (d === 21 ? 0 : 3)));
    expect(reopened.status === 'fitted' && reopened.healedOnDay).toBe(null);
  });

  it('needs three visits with an area on different days', () => {
    expect(fitCourse(series([0, 7], () => 3)).status).toBe('too-few');
    expect(fitLogLinear(series([5, 5, 5], (d) => d))).toBeNull();
  });

  it('the prediction band widens away from the visits and holds the fitted curve', () => {
    const course = fitCourse(series(weekly(4), (d) => 8 * Math.exp(-0.02 * d)));
    if (course.status !== 'fitted') throw new Error('not fitted');
    const width = (s: { lowCm2: number; highCm2: number }) => Math.log(s.highCm2 / s.lowCm2);
    const inside = course.curve.filter((s) => s.day >= 0 && s.day <= 28);
    const beyond = course.curve.filter((s) => s.day > 60);
    expect(Math.min(...beyond.map(width))).toBeGreaterThan(Math.max(...inside.map(width)));
    for (const s of course.curve) expect(s.lowCm2 <= s.fitCm2 && s.fitCm2 <= s.highCm2).toBe(true);
  });
});
