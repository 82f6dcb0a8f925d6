/**
 * Wall-clock time in a named time zone (IANA), with Intl only: epoch ms ↔ local date and time.
 * Used by the services (series, working hours, reminders) and the calendar alike, so both read a
 * day the same way. Local times that do not exist (the spring-forward gap) move forward, and
 * ambiguous ones (the autumn overlap) take the earlier instant — RFC 5545 / Temporal "compatible".
 */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(timeZone, f);
  }
  return f;
}
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function zonedParts(ms: number, timeZone: string): LocalParts & { second: number } {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) out[p.type] = p.value;
  return { year: Number(out['year']), month: Number(out['month']), day: Number(out['day']), hour: Number(out['hour']), minute: Number(out['minute']), second: Number(out['second']), weekday: WEEKDAYS[out['weekday']!]! };
}

/** Local minus UTC at `ms`, in ms (e.g. +3 600 000 for CET). */
export function offsetAt(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant a local wall-clock time names in `timeZone`. */
export function localToEpoch(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const matches = (t: number): boolean => {
    const p = zonedParts(t, timeZone);
    return p.year === year && p.month === month && p.day === day && p.hour === hour && p.minute === minute;
  };
  const candidates = [...new Set([wall - before, wall - after])].filter(matches).sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0]!;
  // In the gap: keep the offset from before the change, which lands after the gap.
  return wall - before;
}

/** `YYYY-MM-DD` of `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** `YYYY-MM-DDTHH:mm` of `ms` in `timeZone`. */
export function localDateTime(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** `HH:mm` of `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

export function parseLocalDateTime(value: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value);
  if (!m) throw new RangeError(`not a local date-time: ${value}`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0) };
}

/** The instant of a local `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm`. */
export function localToEpochString(value: string, timeZone: string): number {
  const p = parseLocalDateTime(value);
  return localToEpoch(p.year, p.month, p.day, p.hour, p.minute, timeZone);
}

/** `YYYY-MM-DD` plus `days` (calendar arithmetic, no time zone involved). */
export function addDays(date: string, days: number): string {
  const p = parseLocalDateTime(date);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Whole days from `a` to `b` (`YYYY-MM-DD`). */
export function daysBetween(a: string, b: string): number {
  const pa = parseLocalDateTime(a);
  const pb = parseLocalDateTime(b);
  return Math.round((Date.UTC(pb.year, pb.month - 1, pb.day) - Date.UTC(pa.year, pa.month - 1, pa.day)) / 86_400_000);
}

/** ISO weekday (1 = Monday) of a `YYYY-MM-DD`. */
export function weekdayOf(date: string): number {
  const p = parseLocalDateTime(date);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The Monday of the week holding `date`. */
export function mondayOf(date: string): string {
  return addDays(date, 1 - weekdayOf(date));
}

/** [start, end) of a local day as instants (23 or 25 hours long on DST days). */
export function localDayRange(date: string, timeZone: string): { from: number; to: number } {
  return { from: localToEpochString(date, timeZone), to: localToEpochString(addDays(date, 1), timeZone) };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Fast local date and time for instants within the given days (a calendar's visible range): each
 * day's start is found once; within a day without a DST change the wall time is simple
 * arithmetic, so drawing thousands of appointments does not call Intl for each one.
 */
export function dayClock(days: readonly string[], timeZone: string): { dateOf(ms: number): string; timeOf(ms: number): string; minutesOf(ms: number): number } {
  const starts = days.map((d) => localToEpochString(d, timeZone));
  const end = localToEpochString(addDays(days[days.length - 1]!, 1), timeZone);
  const bounds = [...starts, end];
  const plain = days.map((_, i) => bounds[i + 1]! - bounds[i]! === 86_400_000);
  const locate = (ms: number): number => {
    if (ms < bounds[0]! || ms >= end) return -1;
    let i = 0;
    while (ms >= bounds[i + 1]!) i++;
    return i;
  };
  const minutesOf = (ms: number): number => {
    const i = locate(ms);
    if (i >= 0 && plain[i]) return Math.floor((ms - bounds[i]!) / 60_000);
    const p = zonedParts(ms, timeZone);
    return p.hour * 60 + p.minute;
  };
  return {
    dateOf: (ms) => {
      const i = locate(ms);
      return i >= 0 ? days[i]! : localDate(ms, timeZone);
    },
    timeOf: (ms) => {
      const m = minutesOf(ms);
      return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
    },
    minutesOf,
  };
}
