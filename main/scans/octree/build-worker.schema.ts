/**
 * Messages between the octree orchestrator (`build.ts`) and `build.worker.ts`, parsed with zod on
 * both ends (STYLE.md habit 4). The columns are in shared memory (every worker reads the same
 * chunk-sorted copy, nothing is copied per message); replies travel as transferred buffers.
 */
import { z } from 'zod';
import { OCTREE_ERROR_CODES, type PointColumns, type RecordLayout } from './format';
import type { GridParams, SourceColumns } from './passes';
import type { SubtreeParams } from './subtree';

const attributeType = z.enum(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float', 'double']);

const scalarArray = z.union([
  z.instanceof(Float32Array),
  z.instanceof(Float64Array),
  z.instanceof(Int32Array),
  z.instanceof(Uint32Array),
  z.instanceof(Int16Array),
  z.instanceof(Uint16Array),
  z.instanceof(Int8Array),
  z.instanceof(Uint8Array),
]);

const layoutSchema = z.object({
  bytesPerPoint: z.number().int().positive(),
  slots: z.array(z.object({ name: z.string(), type: attributeType, numElements: z.number().int().positive(), offset: z.number().int().nonnegative(), description: z.string() })),
  hasRgb: z.boolean(),
  hasIntensity: z.boolean(),
  hasClassification: z.boolean(),
  extras: z.array(z.object({ name: z.string(), type: attributeType, offset: z.number().int().nonnegative() })),
}) satisfies z.ZodType<RecordLayout>;

const columnsSchema = z
  .object({
    count: z.number().int().nonnegative(),
    xyz: z.instanceof(Int32Array),
    rgb: z.instanceof(Uint8Array).optional(),
    intensity: z.instanceof(Uint16Array).optional(),
    classification: z.instanceof(Uint8Array).optional(),
    extras: z.array(scalarArray.optional()),
  })
  .refine((c) => c.xyz.length === 3 * c.count, 'xyz must hold 3 values per point')
  .refine((c) => !c.rgb || c.rgb.length === 3 * c.count, 'rgb must hold 3 values per point')
  .refine((c) => [c.intensity, c.classification, ...c.extras].every((a) => !a || a.length === c.count), 'every attribute must hold one value per point') satisfies z.ZodType<PointColumns>;

const paramsSchema = z.object({
  gridPerQuantum: z.number().positive(),
  samplingBits: z.number().int().min(1).max(10),
  maxPointsPerNode: z.number().int().positive(),
  maxLevel: z.number().int().nonnegative(),
}) satisfies z.ZodType<SubtreeParams>;

const id = z.number().int().nonnegative();
const triple = z.tuple([z.number(), z.number(), z.number()]);

const gridSchema = z.object({
  offset: triple,
  inv: z.number().positive(),
  gridPerQuantum: z.number().positive(),
  countShift: z.number().int().min(0).max(21),
}) satisfies z.ZodType<GridParams>;

const sourceSchema = z.object({
  positions: z.instanceof(Float64Array),
  colors: z.instanceof(Uint8Array).optional(),
  intensity: z.instanceof(Uint16Array).optional(),
  classification: z.instanceof(Uint8Array).optional(),
  extras: z.array(scalarArray.optional()),
}) satisfies z.ZodType<SourceColumns>;

/** A slice of the whole cloud's points, for the passes of `passes.ts`. */
const slice = { start: z.number().int().nonnegative(), end: z.number().int().nonnegative() };
const sliceInside = (r: { start: number; end: number }, points: number): boolean => r.start <= r.end && r.end <= points;

export const buildRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('build'),
    id,
    rootName: z.string().regex(/^r[0-7]*$/),
    /** The chunk's points: `start … end − 1` of the columns (chunk-sorted, shared with every worker). */
    ...slice,
    params: paramsSchema,
    layout: layoutSchema,
    columns: columnsSchema,
  }).refine((r) => sliceInside(r, r.columns.count), 'the chunk range must lie inside the columns'),
  z.object({ type: z.literal('bounds'), id, positions: z.instanceof(Float64Array), ...slice }).refine((r) => sliceInside(r, r.positions.length / 3), 'the slice must lie inside the cloud'),
  z.object({ type: z.literal('count'), id, positions: z.instanceof(Float64Array), ...slice, grid: gridSchema, cells: z.number().int().positive() }).refine(
    (r) => sliceInside(r, r.positions.length / 3),
    'the slice must lie inside the cloud',
  ),
  z.object({
    type: z.literal('distribute'),
    id,
    source: sourceSchema,
    ...slice,
    grid: gridSchema,
    /** Chunk of each chunk-grid cell; shared. */
    cellChunk: z.instanceof(Int32Array),
    /** Where this slice's first point of each chunk goes. */
    cursor: z.instanceof(Float64Array),
    out: columnsSchema,
  }).refine((r) => sliceInside(r, r.source.positions.length / 3) && r.out.count === r.source.positions.length / 3, 'the slice must lie inside the cloud and the copy hold every point'),
]);
/** What the orchestrator sends (the schema's shape, with the arrays typed as the writer builds them). */
export type BuildRequest =
  | (Omit<Extract<z.infer<typeof buildRequestSchema>, { type: 'build' }>, 'columns'> & { columns: PointColumns })
  | (Omit<Extract<z.infer<typeof buildRequestSchema>, { type: 'bounds' }>, 'positions'> & { positions: Float64Array })
  | (Omit<Extract<z.infer<typeof buildRequestSchema>, { type: 'count' }>, 'positions'> & { positions: Float64Array })
  | (Omit<Extract<z.infer<typeof buildRequestSchema>, { type: 'distribute' }>, 'source' | 'out' | 'cellChunk' | 'cursor'> & { source: SourceColumns; out: PointColumns; cellChunk: Int32Array; cursor: Float64Array });

export const buildErrorSchema = z.object({ name: z.string(), code: z.union([z.enum(OCTREE_ERROR_CODES), z.literal('INTERNAL')]), message: z.string() });

export const buildReplySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('built'),
    id,
    names: z.array(z.string()),
    numPoints: z.instanceof(Uint32Array),
    childMask: z.instanceof(Uint8Array),
    /** The subtree's part of octree.bin, nodes in `names` order. */
    bytes: z.instanceof(Uint8Array),
    /** Points each ancestor (level 0 first) took from the chunk, and their records. */
    upperCounts: z.instanceof(Uint32Array),
    upperBytes: z.instanceof(Uint8Array),
  }),
  z.object({ type: z.literal('bounded'), id, min: triple, max: triple, bad: z.number().int().min(-1) }),
  z.object({ type: z.literal('counted'), id, counts: z.instanceof(Uint32Array) }),
  z.object({ type: z.literal('distributed'), id }),
  z.object({ type: z.literal('failed'), id, error: buildErrorSchema }),
]);
export type BuildReply = z.infer<typeof buildReplySchema>;
/** What the worker sends: the same union, with arrays typed as the builder makes them. */
export type BuildReplyMessage =
  | Exclude<BuildReply, { type: 'built' | 'counted' }>
  | (Omit<Extract<BuildReply, { type: 'built' }>, 'numPoints' | 'childMask' | 'bytes' | 'upperCounts' | 'upperBytes'> & { numPoints: Uint32Array; childMask: Uint8Array; bytes: Uint8Array; upperCounts: Uint32Array; upperBytes: Uint8Array })
  | { type: 'counted'; id: number; counts: Uint32Array };

/** Every distinct non-shared buffer a request carries, for the transfer list; shared ones travel as they are. */
export function requestBuffers(request: BuildRequest): ArrayBuffer[] {
  const arrays = request.type === 'build' ? columnArrays(request.columns) : [];
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  return [...buffers];
}

function columnArrays(columns: PointColumns): (ArrayBufferView | undefined)[] {
  return [columns.xyz, columns.rgb, columns.intensity, columns.classification, ...columns.extras];
}
