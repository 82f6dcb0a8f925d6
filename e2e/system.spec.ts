import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };

test('System screen renders over HTTP with real values and real onnxruntime providers', async ({ loggedInPage: page }) => {
  await page.getByRole('button', { name: 'System', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'System' })).toBeVisible();
  await expect(page.getByTestId('app-version')).toHaveText(`Coherency Workstation ${pkg.version}`);
  await expect(page.getByTestId('transport')).toContainText('HTTP');
  await expect(page.getByTestId('transport-badge')).toHaveText(/browser host/i);
  await expect(page.getByTestId('platform')).toContainText(process.platform);
  await expect(page.getByTestId('node-version')).toHaveText(process.versions.node);
  // onnxruntime-node's CPU provider is always bundled; the list comes from the library, not the UI.
  await expect(page.getByTestId('ort-provider-cpu')).toContainText('available');
  const { listSupportedBackends } = await import('onnxruntime-node');
  for (const backend of listSupportedBackends()) {
    await expect(page.getByTestId(`ort-provider-${backend.name}`)).toBeVisible();
  }
});

test('the memory subscription delivers at least two updates over WebSocket', async ({ loggedInPage: page }) => {
  await page.getByRole('button', { name: 'System', exact: true }).click();
  await expect(page.getByTestId('memory-rss')).toHaveText(/\d+(\.\d)? (KiB|MiB|GiB)/);
  await expect.poll(async () => Number(await page.getByTestId('memory-updates').textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
});

test('light and dark themes, keyboard reachable', async ({ loggedInPage: page }) => {
  await page.getByRole('button', { name: 'System', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'System' })).toBeVisible();
  const html = page.locator('html');
  const before = await html.getAttribute('data-mantine-color-scheme');
  const toggle = page.getByRole('button', { name: /Switch to (dark|light) theme/ });
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(html).not.toHaveAttribute('data-mantine-color-scheme', before ?? '');
  // Controls are real buttons and inputs, reachable with Tab.
  await page.getByRole('button', { name: 'Back to sign-in' }).click();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } | null } }).document.activeElement?.tagName);
  expect(['INPUT', 'BUTTON']).toContain(focused);
});
