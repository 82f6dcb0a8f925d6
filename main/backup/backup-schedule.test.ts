/**
 * Automatic backups (issue 21 point 14) through the tRPC caller on the real services: real record,
 * scan store and keychain (scripts/with-keyring.sh), a real folder standing for the share. The
 * scheduler's clock is the only thing the test moves.
 */
import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../records/index';
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { assertKeyringWhenRequired, keyringSuiteDir, skipKeyring, TEST_SERVICE } from '../vault/test-keyring';
import { encodePly, makeCavityPhantom } from '../analysis/test-phantoms';
import { scanInboxOf } from '../inbox/index';
import { createCaller, createContextInner } from '../api/index';
import { createServices } from '../app/index';
import { readBackupManifest } from './archive';

const PASSWORD = 'correct horse battery staple';
const BACKUP_PASSWORD = 'a long backup passphrase 42';
const HOUR = 3_600_000;

async function appCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof TRPCError) return (error.cause as { code?: string } | undefined)?.code ?? error.code;
    return (error as { code?: string }).code ?? 'THROWN';
  }
  return 'OK';
}

describe.skipIf(skipKeyring)('automatic backups to a folder IT chooses, with retention (real services)', () => {
  assertKeyringWhenRequired();
  const dataDir = keyringSuiteDir('cw-schedule-');
  const share = keyringSuiteDir('cw-share-');
  const keyStore = createKeytarKeyStore({ service: TEST_SERVICE });
  let offset = 0;
  const services = createServices({ dataDir, keyStore, logger: silentLogger, backupTickMs: 0, now: () => Date.now() + offset });
  const caller = (id: string) => createCaller(createContextInner({ services, transport: 'http', connectionId: id }));
  const admin = caller('admin');
  let clinicId = '';

  beforeAll(async () => {
    clinicId = (await caller('anon').clinic.enrol({ name: 'Riverside Wound Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })).id;
    await admin.auth.login({ clinicId, username: 'admin', password: PASSWORD });
    await admin.staff.create({ username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] });
    await caller('nurse').auth.login({ clinicId, username: 'nurse', password: PASSWORD });
  }, 60_000);

  afterAll(async () => {
    await services.dispose();
    await keyStore.delete(clinicId).catch(() => false);
    await keyStore.delete(`backup-schedule:${clinicId}`).catch(() => false);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(share, { recursive: true, force: true });
  });

  it('with no schedule and no backup the clinic is "never" backed up; a manual backup is named by clinic and time', { timeout: 60_000 }, async () => {
    expect(await admin.backup.schedule()).toMatchObject({ policy: null, health: 'never', lastGoodAt: null, passwordStored: false });
    const made = await admin.backup.export({ password: BACKUP_PASSWORD });
    expect(made.name).toMatch(/^Riverside-Wound-Clinic-\d{8}-\d{6}\.cwbackup$/);
    const d = new Date(made.createdAt);
    expect(made.name).toContain(`-${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}-${String(d.getHours()).padStart(2, '0')}`);
    expect(await admin.backup.schedule()).toMatchObject({ policy: null, health: 'not-scheduled', lastGoodAt: made.createdAt });
    // A day later, with nothing scheduled, the last backup is overdue.
    offset = 25 * HOUR;
    expect((await admin.backup.schedule()).health).toBe('overdue');
    offset = 0;
  });

  it('counts what the clinic holds: one scan and one incoming scan are "1 scan, 1 incoming", not their files (issue 21 point 14)', { timeout: 120_000 }, async () => {
    const nurse = caller('nurse');
    const patient = await nurse.patients.create({ mrn: 'MRN-COUNT-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female' });
    const wound = await nurse.wounds.create({ patientId: patient.id, bodySite: 'Left heel', etiology: 'pressure_injury' });
    const bytes = Buffer.from(encodePly(makeCavityPhantom({ surface: 'plane', a: 14, b: 9, c: 4, spacing: 1, colored: true, seed: 5 }).cloud, 0.001));
    const { uploadId } = await nurse.scans.beginUpload({ fileName: 'heel.ply', size: bytes.length });
    await nurse.scans.uploadChunk({ uploadId, offset: 0, data: bytes.toString('base64') });
    const job = await nurse.scans.import({ uploadId, woundId: wound.id, capturedAt: Date.now() - 60_000 });
    const clinic = await services.workstation.clinic(clinicId);
    expect((await clinic.imports.wait(job.id)).phase).toBe('done');
    await scanInboxOf(clinic.store).add({ fileName: 'other.ply', size: bytes.length, sha256: '0'.repeat(64), deviceId: 'tab-1', patientMrn: 'MRN-NOBODY-1', worklistId: null, woundId: null, patientId: null, captureTime: new Date().toISOString(), captureDevice: 'tablet', captureApp: 'sim', reason: 'unknown_patient', error: null }, bytes);

    const made = await admin.backup.export({ password: BACKUP_PASSWORD });
    // 4 files of the scan (original + the 3D view's 3), the incoming scan's file and the inbox's index.
    expect(made).toMatchObject({ scans: 1, incoming: 1, unlinkedFiles: 0, scanFiles: 6 });
    expect((await admin.backup.list()).find((b) => b.name === made.name)).toMatchObject({ scans: 1, incoming: 1, unlinkedFiles: 0, scanFiles: 6 });
    // A deleted scan leaves nothing to count.
    await nurse.scans.delete({ id: (await nurse.scans.listByWound({ woundId: wound.id }))[0]!.id });
    await scanInboxOf(clinic.store).remove((await scanInboxOf(clinic.store).list())[0]!.id);
    expect(await admin.backup.export({ password: BACKUP_PASSWORD })).toMatchObject({ scans: 0, incoming: 0, unlinkedFiles: 0, scanFiles: 1 });
  });

  it('refuses a folder that is not there, not a folder, not writable, or relative, and a schedule without a password', async () => {
    const set = (folder: string, password: string | null = BACKUP_PASSWORD) => appCode(admin.backup.setSchedule({ enabled: true, folder, everyHours: 24, keep: 2, ...(password ? { password } : {}) }));
    expect(await set(join(share, 'missing'))).toBe('BACKUP_FOLDER_INVALID');
    expect(await set('relative/folder')).toBe('BACKUP_FOLDER_INVALID');
    writeFileSync(join(share, 'a-file'), 'x');
    expect(await set(join(share, 'a-file'))).toBe('BACKUP_FOLDER_INVALID');
    rmSync(join(share, 'a-file'));
    if (process.getuid?.() !== 0) {
      const locked = join(share, 'read-only');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      expect(await set(locked)).toBe('BACKUP_FOLDER_INVALID');
      chmodSync(locked, 0o700);
      rmSync(locked, { recursive: true });
    }
    expect(await set(share, null)).toBe('BACKUP_SCHEDULE_PASSWORD');
    expect(await appCode(admin.backup.setSchedule({ enabled: true, folder: share, everyHours: 24, keep: 2, password: 'short' }))).toBe('BAD_REQUEST');
    expect(await appCode(caller('nurse').backup.setSchedule({ enabled: true, folder: share, everyHours: 24, keep: 2, password: BACKUP_PASSWORD }))).toBe('FORBIDDEN');
    expect(readdirSync(share)).toEqual([]);
    expect((await admin.backup.schedule()).policy).toBeNull();
  });

  it('backs up into the folder when due, keeps the newest N there, and warns when the last good one is older than the policy', { timeout: 180_000 }, async () => {
    const view = await admin.backup.setSchedule({ enabled: true, folder: share, everyHours: 24, keep: 2, password: BACKUP_PASSWORD });
    expect(view).toMatchObject({ policy: { enabled: true, folder: share, everyHours: 24, keep: 2 }, passwordStored: true });
    // The password is in the keychain, not in the schedule's file.
    expect((await keyStore.get(`backup-schedule:${clinicId}`))?.toString('utf8')).toBe(BACKUP_PASSWORD);
    const scheduleFile = readdirSync(join(dataDir, 'clinics', clinicId)).find((f) => f === 'backup-schedule.json');
    expect(scheduleFile).toBeDefined();

    // Never run: due at once.
    await services.backupSchedule.tick();
    let files = readdirSync(share).filter((f) => f.endsWith('.cwbackup'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^Riverside-Wound-Clinic-\d{8}-\d{6}\.cwbackup$/);
    const { manifest } = await readBackupManifest(join(share, files[0]!));
    expect(manifest.clinicId).toBe(clinicId);
    let status = await admin.backup.schedule();
    expect(status).toMatchObject({ health: 'ok', status: { lastFile: files[0], lastError: null } });
    expect(status.nextDueAt).toBe(status.status.lastSuccessAt! + 24 * HOUR);

    // Not due again within the interval.
    offset = 23 * HOUR;
    await services.backupSchedule.tick();
    expect(readdirSync(share).filter((f) => f.endsWith('.cwbackup'))).toHaveLength(1);

    // Past the interval and its hour of grace without a run: IT's home screen warns.
    offset = 26 * HOUR;
    expect((await admin.backup.schedule()).health).toBe('overdue');
    // Two more runs: the oldest goes, the newest two stay.
    await services.backupSchedule.tick();
    await admin.backup.runScheduleNow();
    files = readdirSync(share).filter((f) => f.endsWith('.cwbackup')).sort();
    expect(files).toHaveLength(2);
    status = await admin.backup.schedule();
    expect(status).toMatchObject({ health: 'ok', status: { lastRemoved: 1 } });
    // Retention removes only this clinic's backups: any other file in the folder stays.
    writeFileSync(join(share, 'notes.txt'), 'keep me');
    await admin.backup.runScheduleNow();
    expect(readdirSync(share)).toContain('notes.txt');
    expect(readdirSync(share).filter((f) => f.endsWith('.cwbackup'))).toHaveLength(2);

    // The share goes away: the run fails, the reason is kept, health says "failing", nothing else changes.
    const gone = `${share}-gone`;
    rmSync(gone, { recursive: true, force: true });
    const { renameSync } = await import('node:fs');
    renameSync(share, gone);
    status = await admin.backup.runScheduleNow();
    expect(status).toMatchObject({ health: 'failing', status: { lastError: { code: 'BACKUP_FOLDER_INVALID' } } });
    renameSync(gone, share);
    // A failure is retried after half an hour, not on every tick.
    const failedAt = status.status.lastAttemptAt!;
    expect(status.nextDueAt).toBe(failedAt + 30 * 60_000);
    offset += 29 * 60_000;
    await services.backupSchedule.tick();
    expect((await admin.backup.schedule()).health).toBe('failing');
    offset += 2 * 60_000;
    await services.backupSchedule.tick();
    expect(await admin.backup.schedule()).toMatchObject({ health: 'ok', status: { lastError: null } });

    const actions = listAudit((await services.workstation.clinic(clinicId)).record, { entity: 'clinic', limit: 100 }).map((r) => `${r.action}:${r.actorId === 'system' ? 'system' : 'admin'}`);
    expect(actions).toEqual(expect.arrayContaining(['backup.schedule_set:admin', 'backup.schedule_run:admin', 'backup.export:system']));

    // Turned off: the password leaves the keychain, no more runs.
    expect(await admin.backup.setSchedule({ enabled: false, folder: share, everyHours: 24, keep: 2 })).toMatchObject({ policy: { enabled: false }, passwordStored: false, nextDueAt: null });
    expect(await keyStore.get(`backup-schedule:${clinicId}`)).toBeNull();
    offset += 100 * HOUR;
    const before = readdirSync(share).length;
    await services.backupSchedule.tick();
    expect(readdirSync(share)).toHaveLength(before);
    offset = 0;
  });
});
