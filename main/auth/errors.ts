/** Auth errors: one class per kind, each with a `code`; messages never say which part of a login was wrong. */
export type AuthErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_LOCKED'
  | 'ACCOUNT_DISABLED'
  | 'SESSION_INVALID'
  | 'SESSION_LOCKED'
  | 'FORBIDDEN'
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

export class ForbiddenError extends AuthError {
  readonly code = 'FORBIDDEN';
  constructor(readonly permission: string) {
    super(`Your role does not allow ${permission}.`);
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
