/**
 * Messages between `findWoundInScan` (index.ts) and `wound-find.worker.ts`, parsed with zod on
 * both ends (STYLE.md habit 4). One worker serves one scan: `prepare` renders it and keeps the
 * projection, `finish` lifts the model's mask with it. Result buffers are transferred.
 */
import { z } from 'zod';
import { WOUND_FINDER_ERROR_CODES } from './errors';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

export const woundFindRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('prepare'),
    count: z.number().int().nonnegative(),
    positions: z.instanceof(Float64Array),
    colors: z.instanceof(Uint8Array).optional(),
    normals: z.instanceof(Float32Array).optional(),
    viewDirection: z.array(z.number()).optional(),
  }),
  z.object({ type: z.literal('finish'), mask: z.instanceof(Uint8Array) }),
]);
export type WoundFindRequest = z.infer<typeof woundFindRequestSchema>;

export const woundFindErrorSchema = z.object({
  name: z.string(),
  code: z.enum(WOUND_FINDER_ERROR_CODES),
  message: z.string(),
});
export type WoundFindErrorPayload = z.infer<typeof woundFindErrorSchema>;

export const woundFindReplySchema = z.union([
  z.object({
    type: z.literal('image'),
    ok: z.literal(true),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    rgb: z.instanceof(Uint8Array),
    viewDirection: vec3,
    viewSource: z.enum(['given', 'normals', 'convexity', 'default']),
    spacingMm: z.number(),
    pixelMm: z.number(),
    ms: z.number(),
  }),
  z.object({
    type: z.literal('result'),
    ok: z.literal(true),
    labels: z.instanceof(Uint8Array),
    woundPointCount: z.number().int().nonnegative(),
    boundary: z.instanceof(Float64Array),
    candidatePoints: z.number().int().nonnegative(),
    regionCount: z.number().int().nonnegative(),
    ms: z.number(),
  }),
  z.object({ type: z.enum(['image', 'result']), ok: z.literal(false), error: woundFindErrorSchema }),
]);
export type WoundFindReply = z.infer<typeof woundFindReplySchema>;
