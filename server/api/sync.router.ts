/** What an enrolled device calls: push, pull, its status, credential rotation, lookups by id (its clinic only). */
import { z } from 'zod';
import { SYNCED_TABLE_NAMES } from '../../common/sync-tables';
import { deviceStatusSchema, pullInputSchema, pullOutputSchema, pushInputSchema, pushOutputSchema, rotateInputSchema, rowSchema } from '../../common/sync';
import { deviceProcedure, router } from './trpc';

const tableName = z.enum(['sync_overwrites', ...SYNCED_TABLE_NAMES] as [string, ...string[]]);

export const syncRouter = router({
  push: deviceProcedure.input(pushInputSchema).output(pushOutputSchema).mutation(({ ctx, input }) => ctx.services.sync.push(ctx.device, input.mutations)),
  pull: deviceProcedure
    .input(pullInputSchema)
    .output(pullOutputSchema)
    .query(({ ctx, input }) => ctx.services.sync.pull(ctx.device, { cursor: input.cursor, limit: input.limit, minVersion: input.minVersion })),
  status: deviceProcedure.output(deviceStatusSchema).query(({ ctx }) => ctx.services.devices.status(ctx.device)),
  rotate: deviceProcedure.input(rotateInputSchema).mutation(({ ctx, input }) => ctx.services.devices.rotate(ctx.device, input.nextSecretSha256)),
  row: deviceProcedure
    .input(z.object({ table: tableName, key: z.string().min(1).max(200) }))
    .output(z.object({ row: rowSchema.nullable(), version: z.number(), deleted: z.boolean() }).nullable())
    .query(({ ctx, input }) => ctx.services.sync.row(ctx.device, input.table, input.key)),
  mutation: deviceProcedure
    .input(z.object({ mutationId: z.number().int().min(1) }))
    .query(({ ctx, input }) => ctx.services.sync.mutation(ctx.device, input.mutationId)),
});
