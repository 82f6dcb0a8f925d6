/**
 * Analysis a nurse runs from the scan screen: "Find wound" (the wound model on the stored scan,
 * its outline for the viewer) and which model and execution provider the workstation uses.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { analysisStatusSchema, findWoundResultSchema, MAX_OUTLINE_VERTICES, type Vec3Tuple } from '../../common/assessments';
import { idSchema } from '../../common/records';
import { isModelError } from '../analysis/segmentation/index';
import { isWoundFinderError } from '../analysis/wound-finder/index';
import { ScanAnalysisError } from '../analysis/index';
import { permitted, router } from './trpc';

/** The finder's closed boundary (xyz interleaved) as outline vertices, evenly thinned to the cap. */
export function boundaryToOutline(boundary: Float64Array, max = MAX_OUTLINE_VERTICES): Vec3Tuple[] {
  const n = Math.floor(boundary.length / 3);
  const stride = Math.max(1, Math.ceil(n / max));
  const out: Vec3Tuple[] = [];
  for (let i = 0; i < n; i += stride) out.push([boundary[3 * i]!, boundary[3 * i + 1]!, boundary[3 * i + 2]!]);
  return out;
}

function translate(error: unknown): never {
  if (isWoundFinderError(error)) {
    const code = error.code === 'CANCELLED' ? 'CLIENT_CLOSED_REQUEST' : error.code === 'INTERNAL' ? 'INTERNAL_SERVER_ERROR' : error.code === 'INVALID_INPUT' ? 'BAD_REQUEST' : 'PRECONDITION_FAILED';
    throw new TRPCError({ code, message: error.message, cause: error });
  }
  if (isModelError(error)) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `The wound model cannot run: ${error.message}`, cause: error });
  if (error instanceof ScanAnalysisError) throw new TRPCError({ code: error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'PRECONDITION_FAILED', message: error.message, cause: error });
  throw error;
}

export const analysisRouter = router({
  /** Runs the wound model on the scan: the outline (mm, scan coordinates), the provider and the model. */
  findWound: permitted('clinical.read')
    .input(z.object({ scanId: idSchema }))
    .output(findWoundResultSchema)
    .mutation(async ({ ctx, input, signal }) => {
      if (!ctx.clinic.scans.get(input.scanId, ctx.actor)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such scan in this clinic.' });
      try {
        const cloud = await ctx.clinic.analysis.cloud(input.scanId);
        const found = await ctx.services.woundFinding.find(ctx.clinic.id, cloud, signal);
        ctx.services.logger.info('wound found', { points: found.woundPointCount, provider: found.provider, ms: Math.round(found.timings.totalMs) });
        return { outline: boundaryToOutline(found.boundary), woundPointCount: found.woundPointCount, provider: found.provider, model: found.model, ms: Math.round(found.timings.totalMs) };
      } catch (error) {
        translate(error);
      }
    }),

  /** This clinic's wound model and the execution provider in use (null until first used on this workstation). */
  status: permitted('clinical.read')
    .output(analysisStatusSchema)
    .query(({ ctx }) => ctx.services.woundFinding.status(ctx.clinic.id)),
});
