/**
 * Enrolment codes and device credentials through the service's router: a code works once and
 * not after it expires; a credential authenticates only its device; revocation cuts it off at
 * once; rotation keeps the old secret working until the new one is first used, then only the new.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCode, startTestService, type TestService } from '../app/test-services';
import { testDatabaseKinds } from '../db/test-databases';

const code = appCode;
const trpcCode = (e: unknown) => (e as { code?: string }).code;

describe.each(testDatabaseKinds())('enrolment and credentials on %s', (kind) => {
  let s: TestService;
  beforeAll(async () => {
    s = await startTestService(kind);
  });
  afterAll(() => s.dispose());

  it('a code enrols one device once; a used, unknown or expired code reads the same', async () => {
    const { clinicId } = await s.admin.admin.createClinic({ name: 'Northside' });
    const issued = await s.admin.admin.issueEnrolmentCode({ clinicId });
    expect(issued.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    const out = await s.caller(null).devices.enrol({ code: issued.code.toLowerCase(), deviceId: 'ws-enrol-0001', label: 'Front desk', protocol: 1 });
    expect(out).toMatchObject({ clinicId, clinicName: 'Northside', deviceId: 'ws-enrol-0001', lastMutationId: 0 });
    expect(out.token.startsWith(`cw1.${clinicId}.ws-enrol-0001.`)).toBe(true);
    for (const bad of [issued.code, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ']) {
      const e = await s.caller(null).devices.enrol({ code: bad, deviceId: 'ws-enrol-0002', label: 'x', protocol: 1 }).catch((x: unknown) => x);
      expect(code(e)).toBe('ENROLMENT_CODE_INVALID');
    }
    const short = await s.admin.admin.issueEnrolmentCode({ clinicId, ttlMinutes: 1 });
    await s.db.database.unscoped(async (tx) => void (await tx.execute(`UPDATE enrolment_codes SET expires_at = 1 WHERE used_at IS NULL` as never)));
    expect(code(await s.caller(null).devices.enrol({ code: short.code, deviceId: 'ws-enrol-0003', label: 'x', protocol: 1 }).catch((x: unknown) => x))).toBe('ENROLMENT_CODE_INVALID');
    // Nothing about the code or the credential reaches the logs.
    const logged = JSON.stringify(s.log.records);
    expect(logged).not.toContain(issued.code.replace(/-/g, ''));
    expect(logged).not.toContain(out.token.split('.')[3]);
  });

  it('guessing codes from one address is slowed down (rate limit per address)', async () => {
    const errors: unknown[] = [];
    for (let i = 0; i < 14; i++) errors.push(await s.caller(null, '192.0.2.7').devices.enrol({ code: 'AAAA-AAAA-AAAA-AAAA', deviceId: 'ws-guess-0001', label: 'x', protocol: 1 }).catch((x: unknown) => x));
    expect(errors.slice(0, 10).map(code)).toEqual(Array(10).fill('ENROLMENT_CODE_INVALID'));
    expect(errors.slice(10).map(trpcCode)).toEqual(Array(4).fill('TOO_MANY_REQUESTS'));
  });

  it('a credential works only as itself; revocation cuts it off at once and enrolling again keeps its place', async () => {
    const { clinicId, tokens } = await s.clinic('Eastside', ['ws-revoke-01']);
    const token = tokens['ws-revoke-01']!;
    expect(await s.caller(token).sync.status()).toMatchObject({ clinicId, deviceId: 'ws-revoke-01', lastMutationId: 0 });
    const [, c, d, secret] = token.split('.');
    const forged = `cw1.${c}.${d}.${randomBytes(32).toString('base64url')}`;
    for (const t of [forged, `cw1.${c}.ws-other-01.${secret}`, 'nonsense', `${token}x`]) expect(code(await s.caller(t).sync.status().catch((x: unknown) => x))).toBe('UNAUTHENTICATED');
    await s.admin.admin.revokeDevice({ clinicId, deviceId: 'ws-revoke-01' });
    expect(code(await s.caller(token).sync.pull({ cursor: null }).catch((x: unknown) => x))).toBe('DEVICE_REVOKED');
    const { code: again } = await s.admin.admin.issueEnrolmentCode({ clinicId });
    const re = await s.caller(null).devices.enrol({ code: again, deviceId: 'ws-revoke-01', label: 'Front desk', protocol: 1 });
    expect(code(await s.caller(token).sync.status().catch((x: unknown) => x))).toBe('UNAUTHENTICATED');
    expect(await s.caller(re.token).sync.status()).toMatchObject({ deviceId: 'ws-revoke-01' });
  });

  it('rotation: the old secret works until the new one is used, then only the new one', async () => {
    const { tokens } = await s.clinic('Westside', ['ws-rotate-01']);
    const old = tokens['ws-rotate-01']!;
    const [, c, d] = old.split('.');
    const nextSecret = randomBytes(32).toString('base64url');
    const next = `cw1.${c}.${d}.${nextSecret}`;
    await s.caller(old).sync.rotate({ nextSecretSha256: createHash('sha256').update(nextSecret).digest('hex') });
    expect(await s.caller(old).sync.status()).toMatchObject({ deviceId: d });
    expect(await s.caller(next).sync.status()).toMatchObject({ deviceId: d });
    expect(code(await s.caller(old).sync.status().catch((x: unknown) => x))).toBe('UNAUTHENTICATED');
    expect(await s.caller(next).sync.status()).toMatchObject({ deviceId: d });
  });
});
