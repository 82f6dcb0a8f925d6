/**
 * zod at the tablet boundary (STYLE habit 4): the pairing request, the pairing payload (QR code)
 * and the tus Upload-Metadata of a scan. Error messages name fields, never values.
 */
import { z } from 'zod';

/** Printable text without control characters (no NUL, no newlines in names and ids). */
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: 'must not contain control characters' });

/**
 * A file name as the tablet knows it. Never used as a path (files are stored under generated ids),
 * but anything path-like is refused outright so no later consumer can be tricked by it either.
 */
export const safeFileName = printable(255).refine((s) => !/[/\\:]/.test(s) && s !== '.' && s !== '..', {
  message: 'must be a plain file name, not a path',
});

export const pairRequestSchema = z.object({
  code: z.string().min(1).max(32),
  deviceName: printable(64),
  app: printable(64),
});
export type PairRequest = z.infer<typeof pairRequestSchema>;

export const pairingPayloadSchema = z.object({
  v: z.literal(1),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  fingerprint: z.string().regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'SHA-256 fingerprint, colon hex'),
  code: z.string().min(1).max(32),
  expiresAt: z.iso.datetime({ offset: true }),
});

export const uploadMetadataSchema = z
  .object({
    patientMrn: printable(64).optional(),
    worklistId: printable(64).optional(),
    woundId: printable(64).optional(),
    captureTime: z.iso.datetime({ offset: true }),
    device: printable(128),
    app: printable(128),
    filename: safeFileName,
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'hex SHA-256 of the whole file')
      .transform((s) => s.toLowerCase()),
  })
  .refine((m) => m.patientMrn !== undefined || m.worklistId !== undefined, { message: 'patientMrn or worklistId is required', path: ['patientMrn'] });

/** Metadata keys the server writes itself; a client sending one is refused. */
export const RESERVED_METADATA_KEYS = ['_deviceId'] as const;

/** tus gives `null` for a key sent without a value; treat it as absent. */
export function parseUploadMetadata(raw: Record<string, string | null> | undefined): { ok: true; value: z.infer<typeof uploadMetadataSchema> } | { ok: false; message: string } {
  const input: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if ((RESERVED_METADATA_KEYS as readonly string[]).includes(k)) return { ok: false, message: `metadata key ${k} is reserved` };
    if (v !== null && v !== '') input[k] = v;
  }
  const r = uploadMetadataSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  // Field names and reasons only: values may be patient identifiers.
  return { ok: false, message: r.error.issues.map((i) => `${i.path.join('.') || 'metadata'}: ${i.message}`).join('; ') };
}
