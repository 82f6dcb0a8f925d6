import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, SYSTEM_ACTOR, verifyAuditChain } from '../records/index';
import { createTestRecord } from './test-helpers';
import { createMemoryLogger } from '../shared/logger';
import { createAuthService, type AuthService } from './auth.service';
import { AccountDisabledError, AccountLockedError, ForbiddenError, InvalidCredentialsError, SessionInvalidError, SessionLockedError } from './errors';

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
    for (let i = 0; i < 4; i++) await expect(auth.login('nina', `wrong-${i}-xxxxxxx`)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(auth.login('nina', 'wrong-5-xxxxxxxx')).rejects.toBeInstanceOf(AccountLockedError);
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

  it('a successful login resets the failure count; the policy is configurable', async () => {
    const strict = createAuthService({ record: db.record, logger: log, scrypt: FAST, now: () => clock, lockout: { maxAttempts: 2, lockMs: 60_000 } });
    await expect(strict.login('ivan', 'nope nope nope')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await strict.login('ivan', PW);
    await expect(strict.login('ivan', 'nope nope nope')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(strict.login('ivan', 'nope nope nope')).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', until: clock + 60_000 });
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

  it('a change to your own account must be confirmed as such; a change of roles signs the member out', async () => {
    const signedIn = await auth.login('ivan', PW);
    const me = { id: signedIn.staff.id, roles: signedIn.staff.roles };
    await auth.createStaff({ username: 'ida', displayName: 'Ida IT', password: PW, roles: ['it-admin'] }, SYSTEM_ACTOR);
    expect(() => auth.updateStaff(me.id, { roles: ['it-admin', 'nurse'] }, me)).toThrow(expect.objectContaining({ code: 'SELF_CHANGE_UNCONFIRMED' }));
    expect(() => auth.disableStaff(me.id, me)).toThrow(expect.objectContaining({ code: 'SELF_CHANGE_UNCONFIRMED' }));
    await expect(auth.resetPassword(me.id, 'another long passphrase', me)).rejects.toMatchObject({ code: 'SELF_CHANGE_UNCONFIRMED' });
    expect(auth.staff.get(me.id)).toMatchObject({ roles: ['it-admin'], disabled: false });
    expect(auth.session(signedIn.token)).toBeTruthy();
    // Confirmed: the roles change and the session (which carried the old roles) ends.
    expect(auth.updateStaff(me.id, { roles: ['it-admin', 'nurse'] }, me, { confirmedSelf: true }).roles).toEqual(['it-admin', 'nurse']);
    expect(() => auth.session(signedIn.token)).toThrow(SessionInvalidError);
    // Someone else's account needs no such confirmation.
    const nina = auth.staff.credentials.byUsername('nina')!.id;
    expect(auth.updateStaff(nina, { roles: ['nurse', 'doctor'] }, me).roles).toEqual(['doctor', 'nurse']);
  });
});
