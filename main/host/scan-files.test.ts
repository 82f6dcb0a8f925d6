/**
 * The viewer's route to a scan's encrypted octree, through the real browser host: a nurse's
 * browser gets exactly the plaintext bytes of the range it asks for (potree-core trusts the slice
 * and does not look at the status), and nobody else gets a byte — not a request without the
 * launch secret, not a browser signed in to another clinic, not the same browser once signed out.
 * Real record, real keychain (scripts/with-keyring.sh), real import workers; no mocks.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../api/index';
import { createServices } from '../app/index';
import { readPointCloud, toMillimetres } from '../scans/index';
import { buildOctreeInMemory } from '../scans/octree/index';
import { createMemoryLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { assertKeyringWhenRequired, keyringSuiteDir, skipKeyring, TEST_SERVICE } from '../vault/test-keyring';
import { startBrowserHost, type BrowserHost } from './server';
import { launchBrowserSession, loopbackFetch, loopbackRequest } from './test-helpers';

const PASSWORD = 'correct horse battery staple';
const SAMPLE = join(import.meta.dirname, '..', '..', '..', 'shared', 'samples', 'scans', 'ply', 'dardavesis__560_db.ply');

const get = (host: BrowserHost, path: string, headers: Record<string, string> = {}) => loopbackRequest(host, path, { headers });

describe.skipIf(skipKeyring)('scan files through the browser host (exact ranges, nobody else)', () => {
  assertKeyringWhenRequired();
  const dataDir = keyringSuiteDir('cw-scan-files-');
  const keyStore = createKeytarKeyStore({ service: TEST_SERVICE });
  const services = createServices({ dataDir, keyStore, logger: createMemoryLogger() });
  let host: BrowserHost;
  const clinicIds: string[] = [];
  let nurseCookie = '';
  let otherCookie = '';
  let nurse: TRPCClient<AppRouter>;
  let metadataUrl = '';
  let expected: Map<string, Buffer>;

  /** A browser tab: spends a launch URL, keeps its cookie, talks tRPC over HTTP. */
  async function browser(): Promise<{ cookie: string; client: TRPCClient<AppRouter> }> {
    const cookie = await launchBrowserSession(host);
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${host.origin}/trpc`, headers: { cookie, origin: host.origin }, fetch: loopbackFetch(host) })] });
    return { cookie, client };
  }

  const rendererDir = keyringSuiteDir('cw-renderer-');
  beforeAll(async () => {
    mkdirSync(join(rendererDir, 'assets'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test</title>');
    host = await startBrowserHost({ services, rendererDir });

    const admin = await browser();
    const clinicId = (await admin.client.clinic.enrol.mutate({ name: 'Range Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })).id;
    clinicIds.push(clinicId);
    await admin.client.auth.login.mutate({ clinicId, username: 'admin', password: PASSWORD });
    await admin.client.staff.create.mutate({ username: 'nurse', displayName: 'Nurse', password: PASSWORD, roles: ['nurse'] });

    const n = await browser();
    nurse = n.client;
    nurseCookie = n.cookie;
    await nurse.auth.login.mutate({ clinicId, username: 'nurse', password: PASSWORD });
    const patient = await nurse.patients.create.mutate({ mrn: 'MRN-RANGE-1', givenName: 'Grace', familyName: 'Hopper', dateOfBirth: '1940-12-09', sex: 'female' });
    const wound = await nurse.wounds.create.mutate({ patientId: patient.id, bodySite: 'Right heel', etiology: 'diabetic_foot_ulcer' });

    const bytes = readFileSync(SAMPLE);
    const { uploadId, chunkBytes } = await nurse.scans.beginUpload.mutate({ fileName: 'scan.ply', size: bytes.length });
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      await nurse.scans.uploadChunk.mutate({ uploadId, offset, data: bytes.subarray(offset, offset + chunkBytes).toString('base64') });
    }
    const job = await nurse.scans.import.mutate({ uploadId, woundId: wound.id, capturedAt: Date.now() });
    let scanId: string | null = null;
    for (const until = Date.now() + 120_000; Date.now() < until && !scanId; ) {
      const state = (await nurse.scans.jobs.query()).find((j) => j.id === job.id);
      if (state?.phase === 'failed') throw new Error(`import failed: ${state.error?.code}`);
      if (state?.phase === 'done') scanId = state.scanId;
      // The sample is a room (8.7 m across) on a heel wound: the import asks first; the nurse confirms.
      else if (state?.phase === 'confirming') await nurse.scans.confirmImport.mutate({ jobId: job.id });
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(scanId).toBeTruthy();
    metadataUrl = (await nurse.scans.fileUrl.query({ id: scanId! })).url;

    // The plaintext the store must give back, built independently (the writer is deterministic).
    const built = await buildOctreeInMemory(toMillimetres(await readPointCloud(bytes, { fileName: 'scan.ply' })));
    expected = new Map(Object.entries(built.buffers).map(([name, bytes]) => [name, Buffer.from(bytes)]));

    const other = await browser();
    otherCookie = other.cookie;
    await other.client.auth.login.mutate({ clinicId, username: 'admin', password: PASSWORD });
    const otherClinicId = (await other.client.clinic.enrolAnother.mutate({ name: 'Other Clinic', admin: { username: 'admin2', displayName: 'Admin 2', password: PASSWORD } })).id;
    clinicIds.push(otherClinicId);
    await other.client.auth.login.mutate({ clinicId: otherClinicId, username: 'admin2', password: PASSWORD });
    await other.client.staff.create.mutate({ username: 'nurse2', displayName: 'Nurse 2', password: PASSWORD, roles: ['nurse'] });
    await other.client.auth.logout.mutate();
    await other.client.auth.login.mutate({ clinicId: otherClinicId, username: 'nurse2', password: PASSWORD });
  }, 240_000);

  afterAll(async () => {
    await host?.close();
    await services.dispose();
    for (const id of clinicIds) await keyStore.delete(id).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(rendererDir, { recursive: true, force: true });
  });

  const url = (file: string) => metadataUrl.replace(/metadata\.json$/, file);

  it('serves every file whole, byte-identical to the octree the writer makes of the same scan', async () => {
    for (const [name, bytes] of expected) {
      const res = await get(host, url(name), { cookie: nurseCookie });
      expect(res.status, name).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.equals(bytes), name).toBe(true);
    }
  });

  it('answers a byte range with exactly the plaintext of that range, and nothing else', async () => {
    const octree = expected.get('octree.bin')!;
    const hierarchy = expected.get('hierarchy.bin')!;
    const cases: [string, Buffer, number, number][] = [
      ['octree.bin', octree, 0, 0],
      ['octree.bin', octree, 1, 26],
      ['octree.bin', octree, 65_530, 65_545], // across a 64 KiB encryption chunk boundary
      ['octree.bin', octree, Math.floor(octree.length / 3), Math.floor(octree.length / 3) + 200_000],
      ['octree.bin', octree, octree.length - 7, octree.length - 1],
      ['hierarchy.bin', hierarchy, 0, Math.min(hierarchy.length, 22) - 1],
    ];
    for (const [name, plain, start, end] of cases) {
      const last = Math.min(end, plain.length - 1);
      const res = await get(host, url(name), { cookie: nurseCookie, range: `bytes=${start}-${end}` });
      expect(res.status, `${name} ${start}-${end}`).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${last}/${plain.length}`);
      expect(res.body.equals(plain.subarray(start, last + 1)), `${name} ${start}-${end}`).toBe(true);
    }
    const past = await get(host, url('octree.bin'), { cookie: nurseCookie, range: `bytes=${octree.length}-` });
    expect(past.status).toBe(416);
    expect(past.body.length).toBe(0);
  });

  it('gives nothing to a request without the launch secret, or with a forged one', async () => {
    for (const headers of [{} as Record<string, string>, { cookie: `${nurseCookie.split('=')[0]}=forged` }]) {
      const res = await get(host, url('octree.bin'), { ...headers, range: 'bytes=0-99' });
      expect(res.status).toBe(401);
      expect(res.body.includes(expected.get('octree.bin')!.subarray(0, 16))).toBe(false);
    }
  });

  it("gives nothing to a browser signed in to another clinic, nor for a file outside the octree", async () => {
    for (const file of ['octree.bin', 'metadata.json', 'hierarchy.bin']) {
      const res = await get(host, url(file), { cookie: otherCookie });
      expect(res.status, file).toBe(403);
      expect(res.body.toString('utf8')).not.toContain('"points"');
    }
    for (const file of ['original.ply', '..%2Fmetadata.json', 'metadata.json/x']) {
      expect((await get(host, url(file), { cookie: nurseCookie })).status, file).toBe(404);
    }
    expect((await get(host, '/scan-files/not-a-capability/metadata.json', { cookie: nurseCookie })).status).toBe(404);
  });

  it('stops serving the moment the nurse signs out', async () => {
    await nurse.auth.logout.mutate();
    const res = await get(host, url('octree.bin'), { cookie: nurseCookie, range: 'bytes=0-99' });
    expect(res.status).toBe(403);
    expect(res.body.length).toBeLessThan(64);
  });
});
