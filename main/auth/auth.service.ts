/**
 * Staff sign-in for one open clinic record: scrypt passwords, lockout after repeated failures,
 * sessions with an idle lock and an absolute lifetime, and permission checks against
 * common/permissions.ts.
 *
 * Every password check (sign-in, unlock, change of password) takes one path, `attempt()`:
 *  - the password is verified FIRST, for every account, so that "disabled" or "locked" is said
 *    only to someone who knows the password (an unknown user, a disabled or a locked account and
 *    a wrong password all look the same to everyone else);
 *  - a failure is counted in the record in one statement (never read, await, write back), so
 *    parallel attempts cannot overwrite each other's count;
 *  - a success signs in only if the account is not locked or disabled at that moment (checked
 *    again, atomically, after the asynchronous password check).
 *
 * Two-factor sign-in (TOTP, RFC 6238; totp.ts): a member with an authenticator, or whose role the
 * clinic's policy names (default IT admins and doctors), gets no session from the password alone.
 * A right password then only opens a five-minute challenge (challenges.ts) and does NOT clear the
 * failure count; the code (or a one-time recovery code) finishes the sign-in. A wrong, replayed or
 * reused code is counted by the same `recordFailure` as a wrong password, so password and code
 * guesses together lock the account after 5. A member the policy requires it of who has no
 * authenticator yet sets one up right there (QR code), confirming it with a first code. Unlocking
 * the lock screen asks for the password only (the session already passed both factors).
 */
import { can, permissionsOf, seesPatientData, type Permission, type StaffRole } from '../../common/permissions';
import { passwordSchema, staffInputSchema, staffUpdateSchema, type StaffInput, type StaffMember, type StaffUpdate } from '../../common/records';
import QRCode from 'qrcode';
import type { Logger } from '../shared/logger';
import { appendAudit, createStaffRepository, createTwoFactorRepository, type Actor, type ClinicRecord, type StaffRepository, type TwoFactorRepository } from '../records/index';
import {
  AccountDisabledError,
  AccountLockedError,
  ForbiddenError,
  InvalidCredentialsError,
  SecondFactorInvalidError,
  SecondFactorReplayedError,
  SecondFactorRequiredError,
  SelfChangeUnconfirmedError,
  SelfGrantError,
  SessionExpiredError,
  SessionInvalidError,
  SessionLockedError,
  SignInExpiredError,
  TwoFactorEnrolmentNotStartedError,
  TwoFactorNotEnrolledError,
  TwoFactorSelfResetError,
} from './errors';
import { createChallengeStore } from './challenges';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, normaliseRecoveryCode, totpStep, totpUri } from './totp';
import { DEFAULT_SCRYPT, dummyHash, hashPassword, needsRehash, verifyPassword, type ScryptParams } from './password';
import { createSessionStore, type Session, type SessionStore } from './sessions';

export interface LockoutPolicy {
  /** Failed attempts in a row before the account locks (default 5). */
  maxAttempts: number;
  /** How long it stays locked (default 15 minutes). */
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxAttempts: 5, lockMs: 15 * 60_000 };

export interface AuthServiceOptions {
  record: ClinicRecord;
  logger: Logger;
  lockout?: Partial<LockoutPolicy>;
  /** Idle time before a session locks (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Absolute session lifetime from sign-in (default a working day, DEFAULT_SESSION_MAX_AGE_MS). */
  sessionMaxAgeMs?: number;
  scrypt?: ScryptParams;
  now?: () => number;
}

export interface SelfChangeOptions {
  /** The person confirmed that this change is to their own account. */
  confirmedSelf?: boolean;
}

export interface SignedIn {
  token: string;
  staff: StaffMember;
  permissions: Permission[];
}

/** A new authenticator to set up: the QR code (PNG data URL) of `uri`, and the secret for typing in. */
export interface EnrolmentOffer {
  secret: string;
  uri: string;
  qrDataUrl: string;
}

/** Where a sign-in stands after the password. `challenge` stays main-side (bound to the connection). */
export type SignInStep =
  | { status: 'signed-in'; signedIn: SignedIn }
  | { status: 'second-factor'; challenge: string }
  | { status: 'enrol-second-factor'; challenge: string; enrolment: EnrolmentOffer };

export interface TwoFactorState {
  enrolled: boolean;
  /** The clinic's policy names one of the member's roles. */
  required: boolean;
  recoveryCodesLeft: number;
}

export interface AuthService {
  /** Creates a staff account (password hashed here; the record never sees it). */
  createStaff(input: StaffInput, actor: Actor): Promise<StaffMember>;
  /** The password step of a sign-in: a session, or a second factor to come (see the file's comment). */
  signIn(username: string, password: string): Promise<SignInStep>;
  /**
   * Finishes a sign-in with an authenticator or recovery code (`verify`), or with the first code of
   * the authenticator being set up (`enrol`; the new recovery codes come back once, in clear).
   */
  completeSignIn(challenge: string, code: string): Promise<SignedIn & { recoveryCodes?: string[] }>;
  /** Sign-in for members who need no second factor (SecondFactorRequiredError otherwise). */
  login(username: string, password: string): Promise<SignedIn>;
  /** The live session for `token`: throws SessionInvalidError / SessionLockedError. */
  session(token: string): Session;
  /** The session, if it may do `permission` (ForbiddenError otherwise). */
  authorize(token: string, permission: Permission): Session & { actor: Actor };
  /**
   * As `authorize`, without touching the idle clock: for re-checking a subscription before each
   * event it sends (events must not keep an unattended session awake).
   */
  check(token: string, permission: Permission): Session & { actor: Actor };
  lock(token: string): void;
  /** The same member unlocks with their password (counts towards lockout like a login). */
  unlock(token: string, password: string): Promise<void>;
  logout(token: string): void;
  changePassword(token: string, currentPassword: string, newPassword: string): Promise<void>;
  /**
   * IT admin: new password for someone else; ends that member's sessions and clears a lockout.
   * On one's own account each of these changes needs `confirmedSelf` (SelfChangeUnconfirmedError);
   * disabling or demoting the last active IT admin is refused (LastAdminError, inside the change's
   * transaction).
   */
  resetPassword(staffId: string, newPassword: string, actor: Actor, opts?: SelfChangeOptions): Promise<void>;
  disableStaff(staffId: string, actor: Actor, opts?: SelfChangeOptions): StaffMember;
  /**
   * Name and roles. A change of roles reaches the member's live sessions at once: from the next
   * request on they may do exactly what the new roles allow (a demoted doctor is FORBIDDEN clinical
   * data at once, and their subscriptions end); nothing waits for them to sign in again. An actor
   * cannot give THEMSELVES a role that sees patient data (SelfGrantError, audited as
   * `staff.self_grant_refused`, confirmed or not); any other change to their own account needs
   * `confirmedSelf`. A save that changes nothing (a double click) needs no confirmation and writes
   * nothing.
   */
  updateStaff(staffId: string, patch: StaffUpdate, actor: Actor, opts?: SelfChangeOptions): StaffMember;
  /** The signed-in member's own two-factor state. */
  twoFactorState(token: string): TwoFactorState;
  /**
   * Starts setting up an authenticator from a signed-in session. Replacing one that exists needs a
   * current code from it (or a recovery code): an unlocked screen alone does not move the second factor.
   */
  beginEnrolment(token: string, currentCode?: string): Promise<EnrolmentOffer>;
  /** Confirms the new authenticator with its first code; returns the new recovery codes (once). */
  confirmEnrolment(token: string, code: string): Promise<{ recoveryCodes: string[] }>;
  /** New recovery codes (the old ones stop working), against a current code. */
  renewRecoveryCodes(token: string, code: string): Promise<{ recoveryCodes: string[] }>;
  /** IT admin: removes a member's authenticator and recovery codes (lost phone); ends their sessions. Never one's own. */
  resetTwoFactor(staffId: string, actor: Actor): void;
  twoFactorPolicy(): StaffRole[];
  setTwoFactorPolicy(roles: readonly StaffRole[], actor: Actor): StaffRole[];
  /** Who has an authenticator, for the Staff screen. */
  twoFactorEnrolled(): string[];
  readonly staff: StaffRepository;
  readonly twoFactor: TwoFactorRepository;
  readonly sessions: SessionStore;
  dispose(): void;
}

export function createAuthService(options: AuthServiceOptions): AuthService {
  const { record } = options;
  const now = options.now ?? Date.now;
  const lockout: LockoutPolicy = { ...DEFAULT_LOCKOUT, ...options.lockout };
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  const logger = options.logger.child({ service: 'auth' });
  const staff = createStaffRepository(record);
  const twoFactor = createTwoFactorRepository(record, now);
  const challenges = createChallengeStore(now);
  /** Authenticators being set up from a signed-in session, by that session's token. */
  const pendingEnrolments = createChallengeStore(now);
  const sessions = createSessionStore({
    now,
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.sessionMaxAgeMs !== undefined ? { maxAgeMs: options.sessionMaxAgeMs } : {}),
  });

  /** Verifies a member's password; a wrong one is counted (the lockout) and thrown. Re-hashes weak hashes. */
  async function checkPassword(staffId: string, password: string): Promise<void> {
    const cred = staff.credentials.byId(staffId);
    if (!cred) {
      await verifyPassword(password, await dummyHash(params)); // same work as a real check
      throw new InvalidCredentialsError();
    }
    const right = await verifyPassword(password, cred.passwordHash);
    if (!right) {
      const counted = staff.credentials.recordFailure(staffId, now(), lockout);
      logger.warn('sign-in failed', { staffId, failedAttempts: counted?.failedAttempts ?? null, locked: counted?.newlyLocked ?? false });
      throw new InvalidCredentialsError();
    }
    if (needsRehash(cred.passwordHash, params)) staff.credentials.setPasswordHash(staffId, await hashPassword(password, params), { id: staffId, roles: cred.roles });
  }

  /** Every factor was right: signs in only if the account is usable NOW (clears the count, audits the sign-in). */
  function succeed(staffId: string): void {
    const outcome = staff.credentials.recordSuccess(staffId, now());
    if (!outcome.ok) {
      if (outcome.reason === 'disabled') throw new AccountDisabledError();
      if (outcome.reason === 'locked') throw new AccountLockedError(outcome.lockedUntil);
      throw new InvalidCredentialsError();
    }
  }

  /** Checks a password for a member, applying and recording the lockout policy (see the file's comment). */
  async function attempt(staffId: string, password: string): Promise<void> {
    await checkPassword(staffId, password);
    succeed(staffId);
  }

  /** The account may go on to its second factor now (without clearing its failure count). */
  function assertUsable(staffId: string): void {
    const u = staff.credentials.usable(staffId, now());
    if (u.ok) return;
    if (u.reason === 'disabled') throw new AccountDisabledError();
    if (u.reason === 'locked') throw new AccountLockedError(u.lockedUntil);
    throw new InvalidCredentialsError();
  }

  /** A wrong second factor: counted like a wrong password; says "locked" once it locks (the member knows the password). */
  function failSecondFactor(staffId: string, error: SecondFactorInvalidError | SecondFactorReplayedError): never {
    const counted = staff.credentials.recordFailure(staffId, now(), lockout);
    logger.warn('second factor refused', { staffId, code: error.code, failedAttempts: counted?.failedAttempts ?? null, locked: counted?.newlyLocked ?? false });
    const until = counted?.lockedUntil ?? null;
    if (until !== null && until > now()) {
      challenges.deleteAllFor(staffId);
      throw new AccountLockedError(until);
    }
    throw error;
  }

  /**
   * A code from the member's enrolled authenticator (each time step once) or one of their unused
   * recovery codes; anything else is a counted failure. Returns how it was proven.
   */
  function verifySecondFactor(staffId: string, code: string): 'totp' | 'recovery' {
    const authenticator = twoFactor.authenticator(staffId);
    if (!authenticator) throw new TwoFactorNotEnrolledError();
    const trimmed = String(code).replace(/\s/g, '');
    const step = totpStep(authenticator.secret, trimmed, now());
    if (step !== null) {
      if (twoFactor.acceptStep(staffId, step)) return 'totp';
      failSecondFactor(staffId, new SecondFactorReplayedError());
    }
    const recovery = normaliseRecoveryCode(trimmed);
    if (recovery && twoFactor.spendRecoveryCode(staffId, hashRecoveryCode(recovery), now())) {
      logger.info('recovery code used', { staffId, left: twoFactor.unusedRecoveryCodes(staffId) });
      return 'recovery';
    }
    failSecondFactor(staffId, new SecondFactorInvalidError());
  }

  const requiresSecondFactor = (roles: readonly StaffRole[]): boolean => {
    const policy = twoFactor.policy();
    return roles.some((r) => policy.includes(r));
  };

  async function offer(staffId: string): Promise<EnrolmentOffer & { secret: string }> {
    const member = staff.get(staffId)!;
    const secret = newTotpSecret();
    const uri = totpUri(secret, member.username, record.clinicName);
    return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 }) };
  }

  /** Stores a confirmed authenticator with fresh recovery codes; returns the codes in clear (shown once). */
  function enrolNow(staffId: string, secret: string, step: number, action: string): string[] {
    const codes = newRecoveryCodes();
    const roles = staff.credentials.byId(staffId)?.roles ?? [];
    twoFactor.enrol(staffId, secret, step, codes.map(hashRecoveryCode), { id: staffId, roles }, action);
    logger.info('authenticator set up', { staffId, action });
    return codes;
  }

  function openSession(staffId: string): SignedIn {
    const cred = staff.credentials.byId(staffId)!;
    const { token } = sessions.create(cred.id, cred.roles);
    const member = staff.get(cred.id)!;
    logger.info('signed in', { staffId: cred.id });
    return { token, staff: member, permissions: permissionsOf(member.roles) };
  }

  /** True when the member's account is locked now (after failures in their own session). */
  const lockedNow = (staffId: string): number | null => {
    const until = staff.credentials.byId(staffId)?.lockedUntil ?? null;
    return until !== null && until > now() ? until : null;
  };

  const sessionOf = (token: string, touch: boolean): Session => {
    const s = touch ? sessions.get(token) : sessions.peek(token);
    if (!s) throw sessions.expired(token) ? new SessionExpiredError() : new SessionInvalidError();
    if (s.locked) throw new SessionLockedError();
    return s;
  };

  const confirmSelf = (staffId: string, actor: Actor, opts: SelfChangeOptions): void => {
    if (staffId === actor.id && !opts.confirmedSelf) throw new SelfChangeUnconfirmedError();
  };
  const live = (token: string): Session => sessionOf(token, true);
  const permit = (s: Session, permission: Permission): Session & { actor: Actor } => {
    if (!can(s.roles, permission)) throw new ForbiddenError(permission);
    return { ...s, actor: { id: s.staffId, roles: s.roles as StaffRole[] } };
  };

  async function signIn(username: string, password: string): Promise<SignInStep> {
    const cred = typeof username === 'string' ? staff.credentials.byUsername(username) : null;
    if (!cred) {
      await verifyPassword(String(password), await dummyHash(params)); // same work as a real check
      throw new InvalidCredentialsError();
    }
    const enrolled = twoFactor.authenticator(cred.id) !== null;
    if (!enrolled && !requiresSecondFactor(cred.roles)) {
      await attempt(cred.id, String(password));
      return { status: 'signed-in', signedIn: openSession(cred.id) };
    }
    await checkPassword(cred.id, String(password));
    assertUsable(cred.id);
    challenges.deleteAllFor(cred.id);
    if (enrolled) return { status: 'second-factor', challenge: challenges.create({ staffId: cred.id, kind: 'verify' }) };
    const enrolment = await offer(cred.id);
    return { status: 'enrol-second-factor', challenge: challenges.create({ staffId: cred.id, kind: 'enrol', secret: enrolment.secret }), enrolment };
  }

  /** A signed-in member proving the second factor again (replacing the authenticator, new recovery codes). */
  function reprove(token: string, code: string): Session {
    const s = live(token);
    try {
      verifySecondFactor(s.staffId, code);
    } catch (error) {
      if (error instanceof AccountLockedError) sessions.end(token);
      throw error;
    }
    return s;
  }

  return {
    staff,
    twoFactor,
    sessions,
    async createStaff(input, actor) {
      const parsed = staffInputSchema.parse(input);
      const passwordHash = await hashPassword(parsed.password, params);
      return staff.create({ username: parsed.username, displayName: parsed.displayName, passwordHash, roles: parsed.roles }, actor);
    },

    signIn,

    async completeSignIn(challengeToken, code) {
      const c = challenges.get(challengeToken);
      if (!c) throw new SignInExpiredError();
      // Locked by other failures (or disabled) since the password step: say so, and end the challenge.
      try {
        assertUsable(c.staffId);
      } catch (error) {
        challenges.delete(challengeToken);
        throw error;
      }
      let recoveryCodes: string[] | undefined;
      if (c.kind === 'verify') {
        if (!twoFactor.authenticator(c.staffId)) {
          challenges.delete(challengeToken); // reset by IT meanwhile
          throw new SignInExpiredError();
        }
        verifySecondFactor(c.staffId, code);
      } else {
        const step = totpStep(c.secret!, String(code).replace(/\s/g, ''), now());
        if (step === null) failSecondFactor(c.staffId, new SecondFactorInvalidError());
        recoveryCodes = enrolNow(c.staffId, c.secret!, step, 'auth.two_factor_enrol');
      }
      challenges.delete(challengeToken);
      succeed(c.staffId);
      return { ...openSession(c.staffId), ...(recoveryCodes ? { recoveryCodes } : {}) };
    },

    async login(username, password) {
      const step = await signIn(username, password);
      if (step.status !== 'signed-in') {
        challenges.delete(step.challenge);
        throw new SecondFactorRequiredError();
      }
      return step.signedIn;
    },

    session: live,

    authorize: (token, permission) => permit(live(token), permission),
    check: (token, permission) => permit(sessionOf(token, false), permission),

    lock(token) {
      if (!sessions.lock(token)) throw new SessionInvalidError();
    },

    async unlock(token, password) {
      const s = sessions.get(token);
      if (!s) throw new SessionInvalidError();
      try {
        await attempt(s.staffId, password);
      } catch (error) {
        // The session's own member is known here: say so when these failures locked the account.
        const until = error instanceof InvalidCredentialsError ? lockedNow(s.staffId) : null;
        if (until !== null || error instanceof AccountLockedError || error instanceof AccountDisabledError) {
          sessions.end(token);
          if (until !== null) throw new AccountLockedError(until);
        }
        throw error;
      }
      sessions.unlock(token);
    },

    logout(token) {
      sessions.end(token);
    },

    async changePassword(token, currentPassword, newPassword) {
      const s = live(token);
      passwordSchema.parse(newPassword);
      try {
        await attempt(s.staffId, currentPassword);
      } catch (error) {
        const until = error instanceof InvalidCredentialsError ? lockedNow(s.staffId) : null;
        if (until !== null) {
          sessions.end(token);
          throw new AccountLockedError(until);
        }
        throw error;
      }
      staff.credentials.setPasswordHash(s.staffId, await hashPassword(newPassword, params), { id: s.staffId, roles: s.roles });
    },

    async resetPassword(staffId, newPassword, actor, opts = {}) {
      confirmSelf(staffId, actor, opts);
      passwordSchema.parse(newPassword);
      staff.credentials.setPasswordHash(staffId, await hashPassword(newPassword, params), actor);
      staff.credentials.clearLockout(staffId, actor);
      sessions.endAllFor(staffId);
    },

    disableStaff(staffId, actor, opts = {}) {
      confirmSelf(staffId, actor, opts);
      const member = staff.disable(staffId, actor);
      sessions.endAllFor(staffId);
      challenges.deleteAllFor(staffId);
      return member;
    },

    twoFactorState(token) {
      const s = live(token);
      return { enrolled: twoFactor.authenticator(s.staffId) !== null, required: requiresSecondFactor(s.roles), recoveryCodesLeft: twoFactor.unusedRecoveryCodes(s.staffId) };
    },

    async beginEnrolment(token, currentCode) {
      const s = live(token);
      if (twoFactor.authenticator(s.staffId)) {
        if (currentCode === undefined || currentCode === '') throw new SecondFactorInvalidError();
        reprove(token, currentCode);
      }
      const enrolment = await offer(s.staffId);
      pendingEnrolments.deleteAllFor(s.staffId);
      pendingEnrolments.create({ staffId: s.staffId, kind: 'enrol', secret: enrolment.secret });
      return enrolment;
    },

    async confirmEnrolment(token, code) {
      const s = live(token);
      const pending = pendingEnrolments.findFor(s.staffId);
      if (!pending) throw new TwoFactorEnrolmentNotStartedError();
      const step = totpStep(pending.secret!, String(code).replace(/\s/g, ''), now());
      if (step === null) {
        try {
          failSecondFactor(s.staffId, new SecondFactorInvalidError());
        } catch (error) {
          if (error instanceof AccountLockedError) sessions.end(token);
          throw error;
        }
      }
      const replacing = twoFactor.authenticator(s.staffId) !== null;
      pendingEnrolments.deleteAllFor(s.staffId);
      return { recoveryCodes: enrolNow(s.staffId, pending.secret!, step!, replacing ? 'auth.two_factor_replace' : 'auth.two_factor_enrol') };
    },

    async renewRecoveryCodes(token, code) {
      const s = reprove(token, code);
      const codes = newRecoveryCodes();
      twoFactor.replaceRecoveryCodes(s.staffId, codes.map(hashRecoveryCode), { id: s.staffId, roles: s.roles });
      return { recoveryCodes: codes };
    },

    resetTwoFactor(staffId, actor) {
      if (actor.id === staffId) throw new TwoFactorSelfResetError();
      if (!staff.get(staffId)) throw new TwoFactorNotEnrolledError();
      twoFactor.reset(staffId, actor);
      challenges.deleteAllFor(staffId);
      pendingEnrolments.deleteAllFor(staffId);
      const ended = sessions.endAllFor(staffId);
      logger.info('two-factor reset', { staffId, sessionsEnded: ended });
    },

    twoFactorPolicy: () => twoFactor.policy(),
    setTwoFactorPolicy: (roles, actor) => twoFactor.setPolicy(roles, actor),
    twoFactorEnrolled: () => [...twoFactor.enrolledIds()],

    updateStaff(staffId, patch, actor, opts = {}) {
      const parsed = staffUpdateSchema.parse(patch);
      const before = staff.get(staffId);
      if (!before) return staff.update(staffId, parsed, actor); // the repository's NOT_FOUND
      const sameRoles = (roles: readonly StaffRole[]) => roles.length === before.roles.length && roles.every((r) => before.roles.includes(r));
      // Only what changes is written (and audited): a repeated save (a double click) is no second change.
      const effective: StaffUpdate = {
        ...(parsed.displayName !== undefined && parsed.displayName !== before.displayName ? { displayName: parsed.displayName } : {}),
        ...(parsed.roles !== undefined && !sameRoles(parsed.roles) ? { roles: parsed.roles } : {}),
      };
      if (effective.roles !== undefined && actor.id === staffId) {
        const added = effective.roles.filter((r) => !before.roles.includes(r) && seesPatientData(r));
        if (added.length) {
          appendAudit(record, { actorId: actor.id, actorRole: [...actor.roles].sort().join(','), action: 'staff.self_grant_refused', entity: 'staff', entityId: staffId });
          logger.warn('self-grant refused', { staffId, roles: added.join(',') });
          throw new SelfGrantError(added);
        }
      }
      if (effective.displayName === undefined && effective.roles === undefined) return before;
      confirmSelf(staffId, actor, opts);
      const member = staff.update(staffId, effective, actor);
      if (effective.roles !== undefined) {
        const refreshed = sessions.setRolesFor(staffId, member.roles);
        logger.info('roles changed: live sessions refreshed', { staffId, sessions: refreshed });
      }
      return member;
    },

    dispose() {
      sessions.lockAll();
    },
  };
}
