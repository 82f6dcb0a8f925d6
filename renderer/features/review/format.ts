/** Words and numbers of the review screen: dates, weeks since the baseline, rates. */
import { formatDate } from '../../lib/format';

export const DAY_MS = 86_400_000;

/** A visit's date in the app's one date format (renderer/lib/format.ts). */
export const dateOf = (ms: number): string => formatDate(ms);

/** "week 4" for day 28, "day 3" under a week. */
export function weekOf(day: number): string {
  if (Math.abs(day) < 6.5) return `day ${Math.round(day)}`;
  const weeks = day / 7;
  return `week ${Number.isInteger(Math.round(weeks * 10) / 10) ? Math.round(weeks) : weeks.toFixed(1)}`;
}

export const pct = (v: number | null): string => (v === null ? '—' : `${v >= 0 ? '' : '−'}${Math.abs(v).toFixed(0)} %`);
export const rate = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)} cm/week`);
