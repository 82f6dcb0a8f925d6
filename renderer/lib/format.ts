export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/**
 * Dates and times, one format everywhere (issue 21, point 12): the user's locale, the month as a
 * word so that 03/04 is never ambiguous ("9 Dec 1946", "9 Dec 2026, 14:05" in en-GB; "Dec 9,
 * 1946" in en-US), times to the minute. Every screen formats through these; none calls
 * toLocaleString() or shows an ISO string.
 */
const DATE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
const dateFormat = new Intl.DateTimeFormat(undefined, DATE);
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { ...DATE, ...TIME });
const timeFormat = new Intl.DateTimeFormat(undefined, TIME);
/** Calendar dates (YYYY-MM-DD: a date of birth, an onset) are days, not instants: never shifted by a time zone. */
const calendarFormat = new Intl.DateTimeFormat(undefined, { ...DATE, timeZone: 'UTC' });

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function toDate(value: number | string): Date | null {
  const d = typeof value === 'number' ? new Date(value) : new Date(Date.parse(value));
  return Number.isFinite(d.getTime()) ? d : null;
}

/** A day: an epoch time in the local time zone, or a YYYY-MM-DD calendar date as it is. */
export function formatDate(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' && ISO_DATE.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    return Number.isFinite(d.getTime()) ? calendarFormat.format(d) : value;
  }
  const d = toDate(value);
  return d ? dateFormat.format(d) : String(value);
}

/** A moment: day and time to the minute, local time zone. */
export function formatDateTime(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const d = toDate(value);
  return d ? dateTimeFormat.format(d) : String(value);
}

/** A time of day (for things that happened today). */
export function formatTime(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const d = toDate(value);
  return d ? timeFormat.format(d) : String(value);
}

/** The value of an `<input type="datetime-local">` for an epoch time (local, to the minute). */
export function toDateTimeInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** An `<input type="datetime-local">` value as epoch ms; NaN when empty or not a time. */
export function fromDateTimeInput(value: string): number {
  return value ? new Date(value).getTime() : Number.NaN;
}
