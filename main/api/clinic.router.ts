import { z } from 'zod';
import { clinicSummarySchema, enrolClinicInputSchema } from '../../common/records';
import { publicProcedure, router } from './trpc';

export const clinicRouter = router({
  /** Clinics enrolled on this workstation (id and name only), for the sign-in screen. */
  list: publicProcedure.output(z.array(clinicSummarySchema)).query(({ ctx }) =>
    ctx.services.workstation.listClinics().map((c) => ({ id: c.id, name: c.name })),
  ),

  /** First run (or another clinic): the clinic's key goes into the OS keychain, its record is created with a first IT admin. */
  enrol: publicProcedure
    .input(enrolClinicInputSchema)
    .output(clinicSummarySchema)
    .mutation(async ({ ctx, input }) => {
      const { clinicId, name } = await ctx.services.workstation.enrol(input);
      return { id: clinicId, name };
    }),
});
