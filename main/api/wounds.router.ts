import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { idSchema, woundInputSchema, woundSchema, woundStatusSchema, woundUpdateSchema } from '../../common/records';
import { permitted, router } from './trpc';

/** Clinical data: nurses and doctors only. */
export const woundsRouter = router({
  listByPatient: permitted('clinical.read')
    .input(z.object({ patientId: idSchema, status: woundStatusSchema.optional() }))
    .output(z.array(woundSchema))
    .query(({ ctx, input }) => ctx.clinic.wounds.listByPatient(input.patientId, ctx.actor, input.status ? { status: input.status } : {})),
  get: permitted('clinical.read')
    .input(z.object({ id: idSchema }))
    .output(woundSchema)
    .query(({ ctx, input }) => {
      const wound = ctx.clinic.wounds.get(input.id, ctx.actor);
      if (!wound) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such wound in this clinic.' });
      return wound;
    }),
  create: permitted('clinical.write').input(woundInputSchema).output(woundSchema).mutation(({ ctx, input }) => ctx.clinic.wounds.create(input, ctx.actor)),
  update: permitted('clinical.write')
    .input(z.object({ id: idSchema, patch: woundUpdateSchema }))
    .output(woundSchema)
    .mutation(({ ctx, input }) => ctx.clinic.wounds.update(input.id, input.patch, ctx.actor)),
});
