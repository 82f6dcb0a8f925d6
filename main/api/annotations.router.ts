/**
 * Annotations on a scan (issue 18): nurses and doctors add, change, delete and restore (undo)
 * markers, rulers, undermining/tunnelling and regions; the list beside the viewer and the wound's
 * timeline. Measures are computed by the service, never taken from the client.
 */
import { z } from 'zod';
import { annotationSchema, createAnnotationInputSchema, updateAnnotationInputSchema } from '../../common/annotations';
import { idSchema } from '../../common/records';
import { permitted, router } from './trpc';

export const annotationsRouter = router({
  create: permitted('clinical.write')
    .input(createAnnotationInputSchema)
    .output(annotationSchema)
    .mutation(({ ctx, input }) => ctx.clinic.annotations.create(input, ctx.actor)),

  update: permitted('clinical.write')
    .input(updateAnnotationInputSchema)
    .output(annotationSchema)
    .mutation(({ ctx, input }) => ctx.clinic.annotations.update(input.id, input.draft, ctx.actor)),

  remove: permitted('clinical.write')
    .input(z.object({ id: idSchema }))
    .output(annotationSchema)
    .mutation(({ ctx, input }) => ctx.clinic.annotations.remove(input.id, ctx.actor)),

  restore: permitted('clinical.write')
    .input(z.object({ id: idSchema }))
    .output(annotationSchema)
    .mutation(({ ctx, input }) => ctx.clinic.annotations.restore(input.id, ctx.actor)),

  listByScan: permitted('clinical.read')
    .input(z.object({ scanId: idSchema }))
    .output(z.array(annotationSchema))
    .query(({ ctx, input }) => ctx.clinic.annotations.listByScan(input.scanId, ctx.actor)),

  listByWound: permitted('clinical.read')
    .input(z.object({ woundId: idSchema }))
    .output(z.array(annotationSchema))
    .query(({ ctx, input }) => ctx.clinic.annotations.listByWound(input.woundId, ctx.actor)),
});
