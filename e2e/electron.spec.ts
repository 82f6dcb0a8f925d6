import { join } from 'node:path';
import { _electron as electron, test, expect } from '@playwright/test';
import { electronBinary } from '../scripts/electron-path.mjs';

const binary = electronBinary();
const SKIP_REASON = 'Electron binary not installed (its download is unreachable on this machine); the browser-host specs cover the same renderer and router';
if (!binary) console.log(`[electron e2e] skipped: ${SKIP_REASON}`);

test.describe('Electron shell', () => {
  test.skip(!binary, SKIP_REASON);

  test('opens the System screen over IPC in a sandboxed window', async () => {
    const app = await electron.launch({ executablePath: binary!, args: [join(import.meta.dirname, '..')] });
    const window = await app.firstWindow();
    await expect(window.getByTestId('transport')).toContainText('IPC');
    // nodeIntegration off and sandboxed: no Node globals; the preload exposes one object with two functions.
    const globals = await window.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      exposed: Object.keys((globalThis as unknown as { electronTRPC: object }).electronTRPC).sort(),
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', exposed: ['onMessage', 'sendMessage'] });
    // Navigation away from the app and new windows are refused.
    await window.evaluate(() => (globalThis as unknown as { open(url: string): unknown }).open('https://example.com'));
    expect(app.windows()).toHaveLength(1);
    await app.close();
  });
});
