/**
 * The import directions of ARCHITECTURE.md are lint data (eslint.config.js). This test feeds the
 * linter forbidden and allowed imports from each layer, files planted where they do not belong and
 * import cycles, so loosening a rule fails CI.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string, rule: RegExp): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => rule.test(m.ruleId ?? '')).map((m) => m.message);
}
const restricted = (file: string, code: string) => problems(file, code, /restricted-imports/);

const cases: Array<[file: string, code: string, forbidden: boolean]> = [
  ['renderer/features/x/X.tsx', "import { appRouter } from '../../../main/api/app.router';\nexport const a = appRouter;", true],
  ['renderer/features/x/X.tsx', "import type { AppRouter } from '../../../main/api/app.router';\nexport type A = AppRouter;", false],
  ['renderer/features/x/X.tsx', "import { getSystemInfo } from '../../../main/system/index';\nexport const a = getSystemInfo;", true],
  ['renderer/features/x/X.tsx', "import fs from 'node:fs';\nexport const a = fs;", true],
  ['renderer/features/x/X.tsx', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;", true],
  ['main/scans/x.ts', "import { app } from 'electron';\nexport const a = app;", true],
  ['main/scans/x.ts', "import { appRouter } from '../api/index';\nexport const a = appRouter;", true],
  ['main/scans/x.ts', "import { startBrowserHost } from '../host/server';\nexport const a = startBrowserHost;", true],
  ['main/scans/x.ts', "import { x } from '../records/internal-file';\nexport const a = x;", true],
  ['main/scans/x.ts', "import type { x } from '../records/index';\nexport type A = typeof x;", false],
  ['main/billing/x.ts', "import { createOpsFixture } from '../operations/test-helpers';\nexport const a = createOpsFixture;", true],
  ['main/billing/x.test.ts', "import { createOpsFixture } from '../operations/test-helpers';\nexport const a = createOpsFixture;", false],
  ['main/billing/x.test.ts', "import { x } from '../stock/stock.service';\nexport const a = x;", true],
  ['main/stock/x.ts', "import { createBilling } from '../billing/billing.service';\nexport const a = createBilling;", true],
  ['main/scans/x.ts', "import { readFile } from 'node:fs/promises';\nexport const a = readFile;", false],
  ['main/api/x.ts', "import { BrowserWindow } from 'electron';\nexport const a = BrowserWindow;", true],
  ['main/host/x.ts', "import { app } from 'electron';\nexport const a = app;", true],
  ['main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;", false],
  ['common/x.ts', "import fs from 'node:fs';\nexport const a = fs;", true],
  ['common/x.ts', "import { x } from '../main/system/index';\nexport const a = x;", true],
  ['common/x.ts', "import { z } from 'zod';\nexport const a = z;", false],
  ['server/x.ts', "import { x } from '../main/records/index';\nexport const a = x;", true],
  // A service names the composition root's types (an open clinic) but never runs it.
  ['main/backup/x.ts', "import { createServices } from '../app/index';\nexport const a = createServices;", true],
  ['main/backup/x.ts', "import type { OpenClinic } from '../app/index';\nexport type A = OpenClinic;", false],
  ['main/shared/x.ts', "import { createServices } from '../app/index';\nexport const a = createServices;", true],
  // A domain's tests may drive it through the real router and use other domains' test helpers; its code may not.
  ['main/backup/x.test.ts', "import { createCaller } from '../api/index';\nexport const a = createCaller;", false],
  ['main/backup/x.ts', "import { createCaller } from '../api/index';\nexport const a = createCaller;", true],
  ['main/backup/x.test.ts', "import { TEST_SERVICE } from '../vault/test-keyring';\nexport const a = TEST_SERVICE;", false],
  ['main/backup/x.ts', "import { TEST_SERVICE } from '../vault/test-keyring';\nexport const a = TEST_SERVICE;", true],
  ['main/backup/x.test.ts', "import { rekey } from '../records/copy';\nexport const a = rekey;", true],
  ['main/inbox/x.ts', "import { createLanReceiver } from '../lan/receiver.service';\nexport const a = createLanReceiver;", true],
  ['main/inbox/x.ts', "import { createLanReceiver } from '../lan/index';\nexport const a = createLanReceiver;", false],
  // Domains not written yet are zoned already.
  ['main/bookings/x.ts', "import { appRouter } from '../api/index';\nexport const a = appRouter;", true],
  ['main/billing/x.ts', "import { rekey } from '../records/copy';\nexport const a = rekey;", true],
  ['main/billing/x.ts', "import { appendAudit } from '../records/index';\nexport const a = appendAudit;", false],
  // Routers reach services through an index.ts and do no file or crypto work.
  ['main/api/x.router.ts', "import { rekey } from '../records/copy';\nexport const a = rekey;", true],
  ['main/api/x.router.ts', "import { rekey } from '../records/index';\nexport const a = rekey;", false],
  ['main/api/x.router.ts', "import { createSegmenter } from '../analysis/segmentation/segmenter';\nexport const a = createSegmenter;", true],
  ['main/api/x.router.ts', "import { createSegmenter } from '../analysis/segmentation/index';\nexport const a = createSegmenter;", false],
  ['main/api/x.router.ts', "import { readFile } from 'node:fs/promises';\nexport const a = readFile;", true],
  ['main/api/x.router.ts', "import { randomBytes } from 'node:crypto';\nexport const a = randomBytes;", true],
  ['main/api/x.router.ts', "import { z } from 'zod';\nexport const a = z;", false],
  // The composition root and the file routes are plain Node, and import no shell.
  ['main/app/x.ts', "import { app } from 'electron';\nexport const a = app;", true],
  ['main/file-routes/x.ts', "import { startBrowserHost } from '../host/server';\nexport const a = startBrowserHost;", true],
];

/** main/api/ holds routers and its four infrastructure files; anything else planted there fails. */
const apiFiles: Array<[file: string, allowed: boolean]> = [
  ['main/api/lan-wiring.ts', false],
  ['main/api/workstation.ts', false],
  ['main/api/backup-archive.ts', false],
  ['main/api/helpers.test.ts', false],
  ['main/api/bookings/bookings.router.ts', false],
  ['main/api/bookings.router.ts', true],
  ['main/api/bookings.router.test.ts', true],
  ['main/api/trpc.ts', true],
  ['main/api/context.ts', true],
  ['main/api/index.ts', true],
  ['main/api/event-stream.ts', true],
];

/**
 * Import cycles fail wherever they are; type-only imports are not cycles (they vanish at run time).
 * Each planted file is linted under a real path, so the files it imports close the loop.
 */
const cycles: Array<[file: string, code: string, cycle: boolean]> = [
  // trpc.ts ← app.router.ts imports it: trpc.ts importing the app router back is a cycle.
  ['main/api/trpc.ts', "import { appRouter } from './app.router';\nexport const a = appRouter;", true],
  ['main/api/trpc.ts', "import type { AppRouter } from './app.router';\nexport type A = AppRouter;", false],
  // The two cycles issue 14 broke, planted again.
  ['main/analysis/segmentation/active-model.ts', "import { installModel } from './index';\nexport const a = installModel;", true],
  ['main/analysis/segmentation/active-model.ts', "import { installModel } from './segmenter';\nexport const a = installModel;", false],
  ['main/scans/import/index.ts', "import { parseInWorker } from '../index';\nexport const a = parseInWorker;", true],
  ['main/scans/import/index.ts', "import { parseInWorker } from '../formats/parse-in-worker';\nexport const a = parseInWorker;", false],
  // Through a longer loop: app/services.ts → file-routes/index.ts → app-files.ts → app/index.ts → services.ts.
  ['main/file-routes/app-files.ts', "import { createServices } from '../app/index';\nexport const a = createServices;", true],
  ['main/file-routes/app-files.ts', "import type { Services } from '../app/index';\nexport type A = Services;", false],
];

describe('layer rules (eslint.config.js)', () => {
  it.each(cases)('%s: %s → forbidden=%s', async (file, code, forbidden) => {
    const messages = await restricted(file, code);
    expect(messages.length > 0, messages.join('\n')).toBe(forbidden);
  }, 120_000); // the first case loads the typed ESLint program of the whole project

  it.each(apiFiles)('%s in main/api/ → allowed=%s', async (file, allowed) => {
    const messages = await problems(file, 'export const a = 1;\n', /^layout\/routers-only$/);
    expect(messages.length === 0, messages.join('\n')).toBe(allowed);
  });

  it.each(cycles)('%s: %s → cycle=%s', async (file, code, cycle) => {
    const messages = await problems(file, code, /^import-x\/no-cycle$/);
    expect(messages.length > 0, messages.join('\n')).toBe(cycle);
  });
});
