/**
 * Whether a real Secret Service is reachable, for tests that need the keychain (vault, auth).
 * Run them inside `scripts/with-keyring.sh` (a private dbus session with an unlocked GNOME
 * Keyring). Without one they are skipped with the reason — unless `CI` or
 * `COHERENCY_REQUIRE_KEYRING=1` is set, where they FAIL, so CI can never pass by skipping them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const KEYRING_REQUIRED = Boolean(process.env.CI) || process.env.COHERENCY_REQUIRE_KEYRING === '1';

/** A service name of its own, so tests never read or write a real `Coherency Workstation` entry. */
export const TEST_SERVICE = `Coherency Workstation (test ${process.pid})`;

/**
 * Probes in a child process: a locked or missing keyring can make libsecret wait on a prompt that
 * never comes, and a child can be given a timeout.
 */
function probe(): { ok: true } | { ok: false; reason: string } {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return { ok: false, reason: 'no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset)' };
  const keytarPath = createRequire(import.meta.url).resolve('keytar');
  const script = `require(${JSON.stringify(keytarPath)}).setPassword('coherency-probe', 'probe', 'x').then(() => require(${JSON.stringify(keytarPath)}).deletePassword('coherency-probe', 'probe')).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return { ok: true };
  return { ok: false, reason: r.error ? String(r.error.message) : r.stderr.trim() || `exit ${r.status}` };
}

export const keyring = probe();

export const KEYRING_SKIP_REASON = keyring.ok
  ? ''
  : `no usable Secret Service (${keyring.reason}); run: scripts/with-keyring.sh npx vitest run main/vault main/auth`;

/** Call at the top of a keyring test: fails loudly when the keyring is required but missing. */
export function assertKeyringWhenRequired(): void {
  if (KEYRING_REQUIRED && !keyring.ok) {
    throw new Error(`A real Secret Service is required (CI or COHERENCY_REQUIRE_KEYRING=1) but ${KEYRING_SKIP_REASON}`);
  }
}

/** `describe.skipIf(skipKeyring)`: skip only when allowed to. */
export const skipKeyring = !keyring.ok && !KEYRING_REQUIRED;

/**
 * A temp dir for a suite that needs the keychain; its afterAll removes it. vitest runs a skipped
 * suite's body (to list its tests) but not its afterAll, so where the suite is skipped the dir is
 * removed as soon as the body has run instead.
 */
export function keyringSuiteDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (skipKeyring) setTimeout(() => rmSync(dir, { recursive: true, force: true }), 0);
  return dir;
}
