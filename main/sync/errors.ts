/**
 * Errors of the workstation's sync. Each has a `code` (translated once in main/api/trpc.ts) and a
 * message that says what happened and what to do, never a patient's data.
 */
export type SyncErrorCode =
  | 'NOT_ENROLLED'
  | 'ALREADY_ENROLLED'
  | 'SERVICE_UNREACHABLE'
  | 'SERVICE_REFUSED'
  | 'CREDENTIAL_MISSING'
  | 'DEVICE_REVOKED'
  | 'ENROLMENT_CODE_INVALID'
  | 'SERVICE_RATE_LIMITED';

export abstract class SyncError extends Error {
  abstract readonly code: SyncErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotEnrolledError extends SyncError {
  readonly code = 'NOT_ENROLLED';
  constructor() {
    super('This clinic is not connected to the Coherency service yet. An IT admin connects it under Sync.');
  }
}

export class AlreadyEnrolledError extends SyncError {
  readonly code = 'ALREADY_ENROLLED';
  constructor() {
    super('This clinic is already connected to the service. Enrolling again is only needed after the service revoked this workstation.');
  }
}

/** No answer, a cut connection, a timeout or an unreadable answer: offline, try again later. Nothing is lost. */
export class ServiceUnreachableError extends SyncError {
  readonly code = 'SERVICE_UNREACHABLE';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`The Coherency service cannot be reached (${detail}). Work goes on offline; changes are sent when it answers again.`, options);
  }
}

/** The service answered with an error (its own code in `serviceCode`). */
export class ServiceRefusedError extends SyncError {
  readonly code = 'SERVICE_REFUSED';
  constructor(
    readonly serviceCode: string,
    message: string,
    readonly httpStatus: number,
    readonly expected?: number,
  ) {
    super(message);
  }
}

export class CredentialMissingError extends SyncError {
  readonly code = 'CREDENTIAL_MISSING';
  constructor() {
    super("This workstation's service credential is not in the system keychain (it was removed, or the keychain was reset). An IT admin enrols it again with a new code; queued changes are kept.");
  }
}

export class DeviceRevokedError extends SyncError {
  readonly code = 'DEVICE_REVOKED';
  constructor() {
    super("The service revoked this workstation's access. Queued changes are kept; an IT admin enrols it again with a new code from the service.");
  }
}

export class EnrolmentCodeInvalidError extends SyncError {
  readonly code = 'ENROLMENT_CODE_INVALID';
  constructor() {
    super('The service did not accept that enrolment code (it may have expired or been used). Ask for a new one.');
  }
}

export class ServiceRateLimitedError extends SyncError {
  readonly code = 'SERVICE_RATE_LIMITED';
  constructor() {
    super('The service asked this workstation to slow down; it retries shortly.');
  }
}
