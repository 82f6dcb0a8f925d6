/**
 * The in-memory shape of a point cloud, shared by the scan readers (`main/scans/formats`),
 * the octree writer, analysis and the CLI. Plain typed arrays so that it can be transferred
 * between worker threads without copying.
 *
 * Coordinates are in the file's own units (see `units`) until the import pipeline converts
 * them to millimetres; `toMillimetres()` in `main/scans` does that conversion.
 */
export type LengthUnit = 'm' | 'cm' | 'mm' | 'ft' | 'us-ft' | 'in' | 'unknown';

export const SCAN_FORMATS = ['ply', 'las', 'laz', 'e57', 'xyz', 'pts', 'obj'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

export interface Bounds3 {
  min: [number, number, number];
  max: [number, number, number];
}

export interface ExtraAttribute {
  name: string;
  /** Number of components per point (1 for scalars). */
  size: number;
  values: Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
}

/** A LAS/LAZ (extended) variable-length record, as listed in the file; the payload is not kept. */
export interface VariableLengthRecord {
  userId: string;
  recordId: number;
  description: string;
  /** Payload length in bytes (after the record header). */
  length: number;
  /** True for an extended VLR (EVLR, after the point data, LAS 1.3+). */
  extended: boolean;
}

/**
 * Things a reader found in a file that break its format's specification but still leave every
 * point readable (a LAS return number above the number of returns, a reserved classification
 * code). The file is read; the warnings travel with it so that a damaged export can be told from
 * a good one. Messages name fields, codes and counts, never point values.
 */
export const SCAN_WARNING_CODES = ['LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS', 'LAS_RESERVED_CLASSIFICATION'] as const;
export type ScanWarningCode = (typeof SCAN_WARNING_CODES)[number];

export interface ScanWarning {
  code: ScanWarningCode;
  message: string;
  /** How many points have the problem. */
  count: number;
}

export interface PointCloud {
  format: ScanFormat;
  /** Format version as the file states it, e.g. "1.0" for PLY, "1.4" for LAS. */
  version: string;
  count: number;
  /** xyz interleaved, length 3 × count, double precision (LAS/E57 georeferenced coordinates need it). */
  positions: Float64Array;
  /** rgb interleaved, 0–255, length 3 × count, when the file has colour. */
  colors?: Uint8Array;
  /** xyz interleaved unit normals, when the file has them. */
  normals?: Float32Array;
  intensity?: Uint16Array;
  classification?: Uint8Array;
  /** Other per-point properties the file carries (PLY confidence, LAS extra bytes, …). */
  extras: ExtraAttribute[];
  units: LengthUnit;
  /** Free text the file carries about where it came from (PLY comments, LAS system id / software). */
  sourceApp?: string;
  sourceDevice?: string;
  comments: string[];
  /** LAS/LAZ: the file's VLRs then EVLRs. Absent for formats that have none. */
  vlrs?: VariableLengthRecord[];
  /** Breaches of the format's specification that did not stop the read; absent when there are none. */
  warnings?: ScanWarning[];
}
