/**
 * The one error type every scan reader throws for malformed or unsupported input.
 * `code` says what kind of problem it is, `format` which reader found it and `offset`
 * the byte offset in the file where it was found (0 when no better offset is known).
 */
export type ScanErrorCode =
  | 'TRUNCATED'
  | 'COUNT_MISMATCH'
  | 'BAD_HEADER'
  | 'BAD_CHECKSUM'
  | 'UNSUPPORTED'
  | 'BAD_VALUE'
  | 'TOO_LARGE'
  | 'UNKNOWN_FORMAT';

export class ScanFormatError extends Error {
  override readonly name = 'ScanFormatError';

  constructor(
    readonly code: ScanErrorCode,
    readonly format: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${format} at byte ${offset}: ${reason}`);
  }
}
