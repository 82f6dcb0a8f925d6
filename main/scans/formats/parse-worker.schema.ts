/**
 * Messages between `parseInWorker` and `parse.worker.ts`, parsed with zod on both ends
 * (STYLE.md habit 4). Typed arrays travel as transferred buffers.
 */
import { z } from 'zod';
import { SCAN_FORMATS, type PointCloud } from '../../../common/point-cloud';
import { scanWarningsSchema } from '../../../common/scans';
import { DETECTED_KINDS, SCAN_ERROR_CODES, ScanFormatError } from './errors';

export const parseRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('parse'),
    bytes: z.instanceof(ArrayBuffer),
    fileName: z.string().optional(),
    maxPoints: z.number().int().positive().optional(),
    applyE57Pose: z.boolean().optional(),
  }),
]);
export type ParseRequest = z.infer<typeof parseRequestSchema>;

const extraValues = z.union([
  z.instanceof(Float32Array),
  z.instanceof(Float64Array),
  z.instanceof(Int32Array),
  z.instanceof(Uint32Array),
  z.instanceof(Int16Array),
  z.instanceof(Uint16Array),
  z.instanceof(Int8Array),
  z.instanceof(Uint8Array),
]);

export const pointCloudSchema = z
  .object({
    format: z.enum(SCAN_FORMATS),
    version: z.string(),
    count: z.number().int().nonnegative(),
    positions: z.instanceof(Float64Array),
    colors: z.instanceof(Uint8Array).optional(),
    normals: z.instanceof(Float32Array).optional(),
    intensity: z.instanceof(Uint16Array).optional(),
    classification: z.instanceof(Uint8Array).optional(),
    extras: z.array(z.object({ name: z.string(), size: z.number().int().nonnegative(), values: extraValues })),
    units: z.enum(['m', 'cm', 'mm', 'ft', 'us-ft', 'in', 'unknown']),
    sourceApp: z.string().optional(),
    sourceDevice: z.string().optional(),
    comments: z.array(z.string()),
    vlrs: z
      .array(z.object({ userId: z.string(), recordId: z.number(), description: z.string(), length: z.number(), extended: z.boolean() }))
      .optional(),
    warnings: scanWarningsSchema.optional(),
  })
  .refine((c) => c.positions.length === c.count * 3, 'positions must hold 3 values per point')
  .refine((c) => !c.colors || c.colors.length === c.count * 3, 'colors must hold 3 values per point') satisfies z.ZodType<PointCloud>;

export const parseErrorSchema = z.object({
  name: z.string(),
  code: z.union([z.enum(SCAN_ERROR_CODES), z.literal('INTERNAL')]),
  format: z.enum(['ply', 'las', 'laz', 'e57', 'xyz', 'pts', 'obj', 'unknown']),
  offset: z.number(),
  message: z.string(),
  /** The reason alone, so that the receiving side can rebuild the same ScanFormatError. */
  reason: z.string().optional(),
  /** Text formats: the line of the offset. */
  line: z.number().int().positive().optional(),
  /** NOT_A_SCAN: what the file is instead. */
  detected: z.enum(DETECTED_KINDS).optional(),
});
export type ParseErrorPayload = z.infer<typeof parseErrorSchema>;

export const parseReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), fraction: z.number().min(0).max(1) }),
  z.discriminatedUnion('ok', [
    z.object({ type: z.literal('result'), ok: z.literal(true), cloud: pointCloudSchema }),
    z.object({ type: z.literal('result'), ok: z.literal(false), error: parseErrorSchema }),
  ]),
]);
export type ParseReply = z.infer<typeof parseReplySchema>;
/** What the worker sends: the same union, with the cloud typed as the readers build it. */
export type ParseReplyMessage = Exclude<ParseReply, { ok: true }> | { type: 'result'; ok: true; cloud: PointCloud };

/** Every distinct buffer behind the cloud's arrays, for the transfer list. */
export function cloudBuffers(cloud: PointCloud): ArrayBuffer[] {
  const arrays = [cloud.positions, cloud.colors, cloud.normals, cloud.intensity, cloud.classification, ...cloud.extras.map((e) => e.values)];
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  return [...buffers];
}

export function errorPayload(error: unknown): ParseErrorPayload {
  if (error instanceof ScanFormatError) {
    const payload: ParseErrorPayload = { name: error.name, code: error.code, format: error.format, offset: error.offset, message: error.message, reason: error.reason };
    if (error.line !== undefined) payload.line = error.line;
    if (error.detected !== undefined) payload.detected = error.detected;
    return payload;
  }
  // Anything else is our bug, not the file's; its message may quote data, so it stays here.
  return { name: error instanceof Error ? error.name : 'Error', code: 'INTERNAL', format: 'unknown', offset: 0, message: 'internal error while parsing the scan' };
}

