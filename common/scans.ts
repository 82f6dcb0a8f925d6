import { z } from 'zod';
import { SCAN_WARNING_CODES, type ScanWarning } from './point-cloud';
import { epochMsSchema, idSchema, SCAN_FORMATS, SCAN_STATUSES } from './records';
import { extentWarningSchema } from './scan-checks';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
export const bboxSchema = z.object({ min: vec3, max: vec3 });

/** A breach of the file format's specification found while reading a scan (see common/point-cloud.ts). */
export const scanWarningSchema = z.object({
  code: z.enum(SCAN_WARNING_CODES),
  message: z.string().max(500),
  count: z.number().int().positive(),
}) satisfies z.ZodType<ScanWarning>;
export const scanWarningsSchema = z.array(scanWarningSchema).max(32);

/** A scan as the renderer sees it. Geometry in millimetres. */
export const scanSchema = z.object({
  id: idSchema,
  woundId: idSchema,
  capturedAt: epochMsSchema,
  format: z.enum(SCAN_FORMATS),
  pointCount: z.number().int().nonnegative(),
  bbox: bboxSchema,
  attributes: z.array(z.string()),
  sourceApp: z.string().nullable(),
  sourceDeviceId: z.string().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** What the reader reported about the file when it was imported; [] for a clean file. */
  warnings: scanWarningsSchema,
  status: z.enum(SCAN_STATUSES),
  createdAt: epochMsSchema,
});
export type Scan = z.infer<typeof scanSchema>;

/** `confirming`: held before anything is stored until the person importing confirms an implausible extent (see scan-checks.ts). */
export const IMPORT_PHASES = ['queued', 'hashing', 'parsing', 'confirming', 'storing', 'indexing', 'saving', 'done', 'failed', 'cancelled'] as const;
export const importJobSchema = z.object({
  id: z.string(),
  woundId: z.string(),
  fileName: z.string(),
  bytes: z.number(),
  phase: z.enum(IMPORT_PHASES),
  progress: z.number().min(0).max(1),
  scanId: z.string().nullable(),
  /** `message` is the technical detail; `line` the line of a text file it lies on; `detected` what a file that is not a scan is (a photo, …). See import-errors.ts for the words shown. */
  error: z
    .object({ code: z.string(), message: z.string(), format: z.string().optional(), offset: z.number().optional(), line: z.number().optional(), detected: z.string().optional() })
    .nullable(),
  /** The reader's warnings about the file, once it has been read (the scan's row keeps them too). */
  warnings: scanWarningsSchema,
  /** The extent check's question while the job waits in `confirming` (see scan-checks.ts). */
  warning: extentWarningSchema.nullable(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type ImportJob = z.infer<typeof importJobSchema>;

/** Uploads travel in base64 chunks over tRPC so that both transports carry them the same way. */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
