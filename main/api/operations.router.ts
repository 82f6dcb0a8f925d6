import { z } from 'zod';
import type { Permission } from '../../common/permissions';
import { commandInput, dashboardSchema, operationsSettingsSchema, operationsSettingsUpdateSchema } from '../../common/operations';
import { permitted, router, signedInProcedure } from './trpc';

/**
 * A named command as a mutation: `{ commandId, args }` in, the command's result out. The client
 * makes the id, so a retried request is the same command (applied once).
 */
export function commandProcedure<S extends z.ZodType>(permission: Permission, name: string, args: S) {
  return permitted(permission)
    .input(commandInput(args))
    .mutation(({ ctx, input }) => ctx.clinic.operations.run<Record<string, unknown>>(name, input as { commandId: string; args: unknown }, ctx.actor));
}

/** The clinic's operations settings and the manager's dashboard. */
export const operationsRouter = router({
  settings: signedInProcedure.output(operationsSettingsSchema).query(({ ctx }) => ctx.clinic.operations.settings()),
  updateSettings: commandProcedure('operations.manage', 'operations.updateSettings', operationsSettingsUpdateSchema),
  dashboard: permitted('operations.manage')
    .input(z.object({ weeks: z.number().int().min(1).max(26).default(8) }))
    .output(dashboardSchema)
    .query(({ ctx, input }) => ctx.clinic.operations.dashboard(input.weeks, ctx.actor)),
});
