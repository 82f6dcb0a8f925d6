/**
 * kill -9 in the middle of an import (a child process kills itself once the original is stored
 * encrypted and the octree is being written): the next start removes the encrypted orphans and
 * lists the job as failed (INTERRUPTED) instead of losing it. Real record, real keychain
 * (scripts/with-keyring.sh), real import workers.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { assertKeyringWhenRequired, keyringSuiteDir, skipKeyring, TEST_SERVICE } from '../vault/test-keyring';
import { createCaller, createContextInner } from '../api/index';
import { createServices } from './index';

const PASSWORD = 'correct horse battery staple';
const SAMPLE = join(import.meta.dirname, '..', '..', '..', 'shared', 'samples', 'scans', 'ply', 'dardavesis__560_db.ply');
const fixture = fileURLToPath(new URL('./import-crash.fixture.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

/** Bytes under each scan-store folder (the orphans a kill leaves are encrypted files with no row). */
function storeFolders(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    out[name] = readdirSync(join(dir, name)).reduce((n, f) => n + statSync(join(dir, name, f)).size, 0);
  }
  return out;
}

describe.skipIf(skipKeyring)('an import killed mid-way (kill -9)', () => {
  assertKeyringWhenRequired();
  const dataDir = keyringSuiteDir('cw-import-crash-');
  const keyStore = createKeytarKeyStore({ service: TEST_SERVICE });
  let clinicId = '';
  afterAll(async () => {
    await keyStore.delete(clinicId).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no encrypted orphans after the next start, and the job is listed as failed', { timeout: 180_000 }, async () => {
    let services = createServices({ dataDir, keyStore, logger: silentLogger, lan: { host: '127.0.0.1', port: 0, advertise: false } });
    const caller = (id: string) => createCaller(createContextInner({ services, transport: 'http', connectionId: id }));
    clinicId = (await caller('anon').clinic.enrol({ name: 'Crash Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })).id;
    await caller('admin').auth.login({ clinicId, username: 'admin', password: PASSWORD });
    await caller('admin').staff.create({ username: 'nurse', displayName: 'Nurse', password: PASSWORD, roles: ['nurse'] });
    await caller('nurse').auth.login({ clinicId, username: 'nurse', password: PASSWORD });
    const patient = await caller('nurse').patients.create({ mrn: 'MRN-CRASH-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female' });
    const woundId = (await caller('nurse').wounds.create({ patientId: patient.id, bodySite: 'Left shin', etiology: 'venous_leg_ulcer' })).id;
    await services.dispose();

    const r = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', tsx, fixture, dataDir, clinicId, woundId, TEST_SERVICE, SAMPLE], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
    });
    expect(r.signal ?? `exit ${r.code}: ${r.stderr}`).toBe('SIGKILL');
    const storeDir = join(dataDir, 'clinics', clinicId, 'scans');
    // What the kill left: an encrypted original (and half an octree) in a folder no row names.
    const left = storeFolders(storeDir);
    expect(Object.keys(left)).toHaveLength(1);
    expect(Object.values(left)[0]).toBeGreaterThan(statSync(SAMPLE).size);

    services = createServices({ dataDir, keyStore, logger: silentLogger, lan: { host: '127.0.0.1', port: 0, advertise: false } });
    try {
      const nurse = caller('nurse');
      await nurse.auth.login({ clinicId, username: 'nurse', password: PASSWORD });
      const jobs = await nurse.scans.jobs();
      expect(jobs).toEqual([expect.objectContaining({ woundId, fileName: 'leg-ulcer-visit-3.ply', phase: 'failed', scanId: null, error: expect.objectContaining({ code: 'INTERRUPTED' }) })]);
      expect(storeFolders(storeDir)).toEqual({});
      expect(await nurse.scans.listByWound({ woundId })).toEqual([]);
    } finally {
      await services.dispose();
    }
  });
});
