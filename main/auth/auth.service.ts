/**
 * Staff sign-in for one open clinic record: scrypt passwords, lockout after repeated failures,
 * sessions with an idle lock, and permission checks against common/permissions.ts.
 */
import { can, permissionsOf, type Permission, type StaffRole } from '../../common/permissions';
import { passwordSchema, staffInputSchema, type StaffInput, type StaffMember } from '../../common/records';
import type { Logger } from '../shared/logger';
import { createStaffRepository, type Actor, type ClinicRecord, type StaffRepository } from '../records/index';
import { AccountDisabledError, AccountLockedError, ForbiddenError, InvalidCredentialsError, SelfChangeUnconfirmedError, SessionInvalidError, SessionLockedError } from './errors';
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
  lock(token: string): void;
  /** The same member unlocks with their password (counts towards lockout like a login). */
  unlock(token: string, password: string): Promise<void>;
  logout(token: string): void;
  changePassword(token: string, currentPassword: string, newPassword: string): Promise<void>;
  /**
   * IT admin: new password for someone else; ends that member's sessions and clears a lockout.
   * On one's own account each of these changes needs `confirmedSelf` (SelfChangeUnconfirmedError);
   * disabling or demoting the last active IT admin is refused (LastAdminError).
   */
  resetPassword(staffId: string, newPassword: string, actor: Actor, opts?: SelfChangeOptions): Promise<void>;
  disableStaff(staffId: string, actor: Actor, opts?: SelfChangeOptions): StaffMember;
  /** Name and roles; a change of roles ends the member's sessions (they sign in again with the new ones). */
  updateStaff(staffId: string, patch: { displayName?: string; roles?: StaffRole[] }, actor: Actor, opts?: SelfChangeOptions): StaffMember;
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
  const sessions = createSessionStore({ now, ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}) });

  /** Checks a password for a member, applying and recording the lockout policy. */
  async function attempt(staffId: string, password: string): Promise<void> {
    const cred = staff.credentials.byId(staffId);
    if (!cred) throw new InvalidCredentialsError();
    if (cred.disabled) throw new AccountDisabledError();
    const t = now();
    if (cred.lockedUntil !== null && cred.lockedUntil > t) throw new AccountLockedError(cred.lockedUntil);
    const failedSoFar = cred.lockedUntil !== null ? 0 : cred.failedAttempts; // an expired lock starts a fresh count
    if (await verifyPassword(password, cred.passwordHash)) {
      staff.credentials.recordAttempt(staffId, { ok: true, at: t });
      if (needsRehash(cred.passwordHash, params)) staff.credentials.setPasswordHash(staffId, await hashPassword(password, params), { id: staffId, roles: cred.roles });
      return;
    }
    const failedAttempts = failedSoFar + 1;
    const lockedUntil = failedAttempts >= lockout.maxAttempts ? t + lockout.lockMs : null;
    staff.credentials.recordAttempt(staffId, { ok: false, at: t, failedAttempts: lockedUntil !== null ? 0 : failedAttempts, lockedUntil });
    logger.warn('sign-in failed', { staffId, failedAttempts, locked: lockedUntil !== null });
    if (lockedUntil !== null) throw new AccountLockedError(lockedUntil);
    throw new InvalidCredentialsError();
  }

  const confirmSelf = (staffId: string, actor: Actor, opts: SelfChangeOptions): void => {
    if (staffId === actor.id && !opts.confirmedSelf) throw new SelfChangeUnconfirmedError();
  };

  const live = (token: string): Session => {
    const s = sessions.get(token);
    if (!s) throw new SessionInvalidError();
    if (s.locked) throw new SessionLockedError();
    return s;
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

    authorize(token, permission) {
      const s = live(token);
      if (!can(s.roles, permission)) throw new ForbiddenError(permission);
      return { ...s, actor: { id: s.staffId, roles: s.roles as StaffRole[] } };
    },

    lock(token) {
      if (!sessions.lock(token)) throw new SessionInvalidError();
    },

    async unlock(token, password) {
      const s = sessions.get(token);
      if (!s) throw new SessionInvalidError();
      try {
        await attempt(s.staffId, password);
      } catch (error) {
        if (error instanceof AccountLockedError || error instanceof AccountDisabledError) sessions.end(token);
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
      await attempt(s.staffId, currentPassword);
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
      confirmSelf(staffId, actor, opts);
      const before = staff.get(staffId);
      const member = staff.update(staffId, patch, actor);
      if (before && patch.roles !== undefined && before.roles.join() !== member.roles.join()) sessions.endAllFor(staffId);
      return member;
    },

    dispose() {
      sessions.lockAll();
    },
  };
}
