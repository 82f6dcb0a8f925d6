/**
 * Messages between the compare runner (main thread) and `compare.worker.ts`, parsed with zod on
 * both ends (STYLE habit 4): one request per comparison, progress while it runs, then its result
 * or a typed failure.
 */
import { z } from 'zod';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
/** A typed array of any backing buffer (z.instanceof would narrow it to ArrayBuffer). */
const float64 = z.custom<Float64Array>((v) => v instanceof Float64Array, { message: 'expected Float64Array' });
const float32 = z.custom<Float32Array>((v) => v instanceof Float32Array, { message: 'expected Float32Array' });

const scanSchema = z
  .object({ positions: float64, count: z.number().int().nonnegative(), outline: z.array(vec3).nullable() })
  .refine((s) => s.positions.length === 3 * s.count, 'positions must hold 3 values per point');

export const compareRequestSchema = z.object({ type: z.literal('compare'), id: z.number().int(), earlier: scanSchema, later: scanSchema, maxChangePoints: z.number().int().positive() });
export type CompareRequest = z.infer<typeof compareRequestSchema>;

export const COMPARE_STAGES = ['preparing', 'aligning', 'refining', 'checking', 'change-map'] as const;
export type CompareStage = (typeof COMPARE_STAGES)[number];

const stats = z.object({ points: z.number(), medianMm: z.number(), p10Mm: z.number(), p90Mm: z.number(), filledShare: z.number(), deeperShare: z.number() }).nullable();

export const compareReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), id: z.number().int(), stage: z.enum(COMPARE_STAGES), fraction: z.number() }),
  z.object({
    type: z.literal('done'),
    id: z.number().int(),
    /** Row-major 4×4, later → earlier. */
    laterToEarlier: z.array(z.number()).length(16),
    rmsMm: z.number(),
    overlap: z.number(),
    noiseMm: z.number(),
    warnings: z.array(z.enum(['poor-fit', 'low-overlap', 'sliding', 'no-outlines'])),
    start: z.enum(['scan-frames', 'wound-frames', 'principal-axes']),
    change: z.object({ positions: float32, changeMm: float32, scaleMm: z.number(), measured: z.number(), laterWound: stats, earlierWound: stats }),
    timings: z.array(z.object({ stage: z.string(), ms: z.number() })),
  }),
  z.object({ type: z.literal('failed'), id: z.number().int(), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type CompareReply = z.infer<typeof compareReplySchema>;
export type CompareDone = Extract<CompareReply, { type: 'done' }>;
