#!/usr/bin/env node
// `npm test`: typecheck, lint, vitest (inside a real Secret Service session for the keychain
// tests), build, then Playwright e2e against the browser host in Debian's Chromium.
// Ends with one totals line: "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
const want = (step) => only.length === 0 || only.includes(step);

function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`  ${label}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r.status === 0;
}

const failures = [];
const totals = { passed: 0, failed: 0, skipped: 0 };

if (want('typecheck')) {
  if (!run('typecheck (node)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json'])) failures.push('typecheck:node');
  if (!run('typecheck (web)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.web.json'])) failures.push('typecheck:web');
}
if (want('lint') && !run('lint (layer rules)', bin('eslint'), ['--max-warnings', '0', '.'])) failures.push('lint');

if (want('unit')) {
  const vitestJson = join(results, 'vitest.json');
  const vitestArgs = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`];
  // Keychain tests need a Secret Service: run vitest inside dbus + gnome-keyring when available.
  const keyring = join(root, 'scripts', 'with-keyring.sh');
  const ok = existsSync(keyring) && existsSync('/usr/bin/dbus-run-session')
    ? run('vitest (in a gnome-keyring session)', 'bash', [keyring, bin('vitest'), ...vitestArgs], { COHERENCY_REQUIRE_KEYRING: process.env.CI ? '1' : (process.env.COHERENCY_REQUIRE_KEYRING ?? '') })
    : run('vitest', bin('vitest'), vitestArgs);
  if (!ok) failures.push('vitest');
  if (existsSync(vitestJson)) {
    const j = JSON.parse(readFileSync(vitestJson, 'utf8'));
    totals.passed += j.numPassedTests ?? 0;
    totals.failed += j.numFailedTests ?? 0;
    totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  }
}

if (want('e2e')) {
  if (!run('build (electron-vite)', bin('electron-vite'), ['build'])) failures.push('build');
  else {
    // SBOM, licences, Electronegativity and the CSP over the build; packaging where Electron exists (scripts/release/check.ts).
    if (!run('release checks (npm run release:check)', bin('tsx'), [join(root, 'scripts', 'release', 'check.ts')])) failures.push('release:check');
    const pwJson = join(results, 'playwright.json');
    // The browser host keeps clinic keys in the OS keychain: run it inside the same keyring session.
    const keyring = join(root, 'scripts', 'with-keyring.sh');
    const [cmd, args] = existsSync(keyring) && existsSync('/usr/bin/dbus-run-session')
      ? ['bash', [keyring, bin('playwright'), 'test', '--reporter=list,json']]
      : [bin('playwright'), ['test', '--reporter=list,json']];
    if (!run('playwright e2e (browser host, Debian chromium)', cmd, args, { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson })) failures.push('e2e');
    if (existsSync(pwJson)) {
      const s = JSON.parse(readFileSync(pwJson, 'utf8')).stats ?? {};
      totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
      totals.failed += s.unexpected ?? 0;
      totals.skipped += s.skipped ?? 0;
    }
  }
}

console.log(`\n${failures.length ? `FAILED steps: ${failures.join(', ')}` : 'all steps ok'}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length || totals.failed ? 1 : 0);
