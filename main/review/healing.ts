/**
 * Healing figures of one wound over its visits, from the baseline on:
 *
 *  - percent area reduction PAR = 100 · (A_baseline − A) / A_baseline at each visit;
 *  - PAR at 4 weeks (day 28) and 8 weeks (day 56): the visit on that day when there is one (same
 *    day, ±12 h), otherwise linear interpolation of the area between the last visit before and
 *    the first visit after it, and that window is reported; none before a visit after the day;
 *  - the etiology's published threshold, as decision support (never a diagnosis): diabetic foot
 *    ulcers below 50 % at 4 weeks (Sheehan 2003) or below 90 % at 8 weeks (Warriner 2011), venous
 *    leg ulcers below 40 % at 4 weeks (Kantor & Margolis 2000; Phillips 2000);
 *  - Gilman's linear healing rate d = ΔA / p̄ (p̄ the mean of the two perimeters), per week: how
 *    far the edge advances, independent of the wound's size (Gilman T. Wounds 1990;2:95–101);
 *  - a volume healing rate ΔV / Ā (Ā the mean of the two areas), per week: how fast the wound
 *    fills, as a depth per week.
 * Rates are positive while the wound heals. Areas in cm², perimeters in cm, volumes in cm³.
 */
import { DAY_MS } from './course';

export interface VisitFigures {
  id: string;
  /** Clinical date (epoch ms). */
  at: number;
  areaCm2: number;
  perimeterCm: number;
  volumeCm3: number;
  maxDepthMm: number;
}

export const WEEK_DAYS = 7;
/** A visit within half a day of the check's day counts as on it. */
export const ON_DAY_TOLERANCE_DAYS = 0.5;

/** Percent area reduction from `baseline` (null when the baseline has no area). */
export function percentAreaReduction(baselineCm2: number, areaCm2: number): number | null {
  if (!(baselineCm2 > 0)) return null;
  return (100 * (baselineCm2 - areaCm2)) / baselineCm2;
}

export type ParAtDay =
  | { status: 'visit'; day: number; pct: number; areaCm2: number; visit: { id: string; day: number } }
  | { status: 'interpolated'; day: number; pct: number; areaCm2: number; window: { from: { id: string; day: number; areaCm2: number }; to: { id: string; day: number; areaCm2: number } } }
  | { status: 'too-early'; day: number; latestDay: number }
  | { status: 'unavailable'; day: number; reason: string };

/** PAR at `day` days after the baseline (`visits` from the baseline on, day 0 first). */
export function parAtDay(visits: readonly { id: string; day: number; areaCm2: number }[], day: number): ParAtDay {
  const ordered = [...visits].sort((a, b) => a.day - b.day);
  const base = ordered[0];
  if (!base) return { status: 'unavailable', day, reason: 'No assessments.' };
  if (!(base.areaCm2 > 0)) return { status: 'unavailable', day, reason: 'The baseline has no area to reduce.' };
  const onDay = ordered.filter((v) => Math.abs(v.day - day) <= ON_DAY_TOLERANCE_DAYS).sort((a, b) => Math.abs(a.day - day) - Math.abs(b.day - day))[0];
  if (onDay) return { status: 'visit', day, pct: percentAreaReduction(base.areaCm2, onDay.areaCm2)!, areaCm2: onDay.areaCm2, visit: { id: onDay.id, day: onDay.day } };
  const after = ordered.find((v) => v.day > day);
  if (!after) return { status: 'too-early', day, latestDay: ordered.at(-1)!.day };
  const before = [...ordered].reverse().find((v) => v.day < day)!;
  const f = (day - before.day) / (after.day - before.day);
  const areaCm2 = before.areaCm2 + f * (after.areaCm2 - before.areaCm2);
  return {
    status: 'interpolated',
    day,
    pct: percentAreaReduction(base.areaCm2, areaCm2)!,
    areaCm2,
    window: { from: { id: before.id, day: before.day, areaCm2: before.areaCm2 }, to: { id: after.id, day: after.day, areaCm2: after.areaCm2 } },
  };
}

export type Etiology = 'diabetic_foot_ulcer' | 'venous_leg_ulcer' | 'pressure_injury' | 'surgical' | 'burn' | 'other';

export interface HealingThreshold {
  id: 'dfu-4w-50' | 'dfu-8w-90' | 'vlu-4w-40';
  etiology: Etiology;
  day: number;
  /** PAR below this at `day` is flagged. */
  minPct: number;
  citation: string;
  /** What a flag means, in words, for the decision-support note. */
  meaning: string;
}

export const HEALING_THRESHOLDS: readonly HealingThreshold[] = [
  {
    id: 'dfu-4w-50',
    etiology: 'diabetic_foot_ulcer',
    day: 28,
    minPct: 50,
    citation: 'Sheehan P, Jones P, Caselli A, et al. Diabetes Care 2003;26(6):1879–82',
    meaning: 'Diabetic foot ulcers with less than 50 % area reduction at 4 weeks rarely heal by 12 weeks with standard care; consider re-evaluating treatment.',
  },
  {
    id: 'dfu-8w-90',
    etiology: 'diabetic_foot_ulcer',
    day: 56,
    minPct: 90,
    citation: 'Warriner RA, Snyder RJ, Cardinal MH. Int Wound J 2011;8(6):632–7',
    meaning: 'Diabetic foot ulcers short of 90 % area reduction at 8 weeks are unlikely to close by 12 weeks; consider re-evaluating treatment.',
  },
  {
    id: 'vlu-4w-40',
    etiology: 'venous_leg_ulcer',
    day: 28,
    minPct: 40,
    citation: 'Kantor J, Margolis DJ. Br J Dermatol 2000;142(5):960–4; Phillips TJ, et al. J Am Acad Dermatol 2000;43(4):627–30',
    meaning: 'Venous leg ulcers with less than 40 % area reduction at 4 weeks are unlikely to heal by 24 weeks with compression alone; consider re-evaluating treatment.',
  },
];

export interface ThresholdCheck {
  threshold: HealingThreshold;
  par: ParAtDay;
  /** 'flag': below the threshold; 'met': at or above; 'pending': no visit after the day yet; 'unavailable': no baseline area. */
  outcome: 'flag' | 'met' | 'pending' | 'unavailable';
}

export function checkThresholds(etiology: Etiology, visits: readonly { id: string; day: number; areaCm2: number }[]): ThresholdCheck[] {
  return HEALING_THRESHOLDS.filter((t) => t.etiology === etiology).map((threshold) => {
    const par = parAtDay(visits, threshold.day);
    const outcome: ThresholdCheck['outcome'] = par.status === 'too-early' ? 'pending' : par.status === 'unavailable' ? 'unavailable' : par.pct < threshold.minPct ? 'flag' : 'met';
    return { threshold, par, outcome };
  });
}

/** Gilman's linear healing rate between two visits: ΔA / mean perimeter per week (cm/week); null when undefined. */
export function gilmanRate(earlier: VisitFigures, later: VisitFigures): number | null {
  const weeks = (later.at - earlier.at) / (WEEK_DAYS * DAY_MS);
  const meanPerimeter = (earlier.perimeterCm + later.perimeterCm) / 2;
  if (!(weeks > 0) || !(meanPerimeter > 0)) return null;
  return (earlier.areaCm2 - later.areaCm2) / meanPerimeter / weeks;
}

/** Volume healing rate between two visits: ΔV / mean area per week (cm/week); null when undefined. */
export function volumeRate(earlier: VisitFigures, later: VisitFigures): number | null {
  const weeks = (later.at - earlier.at) / (WEEK_DAYS * DAY_MS);
  const meanArea = (earlier.areaCm2 + later.areaCm2) / 2;
  if (!(weeks > 0) || !(meanArea > 0)) return null;
  return (earlier.volumeCm3 - later.volumeCm3) / meanArea / weeks;
}
