import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import { PNG } from 'pngjs';
import type { PointCloud } from '../common/point-cloud';
import { encodePly } from '../main/analysis/measure/phantoms';
import { makeLas } from '../main/scans/formats/las-test-writer';
import { test, expect } from './fixtures';
import { clinicWithNurse, openWoundScans } from './clinic';

const SAMPLES = join(import.meta.dirname, '..', '..', 'shared', 'samples', 'scans');
const expected = JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Array<{ file: string; points: number; bbox: { min: number[]; max: number[] } | null }>;
const sample = (file: string) => expected.find((e) => e.file === file)!;
/** Our own examples of third-party files (main/scans/formats/testdata/README.md). */
const TESTDATA = join(import.meta.dirname, '..', 'main', 'scans', 'formats', 'testdata');

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
    // Both samples are far larger than a heel: the import waits for the nurse, then goes on.
    await confirmImplausible(panel);
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
  await expect(panel.getByTestId('import-error-headline')).toHaveText('The scan file is incomplete: it was probably cut off while it was copied.');
  await panel.getByTestId('import-error').getByRole('button', { name: 'Technical details' }).click();
  await expect(panel.getByTestId('import-error-detail')).toContainText(/PLY at byte \d+/);
  await expect(panel.getByTestId('scan-list').locator('tbody tr')).toHaveCount(2);
});

/** The import of a room-sized sample onto the heel wound asks first; the nurse confirms. */
async function confirmImplausible(panel: Locator): Promise<void> {
  await expect(panel.getByTestId('import-warning')).toContainText('far larger than a foot', { timeout: 120_000 });
  await panel.getByRole('button', { name: 'Import anyway' }).click();
}

test('files from other tools: a LAS export that breaks the specification imports with its warnings, an invalid E57 is refused by section and byte, a UTF-16 OBJ imports', async ({ loggedInPage: page }) => {
  test.setTimeout(180_000);
  await clinicWithNurse(page);
  await openWoundScans(page);
  const panel = page.getByTestId('wound-scans');
  const rows = panel.getByTestId('scan-list').locator('tbody tr');

  // Read, and the warnings said while importing and kept on the scan's row.
  await panel.getByLabel('Scan file').setInputFiles(join(TESTDATA, 'las14-pf6-both-warnings.las'));
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
  const during = panel.getByTestId('import-warnings');
  await expect(during).toContainText('Return number is greater than the number of returns in 2 of 9 points');
  await expect(during).toContainText('Classification codes 8, 12, 23, 63 are reserved in the ASPRS table for point format 6 (LAS 1.4): 4 of 9 points');
  await expect(rows).toHaveCount(1);
  const checks = rows.first().getByTestId('scan-warnings');
  await expect(checks).toContainText('2 warnings');
  await expect(checks).toContainText('Return number is greater than the number of returns in 2 of 9 points');

  // An E57 whose only scan declares no records and points at no valid section: refused, nothing added.
  await panel.getByLabel('Scan file').setInputFiles(join(TESTDATA, 'e57-zero-records-bad-section-id.e57'));
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-error-headline')).toHaveText('The scan file is damaged and cannot be read.', { timeout: 60_000 });
  await panel.getByTestId('import-error').getByRole('button', { name: 'Technical details' }).click();
  await expect(panel.getByTestId('import-error-detail')).toContainText('BAD_HEADER · E57 · byte 48: E57 at byte 48: /data3D/0/points: CompressedVector section header at byte 48: section id is 182, not 1');
  await expect(panel.getByTestId('import-warnings')).toHaveCount(0);
  await expect(rows).toHaveCount(1);

  // Text that is not a point list: refused naming the line.
  await panel.getByLabel('Scan file').setInputFiles(join(TESTDATA, 'xyz-esri-grid.xyz'));
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-error-headline')).toHaveText('This kind of scan file is not supported.', { timeout: 60_000 });
  await panel.getByTestId('import-error').getByRole('button', { name: 'Technical details' }).click();
  await expect(panel.getByTestId('import-error-detail')).toContainText('UNSUPPORTED · XYZ · byte 0 · line 1: XYZ at byte 0 (line 1): an ESRI ASCII grid header');

  // A Windows tool's UTF-16 BE OBJ: imported with its 4 vertices and their colours, no warnings.
  await panel.getByLabel('Scan file').setInputFiles(join(TESTDATA, 'obj-utf16be.obj'));
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
  await expect(rows).toHaveCount(2);
  const obj = rows.filter({ hasText: 'OBJ' });
  await expect(obj).toContainText('rgb');
  await expect(obj.getByRole('cell').nth(2)).toHaveText('4');
  await expect(obj).toContainText('No problems found');

  // A LAS export of a room (3 m across) with a return number above its number of returns: the size
  // question and the file's warnings are shown together; imported anyway, the row keeps the warning.
  const room = makeLas({ pf: 6, points: [{ x: 0, y: 0, z: 0, returnNumber: 5, returns: 4 }, { x: 3, y: 1, z: 0, returnNumber: 1, returns: 1 }, { x: 1, y: 2, z: 0.5, returnNumber: 1, returns: 1 }] });
  await panel.getByLabel('Scan file').setInputFiles({ name: 'room.las', mimeType: 'application/octet-stream', buffer: Buffer.from(room) });
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-warning')).toContainText('far larger than a foot', { timeout: 120_000 });
  await expect(panel.getByTestId('import-warnings')).toContainText('Return number is greater than the number of returns in 1 of 3 points');
  await expect(rows).toHaveCount(2);
  await confirmImplausible(panel);
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: 'LAS' }).filter({ hasText: '1 warning' }).getByTestId('scan-warnings')).toContainText('Return number is greater than the number of returns in 1 of 3 points');
});

test('open a scan in 3D: coloured points render, potree-core reaches every point, picking and point budget', async ({ loggedInPage: page }) => {
  test.setTimeout(180_000);
  await clinicWithNurse(page);
  await openWoundScans(page);
  const panel = page.getByTestId('wound-scans');
  const file = 'ply/dardavesis__808-30.ply';
  await panel.getByLabel('Scan file').setInputFiles(join(SAMPLES, file));
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await confirmImplausible(panel);
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

test('the viewer fits a scan and shows it in its own colours, with and without eye-dome lighting, and by height or attribute when asked', async ({ loggedInPage: page }) => {
  test.setTimeout(180_000);
  await clinicWithNurse(page);
  await openWoundScans(page);
  // A 60 × 40 mm patch, left half brick red, right half slate blue (sRGB).
  const RED = [190, 50, 40] as const;
  const BLUE = [50, 70, 170] as const;
  const xs = 121;
  const ys = 81;
  const positions = new Float32Array(3 * xs * ys);
  const colors = new Uint8Array(3 * xs * ys);
  for (let j = 0, i = 0; j < ys; j++) {
    for (let k = 0; k < xs; k++, i++) {
      positions.set([k * 0.5, j * 0.5, 0.3 * Math.sin(k / 9) * Math.cos(j / 7)], 3 * i);
      colors.set(k < xs / 2 ? RED : BLUE, 3 * i);
    }
  }
  // In metres, as tablets write it (a PLY states no unit; the import takes metres).
  const ply = encodePly({ format: 'ply', version: '1.0', count: xs * ys, positions: Float64Array.from(positions), colors } as PointCloud, 0.001);
  const panel = page.getByTestId('wound-scans');
  await panel.getByLabel('Scan file').setInputFiles({ name: 'two-colours.ply', mimeType: 'application/octet-stream', buffer: Buffer.from(ply) });
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
  await panel.getByRole('button', { name: 'Open' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });
  const canvas = dialog.locator('canvas');

  /** Lit pixels within 45 (per channel) of each colour, and white-ish ones. */
  const census = async () => {
    const png = PNG.sync.read(await canvas.screenshot());
    const near = (i: number, c: readonly number[]) => Math.abs(png.data[i]! - c[0]!) < 45 && Math.abs(png.data[i + 1]! - c[1]!) < 45 && Math.abs(png.data[i + 2]! - c[2]!) < 45;
    let red = 0;
    let blue = 0;
    let white = 0;
    const box = { left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity };
    const hues = new Set<string>();
    for (let i = 0; i < png.data.length; i += 4) {
      if (png.data[i]! + png.data[i + 1]! + png.data[i + 2]! > 90) hues.add(`${png.data[i]! >> 4},${png.data[i + 1]! >> 4},${png.data[i + 2]! >> 4}`);
      const isRed = near(i, RED);
      const isBlue = !isRed && near(i, BLUE);
      if (isRed) red++;
      else if (isBlue) blue++;
      else if (png.data[i]! > 230 && png.data[i + 1]! > 230 && png.data[i + 2]! > 230) white++;
      if (isRed || isBlue) {
        const x = (i / 4) % png.width;
        const y = Math.floor(i / 4 / png.width);
        box.left = Math.min(box.left, x);
        box.right = Math.max(box.right, x);
        box.top = Math.min(box.top, y);
        box.bottom = Math.max(box.bottom, y);
      }
    }
    const framing = { cx: (box.left + box.right) / 2 / png.width, cy: (box.top + box.bottom) / 2 / png.height, width: (box.right - box.left) / png.width };
    return { red, blue, white, framing, hues: hues.size };
  };
  await page.waitForTimeout(1500);
  const withEdl = await census();
  expect(withEdl.red, JSON.stringify(withEdl)).toBeGreaterThan(2000);
  expect(withEdl.blue, JSON.stringify(withEdl)).toBeGreaterThan(2000);
  expect(withEdl.white, JSON.stringify(withEdl)).toBeLessThan(withEdl.red / 10);
  // Fitted to the scan itself: centred, and filling a good part of the view.
  expect(Math.abs(withEdl.framing.cx - 0.5), JSON.stringify(withEdl.framing)).toBeLessThan(0.1);
  expect(Math.abs(withEdl.framing.cy - 0.5), JSON.stringify(withEdl.framing)).toBeLessThan(0.1);
  expect(withEdl.framing.width, JSON.stringify(withEdl.framing)).toBeGreaterThan(0.4);

  await dialog.getByRole('switch', { name: 'Eye-dome lighting' }).click();
  await page.waitForTimeout(1000);
  const plain = await census();
  expect(plain.red, JSON.stringify(plain)).toBeGreaterThan(2000);
  expect(plain.blue, JSON.stringify(plain)).toBeGreaterThan(2000);
  expect(plain.white, JSON.stringify(plain)).toBeLessThan(plain.red / 10);

  // Colour by height, then by an attribute: the scan's own colours give way to the gradient.
  for (const mode of ['Height', 'Attribute']) {
    await dialog.getByText(mode, { exact: true }).click();
    await page.waitForTimeout(1000);
    const other = await census();
    expect(other.red + other.blue, `${mode}: ${JSON.stringify(other)}`).toBeLessThan((plain.red + plain.blue) / 10);
    // By height the gradient spans the patch's own 0.6 mm of relief, so many shades show.
    if (mode === 'Height') expect(other.hues, `${mode}: ${JSON.stringify(other)}`).toBeGreaterThan(80);
  }
  await dialog.getByText('Colour', { exact: true }).click();
  await page.waitForTimeout(1000);
  expect((await census()).red).toBeGreaterThan(2000);

  // Screenshot: a PNG of the canvas in the scan's colours (reports use it).
  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Screenshot' }).click();
  const file = await (await download).path();
  const shotPng = PNG.sync.read(readFileSync(file));
  const canvasPx = await canvas.evaluate((c) => [(c as unknown as { width: number }).width, (c as unknown as { height: number }).height]);
  expect([shotPng.width, shotPng.height]).toEqual(canvasPx);
  let redPx = 0;
  let bluePx = 0;
  for (let i = 0; i < shotPng.data.length; i += 4) {
    const [r, g, b] = [shotPng.data[i]!, shotPng.data[i + 1]!, shotPng.data[i + 2]!];
    if (Math.abs(r - RED[0]) < 45 && Math.abs(g - RED[1]) < 45 && Math.abs(b - RED[2]) < 45) redPx++;
    if (Math.abs(r - BLUE[0]) < 45 && Math.abs(g - BLUE[1]) < 45 && Math.abs(b - BLUE[2]) < 45) bluePx++;
  }
  expect(redPx).toBeGreaterThan(2000);
  expect(bluePx).toBeGreaterThan(2000);

  // A double-clicked point's coordinates are the patch's own (mm, as imported): near its centre.
  const box = (await canvas.boundingBox())!;
  await canvas.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
  const picked = dialog.getByTestId('picked-point');
  await expect(picked).toHaveText(/x -?\d+\.\d · y -?\d+\.\d · z -?\d+\.\d mm/);
  const [x, y, z] = (await picked.textContent())!.match(/-?\d+\.\d/g)!.map(Number);
  expect(Math.abs(x! - 30), `x ${x}`).toBeLessThan(12);
  expect(Math.abs(y! - 20), `y ${y}`).toBeLessThan(12);
  expect(Math.abs(z!), `z ${z}`).toBeLessThan(1);
});
