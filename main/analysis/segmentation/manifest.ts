/**
 * The model manifest (`model.json` next to the `.onnx`) and `loadModel`, which reads it, checks
 * it with zod and verifies the model file's sha256 before anything runs it. No onnxruntime here:
 * this module is safe to import on the main thread.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ModelError } from './errors';
import { postprocessSchema } from './postprocess';

const positiveInt = z.number().int().positive();
const triple = z.tuple([z.number(), z.number(), z.number()]);

export const modelManifestSchema = z
  .object({
    name: z.string().min(1).max(200),
    version: z.string().min(1).max(50),
    task: z.literal('wound-segmentation').optional(),
    /** The ONNX file, a plain file name in the manifest's folder. */
    file: z
      .string()
      .min(1)
      .refine((f) => basename(f) === f && f !== '.' && f !== '..' && !f.includes('\\'), 'must be a plain file name in the manifest folder')
      .refine((f) => f.toLowerCase().endsWith('.onnx'), 'must be an .onnx file'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex digits'),
    bytes: positiveInt.optional(),
    input: z.object({
      name: z.string().min(1).optional(),
      /** [N, C, H, W]; checked to be [1, 3, H, W] by loadModel (INPUT_SHAPE otherwise). */
      shape: z.array(positiveInt).length(4),
      dtype: z.literal('float32'),
      layout: z.literal('NCHW'),
      colorOrder: z.enum(['RGB', 'BGR']).default('RGB'),
      /** Multiplies the 0..255 pixel values before mean/std (1/255 for [0, 1]). */
      scale: z.number().positive().default(1 / 255),
      mean: triple,
      std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
      resize: z.string().optional(),
    }),
    output: z.object({
      name: z.string().min(1).optional(),
      /** What the single output channel holds. */
      meaning: z.enum(['logits', 'probability']),
      shape: z.array(positiveInt).optional(),
      description: z.string().optional(),
    }).passthrough(),
    threshold: z.number().gt(0).lt(1),
    /** Test-time flips and mask clean-up (postprocess.ts); absent: one pass, the threshold alone. */
    postprocess: postprocessSchema.optional(),
    licence: z.string().min(1),
    training: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export interface LoadedModel {
  manifest: ModelManifest;
  manifestPath: string;
  modelPath: string;
  /** The verified model bytes (sha256 matched the manifest). */
  bytes: Uint8Array;
  input: { name: string | undefined; height: number; width: number };
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Parses manifest JSON text; MANIFEST_INVALID with the zod issues (paths and reasons only). */
export function parseManifest(text: string, label = 'model.json'): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ModelError('MANIFEST_INVALID', `${label} is not valid JSON`);
  }
  const parsed = modelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ModelError('MANIFEST_INVALID', `${label}: ${issues}`);
  }
  return parsed.data;
}

/**
 * Reads `manifestPath`, validates it and the model file it names. Throws ModelError:
 * MODEL_MISSING (manifest or .onnx absent), MANIFEST_INVALID, INPUT_SHAPE (not [1, 3, H, W]),
 * MODEL_SHA256_MISMATCH, MODEL_CORRUPT (empty or not an ONNX protobuf at all). Whether
 * onnxruntime accepts the graph is checked when a session is created.
 */
export async function loadModel(manifestPath: string): Promise<LoadedModel> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    if (isNotFound(error)) throw new ModelError('MODEL_MISSING', `model manifest not found: ${manifestPath}`);
    throw error;
  }
  const manifest = parseManifest(text, basename(manifestPath));
  const [n, c, height, width] = manifest.input.shape as [number, number, number, number];
  if (n !== 1 || c !== 3) {
    throw new ModelError('INPUT_SHAPE', `manifest input shape [${manifest.input.shape.join(', ')}] is not [1, 3, H, W]`);
  }
  const modelPath = join(dirname(manifestPath), manifest.file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(modelPath);
  } catch (error) {
    if (isNotFound(error)) throw new ModelError('MODEL_MISSING', `model file not found: ${modelPath}`);
    throw error;
  }
  const actual = sha256Hex(bytes);
  if (actual !== manifest.sha256.toLowerCase()) {
    throw new ModelError('MODEL_SHA256_MISMATCH', `${manifest.file}: sha256 ${actual} does not match the manifest (${manifest.sha256})`);
  }
  // An ONNX ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
  if (bytes.length < 16 || bytes[0] !== 0x08) {
    throw new ModelError('MODEL_CORRUPT', `${manifest.file} is not an ONNX model`);
  }
  return { manifest, manifestPath, modelPath, bytes, input: { name: manifest.input.name, height, width } };
}
