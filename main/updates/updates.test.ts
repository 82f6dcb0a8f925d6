/**
 * Signed updates against a local HTTP feed (plain Node, no Electron): a good release is verified
 * and downloaded; a tampered byte, a missing .sig, an untrusted key, a signature made for another
 * channel file, a lower version on stable, a cut-off download and a file whose SHA-512 differs are
 * each refused with a named reason, and nothing is left on disk. The same verification runs inside
 * electron-updater through VerifiedProvider, built by electron-updater's own provider factory.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppUpdater } from 'electron-updater';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../shared/logger';
import { checkForUpdate, fetchVerifiedMetadata, inRollout, type FeedOptions } from './feed';
import { downloadUpdateFile } from './download';
import { nodeFetchBytes, nodeFetchStream } from './http';
import { VerifiedProvider, type VerifiedFeedOptions } from './provider';
import { signReleaseDir } from './release';
import { createUpdateService } from './service';
import { newTestKey, startTestFeed, writeRelease, type TestFeed } from './test-feed';
import { TRUSTED_RELEASE_KEYS } from './trusted-keys';
import { keyIdOf } from './signature';
import type { UpdateError } from './errors';

const releaseKey = newTestKey('release-2026');
const nextKey = newTestKey('release-2027');
const strangerKey = newTestKey('stranger');

let feed: TestFeed;
let downloads: string;
beforeEach(async () => {
  feed = await startTestFeed();
  downloads = mkdtempSync(join(tmpdir(), 'cw-downloads-'));
});
afterEach(async () => {
  await feed.close();
  rmSync(downloads, { recursive: true, force: true });
});

const options = (over: Partial<FeedOptions> = {}): FeedOptions => ({
  feedUrl: feed.url,
  channel: 'stable',
  platform: 'linux',
  arch: 'x64',
  trustedKeys: [releaseKey.trusted],
  fetchBytes: nodeFetchBytes,
  ...over,
});

/** The typed refusal of a promise (fails the test when it resolves). */
async function refusal(p: Promise<unknown>): Promise<UpdateError> {
  const outcome = await p.then(
    () => null,
    (e: unknown) => e as UpdateError,
  );
  if (!outcome) throw new Error('expected a refusal');
  return outcome;
}

function publish(version = '1.2.0', keys = [releaseKey.key], extra: { stagingPercentage?: number } = {}) {
  const release = writeRelease(feed.dir, { version });
  signReleaseDir(feed.dir, keys, extra);
  return release;
}

describe('verified update feed (stable, linux x64)', () => {
  it('verifies a signed release, then downloads the file and checks it against the signed SHA-512', async () => {
    const release = publish('1.2.0');
    const check = await checkForUpdate({ ...options(), installed: '1.1.0', installId: randomUUID() });
    expect(check.status).toBe('available');
    expect(check.update).toMatchObject({ version: '1.2.0', file: 'latest-linux.yml', keyName: 'release-2026', keyId: keyIdOf(Buffer.from(releaseKey.trusted.publicKey, 'base64')) });
    expect(check.update.files).toEqual([{ url: `${feed.url}/${release.installer}`, name: release.installer, sha512: release.sha512, size: release.bytes.length }]);
    const path = await downloadUpdateFile(check.update.files[0]!, downloads, nodeFetchStream);
    expect(readFileSync(path).equals(release.bytes)).toBe(true);
    // The signature was read before the metadata was believed, and the installer only after both.
    expect(feed.requests).toEqual(['latest-linux.yml', 'latest-linux.yml.sig', release.installer]);
  });

  it('refuses a tampered byte in latest-linux.yml (UPDATE_SIGNATURE_INVALID) and downloads nothing', async () => {
    publish('1.2.0');
    const file = join(feed.dir, 'latest-linux.yml');
    const bytes = readFileSync(file);
    const at = bytes.indexOf('1.2.0');
    bytes[at] = '9'.charCodeAt(0); // 9.2.0: "a newer version" that nobody signed
    writeFileSync(file, bytes);
    const error = await refusal(checkForUpdate({ ...options(), installed: '1.1.0', installId: randomUUID() }));
    expect(error.code).toBe('UPDATE_SIGNATURE_INVALID');
    expect(error.message).toContain('latest-linux.yml does not match its signature');
    expect(feed.requests).toEqual(['latest-linux.yml', 'latest-linux.yml.sig']);
  });

  it('refuses metadata without its .sig (UPDATE_UNSIGNED), naming the missing file', async () => {
    publish('1.2.0');
    unlinkSync(join(feed.dir, 'latest-linux.yml.sig'));
    const error = await refusal(fetchVerifiedMetadata(options()));
    expect(error.code).toBe('UPDATE_UNSIGNED');
    expect(error.message).toContain(`${feed.url}/latest-linux.yml.sig is missing`);
    expect(error.message).toContain('npm run release:sign');
  });

  it('refuses a signature by a key this build does not pin (UPDATE_UNTRUSTED_KEY)', async () => {
    publish('1.2.0', [strangerKey.key]);
    const error = await refusal(fetchVerifiedMetadata(options()));
    expect(error.code).toBe('UPDATE_UNTRUSTED_KEY');
    expect(error.message).toContain(keyIdOf(Buffer.from(strangerKey.trusted.publicKey, 'base64')));
  });

  it('refuses a .sig that is not a signature, and one made for another channel file', async () => {
    publish('1.2.0');
    writeFileSync(join(feed.dir, 'latest-linux.yml.sig'), 'hello');
    expect((await refusal(fetchVerifiedMetadata(options()))).code).toBe('UPDATE_SIGNATURE_INVALID');
    // A correctly signed pilot file served as the stable one.
    writeRelease(feed.dir, { version: '1.3.0-pilot.1', channelFile: 'pilot-linux.yml' });
    signReleaseDir(feed.dir, [releaseKey.key]);
    writeFileSync(join(feed.dir, 'latest-linux.yml'), readFileSync(join(feed.dir, 'pilot-linux.yml')));
    writeFileSync(join(feed.dir, 'latest-linux.yml.sig'), readFileSync(join(feed.dir, 'pilot-linux.yml.sig')));
    const error = await refusal(fetchVerifiedMetadata(options()));
    expect(error.code).toBe('UPDATE_CHANNEL_MISMATCH');
    expect(error.message).toContain('made for pilot-linux.yml');
  });

  it('refuses a pre-release signed into the stable channel file', async () => {
    publish('1.3.0-pilot.1');
    const error = await refusal(fetchVerifiedMetadata(options()));
    expect(error.code).toBe('UPDATE_CHANNEL_MISMATCH');
  });

  it('refuses a lower version on the stable channel (UPDATE_DOWNGRADE); on pilot it is "nothing newer"', async () => {
    publish('1.0.0');
    const error = await refusal(checkForUpdate({ ...options(), installed: '1.1.0', installId: randomUUID() }));
    expect(error.code).toBe('UPDATE_DOWNGRADE');
    expect(error.message).toContain('offers version 1.0.0, older than the installed 1.1.0, on the stable channel');
    expect(feed.requests.some((r) => r.endsWith('.AppImage'))).toBe(false);
    writeRelease(feed.dir, { version: '1.0.0', channelFile: 'pilot-linux.yml' });
    signReleaseDir(feed.dir, [releaseKey.key]);
    const pilot = await checkForUpdate({ ...options({ channel: 'pilot' }), installed: '1.1.0-pilot.2', installId: randomUUID() });
    expect(pilot).toMatchObject({ status: 'up-to-date', note: expect.stringContaining('older than this build') });
    // The same version is simply up to date.
    expect((await checkForUpdate({ ...options(), installed: '1.0.0', installId: randomUUID() })).status).toBe('up-to-date');
  });

  it('refuses a cut-off download (UPDATE_FILE_INCOMPLETE) and keeps nothing of it', async () => {
    const release = publish('1.2.0');
    feed.cutAfter.set(release.installer, 100_000);
    const { update } = await checkForUpdate({ ...options(), installed: '1.1.0', installId: randomUUID() });
    const error = await refusal(downloadUpdateFile(update.files[0]!, downloads, nodeFetchStream));
    expect(error.code).toBe('UPDATE_FILE_INCOMPLETE');
    expect(error.message).toContain(`(100000 of ${release.bytes.length} bytes)`);
    expect(readdirSync(downloads)).toEqual([]);
  });

  it('refuses a file whose SHA-512 differs from the signed metadata (UPDATE_FILE_HASH_MISMATCH) and deletes it', async () => {
    const release = publish('1.2.0');
    const swapped = Buffer.from(release.bytes);
    swapped[12345] = swapped[12345]! ^ 0xff; // same size, one byte different
    writeFileSync(join(feed.dir, release.installer), swapped);
    const { update } = await checkForUpdate({ ...options(), installed: '1.1.0', installId: randomUUID() });
    const error = await refusal(downloadUpdateFile(update.files[0]!, downloads, nodeFetchStream));
    expect(error.code).toBe('UPDATE_FILE_HASH_MISMATCH');
    expect(readdirSync(downloads)).toEqual([]);
    // A longer file is refused as soon as it passes the signed size.
    writeFileSync(join(feed.dir, release.installer), Buffer.concat([release.bytes, Buffer.alloc(10)]));
    expect((await refusal(downloadUpdateFile(update.files[0]!, downloads, nodeFetchStream))).code).toBe('UPDATE_FILE_HASH_MISMATCH');
    expect(readdirSync(downloads)).toEqual([]);
  });

  it('key rotation: a release signed with the old and the new key verifies on builds that pin either', async () => {
    publish('1.2.0', [releaseKey.key, nextKey.key]);
    expect((await fetchVerifiedMetadata(options({ trustedKeys: [releaseKey.trusted] }))).keyName).toBe('release-2026');
    expect((await fetchVerifiedMetadata(options({ trustedKeys: [nextKey.trusted] }))).keyName).toBe('release-2027');
    // After the rotation: signed with the new key only, old builds (pinning only the old key) refuse.
    publish('1.3.0', [nextKey.key]);
    expect((await fetchVerifiedMetadata(options({ trustedKeys: [releaseKey.trusted, nextKey.trusted] }))).version).toBe('1.3.0');
    expect((await refusal(fetchVerifiedMetadata(options({ trustedKeys: [releaseKey.trusted] })))).code).toBe('UPDATE_UNTRUSTED_KEY');
  });

  it('staged rollout: stagingPercentage set by release:sign is signed, and 0 stops everyone', async () => {
    publish('1.2.0', [releaseKey.key], { stagingPercentage: 0 });
    expect((await checkForUpdate({ ...options(), installed: '1.1.0', installId: randomUUID() })).status).toBe('not-in-rollout');
    signReleaseDir(feed.dir, [releaseKey.key], { stagingPercentage: 100 });
    const check = await checkForUpdate({ ...options(), installed: '1.1.0', installId: randomUUID() });
    expect(check).toMatchObject({ status: 'available', update: { stagingPercentage: 100 } });
  });

  it('decides rollout membership exactly as electron-updater does', async () => {
    const isStagingMatch = (AppUpdater.prototype as unknown as { isStagingMatch(info: { stagingPercentage?: number }): Promise<boolean> }).isStagingMatch;
    for (let i = 0; i < 200; i++) {
      const id = randomUUID();
      const pct = i % 101;
      const theirs = await isStagingMatch.call({ stagingUserIdPromise: { value: Promise.resolve(id) }, _logger: { info() {} } }, { stagingPercentage: pct });
      expect(inRollout(pct, id)).toBe(theirs);
    }
  });
});

describe('inside electron-updater (VerifiedProvider through its own custom-provider factory)', () => {
  const require = createRequire(import.meta.url);
  const { createClient } = require('electron-updater/out/providerFactory') as { createClient(data: unknown, updater: unknown, runtime: unknown): VerifiedProvider };
  const provider = (installed: string, onVerified?: (v: unknown) => void) => {
    const feedOptions: VerifiedFeedOptions = { provider: 'custom', updateProvider: VerifiedProvider, verified: { ...options(), installed, ...(onVerified ? { onVerified } : {}) } };
    // electron-updater passes its Electron HTTP executor; the verified provider never uses it.
    return createClient(feedOptions, null, { isUseMultipleRangeRequest: false, platform: 'linux', executor: null });
  };

  it('hands electron-updater only verified metadata, with the signed SHA-512 for its own download check', async () => {
    const release = publish('1.2.0');
    const seen: unknown[] = [];
    const p = provider('1.1.0', (v) => seen.push(v));
    expect(p).toBeInstanceOf(VerifiedProvider);
    const info = await p.getLatestVersion();
    expect(info.version).toBe('1.2.0');
    const files = p.resolveFiles(info);
    expect(files.map((f) => [f.url.toString(), f.info.sha512, f.info.size])).toEqual([[`${feed.url}/${release.installer}`, release.sha512, release.bytes.length]]);
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['unsigned', () => unlinkSync(join(feed.dir, 'latest-linux.yml.sig')), 'UPDATE_UNSIGNED'],
    ['wrong key', () => signReleaseDir(feed.dir, [strangerKey.key]), 'UPDATE_UNTRUSTED_KEY'],
    ['tampered', () => writeFileSync(join(feed.dir, 'latest-linux.yml'), readFileSync(join(feed.dir, 'latest-linux.yml'), 'utf8').replace('2026-05-01', '2026-05-02')), 'UPDATE_SIGNATURE_INVALID'],
  ])('refuses %s metadata before electron-updater sees it', async (_name, spoil, code) => {
    publish('1.2.0');
    spoil();
    expect((await refusal(provider('1.1.0').getLatestVersion())).code).toBe(code);
  });

  it('refuses a downgrade on stable (electron-updater alone would quietly skip it)', async () => {
    publish('1.0.0');
    expect((await refusal(provider('1.1.0').getLatestVersion())).code).toBe('UPDATE_DOWNGRADE');
  });
});

describe('update service (what the System screen shows)', () => {
  it('checks without installing where there is no desktop driver, shows the refusal in words, and keeps the channel', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cw-updates-'));
    try {
      const make = () =>
        createUpdateService({ dataDir, installed: '1.1.0', platform: 'linux', arch: 'x64', feedUrl: feed.url, trustedKeys: [releaseKey.trusted], fetchBytes: nodeFetchBytes, logger: createMemoryLogger(), noDriverReason: 'The browser host does not install updates.' });
      const service = make();
      publish('1.2.0');
      const [a, b] = await Promise.all([service.check(), service.check()]); // a double click: one check
      expect(a).toBe(b);
      expect(a).toMatchObject({ installs: false, state: 'available', offered: '1.2.0', signedBy: expect.stringContaining('release-2026'), error: null });
      expect(feed.requests.filter((r) => r === 'latest-linux.yml')).toHaveLength(1);
      unlinkSync(join(feed.dir, 'latest-linux.yml.sig'));
      expect(await service.check()).toMatchObject({ state: 'refused', offered: null, error: { code: 'UPDATE_UNSIGNED', message: expect.stringContaining('is not signed') } });
      await expect(service.install()).rejects.toMatchObject({ code: 'UPDATE_NOT_SUPPORTED' });
      service.setChannel('pilot');
      expect(make().status().channel).toBe('pilot'); // kept in updates.json
      expect(existsSync(join(dataDir, 'updates.json'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('pinned release keys', () => {
  it('are valid Ed25519 public keys with distinct ids', () => {
    expect(TRUSTED_RELEASE_KEYS.length).toBeGreaterThan(0);
    const ids = TRUSTED_RELEASE_KEYS.map((k) => {
      const raw = Buffer.from(k.publicKey, 'base64');
      expect(raw).toHaveLength(32);
      return keyIdOf(raw);
    });
    expect(new Set(ids).size).toBe(ids.length);
  });
});
