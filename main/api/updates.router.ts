import { updateChannelSchema, updateStatusSchema } from '../../common/updates';
import { z } from 'zod';
import { permitted, publicProcedure, router } from './trpc';

const manage = permitted('settings.manage');

export const updatesRouter = router({
  /** Channel, installed and offered versions, and why an update was refused (no patient data; shown on the System screen). */
  status: publicProcedure.output(updateStatusSchema).query(({ ctx }) => ctx.services.updates.status()),
  /** Checks the feed now (one check at a time); the outcome, refusals included, is in the returned status. */
  check: manage.output(updateStatusSchema).mutation(({ ctx }) => ctx.services.updates.check()),
  setChannel: manage
    .input(z.object({ channel: updateChannelSchema }))
    .output(updateStatusSchema)
    .mutation(({ ctx, input }) => ctx.services.updates.setChannel(input.channel)),
  /** Desktop app: re-verifies the downloaded file against the signed SHA-512 and restarts into it. */
  install: manage.mutation(({ ctx }) => ctx.services.updates.install()),
});
