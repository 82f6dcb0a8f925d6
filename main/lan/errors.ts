/**
 * One error class for the receiver, with a `code` per kind (STYLE habit 5). Messages never carry
 * patient data, tokens or key material.
 */
export type LanErrorCode =
  | 'NOT_RUNNING'
  | 'ALREADY_RUNNING'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_EXISTS'
  | 'INVALID_DEVICE_NAME'
  | 'DEVICES_FILE_CORRUPT'
  | 'CERTIFICATE_INVALID'
  | 'UPLOAD_NOT_FOUND';

export class LanError extends Error {
  constructor(
    readonly code: LanErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LanError';
  }
}
