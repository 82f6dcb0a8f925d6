import { z } from 'zod';
import { staffRoleSchema } from '../../common/permissions';
import { idSchema, passwordSchema, staffInputSchema, staffMemberSchema, staffUpdateSchema } from '../../common/records';
import { permitted, router } from './trpc';

const settings = permitted('settings.manage');

const manage = permitted('staff.manage');

export const staffRouter = router({
  list: manage
    .input(z.object({ includeDisabled: z.boolean().default(true) }).default({ includeDisabled: true }))
    .output(z.array(staffMemberSchema))
    .query(({ ctx, input }) => ctx.clinic.auth.staff.list(input)),
  create: manage.input(staffInputSchema).output(staffMemberSchema).mutation(({ ctx, input }) => ctx.clinic.auth.createStaff(input, ctx.actor)),
  /** `confirmSelf`: the caller confirmed that this changes their own account (required then). */
  update: manage
    .input(z.object({ id: idSchema, patch: staffUpdateSchema, confirmSelf: z.boolean().default(false) }))
    .output(staffMemberSchema)
    .mutation(({ ctx, input }) => ctx.clinic.auth.updateStaff(input.id, input.patch, ctx.actor, { confirmedSelf: input.confirmSelf })),
  disable: manage
    .input(z.object({ id: idSchema, confirmSelf: z.boolean().default(false) }))
    .output(staffMemberSchema)
    .mutation(({ ctx, input }) => ctx.clinic.auth.disableStaff(input.id, ctx.actor, { confirmedSelf: input.confirmSelf })),
  enable: manage.input(z.object({ id: idSchema })).output(staffMemberSchema).mutation(({ ctx, input }) => ctx.clinic.auth.staff.enable(input.id, ctx.actor)),
  resetPassword: manage
    .input(z.object({ id: idSchema, newPassword: passwordSchema, confirmSelf: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => ctx.clinic.auth.resetPassword(input.id, input.newPassword, ctx.actor, { confirmedSelf: input.confirmSelf })),
  /** Ids of members with an authenticator (the Staff screen's "Two-factor" column). */
  twoFactorEnrolled: manage.output(z.array(z.string())).query(({ ctx }) => ctx.clinic.auth.twoFactorEnrolled()),
  /** A lost phone: removes another member's authenticator and recovery codes; they set up a new one at next sign-in. */
  resetTwoFactor: manage.input(z.object({ id: idSchema })).mutation(({ ctx, input }) => ctx.clinic.auth.resetTwoFactor(input.id, ctx.actor)),
  /** Roles that must sign in with an authenticator code (the clinic's policy). */
  twoFactorPolicy: settings.output(z.array(staffRoleSchema)).query(({ ctx }) => ctx.clinic.auth.twoFactorPolicy()),
  setTwoFactorPolicy: settings
    .input(z.object({ roles: z.array(staffRoleSchema).max(4) }))
    .output(z.array(staffRoleSchema))
    .mutation(({ ctx, input }) => ctx.clinic.auth.setTwoFactorPolicy(input.roles, ctx.actor)),
});
