/**
 * Bookings: the calendar's appointments (clinic and home visits), recurring series, clinicians'
 * hours and leave, conflict checks, check-in to completion, and the reminders each booking queues.
 * Every change is a command on the clinic's bus; every read of appointments is audited (they name
 * patients).
 */
import { and, asc, eq, gt, gte, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import {
  addLeaveArgs, appointmentIdArgs, bookArgs, bookSeriesArgs, cancelArgs, cancelLeaveArgs, conflictCheckInput, defineRoomArgs, defineTypeArgs, editFollowingArgs,
  MAX_APPOINTMENT_MINUTES, MAX_SERIES_OCCURRENCES, moveArgs, recordVisitArgs, reminderPreferenceArgs, seriesPreviewInput, setClinicianProfileArgs, workingHoursSchema,
  type AppointmentView, type BookingsSetup, type Conflict, type HomeVisit,
} from '../../common/bookings';
import type { AppointmentStatus, OperationsSettings } from '../../common/operations';
import { addDays, daysBetween, localDate, localDayRange, localTime, localToEpoch, zonedParts } from '../../common/time';
import { defineCommand, InvalidTransitionError, OperationNotFoundError, type CommandBus, type CommandContext } from '../commands/index';
import { appendAudit, actorRole, tables, type Actor, type ClinicRecord } from '../records/index';
import { AddressRequiredError, BookingConflictError, NoOccurrencesError, NotAClinicianError, NotHomeCareError, NotInSeriesError } from './errors';
import { buildIcs } from './ics';
import { expandRule, seriesRule, shiftedRule, truncatedRule, type Occurrence } from './recurrence';
import { estimateTravelMinutes } from './travel';

const { appointments: A, patients: P, staff: S, staffRoles, rooms, appointmentTypes: T, clinicianProfiles, leaveBlocks, appointmentSeries, reminders, reminderPreferences } = tables;

/** Statuses that occupy the clinician, room and patient. */
const ACTIVE: AppointmentStatus[] = ['booked', 'checked_in', 'completed'];
const MAX_MS = MAX_APPOINTMENT_MINUTES * 60_000;
const DEFAULT_COLOUR = '#868e96';

export interface BookingsDeps {
  record: ClinicRecord;
  bus: CommandBus;
  settings: () => OperationsSettings;
}

export interface ConflictQuery {
  patientId: string;
  staffId: string;
  roomId: string | null;
  intervals: Occurrence[];
  excludeIds?: string[];
}

export interface BookingsService {
  calendar(input: { from: number; to: number; staffIds?: string[]; roomIds?: string[] }, actor: Actor): AppointmentView[];
  /** The signed-in clinician's appointments on a local day. */
  myDay(date: string, actor: Actor): AppointmentView[];
  /** A caregiver's home visits on a local day, with travel between consecutive visits. */
  caregiverDay(staffId: string, date: string, actor: Actor): HomeVisit[];
  search(query: string, actor: Actor): AppointmentView[];
  get(appointmentId: string, actor: Actor): AppointmentView;
  conflicts(input: z.input<typeof conflictCheckInput>, actor: Actor): Conflict[];
  previewSeries(input: z.input<typeof seriesPreviewInput>): { occurrences: Occurrence[]; conflicts: Conflict[] };
  setup(): BookingsSetup;
  /** ICS (RFC 5545) of a clinician's week; no patient names in it (it leaves the record). */
  weekIcs(staffId: string, monday: string, actor: Actor): string;
  /** What was done at a visit (clinical: nurses and doctors). */
  visitSummary(appointmentId: string, actor: Actor): { summary: string | null; recordedBy: string | null };
  reminders(appointmentId: string, actor: Actor): Array<{ id: string; channel: string; sendAt: number; status: string; message: string }>;
  reminderPreference(patientId: string): { optOut: boolean; channel: 'sms' | 'email' | null };
  /** For other domains (stock, billing) inside a command: the visit, or NOT_FOUND. */
  visit(appointmentId: string): { id: string; patientId: string; typeId: string | null; status: AppointmentStatus; startsAt: number };
}

const patientName = sql<string>`${P.familyName} || ', ' || ${P.givenName}`;
const viewColumns = {
  id: A.id,
  patientId: A.patientId,
  patientName,
  mrn: P.mrn,
  staffId: A.staffId,
  staffName: S.displayName,
  roomId: A.roomId,
  roomName: rooms.name,
  typeId: A.typeId,
  typeName: T.name,
  colour: sql<string>`coalesce(${T.colour}, ${DEFAULT_COLOUR})`,
  kind: A.kind,
  status: A.status,
  startsAt: A.startsAt,
  endsAt: A.endsAt,
  seriesId: A.seriesId,
  moved: A.moved,
  conflictOverride: A.conflictOverride,
  cancelReason: A.cancelReason,
  address: A.address,
  notes: A.notes,
};

export function createBookings({ record, bus, settings }: BookingsDeps): BookingsService {
  const { db } = record;
  const audit = (actor: Actor, action: string, entityId: string | null): void =>
    void appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'appointment', entityId });

  const selectViews = (where: SQL | undefined) =>
    db.select(viewColumns).from(A).innerJoin(P, eq(P.id, A.patientId)).leftJoin(S, eq(S.id, A.staffId)).leftJoin(rooms, eq(rooms.id, A.roomId)).leftJoin(T, eq(T.id, A.typeId)).where(where).orderBy(asc(A.startsAt), asc(A.id));

  function appointment(id: string) {
    const row = db.select().from(A).where(eq(A.id, id)).get();
    if (!row) throw new OperationNotFoundError('appointment', id);
    return row;
  }
  function patient(id: string) {
    const row = db.select({ id: P.id, phone: P.phone, email: P.email, address: P.address }).from(P).where(eq(P.id, id)).get();
    if (!row) throw new OperationNotFoundError('patient', id);
    return row;
  }
  function clinician(staffId: string) {
    const member = db.select({ id: S.id, disabledAt: S.disabledAt }).from(S).where(eq(S.id, staffId)).get();
    if (!member) throw new OperationNotFoundError('staff member', staffId);
    const roles = db.select({ role: staffRoles.role }).from(staffRoles).where(eq(staffRoles.staffId, staffId)).all().map((r) => r.role);
    if (!roles.some((r) => r === 'nurse' || r === 'doctor')) throw new NotAClinicianError();
    const profile = db.select().from(clinicianProfiles).where(eq(clinicianProfiles.staffId, staffId)).get();
    return { id: staffId, homeCare: profile?.homeCare ?? false, hours: workingHoursSchema.parse(JSON.parse(profile?.hoursJson ?? '[]')) };
  }
  function type(id: string) {
    const row = db.select().from(T).where(eq(T.id, id)).get();
    if (!row) throw new OperationNotFoundError('appointment type', id);
    return row;
  }
  function room(id: string | null): void {
    if (id !== null && !db.select({ id: rooms.id }).from(rooms).where(eq(rooms.id, id)).get()) throw new OperationNotFoundError('room', id);
  }

  // ---- conflicts ----------------------------------------------------------------------------

  // The conflict check runs on every booking: its statements are prepared once (drizzle
  // placeholders), so a check is index lookups, not query building (bench/operations).
  const ph = (name: string) => sql.placeholder(name);
  const overlapBy = (column: typeof A.staffId | typeof A.roomId | typeof A.patientId) =>
    db
      .select({ id: A.id })
      .from(A)
      // Bounded below by the longest appointment, so the (column, starts_at) index answers it.
      .where(and(eq(column, ph('key')), gt(A.startsAt, ph('lo')), lt(A.startsAt, ph('end')), gt(A.endsAt, ph('start')), inArray(A.status, ACTIVE)))
      .prepare();
  const overlapping = { staff: overlapBy(A.staffId), room: overlapBy(A.roomId), patient: overlapBy(A.patientId) };
  const leaveOverlapping = db
    .select({ id: leaveBlocks.id })
    .from(leaveBlocks)
    .where(and(eq(leaveBlocks.staffId, ph('staffId')), isNull(leaveBlocks.cancelledAt), lt(leaveBlocks.startsAt, ph('end')), gt(leaveBlocks.endsAt, ph('start'))))
    .prepare();

  function findConflicts(q: ConflictQuery): Conflict[] {
    const tz = settings().timeZone;
    const exclude = new Set(q.excludeIds ?? []);
    const hours = clinician(q.staffId).hours;
    const found: Conflict[] = [];
    const others = (which: keyof typeof overlapping, key: string, i: Occurrence) =>
      overlapping[which].all({ key, lo: i.startsAt - MAX_MS, end: i.endsAt, start: i.startsAt }).filter((o) => !exclude.has(o.id));
    for (const i of q.intervals) {
      const span = () => `${localTime(i.startsAt, tz)}–${localTime(i.endsAt, tz)} on ${localDate(i.startsAt, tz)}`;
      for (const o of others('staff', q.staffId, i)) found.push({ kind: 'clinician', withId: o.id, startsAt: i.startsAt, endsAt: i.endsAt, message: `The clinician has another appointment overlapping ${span()}.` });
      if (q.roomId) for (const o of others('room', q.roomId, i)) found.push({ kind: 'room', withId: o.id, startsAt: i.startsAt, endsAt: i.endsAt, message: `The room is booked during ${span()}.` });
      for (const o of others('patient', q.patientId, i)) found.push({ kind: 'patient', withId: o.id, startsAt: i.startsAt, endsAt: i.endsAt, message: `The patient has another appointment overlapping ${span()}.` });
      for (const l of leaveOverlapping.all({ staffId: q.staffId, end: i.endsAt, start: i.startsAt })) found.push({ kind: 'leave', withId: l.id, startsAt: i.startsAt, endsAt: i.endsAt, message: `The clinician is on leave ${span()}.` });
      if (hours.length > 0 && !withinHours(hours, i, tz)) found.push({ kind: 'hours', withId: null, startsAt: i.startsAt, endsAt: i.endsAt, message: `${span()} is outside the clinician's working hours.` });
    }
    return found;
  }

  function withinHours(hours: z.infer<typeof workingHoursSchema>, i: Occurrence, tz: string): boolean {
    const date = localDate(i.startsAt, tz);
    const weekday = zonedParts(i.startsAt, tz).weekday;
    return hours.some((h) => {
      if (h.weekday !== weekday) return false;
      const [sh, sm] = h.start.split(':').map(Number) as [number, number];
      const [eh, em] = h.end.split(':').map(Number) as [number, number];
      const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
      return i.startsAt >= localToEpoch(y, mo, d, sh, sm, tz) && i.endsAt <= localToEpoch(y, mo, d, eh, em, tz);
    });
  }

  // ---- reminders ----------------------------------------------------------------------------

  function reminderMessage(startsAt: number): string {
    const tz = settings().timeZone;
    // Nothing clinical: who, when, and how to change it.
    return `Reminder from ${record.clinicName}: you have an appointment on ${localDate(startsAt, tz)} at ${localTime(startsAt, tz)}. Please call the clinic if you need to change it.`;
  }
  function queueReminder(ctx: CommandContext, appointmentId: string, patientId: string, startsAt: number): void {
    const pref = db.select().from(reminderPreferences).where(eq(reminderPreferences.patientId, patientId)).get();
    if (pref?.optOut) return;
    const p = patient(patientId);
    const channel = pref?.channel ?? (p.phone ? 'sms' : p.email ? 'email' : null);
    const recipient = channel === 'sms' ? p.phone : channel === 'email' ? p.email : null;
    if (!channel || !recipient) return;
    const sendAt = Math.max(startsAt - settings().reminderLeadHours * 3_600_000, ctx.now);
    if (sendAt >= startsAt) return;
    db.insert(reminders)
      .values({ id: ctx.derivedId(`reminder:${appointmentId}:${startsAt}`), appointmentId, patientId, channel, recipient, sendAt, message: reminderMessage(startsAt), status: 'queued', createdAt: ctx.now, updatedAt: ctx.now })
      .run();
  }
  function cancelReminders(ctx: CommandContext, appointmentId: string): void {
    db.update(reminders).set({ status: 'cancelled', updatedAt: ctx.now }).where(and(eq(reminders.appointmentId, appointmentId), eq(reminders.status, 'queued'))).run();
  }
  function rescheduleReminders(ctx: CommandContext, appointmentId: string, patientId: string, startsAt: number): void {
    cancelReminders(ctx, appointmentId);
    queueReminder(ctx, appointmentId, patientId, startsAt);
  }

  // ---- commands -----------------------------------------------------------------------------

  function requireStatus(row: { status: AppointmentStatus }, allowed: AppointmentStatus[], action: string): void {
    if (!allowed.includes(row.status)) throw new InvalidTransitionError('appointment', row.status, action);
  }

  function guard(ctx: CommandContext, q: ConflictQuery, override: boolean): Conflict[] {
    const conflicts = findConflicts(q);
    if (conflicts.length > 0 && !override) throw new BookingConflictError(conflicts);
    return conflicts;
  }

  function whereFor(kind: 'clinic' | 'home_visit', staff: ReturnType<typeof clinician>, a: { address: string | null; latitude: number | null; longitude: number | null; roomId: string | null }, patientAddress: string | null) {
    if (kind === 'home_visit') {
      if (!staff.homeCare) throw new NotHomeCareError();
      const address = a.address ?? patientAddress;
      if (!address) throw new AddressRequiredError();
      return { address, latitude: a.latitude, longitude: a.longitude, roomId: null };
    }
    room(a.roomId);
    return { address: null, latitude: null, longitude: null, roomId: a.roomId };
  }

  const commands = [
    defineCommand('bookings.defineRoom', defineRoomArgs, (ctx, a) => {
      db.insert(rooms).values({ id: a.roomId, name: a.name, active: a.active, createdAt: ctx.now, updatedAt: ctx.now }).onConflictDoUpdate({ target: rooms.id, set: { name: a.name, active: a.active, updatedAt: ctx.now } }).run();
      ctx.audit('room.define', 'room', a.roomId);
      return { roomId: a.roomId };
    }),
    defineCommand('bookings.defineType', defineTypeArgs, (ctx, a) => {
      const values = { name: a.name, defaultMinutes: a.defaultMinutes, colour: a.colour, kind: a.kind, serviceCodeId: a.serviceCodeId, active: a.active, updatedAt: ctx.now };
      if (a.serviceCodeId && !db.select({ id: tables.serviceCodes.id }).from(tables.serviceCodes).where(eq(tables.serviceCodes.id, a.serviceCodeId)).get()) throw new OperationNotFoundError('service code', a.serviceCodeId);
      db.insert(T).values({ id: a.typeId, ...values, createdAt: ctx.now }).onConflictDoUpdate({ target: T.id, set: values }).run();
      ctx.audit('appointment_type.define', 'appointment_type', a.typeId);
      return { typeId: a.typeId };
    }),
    defineCommand('bookings.setClinicianProfile', setClinicianProfileArgs, (ctx, a) => {
      clinician(a.staffId);
      const values = { homeCare: a.homeCare, hoursJson: JSON.stringify(a.hours), updatedAt: ctx.now };
      db.insert(clinicianProfiles).values({ staffId: a.staffId, ...values, createdAt: ctx.now }).onConflictDoUpdate({ target: clinicianProfiles.staffId, set: values }).run();
      ctx.audit('clinician.profile', 'staff', a.staffId);
      return { staffId: a.staffId };
    }),
    defineCommand('bookings.addLeave', addLeaveArgs, (ctx, a) => {
      clinician(a.staffId);
      db.insert(leaveBlocks).values({ id: a.leaveId, staffId: a.staffId, startsAt: a.startsAt, endsAt: a.endsAt, reason: a.reason, createdAt: ctx.now, updatedAt: ctx.now }).run();
      ctx.audit('leave.add', 'leave', a.leaveId);
      return { leaveId: a.leaveId };
    }),
    defineCommand('bookings.cancelLeave', cancelLeaveArgs, (ctx, a) => {
      const changed = db.update(leaveBlocks).set({ cancelledAt: ctx.now, updatedAt: ctx.now }).where(and(eq(leaveBlocks.id, a.leaveId), isNull(leaveBlocks.cancelledAt))).run();
      if (changed.changes === 0) throw new OperationNotFoundError('leave block', a.leaveId);
      ctx.audit('leave.cancel', 'leave', a.leaveId);
      return { leaveId: a.leaveId };
    }),

    defineCommand('bookings.book', bookArgs, (ctx, a) => {
      const p = patient(a.patientId);
      const t = type(a.typeId);
      const staff = clinician(a.staffId);
      const place = whereFor(t.kind, staff, a, p.address);
      const endsAt = a.startsAt + (a.durationMinutes ?? t.defaultMinutes) * 60_000;
      const conflicts = guard(ctx, { patientId: a.patientId, staffId: a.staffId, roomId: place.roomId, intervals: [{ startsAt: a.startsAt, endsAt }] }, a.override);
      db.insert(A)
        .values({ id: a.appointmentId, patientId: a.patientId, staffId: a.staffId, typeId: a.typeId, kind: t.kind, startsAt: a.startsAt, endsAt, notes: a.notes, conflictOverride: conflicts.length > 0, ...place, createdAt: ctx.now, updatedAt: ctx.now })
        .run();
      queueReminder(ctx, a.appointmentId, a.patientId, a.startsAt);
      ctx.audit('appointment.book', 'appointment', a.appointmentId);
      return { appointmentId: a.appointmentId, conflicts: conflicts.length };
    }),

    defineCommand('bookings.bookSeries', bookSeriesArgs, (ctx, a) => {
      const tz = settings().timeZone;
      const p = patient(a.patientId);
      const t = type(a.typeId);
      const staff = clinician(a.staffId);
      const place = whereFor(t.kind, staff, a, p.address);
      const minutes = a.durationMinutes ?? t.defaultMinutes;
      const rule = seriesRule(a.firstStart, tz, a.recurrence);
      const occurrences = expandRule(rule, minutes, MAX_SERIES_OCCURRENCES);
      if (occurrences.length === 0) throw new NoOccurrencesError('the end date is before the first occurrence');
      if (occurrences.length > MAX_SERIES_OCCURRENCES) throw new NoOccurrencesError(`more than ${MAX_SERIES_OCCURRENCES} occurrences; shorten it`);
      const conflicts = guard(ctx, { patientId: a.patientId, staffId: a.staffId, roomId: place.roomId, intervals: occurrences }, a.override);
      db.insert(appointmentSeries).values({ id: a.seriesId, patientId: a.patientId, rrule: rule, timeZone: tz, durationMinutes: minutes, createdAt: ctx.now, updatedAt: ctx.now }).run();
      const ids = occurrences.map((o, i) => {
        const id = ctx.derivedId(`occurrence:${i}`);
        const overridden = conflicts.some((c) => c.startsAt === o.startsAt);
        db.insert(A)
          .values({ id, patientId: a.patientId, staffId: a.staffId, typeId: a.typeId, kind: t.kind, startsAt: o.startsAt, endsAt: o.endsAt, seriesId: a.seriesId, occurrenceStart: o.startsAt, notes: a.notes, conflictOverride: overridden, ...place, createdAt: ctx.now, updatedAt: ctx.now })
          .run();
        queueReminder(ctx, id, a.patientId, o.startsAt);
        ctx.audit('appointment.book', 'appointment', id);
        return id;
      });
      return { seriesId: a.seriesId, appointmentIds: ids, conflicts: conflicts.length };
    }),

    defineCommand('bookings.move', moveArgs, (ctx, a) => {
      const row = appointment(a.appointmentId);
      requireStatus(row, ['booked'], 'moved');
      const staffId = a.staffId ?? row.staffId!;
      const staff = clinician(staffId);
      if (row.kind === 'home_visit' && !staff.homeCare) throw new NotHomeCareError();
      const roomId = row.kind === 'home_visit' ? null : a.roomId !== undefined ? a.roomId : row.roomId;
      room(roomId);
      const endsAt = a.startsAt + (a.durationMinutes !== null ? a.durationMinutes * 60_000 : row.endsAt - row.startsAt);
      const conflicts = guard(ctx, { patientId: row.patientId, staffId, roomId, intervals: [{ startsAt: a.startsAt, endsAt }], excludeIds: [row.id] }, a.override);
      db.update(A).set({ startsAt: a.startsAt, endsAt, staffId, roomId, moved: row.seriesId !== null, conflictOverride: conflicts.length > 0, updatedAt: ctx.now }).where(eq(A.id, row.id)).run();
      rescheduleReminders(ctx, row.id, row.patientId, a.startsAt);
      ctx.audit('appointment.move', 'appointment', row.id);
      return { appointmentId: row.id, conflicts: conflicts.length };
    }),

    defineCommand('bookings.editFollowing', editFollowingArgs, (ctx, a) => {
      const tz = settings().timeZone;
      const row = appointment(a.appointmentId);
      if (!row.seriesId) throw new NotInSeriesError();
      requireStatus(row, ['booked'], 'moved');
      const series = db.select().from(appointmentSeries).where(eq(appointmentSeries.id, row.seriesId)).get()!;
      const following = db
        .select()
        .from(A)
        .where(and(eq(A.seriesId, row.seriesId), gte(A.occurrenceStart, row.occurrenceStart!), eq(A.status, 'booked'), or(eq(A.id, row.id), eq(A.moved, false))))
        .orderBy(asc(A.occurrenceStart))
        .all();
      const dayShift = daysBetween(localDate(row.startsAt, tz), localDate(a.startsAt, tz));
      const { hour, minute } = zonedParts(a.startsAt, tz);
      const staffId = a.staffId ?? row.staffId!;
      const staff = clinician(staffId);
      if (row.kind === 'home_visit' && !staff.homeCare) throw new NotHomeCareError();
      const roomId = row.kind === 'home_visit' ? null : a.roomId !== undefined ? a.roomId : row.roomId;
      room(roomId);
      const minutes = a.durationMinutes ?? Math.round((row.endsAt - row.startsAt) / 60_000);
      const planned = following.map((f) => {
        const [y, mo, d] = addDays(localDate(f.startsAt, tz), dayShift).split('-').map(Number) as [number, number, number];
        const startsAt = localToEpoch(y, mo, d, hour, minute, tz);
        return { id: f.id, startsAt, endsAt: startsAt + minutes * 60_000 };
      });
      const conflicts = guard(ctx, { patientId: row.patientId, staffId, roomId, intervals: planned, excludeIds: planned.map((p) => p.id) }, a.override);
      const before = db.select({ n: sql<number>`count(*)` }).from(A).where(and(eq(A.seriesId, row.seriesId), lt(A.occurrenceStart, row.occurrenceStart!))).get()!.n;
      db.update(appointmentSeries).set({ rrule: truncatedRule(series.rrule, before), updatedAt: ctx.now }).where(eq(appointmentSeries.id, series.id)).run();
      const firstLocal = `${localDate(planned[0]!.startsAt, tz)}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
      db.insert(appointmentSeries)
        .values({ id: a.newSeriesId, patientId: row.patientId, rrule: shiftedRule(series.rrule, firstLocal, tz, dayShift, planned.length), timeZone: tz, durationMinutes: minutes, splitFromId: series.id, createdAt: ctx.now, updatedAt: ctx.now })
        .run();
      for (const p of planned) {
        const overridden = conflicts.some((c) => c.startsAt === p.startsAt);
        db.update(A).set({ seriesId: a.newSeriesId, startsAt: p.startsAt, endsAt: p.endsAt, occurrenceStart: p.startsAt, staffId, roomId, conflictOverride: overridden, updatedAt: ctx.now }).where(eq(A.id, p.id)).run();
        rescheduleReminders(ctx, p.id, row.patientId, p.startsAt);
        ctx.audit('appointment.move', 'appointment', p.id);
      }
      return { seriesId: a.newSeriesId, appointmentIds: planned.map((p) => p.id), conflicts: conflicts.length };
    }),

    defineCommand('bookings.cancel', cancelArgs, (ctx, a) => {
      const row = appointment(a.appointmentId);
      requireStatus(row, ['booked'], 'cancelled');
      let ids = [row.id];
      if (a.scope === 'following') {
        if (!row.seriesId) throw new NotInSeriesError();
        ids = db.select({ id: A.id }).from(A).where(and(eq(A.seriesId, row.seriesId), gte(A.occurrenceStart, row.occurrenceStart!), eq(A.status, 'booked'))).all().map((r) => r.id);
      }
      for (const id of ids) {
        db.update(A).set({ status: 'cancelled', cancelReason: a.reason, cancelledAt: ctx.now, updatedAt: ctx.now }).where(eq(A.id, id)).run();
        cancelReminders(ctx, id);
        ctx.audit('appointment.cancel', 'appointment', id);
      }
      return { cancelled: ids };
    }),

    defineCommand('bookings.checkIn', appointmentIdArgs, (ctx, a) => {
      const row = appointment(a.appointmentId);
      requireStatus(row, ['booked'], 'checked in');
      db.update(A).set({ status: 'checked_in', checkedInAt: ctx.now, updatedAt: ctx.now }).where(eq(A.id, row.id)).run();
      cancelReminders(ctx, row.id);
      ctx.audit('appointment.check_in', 'appointment', row.id);
      return { appointmentId: row.id, status: 'checked_in' };
    }),
    defineCommand('bookings.complete', appointmentIdArgs, (ctx, a) => {
      const row = appointment(a.appointmentId);
      requireStatus(row, ['booked', 'checked_in'], 'completed');
      db.update(A).set({ status: 'completed', completedAt: ctx.now, updatedAt: ctx.now }).where(eq(A.id, row.id)).run();
      ctx.audit('appointment.complete', 'appointment', row.id);
      return { appointmentId: row.id, status: 'completed' };
    }),
    defineCommand('bookings.noShow', appointmentIdArgs, (ctx, a) => {
      const row = appointment(a.appointmentId);
      requireStatus(row, ['booked'], 'marked as a no-show');
      db.update(A).set({ status: 'no_show', updatedAt: ctx.now }).where(eq(A.id, row.id)).run();
      cancelReminders(ctx, row.id);
      ctx.audit('appointment.no_show', 'appointment', row.id);
      return { appointmentId: row.id, status: 'no_show' };
    }),
    defineCommand('bookings.recordVisit', recordVisitArgs, (ctx, a) => {
      const row = appointment(a.appointmentId);
      requireStatus(row, ['booked', 'checked_in', 'completed'], 'recorded');
      db.update(A)
        .set({ visitSummary: a.summary, visitRecordedBy: ctx.actor.id, status: 'completed', completedAt: row.completedAt ?? ctx.now, checkedInAt: row.checkedInAt ?? ctx.now, updatedAt: ctx.now })
        .where(eq(A.id, row.id))
        .run();
      cancelReminders(ctx, row.id);
      ctx.audit('appointment.record_visit', 'appointment', row.id);
      return { appointmentId: row.id, status: 'completed' };
    }),
    defineCommand('bookings.setReminderPreference', reminderPreferenceArgs, (ctx, a) => {
      patient(a.patientId);
      db.insert(reminderPreferences)
        .values({ patientId: a.patientId, optOut: a.optOut, channel: a.channel, updatedAt: ctx.now })
        .onConflictDoUpdate({ target: reminderPreferences.patientId, set: { optOut: a.optOut, channel: a.channel, updatedAt: ctx.now } })
        .run();
      if (a.optOut) {
        db.update(reminders).set({ status: 'cancelled', updatedAt: ctx.now }).where(and(eq(reminders.patientId, a.patientId), eq(reminders.status, 'queued'))).run();
      }
      ctx.audit('patient.reminder_preference', 'patient', a.patientId);
      return { patientId: a.patientId };
    }),
  ];
  bus.register(...(commands as never[]));

  // ---- reads --------------------------------------------------------------------------------

  function calendar(input: { from: number; to: number; staffIds?: string[]; roomIds?: string[] }, actor: Actor): AppointmentView[] {
    return record.transaction(() => {
      const byResource =
        input.staffIds?.length || input.roomIds?.length
          ? or(input.staffIds?.length ? inArray(A.staffId, input.staffIds) : undefined, input.roomIds?.length ? inArray(A.roomId, input.roomIds) : undefined)
          : undefined;
      const rows = selectViews(and(gt(A.startsAt, input.from - MAX_MS), lt(A.startsAt, input.to), gt(A.endsAt, input.from), byResource)).all();
      audit(actor, 'appointment.list', null);
      return rows;
    });
  }

  return {
    calendar,
    myDay(date, actor) {
      const { from, to } = localDayRange(date, settings().timeZone);
      return calendar({ from, to, staffIds: [actor.id] }, actor);
    },
    caregiverDay(staffId, date, actor) {
      const s = settings();
      const { from, to } = localDayRange(date, s.timeZone);
      return record.transaction(() => {
        const rows = db
          .select({ ...viewColumns, latitude: A.latitude, longitude: A.longitude, visitSummary: A.visitSummary })
          .from(A)
          .innerJoin(P, eq(P.id, A.patientId))
          .leftJoin(S, eq(S.id, A.staffId))
          .leftJoin(rooms, eq(rooms.id, A.roomId))
          .leftJoin(T, eq(T.id, A.typeId))
          .where(and(eq(A.staffId, staffId), eq(A.kind, 'home_visit'), ne(A.status, 'cancelled'), gte(A.startsAt, from), lt(A.startsAt, to)))
          .orderBy(asc(A.startsAt))
          .all();
        audit(actor, 'appointment.list', null);
        return rows.map((r, i) => {
          const prev = rows[i - 1];
          const travel = prev ? estimateTravelMinutes(prev, r, s) : null;
          const { latitude: _la, longitude: _lo, ...view } = r;
          return { ...view, travelMinutes: travel?.minutes ?? null, travelEstimated: travel?.estimated ?? false, tooTight: prev && travel ? r.startsAt - prev.endsAt < travel.minutes * 60_000 : false };
        });
      });
    },
    search(query, actor) {
      const q = query.trim().toLowerCase();
      return record.transaction(() => {
        const like = `${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
        const rows = selectViews(
          or(sql`lower(${P.familyName}) LIKE ${like} ESCAPE '\\'`, sql`lower(${P.givenName}) LIKE ${like} ESCAPE '\\'`, sql`lower(${P.mrn}) LIKE ${like} ESCAPE '\\'`),
        )
          .limit(200)
          .all();
        audit(actor, 'appointment.search', null);
        return rows;
      });
    },
    get(appointmentId, actor) {
      return record.transaction(() => {
        const row = selectViews(eq(A.id, appointmentId)).get();
        if (!row) throw new OperationNotFoundError('appointment', appointmentId);
        audit(actor, 'appointment.read', appointmentId);
        return row;
      });
    },
    conflicts(input, actor) {
      const q = conflictCheckInput.parse(input);
      patient(q.patientId);
      const found = findConflicts({ patientId: q.patientId, staffId: q.staffId, roomId: q.roomId, intervals: q.intervals, excludeIds: q.excludeIds });
      audit(actor, 'appointment.conflict_check', null);
      return found;
    },
    previewSeries(input) {
      const a = seriesPreviewInput.parse(input);
      const tz = settings().timeZone;
      const t = type(a.typeId);
      const rule = seriesRule(a.firstStart, tz, a.recurrence);
      const occurrences = expandRule(rule, a.durationMinutes ?? t.defaultMinutes, MAX_SERIES_OCCURRENCES);
      if (occurrences.length > MAX_SERIES_OCCURRENCES) throw new NoOccurrencesError(`more than ${MAX_SERIES_OCCURRENCES} occurrences; shorten it`);
      return { occurrences, conflicts: findConflicts({ patientId: a.patientId, staffId: a.staffId, roomId: t.kind === 'home_visit' ? null : a.roomId, intervals: occurrences }) };
    },
    setup() {
      const clinicianRows = db
        .select({ id: S.id, name: S.displayName, role: staffRoles.role, homeCare: clinicianProfiles.homeCare, hoursJson: clinicianProfiles.hoursJson })
        .from(S)
        .innerJoin(staffRoles, eq(staffRoles.staffId, S.id))
        .leftJoin(clinicianProfiles, eq(clinicianProfiles.staffId, S.id))
        .where(isNull(S.disabledAt))
        .orderBy(asc(S.displayName))
        .all();
      const clinicians = new Map<string, BookingsSetup['clinicians'][number]>();
      for (const r of clinicianRows) {
        const c = clinicians.get(r.id) ?? { id: r.id, name: r.name, roles: [], homeCare: r.homeCare ?? false, hours: workingHoursSchema.parse(JSON.parse(r.hoursJson ?? '[]')) };
        c.roles.push(r.role);
        clinicians.set(r.id, c);
      }
      return {
        rooms: db.select({ id: rooms.id, name: rooms.name, active: rooms.active }).from(rooms).orderBy(asc(rooms.name)).all(),
        types: db.select({ id: T.id, name: T.name, defaultMinutes: T.defaultMinutes, colour: T.colour, kind: T.kind, serviceCodeId: T.serviceCodeId, active: T.active }).from(T).orderBy(asc(T.name)).all(),
        clinicians: [...clinicians.values()].filter((c) => c.roles.includes('nurse') || c.roles.includes('doctor')),
        leave: db.select({ id: leaveBlocks.id, staffId: leaveBlocks.staffId, startsAt: leaveBlocks.startsAt, endsAt: leaveBlocks.endsAt, reason: leaveBlocks.reason }).from(leaveBlocks).where(isNull(leaveBlocks.cancelledAt)).orderBy(asc(leaveBlocks.startsAt)).all(),
        timeZone: settings().timeZone,
      };
    },
    weekIcs(staffId, monday, actor) {
      const tz = settings().timeZone;
      const from = localDayRange(monday, tz).from;
      const to = localDayRange(addDays(monday, 6), tz).to;
      const member = db.select({ name: S.displayName }).from(S).where(eq(S.id, staffId)).get();
      if (!member) throw new OperationNotFoundError('staff member', staffId);
      const rows = calendar({ from, to, staffIds: [staffId] }, actor).filter((r) => r.staffId === staffId && r.status !== 'cancelled');
      audit(actor, 'appointment.export_ics', null);
      return buildIcs({ clinicName: record.clinicName, staffName: member.name, appointments: rows });
    },
    visitSummary(appointmentId, actor) {
      return record.transaction(() => {
        const row = appointment(appointmentId);
        audit(actor, 'appointment.read_visit', appointmentId);
        return { summary: row.visitSummary, recordedBy: row.visitRecordedBy };
      });
    },
    reminders(appointmentId, actor) {
      return record.transaction(() => {
        appointment(appointmentId);
        audit(actor, 'appointment.read_reminders', appointmentId);
        return db.select({ id: reminders.id, channel: reminders.channel, sendAt: reminders.sendAt, status: reminders.status, message: reminders.message }).from(reminders).where(eq(reminders.appointmentId, appointmentId)).orderBy(asc(reminders.sendAt)).all();
      });
    },
    reminderPreference(patientId) {
      const pref = db.select().from(reminderPreferences).where(eq(reminderPreferences.patientId, patientId)).get();
      return { optOut: pref?.optOut ?? false, channel: pref?.channel ?? null };
    },
    visit(appointmentId) {
      const row = appointment(appointmentId);
      return { id: row.id, patientId: row.patientId, typeId: row.typeId, status: row.status, startsAt: row.startsAt };
    },
  };
}
