import { z } from 'zod';
import { idSchema, passwordSchema, staffInputSchema, staffMemberSchema, staffUpdateSchema } from '../../common/records';
import { permitted, router } from './trpc';

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
});
