import { defineConfig } from '@playwright/test';

/**
 * e2e against the browser host in Debian's Chromium (never a downloaded browser). Each worker
 * starts its own host on a free port with an empty data dir (see e2e/fixtures.ts).
 */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    headless: true,
    launchOptions: { executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1300, height: 850 },
    trace: 'off',
  },
});
