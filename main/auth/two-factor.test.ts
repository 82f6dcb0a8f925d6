/**
 * Two-factor sign-in (TOTP, RFC 6238) end to end through the auth service and the real encrypted
 * record: the algorithm against the RFC's own test vectors, enrolment at first sign-in, each code
 * once, recovery codes once, failures on the same lockout as passwords, the lock screen asking for
 * the password only, the policy and the IT reset, all audited.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, SYSTEM_ACTOR, verifyAuditChain } from '../records/index';
import { createMemoryLogger } from '../shared/logger';
import { createAuthService, type AuthService } from './auth.service';
import { createTestRecord } from './test-helpers';
import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode, totpCode, totpStep } from './totp';

const FAST = { log2N: 12, r: 8, p: 1 };
const PW = 'a long enough passphrase';
let db: ReturnType<typeof createTestRecord>;
let auth: AuthService;
let clock: number;
const log = createMemoryLogger();

beforeEach(async () => {
  db = createTestRecord();
  clock = 1_800_000_000_000;
  auth = createAuthService({ record: db.record, logger: log, scrypt: FAST, now: () => clock });
  await auth.createStaff({ username: 'nina', displayName: 'Nina Nurse', password: PW, roles: ['nurse'] }, SYSTEM_ACTOR);
  await auth.createStaff({ username: 'dora', displayName: 'Dora Doctor', password: PW, roles: ['doctor'] }, SYSTEM_ACTOR);
  await auth.createStaff({ username: 'ivan', displayName: 'Ivan IT', password: PW, roles: ['it-admin'] }, SYSTEM_ACTOR);
  await auth.createStaff({ username: 'iris', displayName: 'Iris IT', password: PW, roles: ['it-admin'] }, SYSTEM_ACTOR);
});
afterEach(() => {
  auth.dispose();
  db.dispose();
});

const actions = () => listAudit(db.record, { entity: 'staff', limit: 200 }).map((r) => r.action);
const codeOf = (e: unknown) => (e as { code?: string }).code;

/** Enrols `username` at sign-in as a member would: password, then the first code of the QR code's secret. */
async function enrolAtSignIn(username: string): Promise<{ secret: string; recoveryCodes: string[]; token: string }> {
  const step = await auth.signIn(username, PW);
  if (step.status !== 'enrol-second-factor') throw new Error(`expected an enrolment, got ${step.status}`);
  const secret = new URL(step.enrolment.uri).searchParams.get('secret')!;
  expect(secret).toBe(step.enrolment.secret);
  expect(step.enrolment.qrDataUrl).toMatch(/^data:image\/png;base64,/);
  const done = await auth.completeSignIn(step.challenge, totpCode(secret, clock));
  return { secret, recoveryCodes: done.recoveryCodes!, token: done.token };
}

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B, SHA-1, secret "12345678901234567890"; 6 digits are the last 6 of the RFC's 8.
  const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const vectors: Array<[number, string]> = [
    [59, '287082'],
    [1_111_111_109, '081804'],
    [1_111_111_111, '050471'],
    [1_234_567_890, '005924'],
    [2_000_000_000, '279037'],
    [20_000_000_000, '353130'],
  ];
  it.each(vectors)('at T=%i s the code is %s, and it verifies in its own step', (t, code) => {
    expect(totpCode(RFC_SECRET, t * 1000)).toBe(code);
    expect(totpStep(RFC_SECRET, code, t * 1000)).toBe(Math.floor(t / 30));
  });
  it('accepts one step of clock drift either side and nothing further; refuses non-codes', () => {
    const t = 1_234_567_890_000;
    const code = totpCode(RFC_SECRET, t);
    expect(totpStep(RFC_SECRET, code, t + 30_000)).toBe(Math.floor(t / 30_000));
    expect(totpStep(RFC_SECRET, code, t - 30_000)).toBe(Math.floor(t / 30_000));
    expect(totpStep(RFC_SECRET, code, t + 90_000)).toBeNull();
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 005924']) expect(totpStep(RFC_SECRET, bad, t)).toBeNull();
  });
  it('recovery codes carry 80 bits, are distinct, and hash the same however they are typed', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(hashRecoveryCode(codes[0]!.toLowerCase().replace(/-/g, ' '))).toBe(hashRecoveryCode(codes[0]!));
    expect(normaliseRecoveryCode('not-a-code')).toBeNull();
  });
});

describe('two-factor sign-in', () => {
  it('the default policy asks IT admins and doctors for a second factor, not nurses', async () => {
    expect(auth.twoFactorPolicy()).toEqual(['doctor', 'it-admin']);
    expect((await auth.signIn('nina', PW)).status).toBe('signed-in');
    expect((await auth.signIn('dora', PW)).status).toBe('enrol-second-factor');
    expect((await auth.signIn('ivan', PW)).status).toBe('enrol-second-factor');
    // The password-only path refuses members who need a second factor.
    await expect(auth.login('dora', PW)).rejects.toMatchObject({ code: 'SECOND_FACTOR_REQUIRED' });
  });

  it('a doctor enrols at first sign-in, then signs in with a code; each time step is accepted once', async () => {
    const { secret, recoveryCodes } = await enrolAtSignIn('dora');
    expect(recoveryCodes).toHaveLength(10);
    expect(actions()).toContain('auth.two_factor_enrol');
    expect(auth.twoFactorEnrolled()).toHaveLength(1);

    // The enrolment code's step is used: the same code again is a replay.
    let step = await auth.signIn('dora', PW);
    expect(step.status).toBe('second-factor');
    if (step.status !== 'second-factor') return;
    await expect(auth.completeSignIn(step.challenge, totpCode(secret, clock))).rejects.toMatchObject({ code: 'SECOND_FACTOR_REPLAYED' });

    clock += 30_000;
    const code = totpCode(secret, clock);
    step = await auth.signIn('dora', PW);
    if (step.status !== 'second-factor') throw new Error(step.status);
    const challenge = step.challenge;
    // Two requests carrying the same fresh code at once: exactly one signs in.
    const both = await Promise.allSettled([auth.completeSignIn(challenge, code), auth.completeSignIn(challenge, code)]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // A challenge is good for one sign-in.
    await expect(auth.completeSignIn(challenge, totpCode(secret, clock + 30_000))).rejects.toMatchObject({ code: 'SIGN_IN_EXPIRED' });
  });

  it('a recovery code works once; the challenge expires after five minutes', async () => {
    const { recoveryCodes } = await enrolAtSignIn('dora');
    let step = await auth.signIn('dora', PW);
    if (step.status !== 'second-factor') throw new Error(step.status);
    const done = await auth.completeSignIn(step.challenge, recoveryCodes[3]!.toLowerCase());
    expect(done.staff.username).toBe('dora');
    expect(auth.twoFactorState(done.token)).toEqual({ enrolled: true, required: true, recoveryCodesLeft: 9 });
    expect(actions()).toContain('auth.recovery_code_used');

    step = await auth.signIn('dora', PW);
    if (step.status !== 'second-factor') throw new Error(step.status);
    await expect(auth.completeSignIn(step.challenge, recoveryCodes[3]!)).rejects.toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    clock += 5 * 60_000 + 1;
    await expect(auth.completeSignIn(step.challenge, recoveryCodes[4]!)).rejects.toMatchObject({ code: 'SIGN_IN_EXPIRED' });
  });

  it('wrong codes count towards the same lockout as wrong passwords, and the right password alone does not clear them', async () => {
    const { secret } = await enrolAtSignIn('dora');
    await expect(auth.signIn('dora', 'wrong password one')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(auth.signIn('dora', 'wrong password two')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    for (let i = 0; i < 2; i++) {
      const step = await auth.signIn('dora', PW);
      if (step.status !== 'second-factor') throw new Error(step.status);
      await expect(auth.completeSignIn(step.challenge, '000000')).rejects.toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    }
    const step = await auth.signIn('dora', PW);
    if (step.status !== 'second-factor') throw new Error(step.status);
    await expect(auth.completeSignIn(step.challenge, '000001')).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    // Locked: the right password and the right code are refused until the lock ends.
    clock += 30_000;
    await expect(auth.signIn('dora', PW)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    clock += 15 * 60_000;
    const again = await auth.signIn('dora', PW);
    if (again.status !== 'second-factor') throw new Error(again.status);
    await expect(auth.completeSignIn(again.challenge, totpCode(secret, clock))).resolves.toMatchObject({ staff: { username: 'dora' } });
    expect(actions()).toContain('auth.lockout');
  });

  it('the lock screen asks for the password only', async () => {
    const { token } = await enrolAtSignIn('dora');
    auth.lock(token);
    await auth.unlock(token, PW);
    expect(auth.session(token).locked).toBe(false);
  });

  it('IT resets a lost authenticator (never their own): sessions end, the member enrols again; audited', async () => {
    const { token } = await enrolAtSignIn('dora');
    const ivan = (await enrolAtSignIn('ivan')).token;
    const ivanActor = auth.authorize(ivan, 'staff.manage').actor;
    const dora = auth.staff.credentials.byUsername('dora')!;
    expect(() => auth.resetTwoFactor(ivanActor.id, ivanActor)).toThrow(expect.objectContaining({ code: 'TWO_FACTOR_SELF_RESET_REFUSED' }));
    auth.resetTwoFactor(dora.id, ivanActor);
    expect(() => auth.session(token)).toThrow();
    expect((await auth.signIn('dora', PW)).status).toBe('enrol-second-factor');
    expect(actions()).toContain('staff.two_factor_reset');
    expect(verifyAuditChain(db.record).ok).toBe(true);
  });

  it('the policy is set by IT and applies at the next sign-in; a member with an authenticator always uses it', async () => {
    const ivan = (await enrolAtSignIn('ivan')).token;
    const actor = auth.authorize(ivan, 'settings.manage').actor;
    expect(auth.setTwoFactorPolicy(['nurse', 'it-admin', 'nurse'], actor)).toEqual(['it-admin', 'nurse']);
    expect((await auth.signIn('nina', PW)).status).toBe('enrol-second-factor');
    expect((await auth.signIn('dora', PW)).status).toBe('signed-in');
    auth.setTwoFactorPolicy([], actor);
    expect((await auth.signIn('ivan', PW)).status).toBe('second-factor');
    expect(listAudit(db.record, { entity: 'settings', limit: 10 }).map((r) => r.action)).toContain('settings.two_factor_policy');
  });

  it('a signed-in member replaces their authenticator only with a current code', async () => {
    const { secret, token } = await enrolAtSignIn('dora');
    await expect(auth.beginEnrolment(token)).rejects.toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    clock += 30_000;
    const offer = await auth.beginEnrolment(token, totpCode(secret, clock));
    await expect(auth.confirmEnrolment(token, '123456')).rejects.toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    const { recoveryCodes } = await auth.confirmEnrolment(token, totpCode(offer.secret, clock));
    expect(recoveryCodes).toHaveLength(10);
    expect(actions()).toContain('auth.two_factor_replace');
    expect(codeOf(await auth.confirmEnrolment(token, totpCode(offer.secret, clock)).catch((e: unknown) => e))).toBe('TWO_FACTOR_ENROLMENT_NOT_STARTED');
  });

  it('no secret, code or recovery code reaches the log', async () => {
    const { secret, recoveryCodes } = await enrolAtSignIn('dora');
    const text = JSON.stringify(log.lines);
    expect(text).not.toContain(secret);
    for (const c of recoveryCodes) expect(text).not.toContain(c);
  });
});
