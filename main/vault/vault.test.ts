/** The KeyStore against a REAL Secret Service (GNOME Keyring in scripts/with-keyring.sh). No mocks. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type * as KeytarModule from 'keytar';
import { createKeytarKeyStore, KEYCHAIN_SERVICE, KeyMalformedError, probeKeychain, unavailableReason } from './index';
import { assertKeyringWhenRequired, KEYRING_SKIP_REASON, skipKeyring, TEST_SERVICE } from './test-keyring';

describe.skipIf(skipKeyring)(`KeyStore on the Secret Service${skipKeyring ? ` — skipped: ${KEYRING_SKIP_REASON}` : ''}`, () => {
  const store = createKeytarKeyStore({ service: TEST_SERVICE });
  const accounts: string[] = [];
  const account = (): string => {
    const a = `clinic-${randomBytes(6).toString('hex')}`;
    accounts.push(a);
    return a;
  };
  beforeEach(() => assertKeyringWhenRequired());
  afterAll(async () => {
    for (const a of accounts) await store.delete(a).catch(() => false);
  });

  it('stores, reads, replaces and deletes a 32-byte key per account', async () => {
    const a = account();
    const b = account();
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    expect(await store.get(a)).toBeNull();
    await store.set(a, k1);
    await store.set(b, k2);
    expect((await store.get(a))?.equals(k1)).toBe(true);
    expect((await store.get(b))?.equals(k2)).toBe(true);
    const k3 = randomBytes(32);
    await store.set(a, k3);
    expect((await store.get(a))?.equals(k3)).toBe(true);
    expect(await store.delete(a)).toBe(true);
    expect(await store.delete(a)).toBe(false);
    expect(await store.get(a)).toBeNull();
    expect((await store.get(b))?.equals(k2)).toBe(true);
  });

  it('keeps keys under its own service name, visible to keytar directly as hex', async () => {
    const a = account();
    const key = randomBytes(32);
    await store.set(a, key);
    const keytar = createRequire(import.meta.url)('keytar') as typeof KeytarModule;
    expect(await keytar.getPassword(TEST_SERVICE, a)).toBe(key.toString('hex'));
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, a)).toBeNull();
  });

  it('refuses an entry it did not write (KeyMalformedError) without touching it', async () => {
    const a = account();
    const keytar = createRequire(import.meta.url)('keytar') as typeof KeytarModule;
    await keytar.setPassword(TEST_SERVICE, a, 'not a hex key');
    await expect(store.get(a)).rejects.toBeInstanceOf(KeyMalformedError);
    expect(await keytar.getPassword(TEST_SERVICE, a)).toBe('not a hex key');
  });

  it('probes as ok', async () => {
    expect(await probeKeychain(store)).toEqual({ ok: true });
  });
});

describe('KeychainUnavailableError', () => {
  const child = fileURLToPath(new URL('./unavailable.fixture.ts', import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const run = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, ['--import', tsx, child], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(line || '{}') as Record<string, { name?: string; code?: string; reason?: string; message?: string; ok?: boolean }>;
  };

  it('is raised with a what-to-do message when the session bus points nowhere', () => {
    const out = run({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/coherency-test-bus' });
    for (const op of ['get', 'set', 'delete', 'probe']) {
      expect(out[op], op).toMatchObject({ name: 'KeychainUnavailableError', code: 'KEYCHAIN_UNAVAILABLE', reason: 'no-session-bus' });
      expect(out[op]!.message).toMatch(/keychain is unavailable.*D-Bus/);
    }
  });

  it('is raised when there is no session bus at all', () => {
    const out = run({});
    expect(out.get).toMatchObject({ name: 'KeychainUnavailableError', reason: 'no-session-bus' });
  });

  it('classifies the Secret Service messages libsecret gives', () => {
    expect(unavailableReason(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'))).toBe('no-session-bus');
    expect(unavailableReason(new Error('Could not connect: No such file or directory'))).toBe('no-session-bus');
    expect(unavailableReason(new Error('The name org.freedesktop.secrets was not provided by any .service files'))).toBe('no-secret-service');
    expect(unavailableReason(new Error('Object does not exist at path “/org/freedesktop/secrets/collection/login”'))).toBe('locked');
    expect(unavailableReason(new Error('something else'))).toBeNull();
  });
});
