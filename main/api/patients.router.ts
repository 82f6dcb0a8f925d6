import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { idSchema, patientInputSchema, patientPageSchema, patientSchema, patientSearchSchema, patientUpdateSchema } from '../../common/records';
import { permitted, router } from './trpc';

/** Demographics only (name, MRN, date of birth, sex, contact): what bookings and billing need too. */
export const patientsRouter = router({
  search: permitted('patients.demographics.read')
    .input(patientSearchSchema)
    .output(patientPageSchema)
    .query(({ ctx, input }) => ctx.clinic.patients.search(input, ctx.actor)),
  get: permitted('patients.demographics.read')
    .input(z.object({ id: idSchema }))
    .output(patientSchema)
    .query(({ ctx, input }) => {
      const patient = ctx.clinic.patients.get(input.id, ctx.actor);
      if (!patient) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such patient in this clinic.' });
      return patient;
    }),
  create: permitted('patients.demographics.write')
    .input(patientInputSchema)
    .output(patientSchema)
    .mutation(({ ctx, input }) => ctx.clinic.patients.create(input, ctx.actor)),
  update: permitted('patients.demographics.write')
    .input(z.object({ id: idSchema, patch: patientUpdateSchema }))
    .output(patientSchema)
    .mutation(({ ctx, input }) => ctx.clinic.patients.update(input.id, input.patch, ctx.actor)),
});
