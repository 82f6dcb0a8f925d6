import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { permissionSchema } from '../../common/permissions';
import { idSchema, passwordSchema, staffMemberSchema } from '../../common/records';
import { publicProcedure, router, signedInProcedure } from './trpc';

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

  login: publicProcedure
    .input(z.object({ clinicId: idSchema, username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }))
    .output(z.object({ staff: staffMemberSchema, permissions: z.array(permissionSchema) }))
    .mutation(async ({ ctx, input }) => {
      const clinic = await ctx.services.workstation.clinic(input.clinicId);
      const previous = ctx.services.workstation.connection(ctx.connectionId);
      const signedIn = await clinic.auth.login(input.username, input.password);
      if (previous) {
        const prevClinic = await ctx.services.workstation.clinic(previous.clinicId);
        prevClinic.auth.logout(previous.token);
      }
      ctx.services.workstation.bind(ctx.connectionId, { clinicId: clinic.id, token: signedIn.token });
      return { staff: signedIn.staff, permissions: signedIn.permissions };
    }),

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
