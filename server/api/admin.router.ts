/**
 * The service operator's procedures (`Authorization: Bearer $SERVICE_ADMIN_TOKEN`): clinics,
 * enrolment codes, revoking devices, the reminders' dead letters. Each runs inside the named
 * clinic's scope like any other.
 */
import { z } from 'zod';
import { adminProcedure, router } from './trpc';

const clinicId = z.uuid();

export const adminRouter = router({
  createClinic: adminProcedure.input(z.object({ name: z.string().trim().min(1).max(200) })).mutation(({ ctx, input }) => ctx.services.devices.createClinic(input.name)),
  issueEnrolmentCode: adminProcedure
    .input(z.object({ clinicId, ttlMinutes: z.number().int().min(1).max(7 * 24 * 60).default(24 * 60) }))
    .mutation(({ ctx, input }) => ctx.services.devices.issueEnrolmentCode(input.clinicId, input.ttlMinutes * 60_000)),
  devices: adminProcedure.input(z.object({ clinicId })).query(({ ctx, input }) => ctx.services.devices.list(input.clinicId)),
  revokeDevice: adminProcedure.input(z.object({ clinicId, deviceId: z.string().min(1).max(64) })).mutation(({ ctx, input }) => ctx.services.devices.revoke(input.clinicId, input.deviceId)),
  deadLetters: adminProcedure.input(z.object({ clinicId })).query(({ ctx, input }) => ctx.services.reminders.deadLetters(input.clinicId)),
  retryReminder: adminProcedure.input(z.object({ clinicId, reminderId: z.string().min(1).max(64) })).mutation(({ ctx, input }) => ctx.services.reminders.retry(input.clinicId, input.reminderId)),
  /** Runs one pass of the reminder sender now (operators, tests). */
  sendReminders: adminProcedure.mutation(({ ctx }) => ctx.services.reminders.runOnce()),
});
