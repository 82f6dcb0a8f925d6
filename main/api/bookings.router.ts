import { z } from 'zod';
import {
  addLeaveArgs, appointmentIdArgs, appointmentViewSchema, bookArgs, bookSeriesArgs, calendarInput, cancelArgs, cancelLeaveArgs, conflictCheckInput, conflictSchema, defineRoomArgs, defineTypeArgs,
  editFollowingArgs, homeVisitSchema, moveArgs, recordVisitArgs, reminderPreferenceArgs, seriesPreviewInput, setClinicianProfileArgs, setupSchema,
} from '../../common/bookings';
import { idSchema, isoDateSchema } from '../../common/operations';
import { commandProcedure } from './operations.router';
import { permitted, router } from './trpc';

/** Bookings name patients: every read and change is audited by the service. */
export const bookingsRouter = router({
  setup: permitted('bookings.read').output(setupSchema).query(({ ctx }) => ctx.clinic.operations.bookings.setup()),
  calendar: permitted('bookings.read').input(calendarInput).output(z.array(appointmentViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.bookings.calendar(input, ctx.actor)),
  myDay: permitted('bookings.read').input(z.object({ date: isoDateSchema })).output(z.array(appointmentViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.bookings.myDay(input.date, ctx.actor)),
  caregiverDay: permitted('bookings.read')
    .input(z.object({ staffId: idSchema, date: isoDateSchema }))
    .output(z.array(homeVisitSchema.omit({ visitSummary: true })))
    .query(({ ctx, input }) => ctx.clinic.operations.bookings.caregiverDay(input.staffId, input.date, ctx.actor)),
  search: permitted('bookings.read').input(z.object({ query: z.string().trim().min(1).max(200) })).output(z.array(appointmentViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.bookings.search(input.query, ctx.actor)),
  get: permitted('bookings.read').input(z.object({ id: idSchema })).output(appointmentViewSchema).query(({ ctx, input }) => ctx.clinic.operations.bookings.get(input.id, ctx.actor)),
  conflicts: permitted('bookings.read').input(conflictCheckInput).output(z.array(conflictSchema)).query(({ ctx, input }) => ctx.clinic.operations.bookings.conflicts(input, ctx.actor)),
  previewSeries: permitted('bookings.write')
    .input(seriesPreviewInput)
    .output(z.object({ occurrences: z.array(z.object({ startsAt: z.number(), endsAt: z.number() })), conflicts: z.array(conflictSchema) }))
    .query(({ ctx, input }) => ctx.clinic.operations.bookings.previewSeries(input)),
  weekIcs: permitted('bookings.read').input(z.object({ staffId: idSchema, monday: isoDateSchema })).output(z.string()).query(({ ctx, input }) => ctx.clinic.operations.bookings.weekIcs(input.staffId, input.monday, ctx.actor)),
  reminders: permitted('bookings.read').input(appointmentIdArgs).query(({ ctx, input }) => ctx.clinic.operations.bookings.reminders(input.appointmentId, ctx.actor)),
  reminderPreference: permitted('bookings.read').input(z.object({ patientId: idSchema })).query(({ ctx, input }) => ctx.clinic.operations.bookings.reminderPreference(input.patientId)),
  /** What the caregiver recorded: clinical, so nurses and doctors only. */
  visitSummary: permitted('clinical.read').input(appointmentIdArgs).query(({ ctx, input }) => ctx.clinic.operations.bookings.visitSummary(input.appointmentId, ctx.actor)),

  defineRoom: commandProcedure('bookings.write', 'bookings.defineRoom', defineRoomArgs),
  defineType: commandProcedure('bookings.write', 'bookings.defineType', defineTypeArgs),
  setClinicianProfile: commandProcedure('bookings.write', 'bookings.setClinicianProfile', setClinicianProfileArgs),
  addLeave: commandProcedure('bookings.write', 'bookings.addLeave', addLeaveArgs),
  cancelLeave: commandProcedure('bookings.write', 'bookings.cancelLeave', cancelLeaveArgs),
  book: commandProcedure('bookings.write', 'bookings.book', bookArgs),
  bookSeries: commandProcedure('bookings.write', 'bookings.bookSeries', bookSeriesArgs),
  move: commandProcedure('bookings.write', 'bookings.move', moveArgs),
  editFollowing: commandProcedure('bookings.write', 'bookings.editFollowing', editFollowingArgs),
  cancel: commandProcedure('bookings.write', 'bookings.cancel', cancelArgs),
  setReminderPreference: commandProcedure('bookings.write', 'bookings.setReminderPreference', reminderPreferenceArgs),
  checkIn: commandProcedure('bookings.checkin', 'bookings.checkIn', appointmentIdArgs),
  complete: commandProcedure('bookings.checkin', 'bookings.complete', appointmentIdArgs),
  noShow: commandProcedure('bookings.checkin', 'bookings.noShow', appointmentIdArgs),
  recordVisit: commandProcedure('clinical.write', 'bookings.recordVisit', recordVisitArgs),
});
