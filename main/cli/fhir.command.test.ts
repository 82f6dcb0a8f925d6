/**
 * `coherency fhir-export` as a doctor of a real clinic (real record, a keychain service of the
 * test's own in a real Secret Service), then `coherency fhir-import --check` on the file it wrote
 * and on a copy with a planted error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkstation } from '../app/index';
import { totpCode } from '../auth/index';
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { assertKeyringWhenRequired, skipKeyring, TEST_SERVICE } from '../vault/test-keyring';
import { exportWithKeychain, fhirImportCommand } from './fhir.command';

const PASSWORD = 'correct horse battery staple';
const capture = () => {
  const lines: string[] = [];
  return { lines, io: { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) } };
};

describe.skipIf(skipKeyring)('coherency fhir-export / fhir-import --check', () => {
  assertKeyringWhenRequired();
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-fhir-cli-'));
  const keyStore = createKeytarKeyStore({ service: TEST_SERVICE });
  const accounts: string[] = [];
  afterAll(async () => {
    for (const a of accounts) await keyStore.delete(a).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports a wound as a doctor, refuses a nurse, and the check reads the file back (and finds a planted error)', async () => {
    const ws = createWorkstation({ dataDir, keyStore, logger: silentLogger });
    // Doctors sign in in two steps here (the CLI must take the authenticator's code).
    const { clinicId } = await ws.enrol({ name: 'CLI Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD }, twoFactorRoles: ['doctor'] });
    accounts.push(clinicId, `report-signing:${clinicId}`);
    const clinic = await ws.clinic(clinicId);
    const admin = clinic.auth.authorize((await clinic.auth.login('admin', PASSWORD)).token, 'staff.manage').actor;
    await clinic.auth.createStaff({ username: 'doc', displayName: 'Dr Doc', password: PASSWORD, roles: ['doctor'] }, admin);
    await clinic.auth.createStaff({ username: 'nurse', displayName: 'Nurse', password: PASSWORD, roles: ['nurse'] }, admin);
    const nurse = clinic.auth.authorize((await clinic.auth.login('nurse', PASSWORD)).token, 'clinical.write').actor;
    const patient = clinic.patients.create({ mrn: 'MRN-CLI', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1960-05-04', sex: 'female' }, nurse);
    const woundId = clinic.wounds.create({ patientId: patient.id, bodySite: 'heel', etiology: 'venous_leg_ulcer' }, nurse).id;
    const scanId = '0190aaaa-0000-7000-8000-00000000c11c';
    clinic.scans.insert({ id: scanId, woundId, capturedAt: Date.UTC(2025, 10, 8), format: 'ply', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'a'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json' }, nurse);
    const figures = { area_cm2: 4.25, projected_area_cm2: 4.1, perimeter_cm: 7.5, length_cm: 2.75, width_cm: 1.9, max_depth_mm: 6.2, mean_depth_mm: 3.1, volume_cm3: 1.32, raised_volume_cm3: 0.04, tissue_pct: null, tissue_confirmed_pct: null, tissue_unavailable_reason: 'no colour', head_to_toe_length_cm: null, width_across_cm: null };
    clinic.assessments.create({ scanId, method: 'manual', modelVersion: null, figures, outline: [[0, 0, 0], [20, 0, 0], [20, 15, 1]] }, nurse);
    // The doctor sets up an authenticator at her first sign-in (in the app).
    const first = await clinic.auth.signIn('doc', PASSWORD);
    if (first.status !== 'enrol-second-factor') throw new Error(`expected an enrolment, got ${first.status}`);
    const secret = first.enrolment.secret;
    await clinic.auth.completeSignIn(first.challenge, totpCode(secret, Date.now()));
    await ws.dispose();

    const out = join(dataDir, 'wound.fhir.json');
    const args = { clinicId, woundId, user: 'doc', out, mrnOnly: true };
    const refused = capture();
    expect(await exportWithKeychain({ ...args, user: 'nurse' }, refused.io, { dataDir, keyStore, password: PASSWORD })).toBe(2);
    expect(refused.lines.join('\n')).toContain('FORBIDDEN');
    const wrong = capture();
    expect(await exportWithKeychain(args, wrong.io, { dataDir, keyStore, password: 'not the password at all' })).toBe(2);

    const noCode = capture();
    expect(await exportWithKeychain(args, noCode.io, { dataDir, keyStore, password: PASSWORD })).toBe(2);
    expect(noCode.lines.join('\n')).toContain('SECOND_FACTOR_REQUIRED');
    const badCode = capture();
    expect(await exportWithKeychain({ ...args, code: String((Number(totpCode(secret, Date.now() + 30_000)) + 1) % 1_000_000).padStart(6, '0') }, badCode.io, { dataDir, keyStore, password: PASSWORD })).toBe(2);

    const done = capture();
    expect(await exportWithKeychain({ ...args, code: totpCode(secret, Date.now() + 30_000) }, done.io, { dataDir, keyStore, password: PASSWORD })).toBe(0);
    expect(done.lines.join('\n')).toMatch(/1 Patient, 1 Condition, 6 Observation, 1 DocumentReference/);
    expect(readFileSync(out, 'utf8')).not.toContain('Lovelace');

    const check = capture();
    expect(await fhirImportCommand.run(['--check', out], check.io)).toBe(0);
    const report = check.lines.join('\n');
    expect(report).toContain('assessments (wound size panels): 1');
    expect(report).toContain('1 × Area of wound (89260-4)');
    expect(report).toMatch(/document: application\/pdf, \d+ bytes/);
    expect(report).toContain('valid:');
    expect(report).not.toContain('MRN-CLI'); // counts and kinds, no patient values

    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { entry: { resource: { resourceType: string; status?: string } }[] };
    delete bundle.entry.find((e) => e.resource.resourceType === 'Observation')!.resource.status;
    const planted = join(dataDir, 'planted.json');
    writeFileSync(planted, JSON.stringify(bundle));
    const bad = capture();
    expect(await fhirImportCommand.run(['--check', planted, '--json'], bad.io)).toBe(2);
    expect(JSON.parse(bad.lines[0]!)).toMatchObject({ valid: false, problems: expect.arrayContaining([expect.stringMatching(/status/)]) });
    const notJson = capture();
    writeFileSync(planted, 'not json');
    expect(await fhirImportCommand.run(['--check', planted], notJson.io)).toBe(2);
  }, 120_000);
});
