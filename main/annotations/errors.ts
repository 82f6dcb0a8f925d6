export type AnnotationErrorCode = 'NOT_FOUND' | 'REQUEST_ID_REUSED' | 'KIND_CHANGED' | 'OFF_SURFACE' | 'SCAN_UNREADABLE';

/** A typed refusal; messages name what was wrong, never a patient's data. */
export class AnnotationError extends Error {
  override readonly name = 'AnnotationError';
  constructor(
    readonly code: AnnotationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
