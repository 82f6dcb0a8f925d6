/** Errors of enrolment and device credentials; `code`s reach the workstation as `data.appCode`. */
import type { ServiceErrorCode } from '../../common/sync';

export abstract class ServiceError extends Error {
  abstract readonly code: ServiceErrorCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No such credential, a malformed one, or the wrong secret: all read the same. */
export class UnauthenticatedError extends ServiceError {
  readonly code = 'UNAUTHENTICATED';
  constructor() {
    super('This workstation is not enrolled with the service (or its credential is wrong). An IT admin enrols it again.');
  }
}

export class DeviceRevokedError extends ServiceError {
  readonly code = 'DEVICE_REVOKED';
  constructor() {
    super("The service revoked this workstation's access. Its queued changes are kept; an IT admin enrols it again with a new code.");
  }
}

/** Unknown, expired and used codes read the same (no oracle for guessing). */
export class EnrolmentCodeInvalidError extends ServiceError {
  readonly code = 'ENROLMENT_CODE_INVALID';
  constructor() {
    super('That enrolment code is not valid (it may have expired or been used). Ask for a new one.');
  }
}

export class ClinicNotFoundError extends ServiceError {
  readonly code = 'CLINIC_NOT_FOUND';
  constructor() {
    super('No such clinic on this service.');
  }
}
