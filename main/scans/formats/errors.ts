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
  /** Text formats: the 1-based line the offset lies on. */
  readonly line: number | undefined;
  /** NOT_A_SCAN: what the file is instead. */
  readonly detected: DetectedKind | undefined;
  constructor(
    readonly code: ScanErrorCode,
    readonly format: ScanErrorFormat,
    /** Byte offset in the file where the problem was found. */
    readonly offset: number,
    /** Why, in words; must not contain point values or paths. */
    readonly reason: string,
    /** Where the reader knows more: text formats the 1-based line the offset lies on; NOT_A_SCAN what the file is instead. */
    details: { line?: number; detected?: DetectedKind } = {},
  ) {
    super(`${format.toUpperCase()} at byte ${offset}${details.line === undefined ? '' : ` (line ${details.line})`}: ${reason} [${code}]`);
    this.line = details.line;
    this.detected = details.detected;
  }
}

/** The 1-based number of the line that byte `offset` of a text file lies on. */
export function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  const end = Math.min(offset, bytes.length);
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}

/** A ScanFormatError for text at `offset`, naming its line. */
export function textError(code: ScanErrorCode, format: ScanErrorFormat, bytes: Uint8Array, offset: number, reason: string): ScanFormatError {
  return new ScanFormatError(code, format, offset, reason, { line: lineAt(bytes, offset) });
}

export function isScanFormatError(error: unknown): error is ScanFormatError {
  return error instanceof ScanFormatError;
}
