/**
 * Wound assessments: live measuring of an outline on a stored scan, saving it (re-measured here,
 * never trusting figures from the client; one assessment per request id), the wound's history, a
 * doctor's sign-off and voiding a wrong assessment before sign-off.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { amendAssessmentInputSchema, assessmentSchema, measureInputSchema, measureResultSchema, saveAssessmentInputSchema, signOffInputSchema, voidAssessmentInputSchema } from '../../common/assessments';
import { idSchema } from '../../common/records';
import { MeasureError } from '../analysis/measure/index';
import { ScanAnalysisError } from '../analysis/index';
import { permitted, router } from './trpc';

/** MeasureError → BAD_REQUEST whose message names the problem; its code reaches the UI as data.appCode. */
function translate(error: unknown): never {
  if (error instanceof MeasureError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (error instanceof ScanAnalysisError) throw new TRPCError({ code: error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'PRECONDITION_FAILED', message: error.message, cause: error });
  throw error;
}

export const assessmentsRouter = router({
  /** All figures, the lid and a depth overlay for an outline (mm, scan coordinates); nothing is saved. */
  measure: permitted('clinical.read')
    .input(measureInputSchema)
    .output(measureResultSchema)
    .mutation(async ({ ctx, input }) => {
      if (!ctx.clinic.scans.get(input.scanId, ctx.actor)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such scan in this clinic.' });
      return ctx.clinic.analysis
        .measure(input.scanId, input.outline, { ...(input.bodyAxis ? { bodyAxis: input.bodyAxis } : {}), ...(input.tissuePaint ? { tissuePaint: input.tissuePaint } : {}) })
        .catch(translate);
    }),

  /** Re-measures the outline and saves the assessment on the scan's wound, measured by the caller. */
  save: permitted('clinical.write')
    .input(saveAssessmentInputSchema)
    .output(z.object({ assessment: assessmentSchema, octreeUpdated: z.boolean(), replayed: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      if (!ctx.clinic.scans.get(input.scanId, ctx.actor)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such scan in this clinic.' });
      if (input.method !== 'manual' && !input.modelVersion) throw new TRPCError({ code: 'BAD_REQUEST', message: 'An automatic or edited outline names the model version that proposed it.' });
      const { modelVersion, bodyAxis, tissuePaint, details, ...rest } = input;
      return ctx.clinic.analysis
        .save({ ...rest, modelVersion: modelVersion ?? null, ...(bodyAxis ? { bodyAxis } : {}), ...(tissuePaint ? { tissuePaint } : {}), ...(details ? { details } : {}) }, ctx.actor)
        .catch(translate);
    }),

  listByWound: permitted('clinical.read')
    .input(z.object({ woundId: idSchema }))
    .output(z.array(assessmentSchema))
    .query(({ ctx, input }) => ctx.clinic.assessments.listByWound(input.woundId, ctx.actor)),

  get: permitted('clinical.read')
    .input(z.object({ id: idSchema }))
    .output(assessmentSchema)
    .query(({ ctx, input }) => {
      const found = ctx.clinic.assessments.get(input.id, ctx.actor);
      if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such assessment in this clinic.' });
      return found;
    }),

  /**
   * Doctors only: corrects a signed-off assessment. The outline is measured again and stored as the
   * next version with the reason; the signed version stays in the record, shown as replaced.
   */
  amend: permitted('assessments.amend')
    .input(amendAssessmentInputSchema)
    .output(z.object({ assessment: assessmentSchema, octreeUpdated: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      if (input.method !== 'manual' && !input.modelVersion) throw new TRPCError({ code: 'BAD_REQUEST', message: 'An automatic or edited outline names the model version that proposed it.' });
      return ctx.clinic.analysis
        .amend(
          {
            id: input.id,
            reason: input.reason,
            outline: input.outline,
            method: input.method,
            modelVersion: input.modelVersion ?? null,
            ...(input.bodyAxis ? { bodyAxis: input.bodyAxis } : {}),
            ...(input.tissuePaint ? { tissuePaint: input.tissuePaint } : {}),
            ...(input.details ? { details: input.details } : {}),
          },
          ctx.actor,
        )
        .catch(translate);
    }),

  /** Doctors only (issue 3): signs the assessment off once, with an optional comment; not a voided one. */
  signOff: permitted('assessments.signoff')
    .input(signOffInputSchema)
    .output(assessmentSchema)
    .mutation(({ ctx, input }) => ctx.clinic.assessments.signOff(input.id, ctx.actor, input.comment)),

  /** A wrong assessment, before sign-off, is marked void with the reason (audited); it stays in the history. */
  void: permitted('clinical.write')
    .input(voidAssessmentInputSchema)
    .output(assessmentSchema)
    .mutation(({ ctx, input }) => ctx.clinic.assessments.void(input.id, input.reason, ctx.actor)),
});
