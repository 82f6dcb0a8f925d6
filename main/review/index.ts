/**
 * The review service's public face: a doctor's review of a wound (timeline, healing figures,
 * predicted course, body map, baseline) and two visits compared in 3D in the compare worker.
 */
export { createReviewService, ReviewError, buildTrends, type WoundTrends, type ReviewService, type ReviewDeps } from './review.service';
export { createCompareRunner, CompareError, type CompareRunner } from './compare-runner';
