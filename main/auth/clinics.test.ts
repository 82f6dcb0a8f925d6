/** Enrolment and opening of clinics with the REAL keychain (scripts/with-keyring.sh). */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPatientsRepository, NotAClinicRecordError, WrongKeyError } from '../records/index';
import { createMemoryLogger } from '../shared/logger';
import { assertKeyringWhenRequired, KEYRING_SKIP_REASON, skipKeyring, tempDir, TEST_SERVICE, testKeyStore } from './test-helpers';
import { createAuthService } from './auth.service';
import { enrolClinic, listClinics, openClinic } from './clinics';
import { ClinicKeyMissingError, ClinicNotEnrolledError } from './errors';

const FAST = { log2N: 12, r: 8, p: 1 };
const logger = createMemoryLogger();
/** True when every command is on PATH. */
function hasTools(...tools: string[]): boolean {
  return tools.every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
}
const admin = { username: 'it.admin', displayName: 'IT Admin', password: 'first admin password' };

describe.skipIf(skipKeyring)(`clinics on a workstation${skipKeyring ? ` — skipped: ${KEYRING_SKIP_REASON}` : ''}`, () => {
  const keyStore = testKeyStore;
  const enrolled: string[] = [];
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    assertKeyringWhenRequired();
    tmp = tempDir('coherency-clinics-');
  });
  afterEach(() => tmp.cleanup());
  afterAll(async () => {
    for (const id of enrolled) await keyStore.delete(id).catch(() => false);
  });
  const deps = () => ({ dataDir: tmp.dir, keyStore, logger, scrypt: FAST });

  it('enrols two clinics, each with its own file, key and first IT admin', async () => {
    const a = await enrolClinic({ name: 'North Wound Clinic', admin }, deps());
    const b = await enrolClinic({ name: 'South Wound Clinic', admin }, deps());
    enrolled.push(a.clinic.id, b.clinic.id);
    expect(a.clinic.file).toBe(join(tmp.dir, 'clinics', a.clinic.id, 'record.db'));
    expect(a.admin).toMatchObject({ username: 'it.admin', roles: ['it-admin'] });
    const ka = await keyStore.get(a.clinic.id);
    const kb = await keyStore.get(b.clinic.id);
    expect(ka).toHaveLength(32);
    expect(ka!.equals(kb!)).toBe(false);
    createPatientsRepository(a.record).create({ mrn: 'MRN-SECRET-1', givenName: 'Ottoline', familyName: 'Morrell', dateOfBirth: '1933-06-16', sex: 'female' }, { id: a.admin.id, roles: ['nurse'] });
    a.record.dispose();
    b.record.dispose();

    expect(listClinics(tmp.dir)).toEqual([
      { id: a.clinic.id, name: 'North Wound Clinic', file: a.clinic.file },
      { id: b.clinic.id, name: 'South Wound Clinic', file: b.clinic.file },
    ]);
    const index = readFileSync(join(tmp.dir, 'clinics.json'), 'utf8');
    expect(JSON.parse(index)).toEqual({
      version: 1,
      clinics: [
        { id: a.clinic.id, name: 'North Wound Clinic', file: join('clinics', a.clinic.id, 'record.db') },
        { id: b.clinic.id, name: 'South Wound Clinic', file: join('clinics', b.clinic.id, 'record.db') },
      ],
    });
    expect(index).not.toMatch(/Morrell|MRN-SECRET|it\.admin/);
    expect(index).not.toContain(ka!.toString('hex'));

    const opened = await openClinic(a.clinic.id, deps());
    if (!opened.ok) throw opened.error;
    expect(opened.record.clinicName).toBe('North Wound Clinic');
    const auth = createAuthService({ record: opened.record, logger, scrypt: FAST });
    await expect(auth.login('it.admin', admin.password)).resolves.toMatchObject({ permissions: expect.arrayContaining(['staff.manage']) });
    opened.record.dispose();
  });

  // What IT does to inspect a record outside the app: read the clinic's key from the Secret Service
  // with libsecret's own `secret-tool` (not our code) and open the file with Debian's `sqlcipher`.
  // .ci/run installs both (SQLCipher 4, built from Debian's own source package where the release is older).
  it.skipIf(!process.env.CI && !process.env.COHERENCY_REQUIRE_SQLCIPHER && !hasTools('secret-tool', 'sqlcipher'))('IT opens the record with the key from the keychain in Debian’s sqlcipher CLI; a wrong key reads nothing', async () => {
    const a = await enrolClinic({ name: 'North Wound Clinic', admin }, deps());
    enrolled.push(a.clinic.id);
    createPatientsRepository(a.record).create({ mrn: 'MRN-CLI-0417', givenName: 'Euphemia', familyName: 'Lamb', dateOfBirth: '1950-02-03', sex: 'female' }, { id: a.admin.id, roles: ['nurse'] });
    a.record.dispose();
    const before = readFileSync(a.clinic.file);

    const hex = execFileSync('secret-tool', ['lookup', 'service', TEST_SERVICE, 'account', a.clinic.id], { encoding: 'utf8' }).trim();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    const version = execFileSync('sqlcipher', [':memory:'], { input: 'PRAGMA cipher_version;\n', encoding: 'utf8' }).trim();
    expect(Number(version.split('.')[0]), `sqlcipher CLI is SQLCipher ${version}; the record is SQLCipher 4`).toBeGreaterThanOrEqual(4);
    const read = (key: string) => spawnSync('sqlcipher', ['-readonly', a.clinic.file], { input: `PRAGMA key = "x'${key}'";\nSELECT mrn, given_name, family_name FROM patients;\n`, encoding: 'utf8' });
    const opened = read(hex);
    expect(opened.status, opened.stderr).toBe(0);
    expect(opened.stdout).toContain('MRN-CLI-0417|Euphemia|Lamb');

    const wrong = read(hex.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/file is (encrypted or is )?not a database/);
    expect(wrong.stdout).not.toContain('Lamb');
    expect(readFileSync(a.clinic.file).equals(before)).toBe(true);
  });

  it('refuses a swapped record (each clinic’s key opens only its own file) and an unknown clinic', async () => {
    const a = await enrolClinic({ name: 'A', admin }, deps());
    const b = await enrolClinic({ name: 'B', admin }, deps());
    enrolled.push(a.clinic.id, b.clinic.id);
    a.record.dispose();
    b.record.dispose();
    // Put B's file where A's should be: A's key does not open it.
    writeFileSync(a.clinic.file, readFileSync(b.clinic.file));
    const swapped = await openClinic(a.clinic.id, deps());
    expect(swapped.ok || swapped.error).toBeInstanceOf(WrongKeyError);
    // Give A B's key too: the key opens it, but it is B's record.
    await keyStore.set(a.clinic.id, (await keyStore.get(b.clinic.id))!);
    const foreign = await openClinic(a.clinic.id, deps());
    expect(foreign.ok || foreign.error).toBeInstanceOf(NotAClinicRecordError);
    expect(await openClinic('0190aaaa-0000-7000-8000-00000000beef', deps())).toMatchObject({ ok: false, error: expect.any(ClinicNotEnrolledError) });
  });

  it('says so when the keychain has lost a clinic’s key, and leaves the record alone', async () => {
    const a = await enrolClinic({ name: 'A', admin }, deps());
    a.record.dispose();
    const before = readFileSync(a.clinic.file);
    await keyStore.delete(a.clinic.id);
    const result = await openClinic(a.clinic.id, deps());
    expect(result.ok || result.error).toBeInstanceOf(ClinicKeyMissingError);
    expect(readFileSync(a.clinic.file).equals(before)).toBe(true);
  });
});

describe('enrolment without a keychain', () => {
  it('fails with KeychainUnavailableError and creates nothing', () => {
    const tmp = tempDir('coherency-nokeychain-');
    try {
      const tsx = createRequire(import.meta.url).resolve('tsx');
      const fixture = fileURLToPath(new URL('./enrol-unavailable.fixture.ts', import.meta.url));
      const r = spawnSync(process.execPath, ['--import', tsx, fixture, tmp.dir], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/coherency-test-bus' },
      });
      expect(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ name: 'KeychainUnavailableError', code: 'KEYCHAIN_UNAVAILABLE' });
      expect(existsSync(join(tmp.dir, 'clinics.json'))).toBe(false);
      expect(existsSync(join(tmp.dir, 'clinics')) ? readdirSync(join(tmp.dir, 'clinics')) : []).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
});
