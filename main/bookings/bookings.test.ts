import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { localDateTime, localToEpochString } from '../../common/time';
import { createOpsFixture, seedOperations, type OpsFixture } from '../operations/test-helpers';
import { listAudit, newId, tables } from '../records/index';

let f: OpsFixture;
afterEach(() => f?.dispose());
const TZ = 'Europe/Berlin';
const at = (local: string) => localToEpochString(local, TZ);
const status = (id: string) => f.record.db.select({ s: tables.appointments.status }).from(tables.appointments).all().length && f.ops.bookings.get(id, f.manager).status;

function setup() {
  f = createOpsFixture({ timeZone: TZ });
  return seedOperations(f);
}

describe('bookings', () => {
  it('books, finds clinician / room / patient conflicts before saving, refuses without the override and books with it', () => {
    const ids = setup();
    const first = newId();
    f.run('bookings.book', { appointmentId: first, patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-04T09:00') });
    const probe = { patientId: f.patients.grace, staffId: f.nurse.id, roomId: ids.room1, intervals: [{ startsAt: at('2025-03-04T09:15'), endsAt: at('2025-03-04T09:45') }] };
    const conflicts = f.ops.bookings.conflicts(probe, f.manager);
    expect(conflicts.map((c) => c.kind).sort()).toEqual(['clinician', 'room']);
    expect(conflicts.every((c) => !c.message.includes('Lovelace') && !c.message.includes('Ada'))).toBe(true);
    // Back-to-back is not a conflict.
    expect(f.ops.bookings.conflicts({ ...probe, intervals: [{ startsAt: at('2025-03-04T09:30'), endsAt: at('2025-03-04T10:00') }] }, f.manager)).toEqual([]);

    const second = newId();
    const args = { appointmentId: second, patientId: f.patients.grace, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-04T09:15') };
    expect(() => f.run('bookings.book', args)).toThrow(expect.objectContaining({ code: 'BOOKING_CONFLICT' }));
    expect(f.ops.bookings.calendar({ from: at('2025-03-04T00:00'), to: at('2025-03-05T00:00') }, f.manager)).toHaveLength(1);
    expect(f.run('bookings.book', { ...args, override: true })).toEqual({ appointmentId: second, conflicts: 2 });
    const day = f.ops.bookings.calendar({ from: at('2025-03-04T00:00'), to: at('2025-03-05T00:00') }, f.manager);
    expect(day.map((a) => [a.patientName, a.roomName, a.typeName, a.conflictOverride])).toEqual([
      ['Lovelace, Ada', 'Room 1', 'Dressing change', false],
      ['Hopper, Grace', 'Room 1', 'Dressing change', true],
    ]);
    // The patient's own double booking is a conflict too.
    expect(f.ops.bookings.conflicts({ patientId: f.patients.ada, staffId: f.doctor.id, roomId: ids.room2, intervals: [{ startsAt: at('2025-03-04T09:10'), endsAt: at('2025-03-04T09:20') }] }, f.manager).map((c) => c.kind)).toEqual(['patient']);
  });

  it('books a weekly series, moves one occurrence and cancels another without touching the rest', () => {
    const ids = setup();
    const seriesId = newId();
    const { appointmentIds } = f.run<{ appointmentIds: string[] }>('bookings.bookSeries', {
      seriesId, patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, firstStart: '2025-03-04T10:00', recurrence: { frequency: 'weekly', count: 6 },
    });
    expect(appointmentIds).toHaveLength(6);
    const starts = () => appointmentIds.map((id) => localDateTime(f.ops.bookings.get(id, f.manager).startsAt, TZ));
    expect(starts()).toEqual(['2025-03-04T10:00', '2025-03-11T10:00', '2025-03-18T10:00', '2025-03-25T10:00', '2025-04-01T10:00', '2025-04-08T10:00']);
    f.run('bookings.move', { appointmentId: appointmentIds[2], startsAt: at('2025-03-19T14:00') });
    f.run('bookings.cancel', { appointmentId: appointmentIds[3], reason: 'Patient away' });
    expect(starts()).toEqual(['2025-03-04T10:00', '2025-03-11T10:00', '2025-03-19T14:00', '2025-03-25T10:00', '2025-04-01T10:00', '2025-04-08T10:00']);
    expect(appointmentIds.map((id) => status(id))).toEqual(['booked', 'booked', 'booked', 'cancelled', 'booked', 'booked']);
    expect(f.ops.bookings.get(appointmentIds[3]!, f.manager).cancelReason).toBe('Patient away');
    expect(f.ops.bookings.get(appointmentIds[2]!, f.manager).moved).toBe(true);
    // A cancelled appointment cannot be moved, and nothing was deleted.
    expect(() => f.run('bookings.move', { appointmentId: appointmentIds[3], startsAt: at('2025-03-26T10:00') })).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    expect(f.record.db.select().from(tables.appointments).all()).toHaveLength(6);
  });

  it('edits "this and following": later occurrences move with it (not the moved one before), the series splits', () => {
    const ids = setup();
    const { appointmentIds } = f.run<{ appointmentIds: string[] }>('bookings.bookSeries', {
      seriesId: newId(), patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, firstStart: '2025-03-04T10:00', recurrence: { frequency: 'weekly', count: 5 },
    });
    f.run('bookings.move', { appointmentId: appointmentIds[4], startsAt: at('2025-04-02T08:00') });
    const newSeriesId = newId();
    f.run('bookings.editFollowing', { appointmentId: appointmentIds[2], newSeriesId, startsAt: at('2025-03-20T15:30'), roomId: ids.room2 });
    const rows = appointmentIds.map((id) => f.ops.bookings.get(id, f.manager));
    expect(rows.map((r) => localDateTime(r.startsAt, TZ))).toEqual(['2025-03-04T10:00', '2025-03-11T10:00', '2025-03-20T15:30', '2025-03-27T15:30', '2025-04-02T08:00']);
    expect(rows.map((r) => r.seriesId === newSeriesId)).toEqual([false, false, true, true, false]);
    expect(rows.map((r) => r.roomName)).toEqual(['Room 1', 'Room 1', 'Room 2', 'Room 2', 'Room 1']);
    const series = f.record.db.select().from(tables.appointmentSeries).all();
    expect(series.find((s) => s.id === newSeriesId)).toMatchObject({ splitFromId: rows[0]!.seriesId });
    expect(series.find((s) => s.id === newSeriesId)!.rrule).toContain('BYDAY=TH');
    f.run('bookings.cancel', { appointmentId: appointmentIds[2], reason: 'Stopped', scope: 'following' });
    expect(appointmentIds.map((id) => status(id))).toEqual(['booked', 'booked', 'cancelled', 'cancelled', 'booked']);
  });

  it('keeps the local time of a weekly series across a DST change (Europe/Berlin and America/New_York)', () => {
    for (const [tz, first, dst] of [
      ['Europe/Berlin', '2025-03-18T09:30', '2025-03-30'],
      ['America/New_York', '2025-03-04T09:30', '2025-03-09'],
      ['Europe/Berlin', '2025-10-14T16:00', '2025-10-26'],
    ] as const) {
      f = createOpsFixture({ timeZone: tz });
      const ids = seedOperations(f);
      const { appointmentIds } = f.run<{ appointmentIds: string[] }>('bookings.bookSeries', {
        seriesId: newId(), patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: null, firstStart: first, recurrence: { frequency: 'weekly', count: 4 },
      });
      const views = appointmentIds.map((id) => f.ops.bookings.get(id, f.manager));
      const times = views.map((v) => localDateTime(v.startsAt, tz).slice(11));
      expect(new Set(times), `${tz} across ${dst}`).toEqual(new Set([first.slice(11)]));
      // …so the UTC instants are not a fixed 7 × 24 h apart.
      const gaps = views.slice(1).map((v, i) => (v.startsAt - views[i]!.startsAt) / 3_600_000);
      expect(gaps.some((g) => g !== 168), `${tz}: ${gaps.join(',')}`).toBe(true);
      expect(views.every((v) => v.endsAt - v.startsAt === 30 * 60_000)).toBe(true);
      f.dispose();
    }
    f = createOpsFixture();
  });

  it('runs an appointment from booked to checked in and completed; no-show; cancellation needs a reason', () => {
    const ids = setup();
    const a = newId();
    const b = newId();
    f.run('bookings.book', { appointmentId: a, patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-04T09:00') });
    f.run('bookings.book', { appointmentId: b, patientId: f.patients.grace, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-04T10:00') });
    f.run('bookings.checkIn', { appointmentId: a }, f.nurse);
    expect(() => f.run('bookings.checkIn', { appointmentId: a }, f.nurse)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    f.run('bookings.complete', { appointmentId: a }, f.nurse);
    f.run('bookings.noShow', { appointmentId: b });
    expect([status(a), status(b)]).toEqual(['completed', 'no_show']);
    expect(() => f.run('bookings.cancel', { appointmentId: a, reason: '' })).toThrow();
    // The nurse's own day.
    expect(f.ops.bookings.myDay('2025-03-04', f.nurse).map((x) => x.id)).toEqual([a, b]);
    expect(f.ops.bookings.myDay('2025-03-04', f.doctor)).toEqual([]);
  });

  it('treats leave and working hours as conflicts', () => {
    const ids = setup();
    f.run('bookings.setClinicianProfile', { staffId: f.doctor.id, homeCare: false, hours: [{ weekday: 2, start: '08:00', end: '12:00' }] });
    f.run('bookings.addLeave', { leaveId: newId(), staffId: f.doctor.id, startsAt: at('2025-03-11T00:00'), endsAt: at('2025-03-12T00:00'), reason: 'Training' });
    const q = (local: string) => f.ops.bookings.conflicts({ patientId: f.patients.ada, staffId: f.doctor.id, roomId: null, intervals: [{ startsAt: at(local), endsAt: at(local) + 30 * 60_000 }] }, f.manager).map((c) => c.kind);
    expect(q('2025-03-04T09:00')).toEqual([]);
    expect(q('2025-03-04T11:45')).toEqual(['hours']);
    expect(q('2025-03-05T09:00')).toEqual(['hours']);
    expect(q('2025-03-11T09:00')).toEqual(['leave']);
    expect(f.ops.bookings.previewSeries({ patientId: f.patients.ada, typeId: ids.dressing, staffId: f.doctor.id, roomId: null, firstStart: '2025-03-04T09:00', recurrence: { frequency: 'weekly', count: 3 } }).conflicts.map((c) => c.kind)).toEqual(['leave']);
  });

  it('home visits: only home-care staff, the patient’s address, travel between consecutive visits in the caregiver’s day', () => {
    const ids = setup();
    const visit = (appointmentId: string, patientId: string, local: string, coords: [number, number] | null) =>
      f.run('bookings.book', { appointmentId, patientId, typeId: ids.homeVisit, staffId: f.caregiver.id, startsAt: at(local), ...(coords ? { latitude: coords[0], longitude: coords[1] } : {}) });
    expect(() => f.run('bookings.book', { appointmentId: newId(), patientId: f.patients.ada, typeId: ids.homeVisit, staffId: f.nurse.id, startsAt: at('2025-03-04T09:00') })).toThrow(expect.objectContaining({ code: 'NOT_HOME_CARE' }));
    visit(newId(), f.patients.ada, '2025-03-04T09:00', [52.52, 13.405]);
    visit(newId(), f.patients.grace, '2025-03-04T10:00', [52.45, 13.3]);
    visit(newId(), f.patients.ada, '2025-03-04T11:10', null);
    const day = f.ops.bookings.caregiverDay(f.caregiver.id, '2025-03-04', f.manager);
    expect(day.map((d) => d.address)).toEqual(['12 St James Square, London', '1 Navy Yard, Arlington', '12 St James Square, London']);
    // 10.3 km × 1.4 at 30 km/h ≈ 29 min → 30; the last has no coordinates: the clinic default, marked estimated.
    expect(day.map((d) => [d.travelMinutes, d.travelEstimated])).toEqual([[null, false], [30, false], [20, true]]);
    // 09:45 → 10:00 leaves 15 minutes for 30 minutes of travel.
    expect(day.map((d) => d.tooTight)).toEqual([false, true, false]);
    const done = day[0]!.id;
    f.run('bookings.recordVisit', { appointmentId: done, summary: 'Cleansed, foam dressing applied' }, f.caregiver);
    expect(f.ops.bookings.visitSummary(done, f.caregiver)).toEqual({ summary: 'Cleansed, foam dressing applied', recordedBy: f.caregiver.id });
    expect(status(done)).toBe('completed');
  });

  it('queues a reminder per booking with contact and channel and nothing clinical; moves and cancels follow; opt-out queues none', () => {
    const ids = setup();
    const a = newId();
    f.run('bookings.book', { appointmentId: a, patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-05T09:00'), notes: 'Check for infection' });
    const [r] = f.ops.bookings.reminders(a, f.manager);
    expect(r).toMatchObject({ channel: 'sms', status: 'queued', sendAt: at('2025-03-04T09:00') });
    expect(r!.message).toContain('2025-03-05 at 09:00');
    for (const word of ['Dressing', 'dressing', 'infection', 'wound', 'Lovelace']) expect(r!.message).not.toContain(word);
    expect(f.record.db.select().from(tables.reminders).all()[0]).toMatchObject({ recipient: '+44 20 7946 0001' });
    f.run('bookings.move', { appointmentId: a, startsAt: at('2025-03-06T11:00') });
    const after = f.ops.bookings.reminders(a, f.manager);
    expect(after.map((x) => [x.status, x.sendAt])).toEqual([['queued', at('2025-03-05T11:00')], ['cancelled', at('2025-03-04T09:00')]].sort((x, y) => (x[1] as number) - (y[1] as number)));
    // Grace has only e-mail.
    const g = newId();
    f.run('bookings.book', { appointmentId: g, patientId: f.patients.grace, typeId: ids.dressing, staffId: f.doctor.id, roomId: ids.room2, startsAt: at('2025-03-05T09:00') });
    expect(f.ops.bookings.reminders(g, f.manager)[0]).toMatchObject({ channel: 'email' });
    f.run('bookings.setReminderPreference', { patientId: f.patients.grace, optOut: true });
    expect(f.ops.bookings.reminders(g, f.manager).map((x) => x.status)).toEqual(['cancelled']);
    const g2 = newId();
    f.run('bookings.book', { appointmentId: g2, patientId: f.patients.grace, typeId: ids.dressing, staffId: f.doctor.id, roomId: ids.room2, startsAt: at('2025-03-07T09:00') });
    expect(f.ops.bookings.reminders(g2, f.manager)).toEqual([]);
  });

  it('exports a clinician’s week as ICS that a standard parser reads, with no patient name in it', () => {
    const ids = setup();
    f.run('bookings.book', { appointmentId: newId(), patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-04T09:00') });
    f.run('bookings.book', { appointmentId: newId(), patientId: f.patients.grace, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room2, startsAt: at('2025-03-06T14:30') });
    f.run('bookings.book', { appointmentId: newId(), patientId: f.patients.grace, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room2, startsAt: at('2025-03-11T14:30') });
    const ics = f.ops.bookings.weekIcs(f.nurse.id, '2025-03-03', f.manager);
    const events = new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.map((e) => [e.summary, e.startDate.toJSDate().getTime(), e.endDate.toJSDate().getTime()])).toEqual([
      ['Dressing change (Room 1)', at('2025-03-04T09:00'), at('2025-03-04T09:30')],
      ['Dressing change (Room 2)', at('2025-03-06T14:30'), at('2025-03-06T15:00')],
    ]);
    for (const word of ['Lovelace', 'Hopper', 'MRN-1', 'St James']) expect(ics).not.toContain(word);
  });

  it('audits reads and changes of appointments (ids only) and finds them by patient', () => {
    const ids = setup();
    const a = newId();
    f.run('bookings.book', { appointmentId: a, patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-04T09:00') });
    expect(f.ops.bookings.search('lovel', f.manager).map((x) => x.id)).toEqual([a]);
    expect(f.ops.bookings.search('MRN-2', f.manager)).toEqual([]);
    f.ops.bookings.get(a, f.nurse);
    const actions = listAudit(f.record, { entity: 'appointment' }).map((r) => [r.action, r.actorId]);
    expect(actions).toEqual(expect.arrayContaining([['appointment.book', f.manager.id], ['appointment.search', f.manager.id], ['appointment.read', f.nurse.id]]));
    expect(JSON.stringify(listAudit(f.record, { limit: 1000 }))).not.toContain('Lovelace');
  });
});
