import { describe, expect, it } from 'vitest';
import { dayProblem, fromWeek, hoursSummary, toWeek } from './WorkingHours';

describe('working hours editor', () => {
  it('names runs of days with the same hours once, and says "any time" when none are set', () => {
    const split = [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }];
    const hours = [1, 2, 3, 4, 5].flatMap((weekday) => split.map((b) => ({ weekday, ...b }))).concat([{ weekday: 6, start: '09:00', end: '12:00' }]);
    expect(hoursSummary(hours)).toBe('Mon–Fri 08:00–12:00, 13:00–17:00 · Sat 09:00–12:00');
    expect(hoursSummary([{ weekday: 1, start: '08:00', end: '16:00' }, { weekday: 3, start: '08:00', end: '16:00' }])).toBe('Mon 08:00–16:00 · Wed 08:00–16:00');
    expect(hoursSummary([])).toBe('Any time (no working hours set)');
  });

  it('refuses an end before its start, a missing time and overlapping blocks, in words', () => {
    expect(dayProblem([{ start: '08:00', end: '07:00' }])).toBe('08:00–07:00 ends before it starts');
    expect(dayProblem([{ start: '08:00', end: '' }])).toBe('Enter both times, like 08:30');
    expect(dayProblem([{ start: '13:00', end: '17:00' }, { start: '08:00', end: '13:30' }])).toBe('08:00–13:30 and 13:00–17:00 overlap');
    expect(dayProblem([{ start: '08:00', end: '12:00' }, { start: '12:00', end: '16:00' }])).toBeNull();
  });

  it('round-trips the stored hours, sorted by day and time', () => {
    const hours = [{ weekday: 2, start: '13:00', end: '17:00' }, { weekday: 2, start: '08:00', end: '12:00' }, { weekday: 7, start: '10:00', end: '11:00' }];
    expect(fromWeek(toWeek(hours))).toEqual([hours[1], hours[0], hours[2]]);
  });
});
