/**
 * The import directions of ARCHITECTURE.md are lint data (eslint.config.js). This test feeds the
 * linter forbidden and allowed imports from each layer, so loosening a rule fails CI.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => /restricted-imports/.test(m.ruleId ?? '')).map((m) => m.message);
}

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
];

describe('layer rules (eslint.config.js)', () => {
  it.each(cases)('%s: %s → forbidden=%s', async (file, code, forbidden) => {
    const messages = await restricted(file, code);
    expect(messages.length > 0, messages.join('\n')).toBe(forbidden);
  });
});
