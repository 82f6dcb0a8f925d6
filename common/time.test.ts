import { describe, expect, it } from 'vitest';
import { addDays, dayClock, localDate, localDateTime, localDayRange, localToEpochString, mondayOf, offsetAt, weekdayOf } from './time';

describe('wall-clock time in a time zone', () => {
  it('round-trips local times on both sides of a DST change', () => {
    for (const tz of ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'UTC']) {
      for (const local of ['2025-03-04T09:30', '2025-03-31T09:30', '2025-07-01T17:05', '2025-10-28T09:30', '2025-12-31T23:59']) {
        expect(localDateTime(localToEpochString(local, tz), tz), `${tz} ${local}`).toBe(local);
      }
    }
  });

  it('moves a time in the spring-forward gap forward, takes the earlier of an autumn overlap', () => {
    // Berlin, 30 March 2025: 02:00 → 03:00.
    expect(localDateTime(localToEpochString('2025-03-30T02:30', 'Europe/Berlin'), 'Europe/Berlin')).toBe('2025-03-30T03:30');
    // 26 October 2025: 02:30 happens twice; the earlier is still CEST (UTC+2).
    const t = localToEpochString('2025-10-26T02:30', 'Europe/Berlin');
    expect(new Date(t).toISOString()).toBe('2025-10-26T00:30:00.000Z');
    expect(offsetAt(t, 'Europe/Berlin')).toBe(7_200_000);
  });

  it('knows DST days are 23 and 25 hours long', () => {
    const spring = localDayRange('2025-03-30', 'Europe/Berlin');
    const autumn = localDayRange('2025-10-26', 'Europe/Berlin');
    expect((spring.to - spring.from) / 3_600_000).toBe(23);
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25);
  });

  it('does calendar arithmetic on dates', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(weekdayOf('2025-03-04')).toBe(2);
    expect(mondayOf('2025-03-09')).toBe('2025-03-03');
    expect(localDate(Date.UTC(2025, 0, 1, 23, 30), 'Europe/Berlin')).toBe('2025-01-02');
  });
});

describe('dayClock', () => {
  it('gives the same local dates and times as Intl across a week with a DST change', () => {
    const days = Array.from({ length: 7 }, (_, i) => addDays('2025-03-27', i));
    const clock = dayClock(days, 'Europe/Berlin');
    const from = localToEpochString(days[0]!, 'Europe/Berlin');
    for (let t = from - 3_600_000; t < from + 8 * 86_400_000; t += 7 * 60_000 + 13_000) {
      expect(clock.timeOf(t)).toBe(localDateTime(t, 'Europe/Berlin').slice(11));
      expect(clock.dateOf(t)).toBe(localDate(t, 'Europe/Berlin'));
    }
  });
});
