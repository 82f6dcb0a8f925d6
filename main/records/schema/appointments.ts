import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { APPOINTMENT_KINDS, APPOINTMENT_STATUSES, REMINDER_CHANNELS, REMINDER_STATUSES } from '../../../common/operations';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { staff } from './staff';

/** Treatment rooms the calendar books (never deleted: `active` = 0 hides one). */
export const rooms = sqliteTable('rooms', {
  id: id(),
  name: text('name').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  ...timestamps,
});

/** Appointment types: default duration, colour on the calendar, clinic or home visit, the service code billed. */
export const appointmentTypes = sqliteTable('appointment_types', {
  id: id(),
  name: text('name').notNull(),
  defaultMinutes: integer('default_minutes').notNull(),
  /** CSS colour, e.g. `#1c7ed6`. */
  colour: text('colour').notNull(),
  kind: text('kind', { enum: APPOINTMENT_KINDS }).notNull().default('clinic'),
  serviceCodeId: text('service_code_id'),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  ...timestamps,
});

/** What bookings need to know about a clinician: weekly working hours (JSON) and whether they do home care. */
export const clinicianProfiles = sqliteTable('clinician_profiles', {
  staffId: text('staff_id')
    .primaryKey()
    .references(() => staff.id),
  homeCare: integer('home_care', { mode: 'boolean' }).notNull().default(false),
  /** JSON `[{ weekday: 1–7 (Mon–Sun), start: "08:00", end: "16:30" }]` in the clinic's time zone; `[]` = no hours set (always available). */
  hoursJson: text('hours_json').notNull().default('[]'),
  ...timestamps,
});

/** Leave and other unavailable blocks; cancelling one keeps the row. */
export const leaveBlocks = sqliteTable(
  'leave_blocks',
  {
    id: id(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id),
    startsAt: integer('starts_at').notNull(),
    endsAt: integer('ends_at').notNull(),
    reason: text('reason').notNull(),
    cancelledAt: integer('cancelled_at'),
    ...timestamps,
  },
  (t) => [index('leave_blocks_staff_idx').on(t.staffId, t.startsAt)],
);

/** A recurring series (RFC 5545 RRULE in `time_zone`); its occurrences are rows of `appointments`. */
export const appointmentSeries = sqliteTable('appointment_series', {
  id: id(),
  patientId: text('patient_id')
    .notNull()
    .references(() => patients.id, { onDelete: 'restrict' }),
  /** `DTSTART;TZID=…` + `RRULE:…`, as rrule-temporal reads and writes it. */
  rrule: text('rrule').notNull(),
  timeZone: text('time_zone').notNull(),
  durationMinutes: integer('duration_minutes').notNull(),
  /** The series this one was split from by a "this and following" edit. */
  splitFromId: text('split_from_id'),
  ...timestamps,
});

export const appointments = sqliteTable(
  'appointments',
  {
    id: id(),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id, { onDelete: 'restrict' }),
    staffId: text('staff_id').references(() => staff.id),
    startsAt: integer('starts_at').notNull(),
    endsAt: integer('ends_at').notNull(),
    /** `clinic` or `home_visit`. */
    kind: text('kind', { enum: APPOINTMENT_KINDS }).notNull(),
    status: text('status', { enum: APPOINTMENT_STATUSES }).notNull().default('booked'),
    notes: text('notes'),
    roomId: text('room_id').references(() => rooms.id),
    typeId: text('type_id').references(() => appointmentTypes.id),
    seriesId: text('series_id').references(() => appointmentSeries.id),
    /** The occurrence's start as the series rule generated it (stays when the occurrence is moved). */
    occurrenceStart: integer('occurrence_start'),
    /** 1 once this occurrence was moved on its own (a series edit then leaves it alone). */
    moved: integer('moved', { mode: 'boolean' }).notNull().default(false),
    /** Home visits: the address visited (copied from the patient at booking), optional coordinates for travel times. */
    address: text('address'),
    latitude: real('latitude'),
    longitude: real('longitude'),
    conflictOverride: integer('conflict_override', { mode: 'boolean' }).notNull().default(false),
    cancelReason: text('cancel_reason'),
    cancelledAt: integer('cancelled_at'),
    checkedInAt: integer('checked_in_at'),
    completedAt: integer('completed_at'),
    /** What the caregiver did (clinical: shown to nurses and doctors only). */
    visitSummary: text('visit_summary'),
    visitRecordedBy: text('visit_recorded_by').references(() => staff.id),
    ...timestamps,
  },
  (t) => [
    index('appointments_starts_idx').on(t.startsAt),
    index('appointments_patient_idx').on(t.patientId, t.startsAt),
    index('appointments_staff_idx').on(t.staffId, t.startsAt),
    index('appointments_room_idx').on(t.roomId, t.startsAt),
    index('appointments_series_idx').on(t.seriesId, t.startsAt),
  ],
);

/** A patient's reminder preference: opted out, or the channel to use. */
export const reminderPreferences = sqliteTable('reminder_preferences', {
  patientId: text('patient_id')
    .primaryKey()
    .references(() => patients.id),
  optOut: integer('opt_out', { mode: 'boolean' }).notNull().default(false),
  channel: text('channel', { enum: REMINDER_CHANNELS }),
  updatedAt: integer('updated_at').notNull(),
});

/** Reminders queued for the hosted service to send. The message names no clinical detail. */
export const reminders = sqliteTable(
  'reminders',
  {
    id: id(),
    appointmentId: text('appointment_id')
      .notNull()
      .references(() => appointments.id),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id),
    channel: text('channel', { enum: REMINDER_CHANNELS }).notNull(),
    recipient: text('recipient').notNull(),
    sendAt: integer('send_at').notNull(),
    message: text('message').notNull(),
    status: text('status', { enum: REMINDER_STATUSES }).notNull().default('queued'),
    sentAt: integer('sent_at'),
    ...timestamps,
  },
  (t) => [index('reminders_appointment_idx').on(t.appointmentId), index('reminders_due_idx').on(t.status, t.sendAt)],
);
