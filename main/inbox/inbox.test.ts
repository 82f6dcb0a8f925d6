/**
 * The LAN receiver wired into the workstation, through the tRPC caller: an IT admin starts it and
 * offers a pairing code, the reference tablet client (tools/tablet-sim) pairs and uploads a real
 * PLY over HTTPS on 127.0.0.1, and the scan is filed — on its wound when the MRN and wound id match,
 * otherwise in the encrypted inbox a nurse assigns from. Real record, real keychain
 * (scripts/with-keyring.sh), real import workers; no mocks.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpStatusError, pair, uploadFile, type Profile } from '../../tools/tablet-sim/client';
import { encodePly, makeCavityPhantom } from '../analysis/test-phantoms';
import { assertKeyringWhenRequired, skipKeyring } from '../vault/test-keyring';
import { apiSuite } from '../app/test-api';
import { createServices } from '../app/index';

const PASSWORD = 'correct horse battery staple';
/** A room (8.5 m × 8.7 m): far larger than a heel (issue 21 point 4). */
const ROOM = join(import.meta.dirname, '..', '..', '..', 'shared', 'samples', 'scans', 'ply', 'dardavesis__560_db.ply');
const MRN = 'MRN-LAN-80417';
const UNKNOWN_MRN = 'MRN-NOBODY-5531';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe.skipIf(skipKeyring)('LAN receiver → import / inbox (real HTTPS on 127.0.0.1, real record and keychain)', () => {
  assertKeyringWhenRequired();
  const { dataDir, keyStore, logger, services, caller } = apiSuite('cw-lan-api-');
  const anon = caller('anon');
  const admin = caller('admin');
  const nurse = caller('nurse');
  const otherAdmin = caller('other-admin');
  let clinicId = '';
  let otherClinicId = '';
  let patientId = '';
  let woundId = '';
  let tablet: Profile;
  let fingerprint = '';
  // A heel wound as a tablet writes it (metres, coloured): the scan a nurse expects on a heel.
  const SAMPLE = join(dataDir, '..', `${dataDir.split(/[\\/]/).pop()}-heel-scan.ply`);
  writeFileSync(SAMPLE, encodePly(makeCavityPhantom({ surface: 'plane', a: 14, b: 9, c: 4, spacing: 1, colored: true, seed: 3 }).cloud, 0.001));

  beforeAll(async () => {
    clinicId = (await anon.clinic.enrol({ name: 'LAN Test Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD }, twoFactorRoles: [] })).id;
    await admin.auth.login({ clinicId, username: 'admin', password: PASSWORD });
    await admin.staff.create({ username: 'nurse', displayName: 'Nurse', password: PASSWORD, roles: ['nurse'] });
    await nurse.auth.login({ clinicId, username: 'nurse', password: PASSWORD });
    const patient = await nurse.patients.create({ mrn: MRN, givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female' });
    patientId = patient.id;
    woundId = (await nurse.wounds.create({ patientId, bodySite: 'Left heel', etiology: 'pressure_injury' })).id;
    otherClinicId = (await admin.clinic.enrolAnother({ name: 'Other Clinic', admin: { username: 'admin2', displayName: 'Admin 2', password: PASSWORD }, twoFactorRoles: [] })).id;
    await otherAdmin.auth.login({ clinicId: otherClinicId, username: 'admin2', password: PASSWORD });
  }, 120_000);

  afterAll(async () => {
    await services.dispose();
    for (const id of [clinicId, otherClinicId]) {
      await keyStore.delete(id).catch(() => undefined);
      await keyStore.delete(`lan:${id}:lan-tls-key`).catch(() => undefined);
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(SAMPLE, { force: true });
  });

  it('an IT admin starts the receiver and offers a pairing code; the tablet pairs and shows up, live', async () => {
    const before = await admin.lan.state();
    expect(before).toMatchObject({ running: false, owner: null, pairedDevices: [] });

    const started = await admin.lan.start({});
    expect(started).toMatchObject({ running: true, owner: 'this-clinic', addresses: ['127.0.0.1'], advertising: false });
    expect(started.port).toBeGreaterThan(0);
    expect(started.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    fingerprint = started.fingerprint!;
    // Its TLS key is in the vault's keychain, under this clinic's account.
    expect(await keyStore.get(`lan:${clinicId}:lan-tls-key`)).not.toBeNull();

    const updates = await admin.lan.onState();
    const iterator = updates[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ running: true, pairedDevices: [] });

    const offer = await admin.lan.createPairingOffer();
    expect(offer.payload).toMatchObject({ v: 1, host: '127.0.0.1', port: started.port, fingerprint: started.fingerprint });
    expect(offer.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    tablet = await pair(offer.payload, { deviceName: 'Ward tablet 1', app: 'tablet-sim 1' });
    let seen = first.value as Awaited<ReturnType<typeof admin.lan.state>>;
    while (!seen.pairedDevices.some((d) => d.id === tablet.deviceId)) seen = (await iterator.next()).value as typeof seen;
    expect(seen.pairedDevices).toEqual([expect.objectContaining({ id: tablet.deviceId, name: 'Ward tablet 1', app: 'tablet-sim 1' })]);
    await iterator.return?.();

    await admin.lan.renameDevice({ id: tablet.deviceId, name: 'Wound clinic tablet' });
    expect((await admin.lan.devices()).map((d) => d.name)).toEqual(['Wound clinic tablet']);
  }, 60_000);

  it('a scan for a known patient and wound is imported onto that wound, and no plaintext stays behind', async () => {
    await uploadFile(SAMPLE, { server: tablet, token: tablet.token, metadata: { patientMrn: MRN, woundId, captureTime: '2025-03-04T10:15:00+01:00' }, retryDelays: null });
    const clinic = await services.workstation.clinic(clinicId);
    const nurseActor = { id: 'test', roles: ['nurse'] as const };
    const scans = await waitFor('the scan on the wound', () => {
      const list = clinic.scans.listByWound(woundId, nurseActor);
      return list.length ? list : null;
    });
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ woundId, format: 'ply', sourceDeviceId: tablet.deviceId, capturedAt: Date.parse('2025-03-04T10:15:00+01:00') });
    expect(scans[0]!.pointCount).toBeGreaterThan(0);
    await services.lan.idle();

    // Acknowledged: the receiver's plaintext copy is gone; the original is in the encrypted store.
    const lanDir = join(dataDir, 'clinics', clinicId, 'lan');
    expect(readdirSync(join(lanDir, 'received'))).toEqual([]);
    expect(await clinic.store.list(scans[0]!.id)).toContain('original.ply');

    const state = await admin.lan.state();
    expect(state.recent[0]).toMatchObject({ deviceId: tablet.deviceId, deviceName: 'Wound clinic tablet', outcome: 'imported', errorCode: null });
    expect(state.uploadsInFlight).toEqual([]);

    // Audited under the device.
    const audit = await admin.audit.list({ entity: 'scan' });
    expect(audit.find((r) => r.action === 'scan.import')).toMatchObject({ actorId: `device:${tablet.deviceId}`, actorRole: 'system', entityId: scans[0]!.id });
  }, 120_000);

  it('a scan for an unknown MRN waits, encrypted, in the inbox until a nurse assigns it to a wound', async () => {
    await uploadFile(SAMPLE, { server: tablet, token: tablet.token, metadata: { patientMrn: UNKNOWN_MRN, woundId: 'no-such-wound-0001', captureTime: '2025-03-05T09:00:00Z' }, retryDelays: null });
    const item = await waitFor('the inbox item', async () => (await nurse.scans.inbox())[0]);
    await services.lan.idle();
    expect(item).toMatchObject({ reason: 'unknown_patient', patientMrn: UNKNOWN_MRN, patientId: null, deviceId: tablet.deviceId, fileName: SAMPLE.split(/[\\/]/).pop(), importing: false, error: null });
    expect((await admin.lan.state()).recent[0]).toMatchObject({ outcome: 'inbox' });

    // Nothing under the data dir holds the MRN or the scan in plaintext; the receiver kept nothing.
    const lanDir = join(dataDir, 'clinics', clinicId, 'lan');
    expect(readdirSync(join(lanDir, 'received'))).toEqual([]);
    const plyHeader = readFileSync(SAMPLE).subarray(0, 64);
    for (const f of filesUnder(dataDir)) {
      const bytes = readFileSync(f);
      expect(bytes.includes(UNKNOWN_MRN), f).toBe(false);
      expect(bytes.includes(MRN), f).toBe(false);
      expect(bytes.includes(plyHeader), f).toBe(false);
    }
    // …nor do the logs.
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(UNKNOWN_MRN);
    expect(logged).not.toContain(MRN);
    expect(logged).not.toContain('heel-scan');

    // Managers and IT admins have no clinical access: the inbox is not theirs.
    await expect(admin.scans.inbox()).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const job = await nurse.scans.assignInbox({ inboxId: item.id, woundId });
    const clinic = await services.workstation.clinic(clinicId);
    expect((await clinic.imports.wait(job.id)).phase).toBe('done');
    await waitFor('the inbox to empty', async () => (await nurse.scans.inbox()).length === 0);
    const scans = clinic.scans.listByWound(woundId, { id: 'test', roles: ['nurse'] });
    expect(scans).toHaveLength(2);
    expect(scans.find((s) => s.capturedAt === Date.parse('2025-03-05T09:00:00Z'))).toMatchObject({ sourceDeviceId: tablet.deviceId });
    await expect(nurse.scans.assignInbox({ inboxId: item.id, woundId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 120_000);

  it('a room-sized scan for a known heel wound is not filed on it: it waits in Incoming with the reason, until a nurse imports it anyway (issue 21 point 4)', async () => {
    await uploadFile(ROOM, { server: tablet, token: tablet.token, metadata: { patientMrn: MRN, woundId, captureTime: '2025-03-06T09:00:00Z' }, retryDelays: null });
    const item = await waitFor('the inbox item', async () => (await nurse.scans.inbox())[0]);
    await services.lan.idle();
    expect(item).toMatchObject({ reason: 'import_failed', patientMrn: MRN, patientId, woundId, error: { code: 'EXTENT_TOO_LARGE' } });
    expect(item.error?.message).toMatch(/^This scan is 8\.\d m × 8\.\d m — far larger than a foot/);
    expect((await admin.lan.state()).recent[0]).toMatchObject({ outcome: 'failed', errorCode: 'EXTENT_TOO_LARGE' });
    const clinic = await services.workstation.clinic(clinicId);
    const before = clinic.scans.listByWound(woundId, { id: 'test', roles: ['nurse'] }).length;

    // Assigned again without confirming: refused again, nothing stored.
    const again = await nurse.scans.assignInbox({ inboxId: item.id, woundId });
    expect((await clinic.imports.wait(again.id)).error?.code).toBe('EXTENT_TOO_LARGE');
    await waitFor('the claim to end', async () => !(await nurse.scans.inbox())[0]?.importing);
    // A capture time from a tablet clock in 2030 is refused at the door.
    await expect(nurse.scans.assignInbox({ inboxId: item.id, woundId, capturedAt: Date.UTC(2030, 0, 1), acceptImplausibleExtent: true })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // Confirmed: imported, and the inbox item goes.
    const job = await nurse.scans.assignInbox({ inboxId: item.id, woundId, acceptImplausibleExtent: true });
    expect((await clinic.imports.wait(job.id)).phase).toBe('done');
    await waitFor('the inbox to empty', async () => (await nurse.scans.inbox()).length === 0);
    expect(clinic.scans.listByWound(woundId, { id: 'test', roles: ['nurse'] })).toHaveLength(before + 1);
  }, 180_000);

  it('a known MRN without a matching wound is held with its patient; a nurse can discard it', async () => {
    await uploadFile(SAMPLE, { server: tablet, token: tablet.token, metadata: { patientMrn: MRN }, retryDelays: null });
    const item = await waitFor('the inbox item', async () => (await nurse.scans.inbox())[0]);
    await services.lan.idle();
    expect(item).toMatchObject({ reason: 'unknown_wound', patientMrn: MRN, patientId, woundId: null });
    await nurse.scans.discardInbox({ inboxId: item.id });
    expect(await nurse.scans.inbox()).toEqual([]);
    const audit = await admin.audit.list({ entity: 'scan_inbox' });
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['scan_inbox.receive', 'scan_inbox.assign', 'scan_inbox.discard', 'scan_inbox.list']));
  }, 120_000);

  it('one receiver per workstation: another clinic cannot start or steer it', async () => {
    const other = await otherAdmin.lan.state();
    expect(other).toMatchObject({ running: true, owner: 'other-clinic', pairedDevices: [], addresses: [], port: null });
    await expect(otherAdmin.lan.start({})).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(otherAdmin.lan.createPairingOffer()).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(otherAdmin.lan.stop()).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(nurse.lan.state()).rejects.toBeInstanceOf(TRPCError);
  });

  it('a revoked tablet is refused at once; a stopped receiver keeps its paired devices and refuses pairing', async () => {
    await admin.lan.revokeDevice({ id: tablet.deviceId });
    expect((await admin.lan.state()).pairedDevices).toEqual([]);
    const refused = await uploadFile(SAMPLE, { server: tablet, token: tablet.token, metadata: { patientMrn: MRN, woundId }, retryDelays: null }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpStatusError);
    expect((refused as HttpStatusError).status).toBe(401);

    await admin.lan.stop();
    const stopped = await admin.lan.state();
    expect(stopped).toMatchObject({ running: false, owner: null, port: null });
    await expect(admin.lan.createPairingOffer()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((await admin.lan.devices())[0]).toMatchObject({ id: tablet.deviceId, revokedAt: expect.any(String) });
    await expect(admin.lan.renameDevice({ id: 'not-a-device', name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // The record holds the tablet too (scans name it), and its history is audited.
    const deviceAudit = await admin.audit.list({ entity: 'device', entityId: tablet.deviceId });
    expect(deviceAudit.map((r) => [r.action, r.actorRole]).sort()).toEqual([
      ['device.pair', 'system'],
      ['device.rename', 'it-admin'],
      ['device.revoke', 'it-admin'],
    ]);

    // The other clinic may start it now (on its own certificate and devices).
    const theirs = await otherAdmin.lan.start({});
    expect(theirs).toMatchObject({ running: true, owner: 'this-clinic', pairedDevices: [] });
    expect(theirs.fingerprint).not.toBe(fingerprint);
    await otherAdmin.lan.stop();
  }, 60_000);

  it('an upload cut mid-way leaves no plaintext: not after stop, not after a kill and a restart (grep -a -r)', async () => {
    const CUT_MRN = 'MRN-CUT-99173';
    const sample = readFileSync(ROOM); // ASCII, so a vertex line can be grepped for; the cut comes before the extent check
    // A vertex line from the first quarter of the (ASCII) scan: in the half that arrives before the cut.
    const from = sample.indexOf(0x0a, Math.floor(sample.length / 4)) + 1;
    const fragment = sample.subarray(from, sample.indexOf(0x0a, from)).toString('latin1');
    expect(fragment).toMatch(/^-?\d/);
    const grep = (needle: string, dir = dataDir): string[] => {
      const r = spawnSync('grep', ['-a', '-r', '-l', '-F', '--', needle, dir], { encoding: 'utf8' });
      if (r.status === 2) throw new Error(r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    };
    const cut = async (profile: Profile) => {
      const ac = new AbortController();
      await expect(
        uploadFile(ROOM, {
          server: profile,
          token: profile.token,
          metadata: { patientMrn: CUT_MRN, woundId },
          chunkSize: 64 * 1024,
          retryDelays: null,
          signal: ac.signal,
          onProgress: (sent, total) => void (sent >= total / 2 && ac.abort(new Error('cut'))),
        }),
      ).rejects.toThrow('cut');
      // Positive control: while the upload is live its plaintext is on disk.
      await waitFor('the partial upload on disk', () => grep(CUT_MRN).length > 0 && grep(fragment).length > 0);
    };
    const pairAgain = async () => {
      const { port } = await admin.lan.start({});
      expect(port).toBeGreaterThan(0);
      return pair((await admin.lan.createPairingOffer()).payload, { deviceName: 'Bay tablet', app: 'tablet-sim 1' });
    };

    // Cut, then stop.
    const t1 = await pairAgain();
    await cut(t1);
    await admin.lan.stop();
    expect(grep(CUT_MRN)).toEqual([]);
    expect(grep(fragment)).toEqual([]);

    // Cut, then revoke the tablet while the receiver runs.
    const t2 = await pairAgain();
    await cut(t2);
    await admin.lan.revokeDevice({ id: t2.deviceId });
    expect(grep(CUT_MRN)).toEqual([]);
    expect(grep(fragment)).toEqual([]);

    // Cut, then kill -9 (nothing runs: the disk is as the kill left it), then restart the workstation.
    const t3 = await pairAgain();
    await cut(t3);
    const lanDir = join(dataDir, 'clinics', clinicId, 'lan');
    const asKilled = mkdtempSync(join(tmpdir(), 'cw-killed-lan-'));
    cpSync(lanDir, asKilled, { recursive: true });
    await services.dispose();
    rmSync(lanDir, { recursive: true, force: true });
    cpSync(asKilled, lanDir, { recursive: true });
    rmSync(asKilled, { recursive: true, force: true });
    expect(grep(CUT_MRN).length).toBeGreaterThan(0);
    const restarted = createServices({ dataDir, keyStore, logger, lan: { host: '127.0.0.1', port: 0, advertise: false } });
    try {
      await waitFor('the startup sweep', () => grep(CUT_MRN).length === 0 && grep(fragment).length === 0, 10_000);
      expect(logger.lines.some((l) => l.message === 'lan.upload.swept' && l.fields?.['reason'] === 'workstation_start')).toBe(true);
    } finally {
      await restarted.dispose();
    }
  }, 120_000);
});
