import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { test, expect } from './fixtures';
import { clinicWithNurse, openWoundScans } from './clinic';

const SAMPLES = join(import.meta.dirname, '..', '..', 'shared', 'samples', 'scans');
const expected = JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Array<{ file: string; points: number; bbox: { min: number[]; max: number[] } | null }>;
const sample = (file: string) => expected.find((e) => e.file === file)!;

test('import a PLY and a LAZ onto a wound with progress; a corrupt file shows its error and changes nothing', async ({ loggedInPage: page }) => {
  test.setTimeout(180_000);
  await clinicWithNurse(page);
  await openWoundScans(page);
  const panel = page.getByTestId('wound-scans');
  await expect(panel.getByText('No scans of this wound yet.')).toBeVisible();

  for (const file of ['ply/dardavesis__808-30.ply', 'laz/pdal__autzen_trim.laz']) {
    await panel.getByLabel('Scan file').setInputFiles(join(SAMPLES, file));
    await panel.getByRole('button', { name: 'Import scan' }).click();
    await expect(panel.getByTestId('import-progress')).toBeVisible();
    await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
    await expect(panel.getByTestId('scan-list')).toContainText(sample(file).points.toLocaleString('en-US'));
  }
  await expect(panel.getByTestId('scan-list').locator('tbody tr')).toHaveCount(2);
  await expect(panel.getByTestId('scan-list')).toContainText('PLY');
  await expect(panel.getByTestId('scan-list')).toContainText('LAZ');
  await expect(panel.getByTestId('scan-list')).toContainText('rgb');

  // A truncated PLY: a typed error naming format and byte offset; the list stays as it was.
  const truncated = readFileSync(join(SAMPLES, 'ply/dardavesis__808-30.ply')).subarray(0, 40_000);
  await panel.getByLabel('Scan file').setInputFiles({ name: 'cut.ply', mimeType: 'application/octet-stream', buffer: truncated });
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-error')).toContainText(/PLY at byte \d+/);
  await expect(panel.getByTestId('scan-list').locator('tbody tr')).toHaveCount(2);
});

test('open a scan in 3D: coloured points render, potree-core reaches every point, picking and point budget', async ({ loggedInPage: page }) => {
  test.setTimeout(180_000);
  await clinicWithNurse(page);
  await openWoundScans(page);
  const panel = page.getByTestId('wound-scans');
  const file = 'ply/dardavesis__808-30.ply';
  await panel.getByLabel('Scan file').setInputFiles(join(SAMPLES, file));
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
  await panel.getByRole('button', { name: 'Open' }).click();

  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });
  await expect(dialog.getByTestId('scale-bar')).toBeVisible();

  // potree-core's own loader walks every hierarchy chunk: the points sum to the input, the box is the input's (mm).
  await dialog.getByRole('button', { name: 'Check octree' }).click();
  const check = dialog.getByTestId('octree-check');
  await expect(check).toBeVisible({ timeout: 90_000 });
  expect(Number(await check.getAttribute('data-points'))).toBe(sample(file).points);
  const min = (await check.getAttribute('data-min'))!.split(',').map(Number);
  const max = (await check.getAttribute('data-max'))!.split(',').map(Number);
  const bbox = sample(file).bbox!;
  for (let i = 0; i < 3; i++) {
    expect(Math.abs(min[i]! - bbox.min[i]! * 1000), `min ${i}`).toBeLessThan(0.5);
    expect(Math.abs(max[i]! - bbox.max[i]! * 1000), `max ${i}`).toBeLessThan(0.5);
  }

  // The canvas is not empty and shows the scan's colours (not one flat colour).
  const canvas = dialog.locator('canvas');
  await page.waitForTimeout(1500);
  const png = PNG.sync.read(await canvas.screenshot());
  const colours = new Set<string>();
  let lit = 0;
  for (let i = 0; i < png.data.length; i += 4 * 7) {
    const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    if (r + g + b > 60) lit++;
    colours.add(`${r >> 4},${g >> 4},${b >> 4}`);
  }
  expect(lit).toBeGreaterThan(500);
  expect(colours.size).toBeGreaterThan(20);

  // Double-click a lit pixel: its coordinates appear.
  const box = (await canvas.boundingBox())!;
  let picked = false;
  for (const [fx, fy] of [[0.5, 0.5], [0.45, 0.5], [0.55, 0.5], [0.5, 0.45], [0.5, 0.55], [0.4, 0.4], [0.6, 0.6]] as const) {
    await canvas.dblclick({ position: { x: box.width * fx, y: box.height * fy } });
    if (await dialog.getByTestId('picked-point').isVisible()) {
      picked = true;
      break;
    }
  }
  expect(picked).toBe(true);
  await expect(dialog.getByTestId('picked-point')).toHaveText(/x -?\d+\.\d · y -?\d+\.\d · z -?\d+\.\d mm/);

  // Lower the point budget: fewer points are shown.
  const before = Number((await dialog.getByTestId('visible-points').textContent())!.split(' ')[0]!.replaceAll(',', ''));
  const budget = dialog.getByLabel('Point budget');
  await budget.fill('100000');
  await budget.blur();
  await expect.poll(async () => Number((await dialog.getByTestId('visible-points').textContent())!.split(' ')[0]!.replaceAll(',', ''))).toBeLessThanOrEqual(Math.min(before, 110_000));
});
