/**
 * Staff, roles, sessions and clinics on this workstation. Plain Node: the record, the KeyStore,
 * the data dir and a logger come in as arguments.
 */
export { createAuthService, DEFAULT_LOCKOUT, type AuthService, type AuthServiceOptions, type LockoutPolicy, type SignedIn, type SignInStep, type EnrolmentOffer, type TwoFactorState } from './auth.service';
export { enrolClinic, auditEnrolment, openClinic, listClinics, registerClinic, ensureDataDir, type ClinicDeps, type ClinicEntry, type Enrolment, type EnrolOptions } from './clinics';
export { hashPassword, verifyPassword, needsRehash, DEFAULT_SCRYPT, type ScryptParams } from './password';
export { createSessionStore, DEFAULT_SESSION_MAX_AGE_MS, type Session, type SessionStore, type SessionOptions } from './sessions';
export {
  AuthError,
  InvalidCredentialsError,
  AccountLockedError,
  AccountDisabledError,
  SessionInvalidError,
  SessionLockedError,
  SessionExpiredError,
  ForbiddenError,
  SelfGrantError,
  SecondFactorInvalidError,
  SecondFactorReplayedError,
  SecondFactorRequiredError,
  SignInExpiredError,
  TwoFactorNotEnrolledError,
  TwoFactorEnrolmentNotStartedError,
  TwoFactorSelfResetError,
  EnrolRefusedError,
  SelfChangeUnconfirmedError,
  ClinicNotEnrolledError,
  ClinicKeyMissingError,
  ClinicIndexInvalidError,
  type AuthErrorCode,
} from './errors';
export { can, permissionsOf, PERMISSION_MATRIX, type Permission, type StaffRole } from '../../common/permissions';
export { totpCode } from './totp';
