import { z } from 'zod';
import { enrolWorkstationSchema, overwrittenEditSchema, rejectedChangeSchema, syncStatusSchema } from '../../common/sync';
import { permitted, router } from './trpc';

/** The Sync panel: status and "sync now" for managers and IT, rejected changes, overwritten edits (managers), enrolment and credential rotation (IT). */
export const syncRouter = router({
  status: permitted('sync.read').output(syncStatusSchema).query(({ ctx }) => ctx.clinic.sync.status()),
  syncNow: permitted('sync.read').output(syncStatusSchema).mutation(({ ctx }) => ctx.clinic.sync.syncNow()),
  rejected: permitted('sync.read').output(z.array(rejectedChangeSchema)).query(({ ctx }) => ctx.clinic.sync.rejected()),
  dismissRejected: permitted('sync.read').input(z.object({ mutationId: z.number().int().positive() })).mutation(({ ctx, input }) => ctx.clinic.sync.dismissRejected(input.mutationId, ctx.actor)),
  overwrites: permitted('sync.conflicts').output(z.array(overwrittenEditSchema)).query(({ ctx }) => ctx.clinic.sync.overwrites()),
  dismissOverwrite: permitted('sync.conflicts').input(z.object({ id: z.string().min(1).max(200) })).mutation(({ ctx, input }) => ctx.clinic.sync.dismissOverwrite(input.id, ctx.actor)),
  enrol: permitted('sync.manage').input(enrolWorkstationSchema).output(syncStatusSchema).mutation(({ ctx, input }) => ctx.clinic.sync.enrol(input, ctx.actor)),
  rotateCredential: permitted('sync.manage').output(syncStatusSchema).mutation(({ ctx }) => ctx.clinic.sync.rotateCredential(ctx.actor)),
});
