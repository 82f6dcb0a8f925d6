import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { permissionSchema } from '../../common/permissions';
import { enrolmentOfferSchema, idSchema, passwordSchema, secondFactorCodeSchema, staffMemberSchema, twoFactorStateSchema } from '../../common/records';
import { SignInExpiredError, type AuthService } from '../auth/index';
import type { Context } from './context';
import { publicProcedure, router, signedInProcedure } from './trpc';

/** Binds a new session to this connection, ending the one it had (another member's, or the same). */
async function bindSession(ctx: Context, clinic: { id: string; auth: AuthService }, signedIn: Awaited<ReturnType<AuthService['completeSignIn']>>) {
  const previous = ctx.services.workstation.connection(ctx.connectionId);
  if (previous) (await ctx.services.workstation.clinic(previous.clinicId)).auth.logout(previous.token);
  ctx.services.workstation.bind(ctx.connectionId, { clinicId: clinic.id, token: signedIn.token });
  return { staff: signedIn.staff, permissions: signedIn.permissions };
}

const meSchema = z
  .object({
    clinic: z.object({ id: z.string(), name: z.string() }),
    staff: staffMemberSchema,
    permissions: z.array(permissionSchema),
    locked: z.boolean(),
  })
  .nullable();

export const authRouter = router({
  /** Who is signed in on this window (null when nobody); `locked` shows the lock screen. */
  me: publicProcedure.output(meSchema).query(async ({ ctx }) => {
    const bound = ctx.services.workstation.connection(ctx.connectionId);
    if (!bound) return null;
    const clinic = await ctx.services.workstation.clinic(bound.clinicId);
    // peek, not get: the UI polls this, and polling must not keep an unattended session from locking.
    const session = clinic.auth.sessions.peek(bound.token);
    if (!session) {
      ctx.services.workstation.unbind(ctx.connectionId);
      return null;
    }
    const staff = clinic.auth.staff.get(session.staffId);
    if (!staff) return null;
    const { permissionsOf } = await import('../../common/permissions');
    return { clinic: { id: clinic.id, name: clinic.name }, staff, permissions: permissionsOf(session.roles), locked: session.locked };
  }),

  /**
   * The password step. Signed in at once, or (two-factor) the UI asks for a code next — or, for a
   * member the policy requires it of who has no authenticator yet, shows the QR code to set one up.
   * The challenge stays in the main process, bound to this connection.
   */
  login: publicProcedure
    .input(z.object({ clinicId: idSchema, username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }))
    .output(
      z.discriminatedUnion('status', [
        z.object({ status: z.literal('signed-in'), staff: staffMemberSchema, permissions: z.array(permissionSchema) }),
        z.object({ status: z.literal('second-factor') }),
        z.object({ status: z.literal('enrol-second-factor'), enrolment: enrolmentOfferSchema }),
      ]),
    )
    .mutation(async ({ ctx, input }) => {
      const clinic = await ctx.services.workstation.clinic(input.clinicId);
      ctx.services.workstation.setPendingSignIn(ctx.connectionId, null);
      const step = await clinic.auth.signIn(input.username, input.password);
      if (step.status === 'signed-in') return { status: 'signed-in' as const, ...(await bindSession(ctx, clinic, step.signedIn)) };
      ctx.services.workstation.setPendingSignIn(ctx.connectionId, { clinicId: clinic.id, challenge: step.challenge });
      return step.status === 'second-factor' ? { status: step.status } : { status: step.status, enrolment: step.enrolment };
    }),

  /** The second step: a code from the authenticator (or a recovery code); when enrolling, the new recovery codes come back once. */
  completeSignIn: publicProcedure
    .input(z.object({ code: secondFactorCodeSchema }))
    .output(z.object({ staff: staffMemberSchema, permissions: z.array(permissionSchema), recoveryCodes: z.array(z.string()).optional() }))
    .mutation(async ({ ctx, input }) => {
      const pending = ctx.services.workstation.pendingSignIn(ctx.connectionId);
      if (!pending) throw new SignInExpiredError();
      const clinic = await ctx.services.workstation.clinic(pending.clinicId);
      const done = await clinic.auth.completeSignIn(pending.challenge, input.code);
      ctx.services.workstation.setPendingSignIn(ctx.connectionId, null);
      return { ...(await bindSession(ctx, clinic, done)), ...(done.recoveryCodes ? { recoveryCodes: done.recoveryCodes } : {}) };
    }),

  /** The signed-in member's own two-factor state (My account). */
  twoFactor: signedInProcedure.output(twoFactorStateSchema).query(({ ctx }) => ctx.clinic.auth.twoFactorState(ctx.token)),
  /** Starts setting up a (new) authenticator; replacing one needs a current code from it. */
  beginTwoFactor: signedInProcedure
    .input(z.object({ currentCode: secondFactorCodeSchema.optional() }))
    .output(enrolmentOfferSchema)
    .mutation(({ ctx, input }) => ctx.clinic.auth.beginEnrolment(ctx.token, input.currentCode)),
  confirmTwoFactor: signedInProcedure
    .input(z.object({ code: secondFactorCodeSchema }))
    .output(z.object({ recoveryCodes: z.array(z.string()) }))
    .mutation(({ ctx, input }) => ctx.clinic.auth.confirmEnrolment(ctx.token, input.code)),
  renewRecoveryCodes: signedInProcedure
    .input(z.object({ code: secondFactorCodeSchema }))
    .output(z.object({ recoveryCodes: z.array(z.string()) }))
    .mutation(({ ctx, input }) => ctx.clinic.auth.renewRecoveryCodes(ctx.token, input.code)),

  /** Ends this window's session, locked or not (the lock screen offers "Sign out"). */
  logout: publicProcedure.mutation(async ({ ctx }) => {
    const bound = ctx.services.workstation.connection(ctx.connectionId);
    if (!bound) return;
    ctx.services.workstation.unbind(ctx.connectionId);
    const clinic = await ctx.services.workstation.clinic(bound.clinicId);
    clinic.auth.logout(bound.token);
  }),

  lock: signedInProcedure.mutation(({ ctx }) => {
    ctx.clinic.auth.lock(ctx.token);
  }),

  /** The locked session's own member unlocks with their password. */
  unlock: publicProcedure.input(z.object({ password: z.string().min(1).max(1024) })).mutation(async ({ ctx, input }) => {
    const bound = ctx.services.workstation.connection(ctx.connectionId);
    if (!bound) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first.' });
    const clinic = await ctx.services.workstation.clinic(bound.clinicId);
    await clinic.auth.unlock(bound.token, input.password);
  }),

  changePassword: signedInProcedure
    .input(z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }))
    .mutation(async ({ ctx, input }) => {
      await ctx.clinic.auth.changePassword(ctx.token, input.currentPassword, input.newPassword);
    }),
});
