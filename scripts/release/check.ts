/**
 * `npm run release:check`: what a release must pass besides the tests, run by `npm test` after the
 * build (so in CI). Writes under release/:
 *  - sbom.cdx.json: CycloneDX SBOM of the production dependencies (@cyclonedx/cyclonedx-npm);
 *  - licences.txt: every shipped package with its licence; FAILS on GPL/AGPL or none (licences.ts);
 *  - electronegativity.sarif: Electronegativity over the built app (out/: main, preload, renderer),
 *    Electron version pinned from package.json, offline; FAILS on any finding;
 *  - the built renderer's index.html and the app's CSP (main/shared/csp.ts);
 *  - packaging: electron-builder --dir where the Electron binary is installed; otherwise reported
 *    as SKIPPED with the reason (nothing else is skipped).
 * Exit code 1 when anything failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronBinary } from '../electron-path.mjs';
import { contentSecurityPolicy, cspProblems, rendererHtmlProblems } from '../../main/shared/csp';
import { licenceReport, type SbomComponent } from './licences';

const root = join(import.meta.dirname, '..', '..');
const outDir = join(root, 'release');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
mkdirSync(outDir, { recursive: true });

/**
 * Electronegativity checks left out, each for a reason and each backed by a test of our own:
 *  - AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release list (no network in CI);
 *    the Electron version is pinned in package.json and upgraded by a reviewed change.
 *  - CSP_GLOBAL_CHECK looks only for CSP meta tags and webRequest header callbacks; our CSP is a
 *    response header of the app:// protocol handler (main/electron/index.ts), checked on the
 *    built renderer by main/shared/csp.test.ts.
 *  - PRELOAD_JS_CHECK is a "review the preload" reminder for every app with one; ours exposes only
 *    the tRPC IPC link (preload/), and every BrowserWindow's options are asserted by
 *    main/electron/window-options.test.ts (sandbox, contextIsolation, no nodeIntegration).
 */
export const ELECTRONEGATIVITY_EXCLUDED = ['AvailableSecurityFixesGlobalCheck', 'CSPGlobalCheck', 'PreloadJSCheck'];

const failures: string[] = [];
const step = (label: string, ok: boolean, detail = '') => {
  console.log(`${ok ? 'ok     ' : 'FAILED '} ${label}${detail ? ` — ${detail}` : ''}`);
  if (!ok) failures.push(label);
};
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });

// 1. SBOM
const sbomFile = join(outDir, 'sbom.cdx.json');
const sbom = run(bin('cyclonedx-npm'), ['--omit', 'dev', '--output-format', 'JSON', '--output-reproducible', '--output-file', sbomFile]);
step('SBOM (CycloneDX, production dependencies)', sbom.status === 0 && existsSync(sbomFile), sbom.status === 0 ? 'release/sbom.cdx.json' : sbom.stderr.slice(-2000));

// 2. Licences
if (existsSync(sbomFile)) {
  const doc = JSON.parse(readFileSync(sbomFile, 'utf8')) as { components?: Array<SbomComponent & { components?: SbomComponent[] }> };
  const all: SbomComponent[] = [];
  const walk = (cs: Array<SbomComponent & { components?: SbomComponent[] }> = []) => {
    for (const c of cs) {
      all.push(c);
      walk(c.components as never);
    }
  };
  walk(doc.components);
  const report = licenceReport(all);
  writeFileSync(join(outDir, 'licences.txt'), report.rows.map((r) => `${r.ok ? '  ' : '!!'} ${r.name}@${r.version}\t${r.licence}${r.reason ? `\t${r.reason}` : ''}`).join('\n') + '\n');
  const refused = report.rows.filter((r) => !r.ok);
  step(`licences (${report.rows.length} production packages; no GPL/AGPL)`, refused.length === 0, refused.length ? refused.map((r) => `${r.name}@${r.version}: ${r.reason}`).join('; ') : 'release/licences.txt');
}

// 3. Electronegativity over the built app
const electronVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.electron!;
if (!existsSync(join(root, 'out', 'main', 'index.js'))) step('Electronegativity', false, 'out/ is not built: run `npm run build` first');
else {
  const sarif = join(outDir, 'electronegativity.sarif');
  const en = run(bin('electronegativity'), ['-i', 'out', '-r', '-e', electronVersion, '-x', ELECTRONEGATIVITY_EXCLUDED.join(','), '-o', sarif]);
  if (en.status !== 0 || !existsSync(sarif)) step('Electronegativity', false, en.stderr.slice(-2000));
  else {
    const results = (JSON.parse(readFileSync(sarif, 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; message: { text: string }; locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }> }> }> }).runs.flatMap((r) => r.results);
    const where = (r: (typeof results)[number]) => `${r.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '?'}:${r.locations?.[0]?.physicalLocation?.region?.startLine ?? '?'}`;
    step(`Electronegativity (Electron ${electronVersion}, out/)`, results.length === 0, results.length ? results.map((r) => `${r.ruleId} at ${where(r)}: ${r.message.text}`).join('; ') : 'zero findings, release/electronegativity.sarif');
  }
}

// 4. The packaged renderer under its CSP
const builtHtml = join(root, 'out', 'renderer', 'index.html');
if (!existsSync(builtHtml)) step('CSP of the built renderer', false, 'out/renderer is not built: run `npm run build` first');
else {
  const problems = [...cspProblems(contentSecurityPolicy()), ...rendererHtmlProblems(readFileSync(builtHtml, 'utf8'))];
  step('CSP of the built renderer (out/renderer/index.html)', problems.length === 0, problems.join('; '));
}

// 5. Packaging
if (!electronBinary()) {
  console.log('SKIPPED packaging (electron-builder) — the Electron binary is not installed on this machine (its download from GitHub is not reachable here), and electron-builder packs that binary; the configuration itself is validated by scripts/release/electron-builder-config.test.ts');
} else {
  const pack = run(bin('electron-builder'), ['--dir', '--publish', 'never', '-c.forceCodeSigning=false']);
  step('packaging (electron-builder --dir, unsigned)', pack.status === 0, pack.status === 0 ? 'dist/' : pack.stderr.slice(-2000));
}

console.log(failures.length ? `release checks FAILED: ${failures.join(', ')}` : 'release checks ok');
process.exit(failures.length ? 1 : 0);
