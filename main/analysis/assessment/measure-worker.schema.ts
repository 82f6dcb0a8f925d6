/**
 * Messages between the measure runner (main thread) and `measure.worker.ts`, parsed with zod on
 * both ends (STYLE habit 4). A cloud is sent once per key and kept by the worker (at most a few),
 * so live re-measuring while a nurse edits an outline sends only the outline.
 */
import { z } from 'zod';
import type { PointCloud } from '../../../common/point-cloud';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** A typed array of any backing buffer (z.instanceof would narrow it to ArrayBuffer). */
type Ctor<T> = abstract new (...args: never[]) => T;
const typed = <T>(ctor: Ctor<T>) => z.custom<T>((v) => v instanceof ctor, { message: `expected ${ctor.name}` });

const extraValues = z.union([
  typed<Float32Array>(Float32Array),
  typed<Float64Array>(Float64Array),
  typed<Int32Array>(Int32Array),
  typed<Uint32Array>(Uint32Array),
  typed<Int16Array>(Int16Array),
  typed<Uint16Array>(Uint16Array),
  typed<Int8Array>(Int8Array),
  typed<Uint8Array>(Uint8Array),
]);

export const workerCloudSchema = z
  .object({
    format: z.enum(['ply', 'las', 'laz', 'e57', 'xyz', 'pts', 'obj']),
    version: z.string(),
    count: z.number().int().nonnegative(),
    positions: typed<Float64Array>(Float64Array),
    colors: typed<Uint8Array>(Uint8Array).optional(),
    normals: typed<Float32Array>(Float32Array).optional(),
    intensity: typed<Uint16Array>(Uint16Array).optional(),
    classification: typed<Uint8Array>(Uint8Array).optional(),
    extras: z.array(z.object({ name: z.string(), size: z.number().int().nonnegative(), values: extraValues })),
    units: z.enum(['m', 'cm', 'mm', 'ft', 'us-ft', 'in', 'unknown']),
    sourceApp: z.string().optional(),
    sourceDevice: z.string().optional(),
    comments: z.array(z.string()),
  })
  .refine((c) => c.positions.length === c.count * 3, 'positions must hold 3 values per point') satisfies z.ZodType<Omit<PointCloud, 'vlrs'>>;

export const measureRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('put'), key: z.string(), cloud: workerCloudSchema }),
  z.object({ type: z.literal('drop'), key: z.string() }),
  z.object({
    type: z.literal('measure'),
    id: z.number().int(),
    key: z.string(),
    outline: z.array(vec3),
    bodyAxis: vec3.optional(),
    tissuePaint: z.array(z.object({ tissue: z.number().int().min(0).max(3), centre: vec3, radiusMm: z.number().positive() })).optional(),
    /** Also return the per-point inside mask and depths (for writing them into the octree). */
    perPoint: z.boolean(),
    maxOverlayPoints: z.number().int().positive(),
  }),
]);
export type MeasureRequest = z.infer<typeof measureRequestSchema>;

const figures = z.object({
  area_cm2: z.number(),
  projected_area_cm2: z.number(),
  perimeter_cm: z.number(),
  length_cm: z.number(),
  width_cm: z.number(),
  max_depth_mm: z.number(),
  mean_depth_mm: z.number(),
  volume_cm3: z.number(),
  raised_volume_cm3: z.number(),
  tissue_pct: z.object({ granulation: z.number(), slough: z.number(), eschar: z.number(), epithelium: z.number() }).nullable(),
  tissue_confirmed_pct: z.object({ granulation: z.number(), slough: z.number(), eschar: z.number(), epithelium: z.number() }).nullable(),
  tissue_unavailable_reason: z.string().nullable(),
  head_to_toe_length_cm: z.number().nullable(),
  width_across_cm: z.number().nullable(),
});

export const measureReplySchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    id: z.number().int(),
    figures,
    lid: z.object({ positions: typed<Float32Array>(Float32Array), indices: typed<Uint32Array>(Uint32Array) }),
    overlay: z.object({ positions: typed<Float32Array>(Float32Array), depthMm: typed<Float32Array>(Float32Array), tissue: typed<Int8Array>(Int8Array), min: z.number(), max: z.number(), total: z.number().int() }),
    woundPointCount: z.number().int(),
    ms: z.number(),
    perPoint: z.object({ insideMask: typed<Uint8Array>(Uint8Array), depthMm: typed<Float32Array>(Float32Array) }).optional(),
  }),
  z.object({
    ok: z.literal(false),
    id: z.number().int(),
    error: z.object({ name: z.string(), code: z.string(), message: z.string() }),
  }),
]);
export type MeasureReply = z.infer<typeof measureReplySchema>;
