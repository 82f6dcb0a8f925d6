export type ReportErrorCode = 'NOT_FOUND' | 'NOTHING_TO_REPORT' | 'SNAPSHOT_INVALID' | 'FHIR_INVALID';

/** A typed refusal; messages name what was wrong (paths, rules), never a patient's data. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
  constructor(
    readonly code: ReportErrorCode,
    message: string,
  ) {
    super(message);
  }
}
