/**
 * The one error type every scan reader throws for a file it cannot read.
 *
 * Messages name the format, the byte offset and the reason, never point values or file
 * paths: a scan is patient data, and these messages end up in logs and on screen.
 */
export const SCAN_ERROR_CODES = [
  'TRUNCATED',
  'COUNT_MISMATCH',
  'BAD_HEADER',
  /** A stored checksum does not match the bytes it covers (E57 page CRC-32C). */
  'BAD_CHECKSUM',
  'UNSUPPORTED',
  'BAD_VALUE',
  'TOO_LARGE',
  'UNKNOWN_FORMAT',
  /** A file of another kind altogether (a photo, a PDF, …): `detected` says which. */
  'NOT_A_SCAN',
  'CANCELLED',
] as const;
export type ScanErrorCode = (typeof SCAN_ERROR_CODES)[number];

/** What a file that is not a scan was recognised as (by its signature), for words a nurse understands. */
export const DETECTED_KINDS = ['photo', 'video', 'pdf', 'archive', 'dicom', 'document'] as const;
export type DetectedKind = (typeof DETECTED_KINDS)[number];

/** The format being read when the error happened, or 'unknown' before sniffing decided. */
export type ScanErrorFormat = 'ply' | 'las' | 'laz' | 'e57' | 'xyz' | 'pts' | 'obj' | 'unknown';

export class ScanFormatError extends Error {
  override readonly name = 'ScanFormatError';
  constructor(
    readonly code: ScanErrorCode,
    readonly format: ScanErrorFormat,
    /** Byte offset in the file where the problem was found. */
    readonly offset: number,
    /** Why, in words; must not contain point values or paths. */
    readonly reason: string,
    /** NOT_A_SCAN: what the file is instead. */
    readonly detected?: DetectedKind,
  ) {
    super(`${format.toUpperCase()} at byte ${offset}: ${reason} [${code}]`);
  }
}

export function isScanFormatError(error: unknown): error is ScanFormatError {
  return error instanceof ScanFormatError;
}
