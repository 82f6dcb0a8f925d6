/**
 * Recurring series with rrule-temporal (RFC 5545 on Temporal): the rule is expanded in the
 * clinic's time zone, so a weekly series keeps its local time across a DST change.
 */
import { RRuleTemporal } from 'rrule-temporal';
import type { z } from 'zod';
import type { recurrenceSchema } from '../../common/bookings';
import { addDays, localToEpochString, parseLocalDateTime, weekdayOf } from '../../common/time';

type Recurrence = z.output<typeof recurrenceSchema>;
const BYDAY = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

export interface Occurrence {
  startsAt: number;
  endsAt: number;
}

const compact = (local: string): string => local.replace(/[-:]/g, '') + (local.length === 16 ? '00' : '');

/** `DTSTART;TZID=…` and `RRULE:…` lines for a series starting at local `firstStart`. */
export function seriesRule(firstStart: string, timeZone: string, r: Recurrence): string {
  const parts = [`FREQ=${r.frequency === 'weekly' ? 'WEEKLY' : 'DAILY'}`];
  if (r.interval !== 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.frequency === 'weekly') {
    const days = r.weekdays.length ? [...new Set(r.weekdays)].sort() : [weekdayOf(firstStart.slice(0, 10))];
    parts.push(`BYDAY=${days.map((d) => BYDAY[d - 1]).join(',')}`);
  }
  if (r.count !== null) parts.push(`COUNT=${r.count}`);
  else if (r.until !== null) {
    // UNTIL is UTC when DTSTART has a TZID (RFC 5545 §3.3.10): the end of the local day.
    const end = new Date(localToEpochString(addDays(r.until, 1), timeZone) - 1000);
    parts.push(`UNTIL=${end.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`);
  }
  return `DTSTART;TZID=${timeZone}:${compact(firstStart)}\nRRULE:${parts.join(';')}`;
}

/** The occurrences of a rule, each `minutes` long; at most `max` (more is an error for the caller). */
export function expandRule(rule: string, minutes: number, max: number): Occurrence[] {
  const rrule = new RRuleTemporal({ rruleString: rule });
  const starts = rrule.all((_, i) => i < max + 1);
  return starts.map((z) => ({ startsAt: z.epochMilliseconds, endsAt: z.epochMilliseconds + minutes * 60_000 }));
}

/** The rule rewritten to start at another local time (a "this and following" split) with `count` occurrences. */
export function shiftedRule(rule: string, newFirstStart: string, timeZone: string, dayShift: number, count: number): string {
  const rrule = /RRULE:([^\n]+)/.exec(rule)?.[1] ?? 'FREQ=WEEKLY';
  const kept = rrule
    .split(';')
    .filter((p) => !/^(COUNT|UNTIL)=/.test(p))
    .map((p) => {
      if (!p.startsWith('BYDAY=')) return p;
      const days = p.slice(6).split(',').map((d) => BYDAY.indexOf(d as (typeof BYDAY)[number]));
      return `BYDAY=${days.map((d) => BYDAY[(((d + dayShift) % 7) + 7) % 7]).join(',')}`;
    });
  parseLocalDateTime(newFirstStart);
  return `DTSTART;TZID=${timeZone}:${compact(newFirstStart)}\nRRULE:${[...kept, `COUNT=${count}`].join(';')}`;
}

/** The rule cut to its first `count` occurrences (the part before a split). */
export function truncatedRule(rule: string, count: number): string {
  return rule.replace(/RRULE:([^\n]+)/, (_, r: string) => `RRULE:${[...r.split(';').filter((p) => !/^(COUNT|UNTIL)=/.test(p)), `COUNT=${Math.max(count, 1)}`].join(';')}`);
}
