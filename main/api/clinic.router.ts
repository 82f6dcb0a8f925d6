import { z } from 'zod';
import { clinicSummarySchema, enrolClinicInputSchema } from '../../common/records';
import { permitted, publicProcedure, router } from './trpc';

export const clinicRouter = router({
  /** Clinics enrolled on this workstation (id and name only), for the sign-in screen. */
  list: publicProcedure.output(z.array(clinicSummarySchema)).query(({ ctx }) =>
    ctx.services.workstation.listClinics().map((c) => ({ id: c.id, name: c.name })),
  ),

  /**
   * First run only: the first clinic's key goes into the OS keychain, its record is created with a
   * first IT admin. Once a clinic exists this is refused (FORBIDDEN, ENROL_REFUSED): anyone who can
   * reach the API before signing in must not be able to add clinics.
   */
  enrol: publicProcedure
    .input(enrolClinicInputSchema)
    .output(clinicSummarySchema)
    .mutation(async ({ ctx, input }) => {
      const { clinicId, name } = await ctx.services.workstation.enrol(input);
      return { id: clinicId, name };
    }),

  /** A further clinic on this workstation, by a signed-in IT admin; audited in both clinics' records. */
  enrolAnother: permitted('clinics.enrol')
    .input(enrolClinicInputSchema)
    .output(clinicSummarySchema)
    .mutation(async ({ ctx, input }) => {
      const { clinicId, name } = await ctx.services.workstation.enrol(input, { clinic: ctx.clinic, actor: ctx.actor });
      return { id: clinicId, name };
    }),
});
