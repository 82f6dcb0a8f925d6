/**
 * Test helpers for auth, built only on the records and vault public APIs (a service never reaches
 * into another's internals, tests included).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClinicRecord, type ClinicRecord } from '../records/index';
import { createMemoryLogger } from '../shared/logger';
import { createKeytarKeyStore, probeKeychain } from '../vault/index';

export const logger = createMemoryLogger();

export function tempDir(prefix = 'coherency-auth-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh encrypted record in its own temp dir. */
export function createTestRecord(): { record: ClinicRecord; dispose(): void } {
  const tmp = tempDir();
  const created = createClinicRecord({ file: join(tmp.dir, 'record.db'), key: randomBytes(32), clinicId: randomUUID(), clinicName: 'Test Clinic', logger });
  if (!created.ok) throw created.error;
  return {
    record: created.record,
    dispose() {
      created.record.dispose();
      tmp.cleanup();
    },
  };
}

// ---- the real keychain ------------------------------------------------------------------------

/** Fail (not skip) keychain tests where a keychain is promised. */
export const KEYRING_REQUIRED = Boolean(process.env.CI) || process.env.COHERENCY_REQUIRE_KEYRING === '1';
/** Tests use a service name of their own, never the app's entries. */
export const TEST_SERVICE = `Coherency Workstation (test ${process.pid})`;
export const testKeyStore = createKeytarKeyStore({ service: TEST_SERVICE });

const probe = process.env.DBUS_SESSION_BUS_ADDRESS ? await probeKeychain(testKeyStore) : ({ ok: false, error: new Error('DBUS_SESSION_BUS_ADDRESS is unset') } as const);
export const KEYRING_SKIP_REASON = probe.ok ? '' : `no usable Secret Service (${probe.error.message}); run: scripts/with-keyring.sh npx vitest run main/vault main/auth`;
export const skipKeyring = !probe.ok && !KEYRING_REQUIRED;

export function assertKeyringWhenRequired(): void {
  if (KEYRING_REQUIRED && !probe.ok) throw new Error(`A real Secret Service is required (CI or COHERENCY_REQUIRE_KEYRING=1) but there is ${KEYRING_SKIP_REASON}`);
}
