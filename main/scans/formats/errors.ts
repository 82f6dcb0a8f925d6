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
  'CANCELLED',
] as const;
export type ScanErrorCode = (typeof SCAN_ERROR_CODES)[number];

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
  ) {
    super(`${format.toUpperCase()} at byte ${offset}: ${reason} [${code}]`);
  }
}

export function isScanFormatError(error: unknown): error is ScanFormatError {
  return error instanceof ScanFormatError;
}
