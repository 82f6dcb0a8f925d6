/**
 * Backups (record + scan files in one password-protected archive), restore into a NEW clinic and
 * key rotation, through the tRPC caller: real encrypted record, real scan store, real keychain
 * (scripts/with-keyring.sh). Every failure is a typed error that changes nothing existing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectBackup, keyOpensRecord, listAudit } from '../records/index';
import { listStoredFiles } from '../scans/index';
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { assertKeyringWhenRequired, keyringSuiteDir, skipKeyring, TEST_SERVICE } from '../vault/test-keyring';
import { serveAppFile } from '../file-routes/index';
import { readBackupManifest } from './archive';
import { createCaller, createContextInner } from '../api/index';
import { createServices, type Services } from '../app/index';
import { nextKeyAccount, previousKeyAccount } from './key-rotation';

const PASSWORD = 'correct horse battery staple';
const BACKUP_PASSWORD = 'a long backup passphrase 42';
const tsx = createRequire(import.meta.url).resolve('tsx');
const crashFixture = fileURLToPath(new URL('./key-rotation-crash.fixture.ts', import.meta.url));
const diskFullFixture = fileURLToPath(new URL('./backup-disk-full.fixture.ts', import.meta.url));

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Every file's hash, except the live record's WAL and index (the original clinic audits the restore). */
const snapshot = (dir: string) => Object.fromEntries(filesUnder(dir).filter((f) => !/record\.db(-wal|-shm)?$/.test(f)).map((f) => [f, digest(f)]));

async function appCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof TRPCError) return (error.cause as { code?: string } | undefined)?.code ?? error.code;
    return (error as { code?: string }).code ?? 'THROWN';
  }
  return 'OK';
}

/** Plaintext with a recognisable marker, `n` bytes. */
function scanBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return b;
}

describe.skipIf(skipKeyring)('backups, restore and key rotation (real record, store and keychain)', () => {
  assertKeyringWhenRequired();
  const dataDir = keyringSuiteDir('cw-backup-api-');
  const keyStore = createKeytarKeyStore({ service: TEST_SERVICE });
  let services: Services & { dispose(): Promise<void> } = createServices({ dataDir, keyStore, logger: silentLogger });
  const caller = (id: string) => createCaller(createContextInner({ services, transport: 'http', connectionId: id }));
  const enrolled: string[] = [];
  let clinicId = '';
  let otherClinicId = '';
  const scans: Record<string, Buffer> = {};

  beforeAll(async () => {
    const anon = caller('anon');
    clinicId = (await anon.clinic.enrol({ name: 'North Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })).id;
    await caller('admin').auth.login({ clinicId, username: 'admin', password: PASSWORD });
    otherClinicId = (await caller('admin').clinic.enrolAnother({ name: 'South Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })).id;
    enrolled.push(clinicId, otherClinicId);
    await caller('admin').staff.create({ username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] });
    await caller('nurse').auth.login({ clinicId, username: 'nurse', password: PASSWORD });
    await caller('other').auth.login({ clinicId: otherClinicId, username: 'admin', password: PASSWORD });
    for (let i = 0; i < 12; i++) await caller('nurse').patients.create({ mrn: `MRN-B${i}`, givenName: `Given${i}`, familyName: `Family${i}`, dateOfBirth: '1970-01-01', sex: 'unknown' });
    const clinic = await services.workstation.clinic(clinicId);
    const files: Array<[string, string, number]> = [['scanA', 'original.ply', 200_003], ['scanA', 'octree.bin', 140_000], ['scanB', 'metadata.json', 900], ['scanB', 'empty.bin', 0]];
    for (const [scanId, name, n] of files) {
      scans[`${scanId}/${name}`] = scanBytes(n, n);
      await clinic.store.put(scanId, name, scanBytes(n, n));
    }
  }, 120_000);

  afterAll(async () => {
    await services.dispose();
    for (const id of enrolled) {
      await keyStore.delete(id).catch(() => false);
      await keyStore.delete(nextKeyAccount(id)).catch(() => false);
      await keyStore.delete(previousKeyAccount(id)).catch(() => false);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function readAllScans(id: string): Promise<Record<string, Buffer>> {
    const clinic = await services.workstation.clinic(id);
    const out: Record<string, Buffer> = {};
    for (const f of await listStoredFiles(clinic.store.rootDir)) out[`${f.scanId}/${f.name}`] = await clinic.store.readAll(f.scanId, f.name);
    return out;
  }

  let backupName = '';

  it('makes a backup holding the record and every scan file, listed without patient data', { timeout: 60_000 }, async () => {
    const admin = caller('admin');
    const made = await admin.backup.export({ password: BACKUP_PASSWORD });
    backupName = made.name;
    // The files were put straight into the store (no scan rows): kept, and counted as files of no scan.
    expect(made).toMatchObject({ clinicId, scanFiles: 4, scans: 0, incoming: 0, unlinkedFiles: 4 });
    expect(made.name).toMatch(/^North-Clinic-\d{8}-\d{6}\.cwbackup$/);
    const file = join(dataDir, 'backups', made.name);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(await admin.backup.list()).toEqual([expect.objectContaining({ name: made.name, clinicId, scanFiles: 4, bytes: statSync(file).size })]);
    // Another clinic's admin does not see it.
    expect(await caller('other').backup.list()).toEqual([]);
    // A plain tar: entries as documented; no plaintext of any scan or patient inside.
    const listing = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
    expect(listing.stdout.trim().split('\n')).toEqual(['record.db', 'scans/scanA/octree.bin.enc', 'scans/scanA/original.ply.enc', 'scans/scanB/empty.bin.enc', 'scans/scanB/metadata.json.enc', 'manifest.json']);
    const raw = readFileSync(file);
    expect(raw.includes(Buffer.from('Family3'))).toBe(false);
    expect(raw.includes(scans['scanA/original.ply']!.subarray(1000, 1032))).toBe(false);
    const { manifest } = await readBackupManifest(file);
    expect(JSON.stringify(manifest)).not.toMatch(/MRN|Given|Family/);
    expect(manifest.kdf).toMatchObject({ algorithm: 'pbkdf2-hmac-sha512', iterations: 256_000 });
    // The record entry is a standard SQLCipher 4 file keyed by the password (tar -xf, then PRAGMA key).
    const out = mkdtempSync(join(tmpdir(), 'cw-tar-'));
    expect(spawnSync('tar', ['-xf', file, '-C', out, 'record.db']).status).toBe(0);
    expect(inspectBackup(join(out, 'record.db'), BACKUP_PASSWORD)).toMatchObject({ clinicId, clinicName: 'North Clinic' });
    rmSync(out, { recursive: true, force: true });
    const audit = listAudit((await services.workstation.clinic(clinicId)).record, { limit: 50 });
    expect(JSON.stringify(audit)).toContain('backup.export');
  });

  it('downloads through a capability link only for this connection while it is signed in', async () => {
    const { url } = await caller('admin').backup.downloadUrl({ name: backupName });
    const token = url.split('/').pop()!;
    const ok = await services.backups.serveDownload('admin', token);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-disposition']).toBe(`attachment; filename="${backupName}"`);
    expect(ok.file).toBe(join(dataDir, 'backups', backupName));
    expect((await services.backups.serveDownload('nurse', token)).status).toBe(403);
    expect((await services.backups.serveDownload('admin', 'nope')).status).toBe(404);
    expect(await appCode(caller('other').backup.downloadUrl({ name: backupName }))).toBe('NOT_FOUND');
    expect(await appCode(caller('nurse').backup.downloadUrl({ name: backupName }))).toBe('FORBIDDEN');
  });

  it('the desktop app’s app:// protocol streams a backup by its link (Electron then shows its Save dialog)', async () => {
    const { url } = await caller('admin').backup.downloadUrl({ name: backupName });
    const r = await serveAppFile(services, url, null);
    expect(r?.status).toBe(200);
    expect(r?.headers.get('content-disposition')).toBe(`attachment; filename="${backupName}"`);
    const bytes = Buffer.from(await r!.arrayBuffer());
    expect(bytes.equals(readFileSync(join(dataDir, 'backups', backupName)))).toBe(true);
    expect((await serveAppFile(services, `${url}x`, null))?.status).toBe(404);
    expect(await serveAppFile(services, '/index.html', null)).toBeNull();
  });

  it('restores into a NEW clinic: new id and key, every row and byte-identical scan files; the original is untouched', { timeout: 90_000 }, async () => {
    const original = snapshot(join(dataDir, 'clinics', clinicId));
    const restored = await caller('admin').backup.restore({ fileName: backupName, password: BACKUP_PASSWORD, newClinicName: 'North Clinic (restored)' });
    enrolled.push(restored.clinicId);
    expect(restored.clinicId).not.toBe(clinicId);
    expect(restored).toMatchObject({ name: 'North Clinic (restored)', scanFiles: 4 });
    expect(snapshot(join(dataDir, 'clinics', clinicId))).toEqual(original);
    expect((await caller('anon').clinic.list()).map((c) => c.name)).toContain('North Clinic (restored)');
    // Its own key: the original key does not open it.
    const newKey = (await keyStore.get(restored.clinicId))!;
    const oldKey = (await keyStore.get(clinicId))!;
    const file = join(dataDir, 'clinics', restored.clinicId, 'record.db');
    expect(keyOpensRecord(file, newKey)).toBe(true);
    expect(keyOpensRecord(file, oldKey)).toBe(false);
    // Staff of the backup sign in to the restored clinic and see the patients.
    await caller('restored-nurse').auth.login({ clinicId: restored.clinicId, username: 'nurse', password: PASSWORD });
    const found = await caller('restored-nurse').patients.search({ query: 'Family' });
    expect(found.items.length).toBe(12);
    expect(await readAllScans(restored.clinicId)).toEqual(scans);
    const audit = JSON.stringify(listAudit((await services.workstation.clinic(restored.clinicId)).record, { limit: 500 }));
    expect(audit).toContain('backup.restore');
  });

  it('refuses a wrong password, a short one, a cut-off, damaged or foreign file — creating nothing, changing nothing', { timeout: 120_000 }, async () => {
    const admin = caller('admin');
    const dir = join(dataDir, 'backups');
    const file = join(dir, backupName);
    const clinicsBefore = readdirSync(join(dataDir, 'clinics')).sort();
    const indexBefore = readFileSync(join(dataDir, 'clinics.json'), 'utf8');
    const backupBefore = digest(file);
    const restore = (fileName: string, password = BACKUP_PASSWORD) => appCode(admin.backup.restore({ fileName, password, newClinicName: 'Should not exist' }));

    expect(await restore(backupName, 'wrong password 1234')).toBe('BACKUP_WRONG_PASSWORD');
    expect(await appCode(admin.backup.export({ password: 'short' }))).toBe('BAD_REQUEST');

    const size = statSync(file).size;
    const cut = backupName.replace('.cwbackup', '-1.cwbackup');
    writeFileSync(join(dir, cut), readFileSync(file).subarray(0, Math.floor(size / 2)));
    expect(await restore(cut)).toBe('BACKUP_TRUNCATED');
    const cutManifest = backupName.replace('.cwbackup', '-2.cwbackup');
    writeFileSync(join(dir, cutManifest), readFileSync(file).subarray(0, size - 1024 - 512));
    expect(await restore(cutManifest)).toBe('BACKUP_TRUNCATED');

    const damaged = backupName.replace('.cwbackup', '-3.cwbackup');
    const bytes = Buffer.from(readFileSync(file));
    bytes[512 + 5000]! ^= 0x40; // inside record.db
    writeFileSync(join(dir, damaged), bytes);
    expect(await restore(damaged)).toBe('BACKUP_CORRUPT');
    const damagedScan = backupName.replace('.cwbackup', '-4.cwbackup');
    const idx = bytes.indexOf(Buffer.from('scans/scanA/original.ply.enc'));
    const b2 = Buffer.from(readFileSync(file));
    b2[idx + 512 + 9000]! ^= 0x01;
    writeFileSync(join(dir, damagedScan), b2);
    expect(await restore(damagedScan)).toBe('BACKUP_CORRUPT');

    const foreign = backupName.replace('.cwbackup', '-5.cwbackup');
    writeFileSync(join(dir, foreign), randomBytes(20_000));
    expect(await restore(foreign)).toBe('BACKUP_NOT_A_BACKUP');

    // Another clinic's admin cannot restore this clinic's backup from the shared folder.
    expect(await appCode(caller('other').backup.restore({ fileName: backupName, password: BACKUP_PASSWORD, newClinicName: 'x' }))).toBe('BACKUP_OTHER_CLINIC');
    expect(await restore('missing-20200101-000000.cwbackup')).toBe('BACKUP_NOT_FOUND');

    expect(readdirSync(join(dataDir, 'clinics')).sort()).toEqual(clinicsBefore);
    expect(readFileSync(join(dataDir, 'clinics.json'), 'utf8')).toBe(indexBefore);
    expect(digest(file)).toBe(backupBefore);
    for (const n of [cut, cutManifest, damaged, damagedScan, foreign]) rmSync(join(dir, n));
  });

  it('restores an uploaded backup file (chunks over tRPC)', { timeout: 90_000 }, async () => {
    const admin = caller('other');
    const bytes = readFileSync(join(dataDir, 'backups', backupName));
    const { uploadId, chunkBytes } = await admin.backup.beginUpload({ size: bytes.length });
    for (let at = 0; at < bytes.length; at += chunkBytes) await admin.backup.uploadChunk({ uploadId, offset: at, data: bytes.subarray(at, at + chunkBytes).toString('base64') });
    const restored = await admin.backup.restore({ uploadId, password: BACKUP_PASSWORD, newClinicName: 'North from upload' });
    enrolled.push(restored.clinicId);
    expect(await readAllScans(restored.clinicId)).toEqual(scans);
    expect(readdirSync(join(dataDir, 'backups', 'uploads'))).toEqual([]);
  });

  it('rotates the clinic key: record and every scan readable, the old key opens nothing, nothing left in the keychain', { timeout: 60_000 }, async () => {
    const file = join(dataDir, 'clinics', clinicId, 'record.db');
    const oldKey = (await keyStore.get(clinicId))!;
    expect(await appCode(caller('nurse').backup.rotateKey({ confirm: true }))).toBe('FORBIDDEN');
    expect(await caller('admin').backup.rotateKey({ confirm: true })).toEqual({ scanFiles: 4 });
    const newKey = (await keyStore.get(clinicId))!;
    expect(newKey.equals(oldKey)).toBe(false);
    expect(keyOpensRecord(file, oldKey)).toBe(false);
    expect(keyOpensRecord(file, newKey)).toBe(true);
    expect(await keyStore.get(nextKeyAccount(clinicId))).toBeNull();
    expect(await keyStore.get(previousKeyAccount(clinicId))).toBeNull();
    // Still working on the open clinic…
    expect(await readAllScans(clinicId)).toEqual(scans);
    expect((await caller('nurse').patients.search({ query: 'Family' })).items.length).toBe(12);
    // …and after a restart, with the key from the keychain only.
    await services.dispose();
    services = createServices({ dataDir, keyStore, logger: silentLogger });
    await caller('admin').auth.login({ clinicId, username: 'admin', password: PASSWORD });
    await caller('nurse').auth.login({ clinicId, username: 'nurse', password: PASSWORD });
    await caller('other').auth.login({ clinicId: otherClinicId, username: 'admin', password: PASSWORD });
    expect(await readAllScans(clinicId)).toEqual(scans);
    expect((await caller('nurse').patients.search({ query: 'Family' })).items.length).toBe(12);
    expect(JSON.stringify(listAudit((await services.workstation.clinic(clinicId)).record, { limit: 500 }))).toContain('key.rotate');
    // A backup made before the rotation still restores (it is keyed by its password, not the clinic key).
    const again = await caller('admin').backup.restore({ fileName: backupName, password: BACKUP_PASSWORD, newClinicName: 'From the old backup' });
    enrolled.push(again.clinicId);
    expect(await readAllScans(again.clinicId)).toEqual(scans);
  });

  it('survives kill -9 at every step of a rotation: nothing lost, the next open finishes or undoes it', { timeout: 240_000 }, async () => {
    await services.dispose();
    for (const step of [1, 2, 3, 4, 0]) {
      const r = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', tsx, crashFixture, dataDir, clinicId, TEST_SERVICE, String(step)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
      });
      expect(r.signal ?? `exit ${r.code}: ${r.stderr}`, `step ${step}`).toBe('SIGKILL');
      services = createServices({ dataDir, keyStore, logger: silentLogger });
      await caller('nurse').auth.login({ clinicId, username: 'nurse', password: PASSWORD });
      expect(await readAllScans(clinicId), `after a crash at step ${step}`).toEqual(scans);
      expect((await caller('nurse').patients.search({ query: 'Family' })).items.length).toBe(12);
      expect(await keyStore.get(nextKeyAccount(clinicId))).toBeNull();
      expect(await keyStore.get(previousKeyAccount(clinicId))).toBeNull();
      expect(filesUnder(join(dataDir, 'clinics', clinicId, 'scans')).filter((f) => !f.endsWith('.enc'))).toEqual([]);
      const key = (await keyStore.get(clinicId))!;
      expect(keyOpensRecord(join(dataDir, 'clinics', clinicId, 'record.db'), key)).toBe(true);
      await services.dispose();
    }
    services = createServices({ dataDir, keyStore, logger: silentLogger });
  });

  it('a full disk while writing a backup is DISK_FULL and leaves no file behind', { timeout: 60_000 }, async () => {
    const probe = spawnSync('unshare', ['--mount', '--map-root-user', 'true']);
    if (probe.status !== 0) {
      console.warn('skipped: no mount namespace for a small tmpfs (unshare --mount --map-root-user failed)');
      return;
    }
    const mnt = mkdtempSync(join(tmpdir(), 'cw-full-'));
    const src = mkdtempSync(join(tmpdir(), 'cw-full-src-'));
    const script = `mount -t tmpfs -o size=1m tmpfs "$1" && exec "${process.execPath}" --import "${tsx}" "${diskFullFixture}" "$2" "$1"`;
    const r = spawnSync('unshare', ['--mount', '--map-root-user', 'sh', '-c', script, 'sh', mnt, src], { encoding: 'utf8', timeout: 50_000 });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as { code?: string; message?: string; left?: string[] };
    expect(out, r.stderr).toMatchObject({ code: 'DISK_FULL', left: [] });
    expect(out.message).toMatch(/disk is full/i);
    rmSync(mnt, { recursive: true, force: true });
    rmSync(src, { recursive: true, force: true });
  });
});

