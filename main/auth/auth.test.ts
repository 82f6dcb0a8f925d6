import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, SYSTEM_ACTOR, verifyAuditChain } from '../records/index';
import { createTestRecord } from './test-helpers';
import { createMemoryLogger } from '../shared/logger';
import { createAuthService, type AuthService } from './auth.service';
import { AccountDisabledError, AccountLockedError, ForbiddenError, InvalidCredentialsError, SelfGrantError, SessionExpiredError, SessionInvalidError, SessionLockedError } from './errors';

const FAST = { log2N: 12, r: 8, p: 1 };
const PW = 'a long enough passphrase';
let db: ReturnType<typeof createTestRecord>;
let auth: AuthService;
let clock: number;
const log = createMemoryLogger();

beforeEach(async () => {
  db = createTestRecord();
  clock = 1_800_000_000_000;
  auth = createAuthService({ record: db.record, logger: log, scrypt: FAST, now: () => clock, idleTimeoutMs: 5 * 60_000 });
  await auth.createStaff({ username: 'nina', displayName: 'Nina Nurse', password: PW, roles: ['nurse'] }, SYSTEM_ACTOR);
  await auth.createStaff({ username: 'dora', displayName: 'Dora Doctor', password: PW, roles: ['doctor', 'manager'] }, SYSTEM_ACTOR);
  await auth.createStaff({ username: 'ivan', displayName: 'Ivan IT', password: PW, roles: ['it-admin'] }, SYSTEM_ACTOR);
});
afterEach(() => {
  auth.dispose();
  db.dispose();
});

describe('sign-in', () => {
  it('signs in with the right password and returns the permissions of all roles held', async () => {
    const s = await auth.login('Dora', PW);
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.staff).toMatchObject({ username: 'dora', roles: ['doctor', 'manager'], lastLoginAt: clock });
    expect(s.permissions).toEqual(expect.arrayContaining(['assessments.signoff', 'billing.write']));
    expect(JSON.stringify(s)).not.toContain('scrypt');
  });

  it('gives the same error for an unknown user and a wrong password', async () => {
    await expect(auth.login('nobody', PW)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login('nina', 'wrong password here')).rejects.toBeInstanceOf(InvalidCredentialsError);
  });

  it('locks an account after 5 failures for 15 minutes, even against the right password, then lets it in', async () => {
    // Every failure reads the same, the one that locks included: only the right password learns of the lock.
    for (let i = 0; i < 5; i++) await expect(auth.login('nina', `wrong-${i}-xxxxxxx`)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login('nina', PW)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', until: clock + 15 * 60_000 });
    clock += 15 * 60_000 - 1;
    await expect(auth.login('nina', PW)).rejects.toBeInstanceOf(AccountLockedError);
    clock += 1;
    await expect(auth.login('nina', PW)).resolves.toMatchObject({ staff: { username: 'nina' } });
    const actions = listAudit(db.record, { entity: 'staff', limit: 20 }).map((r) => r.action);
    expect(actions.filter((a) => a === 'auth.login_failed')).toHaveLength(4);
    expect(actions).toContain('auth.lockout');
    expect(actions[0]).toBe('auth.login');
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: true });
    // Usernames and ids only in the log lines; never a password.
    expect(JSON.stringify(log.lines)).not.toContain(PW);
  });

  it('40 wrong passwords sent at once lock the account (the count is kept atomically), and the right one is then refused', async () => {
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => auth.login('nina', `parallel-wrong-${i}`)));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof InvalidCredentialsError)).toBe(true);
    await expect(auth.login('nina', PW)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    const actions = listAudit(db.record, { entity: 'staff', limit: 100 }).map((r) => r.action);
    expect(actions.filter((a) => a === 'auth.lockout').length).toBeGreaterThanOrEqual(1);
    expect(actions.filter((a) => a === 'auth.login_failed' || a === 'auth.lockout')).toHaveLength(40);
  });

  it('a lock set by parallel failures while the right password is being checked still holds (re-checked after verifying)', async () => {
    const wrong = Array.from({ length: 12 }, (_, i) => auth.login('nina', `racing-wrong-${i}`));
    const right = auth.login('nina', PW); // started before most failures are counted
    const more = Array.from({ length: 12 }, (_, i) => auth.login('nina', `racing-wrong-b-${i}`));
    await Promise.allSettled([...wrong, ...more, right]);
    await expect(auth.login('nina', PW)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
  });

  it('parallel wrong unlocks and password changes count too, and end the session that locked the account', async () => {
    const a = await auth.login('nina', PW);
    auth.lock(a.token);
    const unlocks = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => auth.unlock(a.token, `wrong-unlock-${i}`)));
    expect(unlocks.every((r) => r.status === 'rejected')).toBe(true);
    expect(() => auth.session(a.token)).toThrow(SessionInvalidError);
    await expect(auth.login('nina', PW)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });

    const d = await auth.login('dora', PW);
    const changes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => auth.changePassword(d.token, `wrong-current-${i}`, 'a brand new password')));
    expect(changes.every((r) => r.status === 'rejected')).toBe(true);
    expect(() => auth.session(d.token)).toThrow(SessionInvalidError);
    await expect(auth.login('dora', PW)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    await expect(auth.login('dora', 'a brand new password')).rejects.toBeInstanceOf(InvalidCredentialsError);
  });

  it('a disabled or locked account says so only to someone with its password (no user-name probing)', async () => {
    const { staff } = await auth.login('nina', PW);
    auth.disableStaff(staff.id, SYSTEM_ACTOR);
    await expect(auth.login('nina', 'not her password')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login('nobody-here', 'not her password')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login('nina', PW)).rejects.toBeInstanceOf(AccountDisabledError);
    for (let i = 0; i < 5; i++) await auth.login('ivan', `wrong-${i}-xxxxxxx`).catch(() => undefined);
    await expect(auth.login('ivan', 'still not it')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login('ivan', PW)).rejects.toBeInstanceOf(AccountLockedError);
  });

  it('a successful login resets the failure count; the policy is configurable', async () => {
    const strict = createAuthService({ record: db.record, logger: log, scrypt: FAST, now: () => clock, lockout: { maxAttempts: 2, lockMs: 60_000 } });
    await expect(strict.login('ivan', 'nope nope nope')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await strict.login('ivan', PW);
    await expect(strict.login('ivan', 'nope nope nope')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(strict.login('ivan', 'nope nope nope')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(strict.login('ivan', PW)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', until: clock + 60_000 });
  });

  it('refuses a disabled account and ends its sessions', async () => {
    const { token, staff } = await auth.login('nina', PW);
    auth.disableStaff(staff.id, SYSTEM_ACTOR);
    expect(() => auth.session(token)).toThrow(SessionInvalidError);
    await expect(auth.login('nina', PW)).rejects.toBeInstanceOf(AccountDisabledError);
  });
});

describe('sessions', () => {
  it('lock after the idle timeout; the same member unlocks with the password', async () => {
    const { token } = await auth.login('nina', PW);
    clock += 4 * 60_000;
    expect(auth.session(token).locked).toBe(false); // activity resets the idle clock
    clock += 4 * 60_000;
    expect(auth.session(token).locked).toBe(false);
    clock += 5 * 60_000;
    expect(() => auth.session(token)).toThrow(SessionLockedError);
    await expect(auth.unlock(token, 'not the password')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await auth.unlock(token, PW);
    expect(auth.session(token).locked).toBe(false);
  });

  it('lock() locks now; logout ends the session', async () => {
    const { token } = await auth.login('nina', PW);
    auth.lock(token);
    expect(() => auth.authorize(token, 'clinical.read')).toThrow(SessionLockedError);
    auth.logout(token);
    expect(() => auth.session(token)).toThrow(SessionInvalidError);
    expect(() => auth.session('x'.repeat(43))).toThrow(SessionInvalidError);
  });

  it('authorize applies the permission matrix', async () => {
    const nina = await auth.login('nina', PW);
    const ivan = await auth.login('ivan', PW);
    expect(auth.authorize(nina.token, 'clinical.write').actor).toEqual({ id: nina.staff.id, roles: ['nurse'] });
    expect(() => auth.authorize(nina.token, 'assessments.signoff')).toThrow(ForbiddenError);
    expect(() => auth.authorize(ivan.token, 'patients.demographics.read')).toThrow(ForbiddenError);
    expect(auth.authorize(ivan.token, 'staff.manage').roles).toEqual(['it-admin']);
  });

  it('changes and resets passwords', async () => {
    const { token, staff } = await auth.login('nina', PW);
    await expect(auth.changePassword(token, 'wrong current pw', 'another long password')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.changePassword(token, PW, 'short')).rejects.toThrow();
    await auth.changePassword(token, PW, 'another long password');
    await expect(auth.login('nina', PW)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await auth.login('nina', 'another long password');
    await auth.resetPassword(staff.id, 'reset by it admin 1', SYSTEM_ACTOR);
    expect(() => auth.session(token)).toThrow(SessionInvalidError);
    await auth.login('nina', 'reset by it admin 1');
  });
});

describe('sessions end with the member’s access', () => {
  it('a change of roles reaches the member’s live sessions at once: a demoted doctor is FORBIDDEN', async () => {
    const dora = await auth.login('dora', PW);
    expect(auth.authorize(dora.token, 'clinical.read').roles).toContain('doctor');
    const ivan = await auth.login('ivan', PW);
    let changes = 0;
    const off = auth.sessions.onDidChange(() => changes++);
    auth.updateStaff(dora.staff.id, { roles: ['manager'] }, auth.authorize(ivan.token, 'staff.manage').actor);
    expect(changes).toBe(1);
    off();
    expect(() => auth.authorize(dora.token, 'clinical.read')).toThrow(ForbiddenError);
    expect(() => auth.check(dora.token, 'assessments.signoff')).toThrow(ForbiddenError);
    expect(auth.authorize(dora.token, 'billing.read').roles).toEqual(['manager']);
    // Promoted again: at once too.
    auth.updateStaff(dora.staff.id, { roles: ['doctor'] }, auth.authorize(ivan.token, 'staff.manage').actor);
    expect(auth.authorize(dora.token, 'clinical.read').roles).toEqual(['doctor']);
    expect(() => auth.authorize(dora.token, 'billing.read')).toThrow(ForbiddenError);
    // A change of name alone leaves sessions alone.
    auth.updateStaff(dora.staff.id, { displayName: 'Dora D.' }, auth.authorize(ivan.token, 'staff.manage').actor);
    expect(auth.session(dora.token).roles).toEqual(['doctor']);
    // The same save again (a double click) writes and audits nothing.
    const rows = listAudit(db.record, { entity: 'staff', limit: 100 }).length;
    auth.updateStaff(dora.staff.id, { roles: ['doctor'], displayName: 'Dora D.' }, auth.authorize(ivan.token, 'staff.manage').actor);
    expect(listAudit(db.record, { entity: 'staff', limit: 100 })).toHaveLength(rows);
  });

  it('an IT admin cannot give themselves a role that sees patient data; the refusal is audited', async () => {
    const ivan = await auth.login('ivan', PW);
    const actor = auth.authorize(ivan.token, 'staff.manage').actor;
    for (const role of ['nurse', 'doctor', 'manager'] as const) {
      expect(() => auth.updateStaff(ivan.staff.id, { roles: ['it-admin', role] }, actor)).toThrow(SelfGrantError);
    }
    expect(auth.staff.get(ivan.staff.id)!.roles).toEqual(['it-admin']);
    expect(listAudit(db.record, { entity: 'staff', limit: 10 }).map((r) => r.action)).toContain('staff.self_grant_refused');
    // Another admin may grant it (audited as a role change under that admin).
    await auth.createStaff({ username: 'ines', displayName: 'Ines IT', password: PW, roles: ['it-admin'] }, SYSTEM_ACTOR);
    const ines = await auth.login('ines', PW);
    auth.updateStaff(ivan.staff.id, { roles: ['it-admin', 'nurse'] }, auth.authorize(ines.token, 'staff.manage').actor);
    expect(auth.staff.get(ivan.staff.id)!.roles).toEqual(['it-admin', 'nurse']);
    // Dropping a role of one's own is allowed (confirmed as a change to one's own account).
    const ivan2 = await auth.login('ivan', PW);
    auth.updateStaff(ivan.staff.id, { roles: ['it-admin'] }, auth.authorize(ivan2.token, 'staff.manage').actor, { confirmedSelf: true });
    expect(auth.staff.get(ivan.staff.id)!.roles).toEqual(['it-admin']);
  });

  it('a session ends after its absolute lifetime however active it is', async () => {
    const short = createAuthService({ record: db.record, logger: log, scrypt: FAST, now: () => clock, idleTimeoutMs: 5 * 60_000, sessionMaxAgeMs: 60 * 60_000 });
    const { token } = await short.login('nina', PW);
    for (let i = 0; i < 14; i++) {
      clock += 4 * 60_000;
      expect(short.session(token).locked).toBe(false);
    }
    clock += 4 * 60_000; // 60 minutes after sign-in
    expect(() => short.session(token)).toThrow(SessionExpiredError);
    expect(() => short.authorize(token, 'clinical.read')).toThrow(SessionExpiredError);
    short.dispose();
  });

  it('the default lifetime is a working day', async () => {
    const { token } = await auth.login('nina', PW);
    clock += 10 * 3600_000 - 1;
    expect(() => auth.session(token)).toThrow(SessionLockedError); // idle, but still a session
    clock += 1;
    expect(() => auth.session(token)).toThrow(SessionExpiredError);
  });

  it('check() re-checks a session without keeping it awake; lock and end are announced', async () => {
    const { token } = await auth.login('nina', PW);
    let changes = 0;
    const off = auth.sessions.onDidChange(() => changes++);
    for (let i = 0; i < 2; i++) {
      clock += 2 * 60_000;
      auth.check(token, 'clinical.read');
    }
    clock += 60_000; // 5 minutes since the last touch (sign-in): checks did not reset the idle clock
    expect(() => auth.check(token, 'clinical.read')).toThrow(SessionLockedError);
    expect(changes).toBe(1);
    auth.logout(token);
    expect(changes).toBe(2);
    off();
  });
});

describe('keeping the clinic manageable (issue 21 point 7)', () => {
  const ivanId = () => auth.staff.credentials.byUsername('ivan')!.id;

  it('refuses disabling or demoting the last active IT admin, by anyone, and changes nothing', async () => {
    const ivan = ivanId();
    const other = { id: 'another-admin', roles: ['it-admin'] as const };
    expect(() => auth.disableStaff(ivan, other)).toThrow(expect.objectContaining({ code: 'LAST_ADMIN', change: 'disable' }));
    expect(() => auth.updateStaff(ivan, { roles: ['nurse'] }, other)).toThrow(expect.objectContaining({ code: 'LAST_ADMIN', change: 'demote' }));
    expect(auth.staff.get(ivan)).toMatchObject({ disabled: false, roles: ['it-admin'] });
    // Adding a role, or renaming, is fine.
    expect(auth.updateStaff(ivan, { roles: ['it-admin', 'manager'] }, other).roles).toEqual(['it-admin', 'manager']);
    expect(auth.updateStaff(ivan, { displayName: 'Ivan I. T.' }, other).displayName).toBe('Ivan I. T.');
    // A disabled admin does not count: with a second one disabled, Ivan is still the last.
    const second = await auth.createStaff({ username: 'ida', displayName: 'Ida IT', password: PW, roles: ['it-admin'] }, SYSTEM_ACTOR);
    auth.disableStaff(second.id, other);
    expect(() => auth.disableStaff(ivan, other)).toThrow(expect.objectContaining({ code: 'LAST_ADMIN' }));
    // With another active admin, Ivan can go; then she is the last one.
    auth.staff.enable(second.id, other);
    expect(auth.updateStaff(ivan, { roles: ['manager'] }, other).roles).toEqual(['manager']);
    expect(() => auth.disableStaff(second.id, other)).toThrow(expect.objectContaining({ code: 'LAST_ADMIN' }));
    // Refusals are not audited as changes; the chain is intact.
    expect(listAudit(db.record, { entity: 'staff', limit: 100 }).filter((r) => r.entityId === second.id).map((r) => r.action)).toEqual(['staff.enable', 'staff.disable', 'staff.create']);
    expect(verifyAuditChain(db.record).ok).toBe(true);
  });

  it('a change to your own account must be confirmed as such; a change of roles refreshes the member’s sessions', async () => {
    const signedIn = await auth.login('ivan', PW);
    const me = { id: signedIn.staff.id, roles: signedIn.staff.roles };
    const ida = await auth.createStaff({ username: 'ida', displayName: 'Ida IT', password: PW, roles: ['it-admin'] }, SYSTEM_ACTOR);
    // Another admin gave Ivan a second role; dropping it is a change to his own account.
    auth.updateStaff(me.id, { roles: ['it-admin', 'manager'] }, { id: ida.id, roles: ['it-admin'] });
    expect(() => auth.updateStaff(me.id, { roles: ['it-admin'] }, me)).toThrow(expect.objectContaining({ code: 'SELF_CHANGE_UNCONFIRMED' }));
    expect(() => auth.updateStaff(me.id, { displayName: 'Ivan I. T.' }, me)).toThrow(expect.objectContaining({ code: 'SELF_CHANGE_UNCONFIRMED' }));
    expect(() => auth.disableStaff(me.id, me)).toThrow(expect.objectContaining({ code: 'SELF_CHANGE_UNCONFIRMED' }));
    await expect(auth.resetPassword(me.id, 'another long passphrase', me)).rejects.toMatchObject({ code: 'SELF_CHANGE_UNCONFIRMED' });
    expect(auth.staff.get(me.id)).toMatchObject({ roles: ['it-admin', 'manager'], disabled: false, displayName: 'Ivan IT' });
    expect(auth.authorize(signedIn.token, 'billing.read').roles).toEqual(['it-admin', 'manager']);
    // A self-grant of a role that sees patient data is refused whether confirmed or not.
    expect(() => auth.updateStaff(me.id, { roles: ['it-admin', 'manager', 'nurse'] }, me, { confirmedSelf: true })).toThrow(SelfGrantError);
    // Confirmed: the roles change and the open session carries the new ones at once (FORBIDDEN, not signed out).
    expect(auth.updateStaff(me.id, { roles: ['it-admin'] }, me, { confirmedSelf: true }).roles).toEqual(['it-admin']);
    expect(() => auth.authorize(signedIn.token, 'billing.read')).toThrow(ForbiddenError);
    expect(auth.session(signedIn.token).roles).toEqual(['it-admin']);
    // Someone else's account needs no such confirmation.
    const nina = auth.staff.credentials.byUsername('nina')!.id;
    expect(auth.updateStaff(nina, { roles: ['nurse', 'doctor'] }, me).roles).toEqual(['doctor', 'nurse']);
  });
});
