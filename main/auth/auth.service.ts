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
 */
import { can, permissionsOf, seesPatientData, type Permission, type StaffRole } from '../../common/permissions';
import { passwordSchema, staffInputSchema, staffUpdateSchema, type StaffInput, type StaffMember, type StaffUpdate } from '../../common/records';
import type { Logger } from '../shared/logger';
import { appendAudit, createStaffRepository, type Actor, type ClinicRecord, type StaffRepository } from '../records/index';
import { AccountDisabledError, AccountLockedError, ForbiddenError, InvalidCredentialsError, SelfChangeUnconfirmedError, SelfGrantError, SessionExpiredError, SessionInvalidError, SessionLockedError } from './errors';
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

export interface AuthService {
  /** Creates a staff account (password hashed here; the record never sees it). */
  createStaff(input: StaffInput, actor: Actor): Promise<StaffMember>;
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
  readonly staff: StaffRepository;
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
  const sessions = createSessionStore({
    now,
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.sessionMaxAgeMs !== undefined ? { maxAgeMs: options.sessionMaxAgeMs } : {}),
  });

  /** Checks a password for a member, applying and recording the lockout policy (see the file's comment). */
  async function attempt(staffId: string, password: string): Promise<void> {
    const cred = staff.credentials.byId(staffId);
    if (!cred) {
      await verifyPassword(password, await dummyHash(params)); // same work as a real check
      throw new InvalidCredentialsError();
    }
    const right = await verifyPassword(password, cred.passwordHash);
    const t = now();
    if (!right) {
      const counted = staff.credentials.recordFailure(staffId, t, lockout);
      logger.warn('sign-in failed', { staffId, failedAttempts: counted?.failedAttempts ?? null, locked: counted?.newlyLocked ?? false });
      throw new InvalidCredentialsError();
    }
    const outcome = staff.credentials.recordSuccess(staffId, t);
    if (!outcome.ok) {
      if (outcome.reason === 'disabled') throw new AccountDisabledError();
      if (outcome.reason === 'locked') throw new AccountLockedError(outcome.lockedUntil);
      throw new InvalidCredentialsError();
    }
    if (needsRehash(cred.passwordHash, params)) staff.credentials.setPasswordHash(staffId, await hashPassword(password, params), { id: staffId, roles: cred.roles });
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

  return {
    staff,
    sessions,
    async createStaff(input, actor) {
      const parsed = staffInputSchema.parse(input);
      const passwordHash = await hashPassword(parsed.password, params);
      return staff.create({ username: parsed.username, displayName: parsed.displayName, passwordHash, roles: parsed.roles }, actor);
    },

    async login(username, password) {
      const cred = typeof username === 'string' ? staff.credentials.byUsername(username) : null;
      if (!cred) {
        await verifyPassword(String(password), await dummyHash(params)); // same work as a real check
        throw new InvalidCredentialsError();
      }
      await attempt(cred.id, String(password));
      const { token } = sessions.create(cred.id, cred.roles);
      const member = staff.get(cred.id)!;
      logger.info('signed in', { staffId: cred.id });
      return { token, staff: member, permissions: permissionsOf(member.roles) };
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
      return member;
    },

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
