/**
 * `npm run release:sign` and `npm run release:verify` as IT runs them (child processes), the
 * keychain source of release keys against the real Secret Service, and that no private key is
 * committed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { createReleaseKey, loadSigningKeys, seedOf, verifyMetadataSignature } from '../../main/updates/index';
import { newTestKey, startTestFeed, writeRelease, type TestFeed } from '../../main/updates/test-feed';
import { createKeytarKeyStore } from '../../main/vault/index';
import { assertKeyringWhenRequired, skipKeyring, TEST_SERVICE } from '../../main/vault/test-keyring';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs a release script as a child process (asynchronously: the test's own feed server must keep answering). */
function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const clean = { ...process.env };
  delete clean['COHERENCY_RELEASE_KEY'];
  const child = spawn(TSX, [join(ROOT, 'scripts', 'release', script), ...args], { cwd: ROOT, env: { ...clean, ...env }, timeout: 60_000 });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cw-release-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run release:sign', () => {
  it('refuses to sign without a key from the environment or the keychain, and writes nothing', async () => {
    writeRelease(dir, { version: '1.2.0' });
    const r = await run('sign.ts', [dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('set COHERENCY_RELEASE_KEY on the release machine');
    expect(r.err).toContain('never read from files in the repository');
    expect(existsSync(join(dir, 'latest-linux.yml.sig'))).toBe(false);
  });

  it('signs every channel file with the key from COHERENCY_RELEASE_KEY; --staging goes into the signed metadata', async () => {
    const key = newTestKey('ci');
    writeRelease(dir, { version: '1.2.0' });
    writeRelease(dir, { version: '1.2.0', channelFile: 'pilot-linux.yml' });
    const r = await run('sign.ts', [dir, '--staging', '10'], { COHERENCY_RELEASE_KEY: seedOf(key.key).toString('base64') });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('signed latest-linux.yml (version 1.2.0, staging 10%)');
    for (const file of ['latest-linux.yml', 'pilot-linux.yml']) {
      const bytes = readFileSync(join(dir, file));
      expect((load(bytes.toString()) as { stagingPercentage: number }).stagingPercentage).toBe(10);
      expect(verifyMetadataSignature(file, bytes, readFileSync(join(dir, `${file}.sig`), 'utf8'), [key.trusted]).keyName).toBe('ci');
    }
    expect((await run('sign.ts', [dir, '--staging', '150'], { COHERENCY_RELEASE_KEY: seedOf(key.key).toString('hex') })).code).toBe(2);
    expect((await run('sign.ts', [dir], { COHERENCY_RELEASE_KEY: 'not a key' })).err).toContain('does not hold an Ed25519 private key');
  });

  it('signs with two keys for a rotation (COHERENCY_RELEASE_KEY=old,new)', async () => {
    const [a, b] = [newTestKey('old'), newTestKey('new')];
    writeRelease(dir, { version: '1.2.0' });
    expect((await run('sign.ts', [dir], { COHERENCY_RELEASE_KEY: `${seedOf(a.key).toString('base64')},${seedOf(b.key).toString('base64')}` })).code).toBe(0);
    const bytes = readFileSync(join(dir, 'latest-linux.yml'));
    const sig = readFileSync(join(dir, 'latest-linux.yml.sig'), 'utf8');
    expect(verifyMetadataSignature('latest-linux.yml', bytes, sig, [a.trusted]).keyName).toBe('old');
    expect(verifyMetadataSignature('latest-linux.yml', bytes, sig, [b.trusted]).keyName).toBe('new');
  });
});

describe('npm run release:verify', () => {
  let feed: TestFeed;
  beforeEach(async () => {
    feed = await startTestFeed();
  });
  afterEach(() => feed.close());

  it('reads a published feed as the app does and names what the app would refuse (exit 2)', async () => {
    writeRelease(feed.dir, { version: '1.2.0' });
    const unsigned = await run('verify-feed.ts', [feed.url, '--platform', 'linux', '--arch', 'x64']);
    expect(unsigned.code).toBe(2);
    expect(unsigned.err).toContain('UPDATE_UNSIGNED');
    // Signed with a key this checkout does not pin (only the release machine holds the real one).
    const r = await run('sign.ts', [feed.dir], { COHERENCY_RELEASE_KEY: seedOf(newTestKey('x').key).toString('base64') });
    expect(r.code).toBe(0);
    const untrusted = await run('verify-feed.ts', [feed.url, '--platform', 'linux', '--arch', 'x64']);
    expect(untrusted.code).toBe(2);
    expect(untrusted.err).toContain('UPDATE_UNTRUSTED_KEY');
  });
});

describe.skipIf(skipKeyring)('release keys in the OS keychain', () => {
  const keyStore = createKeytarKeyStore({ service: `${TEST_SERVICE} release` });
  const name = `release-${randomUUID()}`;
  afterAll(async () => {
    await keyStore.delete(name);
  });

  it('--new-key stores the seed in the keychain only; signing reads it from there', async () => {
    assertKeyringWhenRequired();
    const created = await createReleaseKey(name, keyStore);
    await expect(createReleaseKey(name, keyStore)).rejects.toMatchObject({ code: 'UPDATE_SIGNING_KEY_MISSING' }); // never overwritten
    const [key] = await loadSigningKeys({ env: {}, keychainNames: [name], keyStore });
    writeRelease(dir, { version: '1.2.0' });
    const { signReleaseDir } = await import('../../main/updates/index');
    signReleaseDir(dir, [key!]);
    expect(verifyMetadataSignature('latest-linux.yml', readFileSync(join(dir, 'latest-linux.yml')), readFileSync(join(dir, 'latest-linux.yml.sig'), 'utf8'), [created.trusted]).keyId).toBe(created.keyId);
    await expect(loadSigningKeys({ env: {}, keychainNames: ['no-such-key'], keyStore })).rejects.toMatchObject({ code: 'UPDATE_SIGNING_KEY_MISSING' });
  });
});

describe('the repository', () => {
  it('holds no private key material', () => {
    const files = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => {
      if (/\.(pem|key|p12|pfx)$/i.test(f)) return true;
      if (!existsSync(join(ROOT, f)) || /\.(onnx|png|jpg|ply|las|laz|e57|bin|db)$/i.test(f)) return false;
      return /-----BEGIN (ENCRYPTED |EC |RSA |OPENSSH )?PRIVATE KEY-----/.test(readFileSync(join(ROOT, f), 'latin1').replace(/\/-----BEGIN/g, ''));
    });
    expect(offenders).toEqual([]);
  });
});
