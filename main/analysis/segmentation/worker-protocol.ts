/**
 * Messages between `createSegmenter` (index.ts) and `inference.worker.ts`, parsed with zod on
 * both ends (STYLE.md habit 4). Pixel and mask buffers are transferred, not copied.
 */
import { z } from 'zod';
import { MODEL_ERROR_CODES } from './errors';
import { PROVIDER_NAMES } from './providers';

const providerName = z.enum(PROVIDER_NAMES);

export const segmentRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('init'),
    manifestPath: z.string().min(1),
    providers: z.array(providerName).optional(),
    threads: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('segment'),
    id: z.number().int().nonnegative(),
    pixels: z.instanceof(Uint8Array),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    withProbability: z.boolean(),
  }),
]);
export type SegmentRequest = z.infer<typeof segmentRequestSchema>;

export const errorPayloadSchema = z.object({
  name: z.string(),
  code: z.enum(MODEL_ERROR_CODES),
  message: z.string(),
});

const attemptSchema = z.object({
  provider: providerName,
  ok: z.boolean(),
  ms: z.number(),
  reason: z.string().optional(),
});

export const modelInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  inputHeight: z.number().int().positive(),
  inputWidth: z.number().int().positive(),
  threshold: z.number(),
  sha256: z.string(),
  licence: z.string(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const segmentReplySchema = z.union([
  z.object({ type: z.literal('ready'), ok: z.literal(true), provider: providerName, attempts: z.array(attemptSchema), model: modelInfoSchema }),
  z.object({ type: z.literal('ready'), ok: z.literal(false), error: errorPayloadSchema }),
  z.object({
    type: z.literal('result'),
    id: z.number().int().nonnegative(),
    ok: z.literal(true),
    mask: z.instanceof(Uint8Array),
    probability: z.instanceof(Float32Array).optional(),
    provider: providerName,
    /** Whole request in the worker: resize, inference, resize back, threshold. */
    ms: z.number(),
    /** The forward pass alone, at the model's input size. */
    inferenceMs: z.number(),
  }),
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), ok: z.literal(false), error: errorPayloadSchema }),
]);
export type SegmentReply = z.infer<typeof segmentReplySchema>;
