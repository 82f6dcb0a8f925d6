/**
 * A doctor's review of a wound: timeline, healing figures and predicted course, the body map, the
 * picked baseline, and two visits compared in 3D (a job with live progress in the compare worker).
 */
import { z } from 'zod';
import { idSchema } from '../../common/records';
import { bodyMapMarkerSchema, compareInputSchema, compareJobSchema, comparisonSchema, woundReviewSchema, type CompareJob } from '../../common/review';
import { eventStream } from './event-stream';
import { permitted, router, sessionGuard } from './trpc';

const jobIdSchema = z.object({ jobId: z.uuid() });

export const reviewRouter = router({
  wound: permitted('clinical.read')
    .input(z.object({ woundId: idSchema }))
    .output(woundReviewSchema)
    .query(({ ctx, input }) => ctx.clinic.review.woundReview(input.woundId, ctx.actor)),

  /** Doctors: the visit the healing figures start from (null: back to the first assessment). */
  setBaseline: permitted('review.baseline')
    .input(z.object({ woundId: idSchema, assessmentId: idSchema.nullable() }))
    .output(woundReviewSchema)
    .mutation(({ ctx, input }) => ctx.clinic.review.setBaseline(input.woundId, input.assessmentId, ctx.actor)),

  /** The patient's wounds placed on a front/back body outline. */
  bodyMap: permitted('clinical.read')
    .input(z.object({ patientId: idSchema }))
    .output(z.array(bodyMapMarkerSchema))
    .query(({ ctx, input }) => ctx.clinic.review.bodyMap(input.patientId, ctx.actor)),

  /** Starts comparing two scans of one wound (the same pair while it runs returns the same job). */
  compare: permitted('clinical.read')
    .input(compareInputSchema)
    .output(compareJobSchema)
    .mutation(({ ctx, input }) => ctx.clinic.review.startComparison(input, ctx.actor)),

  compareJobs: permitted('clinical.read')
    .output(z.array(compareJobSchema))
    .query(({ ctx }) => ctx.clinic.review.jobs()),

  /** A finished comparison: the registration, its quality and the change map. */
  comparison: permitted('clinical.read')
    .input(jobIdSchema)
    .output(comparisonSchema)
    .query(({ ctx, input }) => ctx.clinic.review.comparison(input.jobId)),

  cancelCompare: permitted('clinical.read')
    .input(jobIdSchema)
    .mutation(({ ctx, input }) => ctx.clinic.review.cancelComparison(input.jobId)),

  /** A scan's timeline picture: PNG, base64. */
  thumbnail: permitted('clinical.read')
    .input(z.object({ scanId: idSchema }))
    .output(z.object({ png: z.string() }))
    .query(async ({ ctx, input }) => ({ png: (await ctx.clinic.review.thumbnail(input.scanId, ctx.actor)).toString('base64') })),

  /** Comparison progress, live, while this session may read clinical data. */
  onCompareJob: permitted('clinical.read').subscription(({ ctx, signal }) =>
    eventStream<CompareJob>((push) => ctx.clinic.review.onDidChangeJob(push), signal, sessionGuard(ctx, 'clinical.read')),
  ),
});
