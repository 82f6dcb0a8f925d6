/**
 * The Potree 2.0 octree format as this writer produces it, shared by the orchestrator
 * (`build.ts`), the subtree workers (`build.worker.ts`) and the test decoder.
 *
 * Three files, as PotreeConverter 2.x writes them and potree-core's `OctreeLoader` reads them:
 *
 * - `octree.bin`: the points of every node, one node after another, each point once. A point is a
 *   fixed-size little-endian record ("DEFAULT" encoding) of the attributes listed in metadata, in
 *   that order: `position` int32×3 (x = int × scale + offset), `rgb` uint16×3 (8-bit × 257, which
 *   potree-core's `v > 255 ? v / 256 : v` turns back into the same 8-bit value), `intensity`
 *   uint16, `classification` uint8, then our own attributes (`wound_label` uint8, `depth_mm`
 *   float32 by default).
 * - `hierarchy.bin`: 22-byte node records (type u8, childMask u8, numPoints u32, byteOffset i64,
 *   byteSize i64) in chunks; see `hierarchy.ts`.
 * - `metadata.json`: see `OctreeMetadata`.
 *
 * Octree geometry. The cube has its minimum at the tight minimum of the cloud and the side of the
 * cloud's largest extent (as PotreeConverter). Child `i` of a node takes the upper half in x when
 * `i & 4`, in y when `i & 2`, in z when `i & 1` (potree's `createChildAABB`). All membership
 * decisions are made on a 2^21-per-axis integer grid computed from the quantised positions, so the
 * orchestrator and the workers agree bit for bit.
 */
import type { PointCloud } from '../../../common/point-cloud';

/** Integer grid resolution per axis used for every octree decision (node and sampling cells). */
export const GRID_BITS = 21;
export const GRID_MAX = (1 << GRID_BITS) - 1;

export const OCTREE_FILES = ['octree.bin', 'hierarchy.bin', 'metadata.json'] as const;
export type OctreeFileName = (typeof OCTREE_FILES)[number];

export type AttributeType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float' | 'double';

export const ATTRIBUTE_TYPE_SIZE: Record<AttributeType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float: 4,
  double: 8,
};

export type ScalarArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** One of our own per-point attributes, stored after the standard ones. */
export interface ExtraAttributeSpec {
  name: string;
  type: AttributeType;
  /**
   * One value per input point, in input order. Absent: the attribute is stored as 0 for every
   * point (the viewer can already colour by it; later steps fill it in).
   */
  values?: ScalarArray;
  description?: string;
}

/** The attributes every octree we write carries, so the viewer can always colour by them. */
export const DEFAULT_EXTRA_ATTRIBUTES: readonly ExtraAttributeSpec[] = [
  { name: 'wound_label', type: 'uint8', description: 'segmentation label: 0 none/unlabelled, 1 wound, higher values tissue classes' },
  { name: 'depth_mm', type: 'float', description: 'depth below the wound lid in millimetres; 0 where not measured' },
];

/** How one attribute sits in a point record. */
export interface AttributeSlot {
  name: string;
  type: AttributeType;
  numElements: number;
  /** Byte offset inside the record. */
  offset: number;
  description: string;
}

export interface RecordLayout {
  bytesPerPoint: number;
  slots: AttributeSlot[];
  hasRgb: boolean;
  hasIntensity: boolean;
  hasClassification: boolean;
  extras: { name: string; type: AttributeType; offset: number }[];
}

export function recordLayout(flags: { rgb: boolean; intensity: boolean; classification: boolean }, extras: readonly Pick<ExtraAttributeSpec, 'name' | 'type' | 'description'>[]): RecordLayout {
  const slots: AttributeSlot[] = [];
  let offset = 0;
  const add = (name: string, type: AttributeType, numElements: number, description: string): number => {
    const at = offset;
    slots.push({ name, type, numElements, offset: at, description });
    offset += ATTRIBUTE_TYPE_SIZE[type] * numElements;
    return at;
  };
  add('position', 'int32', 3, '');
  if (flags.rgb) add('rgb', 'uint16', 3, '');
  if (flags.intensity) add('intensity', 'uint16', 1, '');
  if (flags.classification) add('classification', 'uint8', 1, '');
  const seen = new Set(slots.map((s) => s.name));
  const extraSlots: RecordLayout['extras'] = [];
  for (const e of extras) {
    if (seen.has(e.name)) throw new OctreeError('INVALID_OPTIONS', `attribute "${e.name}" is given twice`);
    seen.add(e.name);
    extraSlots.push({ name: e.name, type: e.type, offset: add(e.name, e.type, 1, e.description ?? '') });
  }
  return { bytesPerPoint: offset, slots, hasRgb: flags.rgb, hasIntensity: flags.intensity, hasClassification: flags.classification, extras: extraSlots };
}

/**
 * Position quantisation: a power of ten, about 1/8,400,000 to 1/840,000 of the cube side, so the
 * largest coordinate fits int32 with room to spare and the step is far below scan noise whatever
 * the file's units: 1e-5 for a 300 mm scan in millimetres, 1e-7 for a 2 m scan in metres.
 */
export function chooseScale(cubeSize: number): number {
  const exponent = Math.floor(Math.log10(cubeSize / 2 ** 23));
  return Number(`1e${exponent}`);
}

/**
 * The points the subtree builders read, by index: a chunk-sorted copy of the cloud in shared
 * memory (worker path) or the cloud's own arrays in input order (calling thread).
 */
export interface PointColumns {
  count: number;
  /** Quantised positions, xyz interleaved. */
  xyz: Int32Array;
  /** 8-bit colour as the cloud holds it, rgb interleaved; stored as 16-bit (× 257). */
  rgb?: Uint8Array;
  intensity?: Uint16Array;
  classification?: Uint8Array;
  /** One array per `RecordLayout.extras` entry; absent arrays are written as 0. */
  extras: (ScalarArray | undefined)[];
}

/**
 * Writes the attributes after position and colour (intensity, classification, our own) of the
 * points `order` lists (indices into the columns), record by record in that order, into `out`
 * from byte `at`; the subtree builder writes position and colour as it places each point. `out`
 * must be zero-filled: absent attributes are left as 0.
 */
export function encodeAttributes(columns: PointColumns, order: Uint32Array, layout: RecordLayout, out: Uint8Array, at: number): void {
  const n = order.length;
  const bpp = layout.bytesPerPoint;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const intensityAt = 12 + (layout.hasRgb ? 6 : 0);
  const classificationAt = intensityAt + (layout.hasIntensity ? 2 : 0);
  const { intensity, classification } = columns;
  if (layout.hasIntensity && intensity) for (let k = 0, o = at + intensityAt; k < n; k++, o += bpp) view.setUint16(o, intensity[order[k]!]!, true);
  if (layout.hasClassification && classification) for (let k = 0, o = at + classificationAt; k < n; k++, o += bpp) out[o] = classification[order[k]!]!;
  layout.extras.forEach((extra, e) => {
    const values = columns.extras[e];
    if (!values) return; // the buffer is zero-filled
    const set = setterOf(view, extra.type);
    for (let k = 0, o = at + extra.offset; k < n; k++, o += bpp) set(o, values[order[k]!]!);
  });
}

function setterOf(view: DataView, type: AttributeType): (offset: number, value: number) => void {
  switch (type) {
    case 'int8':
      return (o, v) => view.setInt8(o, v);
    case 'uint8':
      return (o, v) => view.setUint8(o, v);
    case 'int16':
      return (o, v) => view.setInt16(o, v, true);
    case 'uint16':
      return (o, v) => view.setUint16(o, v, true);
    case 'int32':
      return (o, v) => view.setInt32(o, v, true);
    case 'uint32':
      return (o, v) => view.setUint32(o, v, true);
    case 'float':
      return (o, v) => view.setFloat32(o, v, true);
    case 'double':
      return (o, v) => view.setFloat64(o, v, true);
  }
}

/** A typed array of `length` elements of `type` over `buffer` from `byteOffset`. */
export function typedArrayOver(type: AttributeType, buffer: ArrayBufferLike, byteOffset: number, length: number): ScalarArray {
  switch (type) {
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'float':
      return new Float32Array(buffer, byteOffset, length);
    case 'double':
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** A typed array of `length` elements of `type`, in shared memory when `shared` (for the subtree workers). */
export function typedArrayFor(type: AttributeType, length: number, shared = false): ScalarArray {
  const buffer = shared ? new SharedArrayBuffer(length * ATTRIBUTE_TYPE_SIZE[type]) : new ArrayBuffer(length * ATTRIBUTE_TYPE_SIZE[type]);
  switch (type) {
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
      return new Uint8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'uint16':
      return new Uint16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'float':
      return new Float32Array(buffer);
    case 'double':
      return new Float64Array(buffer);
  }
}

/** What metadata.json holds (PotreeConverter 2.x's fields plus our `tightBoundingBox` and `generator`). */
export interface OctreeMetadata {
  version: '2.0';
  name: string;
  description: string;
  points: number;
  projection: string;
  hierarchy: { firstChunkSize: number; stepSize: number; depth: number };
  offset: [number, number, number];
  scale: [number, number, number];
  spacing: number;
  /** The cube: potree derives every node's box from it. */
  boundingBox: { min: [number, number, number]; max: [number, number, number] };
  /** The tight box of the quantised positions (not read by potree-core). */
  tightBoundingBox: { min: [number, number, number]; max: [number, number, number] };
  encoding: 'DEFAULT';
  attributes: MetadataAttribute[];
  /** Units of the coordinates, as the point cloud states them. */
  units: PointCloud['units'];
  generator: string;
}

export interface MetadataAttribute {
  name: string;
  description: string;
  size: number;
  numElements: number;
  elementSize: number;
  type: AttributeType;
  min: number[];
  max: number[];
  scale?: number[];
  offset?: number[];
}

export const OCTREE_ERROR_CODES = ['INVALID_INPUT', 'INVALID_OPTIONS', 'ABORTED', 'WORKER_FAILED', 'WRITE_FAILED'] as const;
export type OctreeErrorCode = (typeof OCTREE_ERROR_CODES)[number];

/** Everything the octree writer throws. Messages carry counts and names, never point values. */
export class OctreeError extends Error {
  override readonly name = 'OctreeError';
  constructor(
    readonly code: OctreeErrorCode,
    message: string,
  ) {
    super(`${message} [${code}]`);
  }
}

export function isOctreeError(error: unknown): error is OctreeError {
  return error instanceof OctreeError;
}
