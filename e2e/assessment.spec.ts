import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { encodePly, makeCavityPhantom } from '../main/analysis/measure/phantoms';
import { decodeImage } from '../main/analysis/segmentation/image-io';
import { makeTexturedCylinder } from '../main/analysis/wound-finder/phantom';
import { test, expect } from './fixtures';
import { countPixels, heatBlue, outlineCyan, woundBox } from './canvas';
import { clinicWithNurse, mutate, openWoundScans, PASSWORD } from './clinic';

async function importAndOpen(page: Page, name: string, bytes: Uint8Array): Promise<Locator> {
  await openWoundScans(page);
  const panel = page.getByTestId('wound-scans');
  await panel.getByLabel('Scan file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
  await panel.getByRole('button', { name: 'Open' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  return dialog;
}

test('draw an outline on a scan, see the figures, lid and depth colours, save, reload and see the same figures; a doctor signs it off', async ({ loggedInPage: page }) => {
  test.setTimeout(300_000);
  const { clinicId } = await clinicWithNurse(page);
  // A generated wound (ellipsoidal cavity 28 × 18 mm, 4 mm deep, in skin), written in metres as tablets do.
  const ph = makeCavityPhantom({ surface: 'plane', a: 14, b: 9, c: 4, spacing: 0.7, noise: 0.1, colored: true, seed: 5 });
  const dialog = await importAndOpen(page, 'wound.ply', encodePly(ph.cloud, 0.001));
  const canvas = dialog.locator('canvas');

  await dialog.getByRole('button', { name: 'Draw outline' }).click();
  // Click positions from the rendered scan: the wound's red and yellow bed (a 28 × 18 mm opening)
  // gives its centre and size on the canvas.
  const { cx, cy, halfW, halfH } = await woundBox(canvas);
  // 24 vertices: close enough that every twelfth of the outline has skin beside it.
  for (let k = 0; k < 24; k++) {
    const t = (2 * Math.PI * k) / 24;
    await canvas.click({ position: { x: cx + 1.3 * halfW * Math.cos(t), y: cy + 1.3 * halfH * Math.sin(t) } });
  }
  const count = Number(await dialog.getByTestId('outline-count').textContent());
  expect(count).toBeGreaterThanOrEqual(10);
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Drawn by hand');

  const figures = dialog.getByTestId('assessment-figures');
  await expect(figures.or(dialog.getByTestId('measure-error'))).toBeVisible({ timeout: 60_000 });
  await expect(dialog.getByTestId('measure-error'), 'measure error').toHaveCount(0);
  const area = Number((await figures.locator('[data-figure="area"]').textContent())!.split(' ')[0]);
  expect(area).toBeGreaterThan(4); // the opening alone is π·14·9 mm² ≈ 4 cm²; the outline lies outside it
  expect(area).toBeLessThan(12);
  const maxDepth = Number((await figures.locator('[data-figure="max-depth"]').textContent())!.split(' ')[0]);
  expect(maxDepth).toBeGreaterThan(3);
  expect(maxDepth).toBeLessThan(5);
  await expect(figures.locator('[data-figure="volume"]')).toHaveText(/cm³/);

  // Head direction: a point marked towards the head makes length and width also head-to-toe and
  // across. The outline is 1.3 × (28 × 18) mm, long along x (across the screen): marked up the
  // screen (y) head-to-toe is the short way, marked to the right it is the long way.
  const headToToe = async (): Promise<[number, number]> => {
    const row = figures.locator('[data-figure="head-to-toe"]');
    await expect(row).toHaveText(/\d+\.\d × \d+\.\d cm/, { timeout: 60_000 });
    const [along, across] = (await row.textContent())!.replace(' cm', '').split(' × ').map(Number);
    return [along!, across!];
  };
  await dialog.getByRole('button', { name: 'Stop drawing' }).click();
  await expect(figures.locator('[data-figure="head-to-toe"]')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Mark head direction' }).click();
  await canvas.click({ position: { x: cx, y: cy - 2.5 * halfH } });
  await expect(dialog.getByRole('button', { name: 'Clear head direction' })).toBeVisible();
  const [upAlong, upAcross] = await headToToe();
  expect(upAlong).toBeLessThan(upAcross);
  await page.waitForTimeout(500);
  expect(await countPixels(canvas, (r, g, b) => r > 200 && g < 110 && b > 200), 'head-direction marker').toBeGreaterThan(20);
  await dialog.getByRole('button', { name: 'Mark head direction again' }).click();
  await canvas.click({ position: { x: cx + 2 * halfW, y: cy } });
  await expect.poll(async () => (await headToToe())[0], { timeout: 60_000 }).toBeGreaterThan(upAcross - 0.3);
  const [rightAlong, rightAcross] = await headToToe();
  expect(rightAlong).toBeGreaterThan(rightAcross);
  await dialog.getByRole('button', { name: 'Clear head direction' }).click();
  await expect(figures.locator('[data-figure="head-to-toe"]')).toHaveCount(0, { timeout: 60_000 });

  // Outline, lid and depth colours on the canvas (off until asked for), with the legend in mm.
  await page.waitForTimeout(500);
  expect(await countPixels(canvas, outlineCyan)).toBeGreaterThan(100);
  await expect(dialog.getByTestId('depth-legend')).toHaveCount(0);
  const withoutDepth = await countPixels(canvas, heatBlue);
  await dialog.getByRole('switch', { name: 'Depth colours' }).click();
  await expect(dialog.getByTestId('depth-legend')).toBeVisible();
  await expect(dialog.getByTestId('depth-legend-max')).toHaveText(/\d+\.\d mm/);
  await page.waitForTimeout(500);
  const withDepth = await countPixels(canvas, heatBlue);
  expect(withDepth).toBeGreaterThan(withoutDepth + 50);

  await dialog.getByRole('button', { name: 'Save assessment' }).click();
  await expect(dialog.getByTestId('assessment-saved')).toBeVisible({ timeout: 60_000 });
  const savedArea = (await figures.locator('[data-figure="area"]').textContent())!;
  await dialog.getByRole('button', { name: 'Colour the scan by depth' }).click();
  await expect(dialog.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });

  // Reload: the saved figures come back from the record.
  await page.reload();
  if (await page.getByRole('heading', { name: 'Sign in' }).isVisible().catch(() => false)) {
    await page.getByLabel('User name').fill('nurse');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await openWoundScans(page);
  const history = page.getByTestId('assessment-history');
  await expect(history.getByTestId('assessment-row')).toHaveCount(1);
  await expect(history.locator('[data-figure="area"]')).toHaveText(savedArea);
  await expect(history).toContainText('Drawn by hand');
  await expect(history).toContainText('Nora Nurse');
  await history.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByRole('dialog').getByTestId('saved-figures').locator('[data-figure="area"]')).toHaveText(savedArea, { timeout: 60_000 });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // The nurse cannot sign it off; a doctor can, once, after reviewing it, and the history says who.
  await expect(history.getByRole('button', { name: 'Review and sign off' })).toHaveCount(0);
  await expect(history).toContainText('Awaiting a doctor’s sign-off');
  await mutate(page, 'auth.login', { clinicId, username: 'admin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'doctor', displayName: 'Dora Doctor', password: PASSWORD, roles: ['doctor'] });
  await mutate(page, 'auth.login', { clinicId, username: 'doctor', password: PASSWORD });
  await page.reload();
  await openWoundScans(page);
  await history.getByRole('button', { name: 'Review and sign off' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Sign off' }).click();
  await page.getByRole('dialog', { name: 'Sign off this assessment?' }).getByRole('button', { name: 'Sign off' }).click();
  await expect(page.getByRole('dialog').getByTestId('signed-off')).toContainText('Dora Doctor');
  await page.keyboard.press('Escape');
  await expect(history.getByTestId('assessment-row')).toContainText('Signed off by Dora Doctor');
  await expect(history.getByRole('button', { name: 'Review and sign off' })).toHaveCount(0);
});

test('find wound: the model outlines the wound on a scan, drawn in the viewer, and the provider is named', async ({ loggedInPage: page }) => {
  test.setTimeout(300_000);
  await clinicWithNurse(page);
  // A limb scan textured with a validation photograph of a real wound (as the wound finder's tests use).
  const fuseg = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'fuseg', 'train');
  const photo = decodeImage(readFileSync(join(fuseg, 'images', '0658.png')));
  const mask = decodeImage(readFileSync(join(fuseg, 'labels', '0658.png')));
  const scan = makeTexturedCylinder({ photo, mask, mmPerPixel: 0.25, radius: 40, spacing: 0.5, noise: 0.2, seed: 11 });
  const dialog = await importAndOpen(page, 'limb.ply', encodePly(scan.cloud, 0.001));
  const canvas = dialog.locator('canvas');
  expect(await countPixels(canvas, outlineCyan)).toBeLessThan(20);

  await dialog.getByRole('button', { name: 'Find wound' }).click();
  await expect(dialog.getByTestId('found-by')).toHaveText(/Found by wound-seg-unet \S+ on CPU/i, { timeout: 180_000 });
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Automatic (model)');
  expect(Number(await dialog.getByTestId('outline-count').textContent())).toBeGreaterThanOrEqual(3);
  await page.waitForTimeout(800);
  expect(await countPixels(canvas, outlineCyan)).toBeGreaterThan(100);
  await expect(dialog.getByTestId('assessment-figures')).toBeVisible({ timeout: 60_000 });
});
