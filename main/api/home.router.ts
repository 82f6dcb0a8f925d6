/**
 * Each role's home screen (issue 21 point 8). Today's patients and what waits for sign-off are
 * clinical; the manager's overview is demographics and bookings; IT's is the workstation's health.
 */
import { z } from 'zod';
import { awaitingSignOffSchema, managerOverviewSchema, todayInputSchema, todayPatientSchema, workstationHealthSchema } from '../../common/home';
import { permitted, router } from './trpc';

export const homeRouter = router({
  /** Patients booked, scanned, assessed or opened (by the caller) today; `from`/`to` are the caller's local day. */
  today: permitted('clinical.read')
    .input(todayInputSchema)
    .output(z.array(todayPatientSchema))
    .query(({ ctx, input }) => ctx.services.home.today(ctx.clinic.record, input, ctx.actor)),

  /** Assessments nobody has signed off yet, oldest first (at most 50, and how many in all). */
  awaitingSignOff: permitted('assessments.signoff')
    .output(z.object({ items: z.array(awaitingSignOffSchema), total: z.number() }))
    .query(({ ctx }) => ctx.services.home.awaitingSignOff(ctx.clinic.record, ctx.actor)),

  /** Patients as bookings and billing need them: how many, who is new, who cannot be reached. */
  managerOverview: permitted('billing.read')
    .input(todayInputSchema)
    .output(managerOverviewSchema)
    .query(({ ctx, input }) => ctx.services.home.managerOverview(ctx.clinic.record, input, ctx.actor)),

  /** The receiver, backups against their policy, the wound model, sync and disk space. */
  workstation: permitted('settings.manage')
    .output(workstationHealthSchema)
    .query(({ ctx }) => ctx.services.home.health(ctx.clinic)),
});
