/**
 * The LAN receiver end to end, over real HTTPS on 127.0.0.1, with the reference tablet client
 * (tools/tablet-sim) doing what a tablet does. No mocks: real certificate, real tus server and
 * client, real files. Nothing here talks to any address but loopback; DNS-SD stays off.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request, type Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FingerprintMismatchError, HttpStatusError, PinnedAgent, pair, uploadFile, type Profile } from '../../tools/tablet-sim/client';
import { createLanReceiver, sweepReceiverUploads, type LanReceiver, type LanReceiverOptions, type UploadCompleteEvent, type UploadRejectedEvent } from './index';
import { createMemoryKeyStore, createMemoryLogger, snapshotTree, startRelay, waitFor, waitForAsync } from './test-helpers';

const repoRoot = join(import.meta.dirname, '..', '..');
const SAMPLE = join(repoRoot, '..', 'shared', 'samples', 'scans', 'ply', 'dardavesis__560_db.ply');
const MRN = 'MRN-4471-ZQ';

let sample: Buffer;
let sampleSha: string;
let root: string;

beforeAll(async () => {
  sample = await readFile(SAMPLE);
  sampleSha = createHash('sha256').update(sample).digest('hex');
  root = await mkdtemp(join(tmpdir(), 'cw-lan-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Harness {
  receiver: LanReceiver;
  dataDir: string;
  completed: UploadCompleteEvent[];
  rejected: UploadRejectedEvent[];
  logger: ReturnType<typeof createMemoryLogger>;
  keyStore: ReturnType<typeof createMemoryKeyStore>;
  nextCompletion(): Promise<UploadCompleteEvent>;
}

const running: LanReceiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.dispose()));
});

async function startHarness(name: string, extra: Partial<LanReceiverOptions> = {}): Promise<Harness> {
  const parent = join(root, name);
  const dataDir = join(parent, 'lan');
  await mkdir(parent, { recursive: true });
  const completed: UploadCompleteEvent[] = [];
  const rejected: UploadRejectedEvent[] = [];
  const waiters: ((e: UploadCompleteEvent) => void)[] = [];
  const logger = createMemoryLogger();
  const keyStore = extra.keyStore ? (extra.keyStore as ReturnType<typeof createMemoryKeyStore>) : createMemoryKeyStore();
  const receiver = createLanReceiver({
    dataDir,
    keyStore,
    logger,
    host: '127.0.0.1',
    port: 0,
    onUploadComplete: (e) => {
      completed.push(e);
      waiters.shift()?.(e);
    },
    ...extra,
  });
  receiver.onDidRejectUpload((e) => rejected.push(e));
  running.push(receiver);
  await receiver.start();
  return {
    receiver,
    dataDir,
    completed,
    rejected,
    logger,
    keyStore,
    nextCompletion: () => new Promise((resolve) => waiters.push(resolve)),
  };
}

async function pairTablet(h: Harness, deviceName = 'Tablet 1'): Promise<Profile> {
  const offer = await h.receiver.createPairingOffer();
  return pair(offer.payload, { deviceName, app: 'tablet-sim 1' });
}

/** A raw HTTPS request through a pinned agent, for the refusals the tus client would not make. */
function raw(profile: Pick<Profile, 'host' | 'port' | 'fingerprint'>, method: string, path: string, headers: Record<string, string> = {}, body?: string, agent?: Agent): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const a = agent ?? new PinnedAgent(profile.fingerprint, { keepAlive: false });
  return new Promise((resolve, reject) => {
    const req = request({ host: profile.host, port: profile.port, method, path, agent: a, headers: { 'tus-resumable': '1.0.0', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const tusMetadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');

describe('LAN receiver: pairing and upload', () => {
  it('pairs a simulated tablet, receives the sample scan byte-identical and hands it to the importer', async () => {
    const h = await startHarness('happy');
    const state = h.receiver.state();
    expect(state.running).toBe(true);
    expect(state.addresses).toEqual(['127.0.0.1']);
    expect(state.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    const offer = await h.receiver.createPairingOffer();
    expect(offer.payload).toMatchObject({ v: 1, host: '127.0.0.1', port: state.port, fingerprint: state.fingerprint });
    expect(offer.payload.code).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
    expect(new Date(offer.payload.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(offer.qrSvg.startsWith('<svg')).toBe(true);
    expect(h.receiver.state().pairingOffer).toEqual({ expiresAt: offer.payload.expiresAt });

    // The tablet scans the QR code: JSON in, pinned connection out.
    const profile = await pair(JSON.stringify(offer.payload), { deviceName: 'Tablet 1', app: 'CoherencyScan 2.3' });
    expect(profile.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(h.receiver.state().pairingOffer).toBeNull();
    expect(h.receiver.state().pairedDevices).toEqual([expect.objectContaining({ id: profile.deviceId, name: 'Tablet 1', app: 'CoherencyScan 2.3' })]);
    // Only the hash of the token is kept.
    const devicesFile = await readFile(join(h.dataDir, 'devices.json'), 'utf8');
    expect(devicesFile).not.toContain(profile.token);
    expect(devicesFile).toContain(createHash('sha256').update(profile.token).digest('hex'));
    // The TLS key is in the keychain, not on disk.
    expect(h.keyStore.entries.has('lan-tls-key')).toBe(true);
    expect(await readdir(join(h.dataDir, 'tls'))).toEqual(['cert.pem']);

    const completion = h.nextCompletion();
    const captureTime = '2026-03-04T10:15:00.000+01:00';
    const result = await uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: MRN, woundId: 'W-2', captureTime, device: 'iPad Pro (LiDAR)', app: 'CoherencyScan 2.3' } });
    expect(result).toMatchObject({ size: sample.length, resumedFrom: 0, bytesSent: sample.length });
    const done = await completion;

    expect(done.deviceId).toBe(profile.deviceId);
    expect(done.sha256).toBe(sampleSha);
    expect(done.size).toBe(sample.length);
    expect(done.bytesReceived).toBe(sample.length);
    expect(done.redelivered).toBe(false);
    expect(done.unassigned).toBeUndefined();
    expect(done.metadata).toEqual({ patientMrn: MRN, woundId: 'W-2', captureTime, device: 'iPad Pro (LiDAR)', app: 'CoherencyScan 2.3', filename: 'dardavesis__560_db.ply', sha256: sampleSha });
    expect(done.filePath.startsWith(join(h.dataDir, 'received'))).toBe(true);
    expect(done.filePath).toMatch(/[0-9a-f]{32}\.ply$/);
    expect((await readFile(done.filePath)).equals(sample)).toBe(true);
    expect(h.receiver.state().uploadsInFlight).toEqual([]);

    // Patient data never reaches the log.
    expect(h.logger.lines.some((l) => l.message === 'lan.upload.received')).toBe(true);
    expect(h.logger.text()).not.toContain(MRN);
    expect(h.logger.text()).not.toContain(profile.token);

    // The importer acknowledges: the file and its sidecar go.
    await h.receiver.acknowledge(done.uploadId);
    expect(await readdir(join(h.dataDir, 'received'))).toEqual([]);
  });

  it('flags a patient the importer does not know as unassigned', async () => {
    const h = await startHarness('unassigned', { isKnownPatient: async (ref) => ref.patientMrn === 'KNOWN-1' });
    const profile = await pairTablet(h);
    const first = h.nextCompletion();
    await uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: 'KNOWN-1' } });
    expect((await first).unassigned).toBe(false);
    const second = h.nextCompletion();
    await uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { worklistId: 'WL-9' } });
    const e = await second;
    expect(e.unassigned).toBe(true);
    expect(e.metadata.worklistId).toBe('WL-9');
  });

  it('resumes an upload whose tablet was killed at ~50% without re-sending the finished part (CLI, URL storage on disk)', async () => {
    const h = await startHarness('resume');
    const state = h.receiver.state();
    const chunkSize = 128 * 1024;
    // The tablet reaches the workstation through a relay that stalls after about half the file.
    const relay = await startRelay(state.port!, { stallAfter: Math.floor(sample.length / 2) });
    const tabletDir = await mkdtemp(join(tmpdir(), 'cw-tablet-'));
    const profilePath = join(tabletDir, 'profile.json');
    const cli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools', 'tablet-sim', 'cli.ts'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const run = async (args: string[]) => {
      const child = cli(args);
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      return { code, out, err };
    };
    const args = ['upload', SAMPLE, '--mrn', MRN, '--wound', 'W-7', '--profile', profilePath, '--chunk-size', String(chunkSize)];
    try {
      // Pair with the CLI from the QR payload (pointed at the relay); it writes the profile.
      const offer = await h.receiver.createPairingOffer();
      const paired = await run(['pair', '--qr', JSON.stringify({ ...offer.payload, port: relay.port }), '--name', 'Tablet 1', '--profile', profilePath]);
      expect(paired.code, paired.err).toBe(0);
      const profile = JSON.parse(await readFile(profilePath, 'utf8')) as Profile;
      expect(JSON.parse(paired.out)).toMatchObject({ deviceId: profile.deviceId, token: profile.token });
      expect(profile).toMatchObject({ host: '127.0.0.1', port: relay.port, fingerprint: state.fingerprint });
      expect((await stat(profilePath)).mode & 0o777).toBe(0o600);
      expect(h.receiver.state().pairedDevices).toEqual([expect.objectContaining({ id: profile.deviceId, name: 'Tablet 1' })]);

      const first = cli(args);
      const firstExit = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
      await relay.stalled;
      const partial = await waitFor(() => h.receiver.state().uploadsInFlight.find((u) => u.bytesReceived > 0), 10_000, 'bytes at the receiver');
      expect(partial.size).toBe(sample.length);
      first.kill('SIGKILL');
      await firstExit;
      // The receiver keeps what arrived before the cut.
      const kept = await waitFor(() => {
        const u = h.receiver.state().uploadsInFlight[0];
        return u && u.bytesReceived > sample.length * 0.3 ? u : undefined;
      }, 10_000, 'partial upload kept');
      expect(kept.bytesReceived).toBeLessThan(sample.length);
      const wireBeforeResume = relay.clientToServerBytes();

      // The stalled connection is half-open at the receiver (as when a tablet leaves Wi-Fi range);
      // the resuming request takes over its lock after tus' lock-drain timeout (3 s).
      relay.passThrough();
      const completion = h.nextCompletion();
      const { code, out, err } = await run(args);
      expect(code, err).toBe(0);
      const result = JSON.parse(out.trim()) as { resumedFrom: number; bytesSent: number; size: number };
      expect(err).toContain('resumed from byte');
      expect(result.resumedFrom).toBeGreaterThan(sample.length * 0.3);
      expect(result.resumedFrom + result.bytesSent).toBe(sample.length);

      const done = await completion;
      expect((await readFile(done.filePath)).equals(sample)).toBe(true);
      // Upload body bytes the server received over both runs: the file, plus at most one chunk.
      expect(done.bytesReceived).toBeGreaterThanOrEqual(sample.length);
      expect(done.bytesReceived).toBeLessThanOrEqual(sample.length + chunkSize);
      // And on the wire (TLS records, HTTP headers and handshakes included) nothing like a second copy.
      expect(relay.clientToServerBytes()).toBeLessThan(sample.length + chunkSize + 64 * 1024);
      expect(relay.clientToServerBytes() - wireBeforeResume).toBeLessThan(sample.length - result.resumedFrom + 64 * 1024);
      // The tablet forgot the finished upload.
      expect(JSON.parse(await readFile(join(tabletDir, 'uploads.json'), 'utf8'))).toEqual({});
    } finally {
      await relay.close();
      await rm(tabletDir, { recursive: true, force: true });
    }
  }, 120_000); // a spawned CLI tablet, killed and resumed: slow on a loaded machine

  it('resumes in-process after an abort mid-way (tus-js-client with a URL storage file)', async () => {
    const h = await startHarness('abort');
    const profile = await pairTablet(h);
    const tabletDir = await mkdtemp(join(tmpdir(), 'cw-tablet-'));
    const urlStoragePath = join(tabletDir, 'uploads.json');
    const chunkSize = 64 * 1024;
    try {
      const ac = new AbortController();
      await expect(
        uploadFile(SAMPLE, {
          server: profile,
          token: profile.token,
          metadata: { patientMrn: MRN },
          chunkSize,
          urlStoragePath,
          signal: ac.signal,
          onProgress: (sent, total) => {
            if (sent >= total / 2) ac.abort(new Error('cut'));
          },
        }),
      ).rejects.toThrow('cut');
      const completion = h.nextCompletion();
      const result = await uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: MRN }, chunkSize, urlStoragePath });
      expect(result.resumedFrom).toBeGreaterThan(0);
      expect(result.resumedFrom + result.bytesSent).toBe(sample.length);
      const done = await completion;
      expect(done.bytesReceived).toBeLessThanOrEqual(sample.length + chunkSize);
      expect((await readFile(done.filePath)).equals(sample)).toBe(true);
    } finally {
      await rm(tabletDir, { recursive: true, force: true });
    }
  });
});

describe('LAN receiver: refusals', () => {
  it('refuses uploads without a token, with an unknown token and with a revoked token (401)', async () => {
    const h = await startHarness('auth');
    const profile = await pairTablet(h);
    const create = { 'upload-length': String(sample.length), 'upload-metadata': tusMetadata({ patientMrn: MRN, captureTime: new Date().toISOString(), device: 'd', app: 'a', filename: 'x.ply', sha256: sampleSha }) };

    const none = await raw(profile, 'POST', '/files/', create);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toEqual({ error: 'missing_token' });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);

    const unknown = await raw(profile, 'POST', '/files/', { ...create, authorization: `Bearer ${'A'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.body)).toEqual({ error: 'unknown_token' });

    await h.receiver.revokeDevice(profile.deviceId);
    expect(h.receiver.state().pairedDevices).toEqual([]);
    expect((await h.receiver.listDevices())[0]?.revokedAt).toBeTruthy();
    const revoked = uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: MRN }, retryDelays: null });
    await expect(revoked).rejects.toBeInstanceOf(HttpStatusError);
    await expect(revoked).rejects.toMatchObject({ status: 401, error: expect.stringContaining('device_revoked') });
    expect(h.completed).toEqual([]);
  });

  it('cuts off a revoked device in the middle of an upload', async () => {
    const h = await startHarness('revoke-live');
    const profile = await pairTablet(h);
    const big = join(root, 'revoke-live', 'big.bin');
    await writeFile(big, Buffer.alloc(48 * 1024 * 1024, 1));
    let revoking: Promise<void> | null = null;
    const upload = uploadFile(big, {
      server: profile,
      token: profile.token,
      metadata: { patientMrn: MRN },
      retryDelays: null,
      // A quarter of the body is on its way: the request was authenticated long ago.
      onProgress: (sent, total) => void (sent > total / 4 && (revoking ??= h.receiver.revokeDevice(profile.deviceId))),
    });
    const err = await upload.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(HttpStatusError); // the connection was cut, not answered
    await revoking;
    expect(h.completed).toEqual([]);
    const resumed = uploadFile(big, { server: profile, token: profile.token, metadata: { patientMrn: MRN }, retryDelays: null });
    await expect(resumed).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a wrong pairing code (403), an expired one (410) and spends a code once', async () => {
    let now = Date.now();
    const h = await startHarness('codes', { pairing: { ttlMs: 60_000, now: () => now } });
    const offer = await h.receiver.createPairingOffer();
    const wrong = { ...offer.payload, code: offer.payload.code === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA' };
    await expect(pair(wrong, { deviceName: 'T' })).rejects.toMatchObject({ status: 403, error: 'invalid_code' });

    now += 61_000;
    await expect(pair(offer.payload, { deviceName: 'T' })).rejects.toMatchObject({ status: 410, error: 'code_expired' });
    expect(h.receiver.state().pairingOffer).toBeNull();

    const fresh = await h.receiver.createPairingOffer();
    // Lower case and a dash, as people type it off a screen.
    const typed = `${fresh.payload.code.slice(0, 4).toLowerCase()}-${fresh.payload.code.slice(4)}`;
    await pair({ ...fresh.payload, code: typed }, { deviceName: 'T' });
    await expect(pair(fresh.payload, { deviceName: 'T2' })).rejects.toMatchObject({ status: 403 });
    expect(h.receiver.state().pairedDevices).toHaveLength(1);

    const bad = await raw(fresh.payload, 'POST', '/pair', { 'content-type': 'application/json' }, JSON.stringify({ code: 'X', deviceName: '', app: 'a' }));
    expect(bad.status).toBe(400);
  });

  it('rate-limits wrong codes per remote address (429) and invalidates a code after N wrong tries', async () => {
    const h = await startHarness('ratelimit', { pairing: { maxWrongPerAddress: 5, maxWrongPerCode: 8 } });
    const offer = await h.receiver.createPairingOffer();
    const wrong = { ...offer.payload, code: offer.payload.code === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA' };
    for (let i = 0; i < 5; i++) await expect(pair(wrong, { deviceName: 'T' })).rejects.toMatchObject({ status: 403 });
    await expect(pair(wrong, { deviceName: 'T' })).rejects.toMatchObject({ status: 429, error: 'rate_limited' });
    // Even the right code is refused from that address until the minute is over …
    await expect(pair(offer.payload, { deviceName: 'T' })).rejects.toMatchObject({ status: 429 });
    const limited = await raw(offer.payload, 'POST', '/pair', { 'content-type': 'application/json' }, JSON.stringify({ code: wrong.code, deviceName: 'T', app: 'a' }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    // … another (loopback) address is not limited, but three more wrong tries from it use up the code.
    const other = new PinnedAgent(offer.payload.fingerprint, { keepAlive: false, localAddress: '127.0.0.2' });
    for (let i = 0; i < 3; i++) await expect(pair(wrong, { deviceName: 'T', agent: other })).rejects.toMatchObject({ status: 403 });
    await expect(pair(offer.payload, { deviceName: 'T', agent: other })).rejects.toMatchObject({ status: 403, error: 'invalid_code' });
    expect(h.receiver.state().pairedDevices).toEqual([]);
    expect(h.logger.text()).not.toContain(offer.payload.code);
  });

  it('a tablet pinning another fingerprint refuses to connect, and the receiver sees no request', async () => {
    const h = await startHarness('pin');
    const offer = await h.receiver.createPairingOffer();
    const fp = offer.payload.fingerprint;
    const other = `${fp.slice(0, -2)}${fp.endsWith('00') ? '01' : '00'}`;
    const err = await pair({ ...offer.payload, fingerprint: other }, { deviceName: 'T' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FingerprintMismatchError);
    expect(err).toMatchObject({ expected: other, actual: fp });
    expect(h.logger.lines.filter((l) => l.message.startsWith('lan.pair.') && l.message !== 'lan.pair.offered')).toEqual([]);
    // The code was neither spent nor counted as a wrong try: the real tablet still pairs with it.
    await expect(pair(offer.payload, { deviceName: 'T' })).resolves.toMatchObject({ deviceId: expect.any(String) });

    const profile = { ...(await pairTablet(h)), fingerprint: other };
    await expect(uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: MRN }, retryDelays: null })).rejects.toBeInstanceOf(FingerprintMismatchError);
    expect(h.receiver.state().uploadsInFlight).toEqual([]);
  });

  it('refuses an oversize upload (413), path-like file names and bad metadata (400), and discards a checksum mismatch (460)', async () => {
    const h = await startHarness('limits', { maxUploadBytes: 1024 * 1024 });
    const profile = await pairTablet(h);
    const opts = { server: profile, token: profile.token, retryDelays: null };
    await expect(uploadFile(SAMPLE, { ...opts, metadata: { patientMrn: MRN } })).rejects.toMatchObject({ status: 413 });

    const small = join(root, 'limits', 'small.ply');
    await writeFile(small, sample.subarray(0, 200_000));
    for (const filename of ['../evil.ply', '../../etc/passwd', 'a/b.ply', 'a\\b.ply', 'C:evil.ply', '..', 'x\u0000y.ply']) {
      await expect(uploadFile(small, { ...opts, metadata: { patientMrn: MRN, filename } }), filename).rejects.toMatchObject({ status: 400, error: expect.stringContaining('filename') });
    }
    await expect(uploadFile(small, { ...opts, metadata: { woundId: 'W-1' } })).rejects.toMatchObject({ status: 400, error: expect.stringContaining('patientMrn or worklistId') });
    await expect(uploadFile(small, { ...opts, metadata: { patientMrn: MRN, captureTime: 'yesterday' } })).rejects.toMatchObject({ status: 400, error: expect.stringContaining('captureTime') });
    const refused = h.logger.lines.filter((l) => l.message === 'lan.upload.refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(h.logger.text()).not.toContain(MRN);

    // The wrong SHA-256: the whole file arrives, fails verification, and is thrown away.
    await expect(uploadFile(small, { ...opts, metadata: { patientMrn: MRN, sha256: 'ab'.repeat(32) } })).rejects.toMatchObject({ status: 460 });
    expect(h.rejected).toEqual([{ uploadId: expect.stringMatching(/^[0-9a-f]{32}$/), deviceId: profile.deviceId, reason: 'checksum_mismatch' }]);
    expect(await readdir(join(h.dataDir, 'uploads'))).toEqual([]);
    expect(h.completed).toEqual([]);
  });

  it('keeps each device to its own uploads and never serves upload ids that are not its own or not ids', async () => {
    const h = await startHarness('ownership');
    const a = await pairTablet(h, 'A');
    const b = await pairTablet(h, 'B');
    const created = await raw(a, 'POST', '/files/', {
      authorization: `Bearer ${a.token}`,
      'upload-length': String(sample.length),
      'upload-metadata': tusMetadata({ patientMrn: MRN, captureTime: new Date().toISOString(), device: 'd', app: 'a', filename: 'x.ply', sha256: sampleSha }),
    });
    expect(created.status).toBe(201);
    const location = String(created.headers.location);
    expect(location).toMatch(/^\/files\/[0-9a-f]{32}$/);
    expect((await raw(a, 'HEAD', location, { authorization: `Bearer ${a.token}` })).status).toBe(200);
    expect((await raw(b, 'HEAD', location, { authorization: `Bearer ${b.token}` })).status).toBe(404);
    expect((await raw(b, 'PATCH', location, { authorization: `Bearer ${b.token}`, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, 'x')).status).toBe(404);
    expect((await raw(a, 'GET', location, { authorization: `Bearer ${a.token}` })).status).toBe(405);
    for (const path of ['/files/..%2F..%2Fdevices.json', '/files/../devices.json', '/files/%2e%2e', '/files/abc']) {
      expect((await raw(a, 'HEAD', path, { authorization: `Bearer ${a.token}` })).status, path).toBe(404);
    }
    expect(h.receiver.state().uploadsInFlight).toEqual([expect.objectContaining({ deviceId: a.deviceId, deviceName: 'A', bytesReceived: 0, size: sample.length })]);
    expect((await raw(a, 'DELETE', location, { authorization: `Bearer ${a.token}` })).status).toBe(204);
    expect(h.receiver.state().uploadsInFlight).toEqual([]);
  });

  it('writes nothing outside its data dir, whatever the tablets send', async () => {
    const h = await startHarness('confined', { maxUploadBytes: 1024 * 1024 });
    const parent = join(root, 'confined');
    await mkdir(join(parent, 'sibling'));
    await writeFile(join(parent, 'sibling', 'keep.txt'), 'keep');
    await copyFile(SAMPLE, join(root, 'confined-sample.ply'));
    const before = await snapshotTree(parent);
    const rootBefore = await readdir(root);

    const profile = await pairTablet(h);
    const opts = { server: profile, token: profile.token, retryDelays: null };
    const small = join(root, 'confined-small.ply');
    await writeFile(small, sample.subarray(0, 100_000));
    for (const filename of ['../../escaped.ply', '../sibling/keep.txt', '/tmp/abs.ply', '..\\..\\win.ply']) {
      await expect(uploadFile(small, { ...opts, metadata: { patientMrn: MRN, filename } })).rejects.toMatchObject({ status: 400 });
    }
    await raw(profile, 'PATCH', '/files/..%2F..%2Fescaped', { authorization: `Bearer ${profile.token}`, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, 'evil');
    await expect(uploadFile(SAMPLE, { ...opts, metadata: { patientMrn: MRN } })).rejects.toMatchObject({ status: 413 });
    const completion = h.nextCompletion();
    await uploadFile(small, { ...opts, metadata: { patientMrn: MRN, filename: 'fine.ply' } });
    const done = await completion;

    const after = await snapshotTree(parent);
    const outside = (xs: string[]) => xs.filter((p) => !p.startsWith('lan/'));
    expect(outside(after)).toEqual(outside(before));
    expect(await readdir(root)).toEqual([...rootBefore, 'confined-small.ply'].sort());
    // Inside: only the expected layout, generated names only.
    for (const p of after.filter((x) => x.startsWith('lan/'))) {
      expect(p).toMatch(/^lan\/(|tls\/|tls\/cert\.pem \d+|devices\.json \d+|uploads\/|received\/|received\/[0-9a-f]{32}(\.ply|\.json) \d+)$/);
    }
    expect(done.filePath).toBe(join(h.dataDir, 'received', `${done.uploadId}.ply`));
  });
});

/** Files under `dir` whose bytes hold any of `needles` (what `grep -a -r` would find). */
async function filesHolding(dir: string, needles: Buffer[]): Promise<string[]> {
  const hits: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        // A file the sweep removes between the listing and the read holds nothing any more.
        const bytes = await readFile(p).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return null;
          throw e;
        });
        if (bytes && needles.some((n) => bytes.includes(n))) hits.push(p);
      }
    }
  }
  await walk(dir);
  return hits;
}

describe('LAN receiver: no plaintext of an unfinished upload survives', () => {
  let needles: Buffer[];
  beforeAll(() => {
    // The MRN as sent (base64 in Upload-Metadata) and as tus keeps it, and a piece of the scan from its first quarter.
    needles = [Buffer.from(MRN), Buffer.from(b64(MRN)), sample.subarray(Math.floor(sample.length / 4), Math.floor(sample.length / 4) + 64)];
  });

  /** Uploads the sample until about half has arrived, then cuts the connection (as a tablet leaving Wi-Fi). */
  async function cutUpload(h: Harness, profile: Profile): Promise<void> {
    const ac = new AbortController();
    await expect(
      uploadFile(SAMPLE, {
        server: profile,
        token: profile.token,
        metadata: { patientMrn: MRN },
        chunkSize: 64 * 1024,
        retryDelays: null,
        signal: ac.signal,
        onProgress: (sent, total) => {
          if (sent >= total / 2) ac.abort(new Error('cut'));
        },
      }),
    ).rejects.toThrow('cut');
    await waitFor(() => h.receiver.state().uploadsInFlight.find((u) => u.bytesReceived > sample.length / 3), 10_000, 'the first half at the receiver');
    // Positive control: the plaintext IS on disk while the upload is live, owner-only.
    await waitForAsync(async () => (await filesHolding(h.dataDir, needles)).length >= 2, 10_000, 'partial file and its metadata on disk');
    const uploads = join(h.dataDir, 'uploads');
    expect((await stat(uploads)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(uploads)) expect((await stat(join(uploads, name))).mode & 0o777, name).toBe(0o600);
  }

  it('stop removes it', async () => {
    const h = await startHarness('plain-stop');
    await cutUpload(h, await pairTablet(h));
    await h.receiver.stop();
    expect(await filesHolding(h.dataDir, needles)).toEqual([]);
    expect(await readdir(join(h.dataDir, 'uploads'))).toEqual([]);
  });

  it('revoking the tablet removes its unfinished uploads (and leaves another tablet’s)', async () => {
    const h = await startHarness('plain-revoke');
    const a = await pairTablet(h, 'A');
    const b = await pairTablet(h, 'B');
    await cutUpload(h, a);
    const other = await raw(b, 'POST', '/files/', {
      authorization: `Bearer ${b.token}`,
      'upload-length': '1000',
      'upload-metadata': tusMetadata({ patientMrn: 'MRN-OTHER', captureTime: new Date().toISOString(), device: 'd', app: 'a', filename: 'x.ply', sha256: sampleSha }),
    });
    expect(other.status).toBe(201);
    await h.receiver.revokeDevice(a.deviceId);
    expect(await filesHolding(h.dataDir, needles)).toEqual([]);
    expect(await readdir(join(h.dataDir, 'uploads'))).toEqual([String(other.headers.location).split('/').pop(), `${String(other.headers.location).split('/').pop()}.json`].sort());
    expect(h.receiver.state().uploadsInFlight.map((u) => u.deviceId)).toEqual([b.deviceId]);
  });

  it('an upload idle past the limit is removed while the receiver runs; the tablet then starts again', async () => {
    const h = await startHarness('plain-idle', { unfinishedUploadIdleMs: 1500 });
    const profile = await pairTablet(h);
    await cutUpload(h, profile);
    // The files go first, then the discard is logged (after its last await): wait for both.
    const discarded = () => h.logger.lines.some((l) => l.message === 'lan.upload.discarded' && l.fields['reason'] === 'idle');
    await waitForAsync(async () => discarded() && (await filesHolding(h.dataDir, needles)).length === 0, 10_000, 'the idle upload removed');
    expect(h.receiver.state().uploadsInFlight).toEqual([]);
    const completion = h.nextCompletion();
    await uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: MRN } });
    expect((await readFile((await completion).filePath)).equals(sample)).toBe(true);
  });

  it('a receiver that was killed (never stopped) leaves nothing once started again, or once the workstation sweeps it', async () => {
    const h = await startHarness('plain-kill');
    await cutUpload(h, await pairTablet(h));
    // kill -9: nothing ran. What is on disk is what the next process finds.
    const keep = join(root, 'plain-kill-copy');
    await rm(keep, { recursive: true, force: true });
    await cp(h.dataDir, keep, { recursive: true });
    await h.receiver.dispose();
    await rm(h.dataDir, { recursive: true, force: true });
    await cp(keep, h.dataDir, { recursive: true });
    expect((await filesHolding(h.dataDir, needles)).length).toBeGreaterThan(0);
    const again = createLanReceiver({ dataDir: h.dataDir, keyStore: h.keyStore, logger: createMemoryLogger(), host: '127.0.0.1', port: 0, onUploadComplete: () => undefined });
    running.push(again);
    await again.start();
    expect(await filesHolding(h.dataDir, needles)).toEqual([]);
    await again.stop();

    // The workstation's own sweep at start, for a receiver nobody starts.
    expect((await filesHolding(keep, needles)).length).toBeGreaterThan(0);
    expect(await sweepReceiverUploads(keep)).toBe(1);
    expect(await filesHolding(keep, needles)).toEqual([]);
    await rm(keep, { recursive: true, force: true });
  });

  it('refuses an empty (0-byte) upload up front: nothing is created, nothing is delivered', async () => {
    const h = await startHarness('empty');
    const profile = await pairTablet(h);
    const empty = join(root, 'empty', 'empty.ply');
    await writeFile(empty, Buffer.alloc(0));
    for (let i = 0; i < 3; i++) {
      await expect(uploadFile(empty, { server: profile, token: profile.token, metadata: { patientMrn: MRN }, retryDelays: null })).rejects.toMatchObject({ status: 400, error: expect.stringContaining('empty_upload') });
    }
    for (const length of ['0', '00', ' 0']) {
      const res = await raw(profile, 'POST', '/files/', { authorization: `Bearer ${profile.token}`, 'upload-length': length, 'upload-metadata': tusMetadata({ patientMrn: MRN, captureTime: new Date().toISOString(), device: 'd', app: 'a', filename: 'x.ply', sha256: createHash('sha256').update('').digest('hex') }) });
      expect(res.status, length).toBe(400);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(h.completed).toEqual([]);
    expect(await readdir(join(h.dataDir, 'uploads'))).toEqual([]);
  });
});

describe('LAN receiver: lifecycle', () => {
  it('keeps its certificate, devices and unacknowledged files across restarts', async () => {
    const keyStore = createMemoryKeyStore();
    const dataDir = join(root, 'restart', 'lan');
    const completed: UploadCompleteEvent[] = [];
    const make = (ks = keyStore, onUploadComplete: LanReceiverOptions['onUploadComplete'] = (e) => void completed.push(e)) => {
      const r = createLanReceiver({ dataDir, keyStore: ks, logger: createMemoryLogger(), host: '127.0.0.1', port: 0, onUploadComplete });
      running.push(r);
      return r;
    };
    const states: boolean[] = [];
    const first = make();
    first.onDidChangeState((s) => states.push(s.running));
    const s1 = await first.start();
    await expect(first.start()).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    const offer = await first.createPairingOffer();
    const profile = await pair(offer.payload, { deviceName: 'Tablet 1' });
    await first.renameDevice(profile.deviceId, 'Bay 3 tablet');
    await expect(first.renameDevice('nope', 'x')).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: MRN } });
    await waitFor(() => completed.length === 1, 10_000, 'first delivery');
    await first.stop();
    expect(first.state()).toMatchObject({ running: false, port: null, addresses: [] });
    await expect(first.createPairingOffer()).rejects.toMatchObject({ code: 'NOT_RUNNING' });
    expect(states[0]).toBe(true);
    expect(states.at(-1)).toBe(false);

    // Same keychain: same certificate, same devices, and the file nobody acknowledged is offered again.
    const second = make();
    const s2 = await second.start();
    expect(s2.fingerprint).toBe(s1.fingerprint);
    expect(s2.pairedDevices).toEqual([expect.objectContaining({ id: profile.deviceId, name: 'Bay 3 tablet' })]);
    await waitFor(() => completed.length === 2, 10_000, 'redelivery');
    expect(completed[1]).toMatchObject({ uploadId: completed[0]!.uploadId, redelivered: true, sha256: sampleSha, metadata: { patientMrn: MRN } });
    expect((await readFile(completed[1]!.filePath)).equals(sample)).toBe(true);
    await second.acknowledge(completed[1]!.uploadId);
    const token = await uploadFile(SAMPLE, { server: { ...profile, port: s2.port! }, token: profile.token, metadata: { patientMrn: MRN } });
    expect(token.size).toBe(sample.length);
    await second.stop();

    // A keychain without the key: a new certificate (the tablets must pair again).
    const third = make(createMemoryKeyStore());
    const s3 = await third.start();
    expect(s3.fingerprint).not.toBe(s1.fingerprint);
    await third.stop();
    expect((await stat(join(dataDir, 'tls', 'cert.pem'))).isFile()).toBe(true);
  });

  it('a failing importer keeps the file for redelivery and reports it', async () => {
    const h = await startHarness('import-fails', {
      onUploadComplete: () => {
        throw new Error(`import failed for ${MRN}`);
      },
    });
    const profile = await pairTablet(h);
    await uploadFile(SAMPLE, { server: profile, token: profile.token, metadata: { patientMrn: MRN } });
    await waitFor(() => h.rejected.length === 1, 10_000, 'import failure');
    expect(h.rejected[0]).toMatchObject({ deviceId: profile.deviceId, reason: 'import_failed' });
    expect((await readdir(join(h.dataDir, 'received'))).sort()).toEqual([`${h.rejected[0]!.uploadId}.json`, `${h.rejected[0]!.uploadId}.ply`]);
    expect(h.logger.text()).not.toContain(MRN);
  });
});
