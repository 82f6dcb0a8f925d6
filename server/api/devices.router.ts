/** Enrolment: a one-time code in, a device credential out (no credential needed yet; limited per address). */
import { enrolInputSchema, enrolOutputSchema } from '../../common/sync';
import { openProcedure, router } from './trpc';

export const devicesRouter = router({
  enrol: openProcedure.input(enrolInputSchema).output(enrolOutputSchema).mutation(({ ctx, input }) => ctx.services.devices.enrol(input)),
});
