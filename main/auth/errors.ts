/** Auth errors: one class per kind, each with a `code`; messages never say which part of a login was wrong. */
export type AuthErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_LOCKED'
  | 'ACCOUNT_DISABLED'
  | 'SESSION_INVALID'
  | 'SESSION_LOCKED'
  | 'SESSION_EXPIRED'
  | 'FORBIDDEN'
  | 'SELF_GRANT_REFUSED'
  | 'ENROL_REFUSED'
  | 'SELF_CHANGE_UNCONFIRMED'
  | 'CLINIC_NOT_ENROLLED'
  | 'CLINIC_KEY_MISSING'
  | 'CLINIC_INDEX_INVALID';

export abstract class AuthError extends Error {
  abstract readonly code: AuthErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Unknown username and wrong password look the same (no user enumeration). */
export class InvalidCredentialsError extends AuthError {
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('Wrong username or password.');
  }
}

export class AccountLockedError extends AuthError {
  readonly code = 'ACCOUNT_LOCKED';
  constructor(readonly until: number) {
    super(`Too many failed attempts; this account is locked until ${new Date(until).toISOString()}. An IT administrator can unlock it sooner.`);
  }
}

export class AccountDisabledError extends AuthError {
  readonly code = 'ACCOUNT_DISABLED';
  constructor() {
    super('This account is disabled. Ask an IT administrator.');
  }
}

export class SessionInvalidError extends AuthError {
  readonly code = 'SESSION_INVALID';
  constructor() {
    super('Not signed in (the session ended or never existed).');
  }
}

export class SessionLockedError extends AuthError {
  readonly code = 'SESSION_LOCKED';
  constructor() {
    super('The session is locked; enter your password to unlock it.');
  }
}

/** The session reached its absolute lifetime (a working day by default): sign in again. */
export class SessionExpiredError extends AuthError {
  readonly code = 'SESSION_EXPIRED';
  constructor() {
    super('Your session reached its time limit; sign in again.');
  }
}

export class ForbiddenError extends AuthError {
  readonly code = 'FORBIDDEN';
  constructor(readonly permission: string) {
    super(`Your role does not allow ${permission}.`);
  }
}

/**
 * An IT administrator tried to give their own account a role that sees patient data. Separation of
 * duties: another IT administrator must grant it (and the audit log then names who did).
 */
export class SelfGrantError extends AuthError {
  readonly code = 'SELF_GRANT_REFUSED';
  constructor(readonly roles: readonly string[]) {
    super(`You cannot give your own account a role that sees patient data (${roles.join(', ')}); another IT administrator must do it.`);
  }
}

/** A further clinic is enrolled only by a signed-in IT administrator (the first one from the first-run screen). */
export class EnrolRefusedError extends AuthError {
  readonly code = 'ENROL_REFUSED';
  constructor() {
    super('This workstation already has a clinic: only a signed-in IT administrator can set up another one.');
  }
}

/** A change to one's own account (roles, disabling, a password reset) must be confirmed as such. */
export class SelfChangeUnconfirmedError extends AuthError {
  readonly code = 'SELF_CHANGE_UNCONFIRMED';
  constructor() {
    super('This is your own account: confirm the change first (you may lose access with it).');
  }
}

export class ClinicNotEnrolledError extends AuthError {
  readonly code = 'CLINIC_NOT_ENROLLED';
  constructor(readonly clinicId: string) {
    super(`Clinic ${clinicId} is not enrolled on this workstation.`);
  }
}

export class ClinicKeyMissingError extends AuthError {
  readonly code = 'CLINIC_KEY_MISSING';
  constructor(readonly clinicId: string) {
    super(`The keychain holds no key for clinic ${clinicId}, so its record cannot be opened. Restore the clinic from a backup; the record file was not changed.`);
  }
}

export class ClinicIndexInvalidError extends AuthError {
  readonly code = 'CLINIC_INDEX_INVALID';
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`The clinic list ${file} is not readable; it was left as is.`, options);
  }
}
