/** Bookings: rooms, appointment types, clinicians' hours and leave, appointments, series, home visits, reminders. */
import { z } from 'zod';
import { APPOINTMENT_KINDS, APPOINTMENT_STATUSES, REMINDER_CHANNELS, dateRangeSchema, epochMsSchema, idSchema, isoDateSchema, reasonSchema } from './operations';

const name = z.string().trim().min(1, 'Enter a name').max(200, 'At most 200 characters');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time like 08:30');
/** Longest appointment: the conflict check looks this far back. */
export const MAX_APPOINTMENT_MINUTES = 12 * 60;
const minutes = z.number({ error: 'Enter minutes' }).int().min(5, 'At least 5 minutes').max(MAX_APPOINTMENT_MINUTES, 'At most 12 hours');
export const MAX_SERIES_OCCURRENCES = 104;

export const defineRoomArgs = z.object({ roomId: idSchema, name, active: z.boolean().default(true) });
export const defineTypeArgs = z.object({
  typeId: idSchema,
  name,
  defaultMinutes: minutes,
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'A colour like #1c7ed6'),
  kind: z.enum(APPOINTMENT_KINDS).default('clinic'),
  serviceCodeId: idSchema.nullable().default(null),
  active: z.boolean().default(true),
});
export const workingHoursSchema = z
  .array(z.object({ weekday: z.number().int().min(1).max(7), start: hhmm, end: hhmm }).refine((h) => h.end > h.start, { message: 'Ends before it starts', path: ['end'] }))
  .max(21);
export type WorkingHours = z.infer<typeof workingHoursSchema>;
export const setClinicianProfileArgs = z.object({ staffId: idSchema, homeCare: z.boolean(), hours: workingHoursSchema });
export const addLeaveArgs = z
  .object({ leaveId: idSchema, staffId: idSchema, startsAt: epochMsSchema, endsAt: epochMsSchema, reason: reasonSchema })
  .refine((l) => l.endsAt > l.startsAt, { message: 'Leave ends before it starts', path: ['endsAt'] });
export const cancelLeaveArgs = z.object({ leaveId: idSchema });

const where = {
  staffId: idSchema,
  roomId: idSchema.nullable().default(null),
  /** Home visits: the address (defaults to the patient's) and optional coordinates for travel times. */
  address: z.string().trim().max(1000).nullable().default(null),
  latitude: z.number().min(-90).max(90).nullable().default(null),
  longitude: z.number().min(-180).max(180).nullable().default(null),
};
export const bookArgs = z.object({
  appointmentId: idSchema,
  patientId: idSchema,
  typeId: idSchema,
  startsAt: epochMsSchema,
  /** Defaults to the type's duration. */
  durationMinutes: minutes.nullable().default(null),
  notes: z.string().trim().max(2000).nullable().default(null),
  /** Book although the conflict check found conflicts (clinics double-book on purpose). */
  override: z.boolean().default(false),
  ...where,
});
export type BookArgs = z.input<typeof bookArgs>;

export const recurrenceSchema = z
  .object({
    frequency: z.enum(['daily', 'weekly']),
    interval: z.number().int().min(1).max(8).default(1),
    /** Weekly: ISO weekdays 1–7 (default: the first occurrence's weekday). */
    weekdays: z.array(z.number().int().min(1).max(7)).max(7).default([]),
    count: z.number().int().min(1).max(MAX_SERIES_OCCURRENCES).nullable().default(null),
    /** Last day (inclusive, clinic time zone). */
    until: isoDateSchema.nullable().default(null),
  })
  .refine((r) => (r.count === null) !== (r.until === null), { message: 'Give either a number of occurrences or an end date', path: ['count'] });
export type Recurrence = z.input<typeof recurrenceSchema>;

export const localDateTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'A date and time like 2025-03-04T09:30');
export const bookSeriesArgs = z.object({
  seriesId: idSchema,
  patientId: idSchema,
  typeId: idSchema,
  /** First occurrence, local time in the clinic's time zone. */
  firstStart: localDateTimeSchema,
  durationMinutes: minutes.nullable().default(null),
  recurrence: recurrenceSchema,
  notes: z.string().trim().max(2000).nullable().default(null),
  override: z.boolean().default(false),
  ...where,
});
export type BookSeriesArgs = z.input<typeof bookSeriesArgs>;

export const moveArgs = z.object({
  appointmentId: idSchema,
  startsAt: epochMsSchema,
  durationMinutes: minutes.nullable().default(null),
  staffId: idSchema.optional(),
  roomId: idSchema.nullable().optional(),
  override: z.boolean().default(false),
});
/** "This and following": the occurrence moves to `startsAt`, later ones keep their weekday offset and take its local time of day. */
export const editFollowingArgs = moveArgs.extend({ newSeriesId: idSchema });
export const cancelArgs = z.object({ appointmentId: idSchema, reason: reasonSchema, scope: z.enum(['this', 'following']).default('this') });
export const appointmentIdArgs = z.object({ appointmentId: idSchema });
export const recordVisitArgs = z.object({ appointmentId: idSchema, summary: z.string().trim().min(1, 'Say what was done').max(4000) });
export const reminderPreferenceArgs = z.object({ patientId: idSchema, optOut: z.boolean(), channel: z.enum(REMINDER_CHANNELS).nullable().default(null) });

// ---- reads --------------------------------------------------------------------------------

export const conflictKinds = ['clinician', 'room', 'patient', 'leave', 'hours'] as const;
export const conflictSchema = z.object({
  kind: z.enum(conflictKinds),
  /** The other appointment or leave block. */
  withId: z.string().nullable(),
  startsAt: epochMsSchema,
  endsAt: epochMsSchema,
  message: z.string(),
});
export type Conflict = z.infer<typeof conflictSchema>;

export const conflictCheckInput = z.object({
  patientId: idSchema,
  staffId: idSchema,
  roomId: idSchema.nullable().default(null),
  intervals: z.array(z.object({ startsAt: epochMsSchema, endsAt: epochMsSchema })).min(1).max(MAX_SERIES_OCCURRENCES),
  excludeIds: z.array(idSchema).max(MAX_SERIES_OCCURRENCES).default([]),
});
export const seriesPreviewInput = bookSeriesArgs.omit({ seriesId: true, notes: true, override: true });

export const calendarInput = dateRangeSchema.and(z.object({ staffIds: z.array(idSchema).max(50).optional(), roomIds: z.array(idSchema).max(50).optional() }));

export const appointmentViewSchema = z.object({
  id: idSchema,
  patientId: idSchema,
  patientName: z.string(),
  mrn: z.string(),
  staffId: z.string().nullable(),
  staffName: z.string().nullable(),
  roomId: z.string().nullable(),
  roomName: z.string().nullable(),
  typeId: z.string().nullable(),
  typeName: z.string().nullable(),
  colour: z.string(),
  kind: z.enum(APPOINTMENT_KINDS),
  status: z.enum(APPOINTMENT_STATUSES),
  startsAt: epochMsSchema,
  endsAt: epochMsSchema,
  seriesId: z.string().nullable(),
  moved: z.boolean(),
  conflictOverride: z.boolean(),
  cancelReason: z.string().nullable(),
  address: z.string().nullable(),
  notes: z.string().nullable(),
});
export type AppointmentView = z.infer<typeof appointmentViewSchema>;

export const homeVisitSchema = appointmentViewSchema.extend({
  /** Estimated travel from the previous visit of the day (null for the first). */
  travelMinutes: z.number().nullable(),
  travelEstimated: z.boolean(),
  /** The gap since the previous visit ended is shorter than the travel time. */
  tooTight: z.boolean(),
  visitSummary: z.string().nullable(),
});
export type HomeVisit = z.infer<typeof homeVisitSchema>;

export const setupSchema = z.object({
  rooms: z.array(z.object({ id: z.string(), name: z.string(), active: z.boolean() })),
  types: z.array(z.object({ id: z.string(), name: z.string(), defaultMinutes: z.number(), colour: z.string(), kind: z.enum(APPOINTMENT_KINDS), serviceCodeId: z.string().nullable(), active: z.boolean() })),
  clinicians: z.array(z.object({ id: z.string(), name: z.string(), roles: z.array(z.string()), homeCare: z.boolean(), hours: workingHoursSchema })),
  leave: z.array(z.object({ id: z.string(), staffId: z.string(), startsAt: z.number(), endsAt: z.number(), reason: z.string() })),
  timeZone: z.string(),
});
export type BookingsSetup = z.infer<typeof setupSchema>;
