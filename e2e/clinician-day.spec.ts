/**
 * Issue 21, the assessment half, walked as a nurse and a doctor would at 1400 × 900: the scan
 * window names the patient; depth colours start off; Esc leaves drawing only and asks before
 * closing unsaved work; a drag is undone; the tissue map is shown and repainted; details are
 * charted (nonsense refused in words); Save stays in view and a double-click saves once; the
 * assessment is dated by its scan; a wrong one is voided; the doctor reviews read-only, signs off
 * with a comment. Then the model's outline: simplified to editable points, a drag bends it, Find
 * wound again asks before replacing edits, undo brings them back.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { encodePly, makeCavityPhantom } from '../main/analysis/measure/phantoms';
import { decodeImage } from '../main/analysis/segmentation/image-io';
import { makeTexturedCylinder } from '../main/analysis/wound-finder/phantom';
import { test, expect } from './fixtures';
import { countPixels, heatBlue, mapYellow, outlineCyan, rightmostHandle, woundBox } from './canvas';
import { clinicWithNurse, mutate, openWoundScans, PASSWORD } from './clinic';

/** Screenshots of each step for a person to look at, when SHOTS=<dir> is set. */
const SHOTS = process.env['SHOTS'];
async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function importScan(page: Page, name: string, bytes: Uint8Array, captured?: string): Promise<void> {
  const panel = page.getByTestId('wound-scans');
  await panel.getByLabel('Scan file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  // Choosing a file sets Captured to the file's own time (issue 21 point 4); what the nurse types then wins.
  if (captured) await panel.getByLabel('Captured').fill(captured);
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
}

/** The scan window (not a confirmation over it). */
const scanWindow = (page: Page) => page.getByRole('dialog').filter({ has: page.locator('canvas') });

async function openScan(page: Page): Promise<Locator> {
  await page.getByTestId('wound-scans').getByRole('button', { name: 'Open' }).click();
  const dialog = scanWindow(page);
  await expect(dialog.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  return dialog;
}

const figure = (scope: Locator, key: string) => scope.getByTestId('assessment-figures').locator(`[data-figure="${key}"]`);
const areaOf = async (scope: Locator) => Number((await figure(scope, 'area').textContent())!.split(' ')[0]);

test('a nurse measures, charts and saves a wound once (double-click, Esc, undo a drag, tissue map, void); a doctor reviews it read-only and signs it off', async ({ loggedInPage: page }) => {
  test.setTimeout(420_000);
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.setViewportSize({ width: 1400, height: 900 });
  const { clinicId } = await clinicWithNurse(page);
  await openWoundScans(page);
  // Captured on 8 November, measured today: the assessment must carry 8 November.
  const ph = makeCavityPhantom({ surface: 'plane', a: 14, b: 9, c: 4, spacing: 0.7, noise: 0.1, colored: true, seed: 5 });
  await importScan(page, 'wound.ply', encodePly(ph.cloud, 0.001), '2025-11-08T09:30');
  const dialog = await openScan(page);
  const canvas = dialog.locator('canvas');
  await expect(dialog.getByTestId('scan-window-title')).toHaveText(/^Hopper, Grace · MRN MRN-7 · Right heel — scan of /);
  // Dates in the one format every screen uses (renderer/lib/format.ts, issue 21 point 12).
  const capturedText = await page.evaluate(() => new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(2025, 10, 8, 9, 30)));
  await expect(dialog.getByTestId('scan-window-title')).toContainText(capturedText);

  // Draw an outline around the cavity (the scan's lit extent gives the centre and mm per pixel).
  await dialog.getByRole('button', { name: 'Draw outline' }).click();
  // The cavity's opening is 28 × 18 mm; its red and yellow bed on the canvas gives the centre and scale.
  const wound = await woundBox(canvas);
  const { cx, cy } = wound;
  const pxPerMmX = wound.halfW / 14;
  const vertex = (k: number, scale = 1.3) => {
    const t = (2 * Math.PI * k) / 24;
    return { x: cx + scale * wound.halfW * Math.cos(t), y: cy + scale * wound.halfH * Math.sin(t) };
  };
  for (let k = 0; k < 24; k++) await canvas.click({ position: vertex(k) });
  await page.waitForTimeout(1500);
  await shot(page, '01-drawn');
  const count = Number(await dialog.getByTestId('outline-count').textContent());
  expect(count).toBeGreaterThanOrEqual(20);
  await expect(dialog.getByTestId('assessment-figures')).toBeVisible({ timeout: 60_000 });

  // Depth colours are off by default: the bed's own colours first.
  await expect(dialog.getByRole('switch', { name: 'Depth colours' })).not.toBeChecked();
  await expect(dialog.getByTestId('depth-legend')).toHaveCount(0);
  expect(await countPixels(canvas, heatBlue)).toBeLessThan(30);

  // Esc leaves drawing mode only: the window and the outline stay, nothing asks to close.
  await page.keyboard.press('Escape');
  await expect(dialog.getByRole('button', { name: 'Draw outline' })).toBeVisible();
  await page.waitForTimeout(300);
  await expect(page.getByRole('dialog', { name: 'Close without saving?' })).toHaveCount(0);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('outline-count')).toHaveText(String(count));
  // Esc again asks before closing unsaved work; "Keep working" keeps it.
  await page.keyboard.press('Escape');
  const ask = page.getByRole('dialog', { name: 'Close without saving?' });
  await expect(ask).toBeVisible();
  await shot(page, '02-close-without-saving');
  await ask.getByRole('button', { name: 'Keep working' }).click();
  await expect(ask).toHaveCount(0);
  await expect(dialog.getByTestId('outline-count')).toHaveText(String(count));

  // Undo a drag: the point goes back (Undo does not remove a vertex); Redo moves it again.
  const before = await areaOf(dialog);
  const from = vertex(0);
  const to = vertex(0, 1.75);
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + from.x, box.y + from.y);
  await page.mouse.down();
  await page.mouse.move(box.x + (from.x + to.x) / 2, box.y + from.y, { steps: 5 });
  await page.waitForTimeout(100);
  await page.mouse.move(box.x + to.x, box.y + to.y, { steps: 5 });
  await page.waitForTimeout(100);
  await page.mouse.up();
  await expect.poll(() => areaOf(dialog), { timeout: 30_000 }).toBeGreaterThan(before + 0.05);
  await expect(dialog.getByTestId('outline-count')).toHaveText(String(count));
  const dragged = await areaOf(dialog);
  await shot(page, '03-dragged');
  await page.keyboard.press('Control+z');
  await expect.poll(() => areaOf(dialog), { timeout: 30_000 }).toBe(before);
  await expect(dialog.getByTestId('outline-count')).toHaveText(String(count));
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(() => areaOf(dialog), { timeout: 30_000 }).toBe(dragged);
  await dialog.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect.poll(() => areaOf(dialog), { timeout: 30_000 }).toBe(before);
  // Delete a point (press on its handle, then Delete) and Clear: each one undo away.
  await page.mouse.click(box.x + vertex(6).x, box.y + vertex(6).y);
  await expect(dialog.getByRole('button', { name: 'Delete point' })).toBeEnabled();
  await page.keyboard.press('Delete');
  await expect(dialog.getByTestId('outline-count')).toHaveText(String(count - 1));
  await dialog.getByRole('button', { name: 'Clear' }).click();
  await expect(dialog.getByTestId('outline-count')).toHaveText('0');
  await page.keyboard.press('Control+z');
  await expect(dialog.getByTestId('outline-count')).toHaveText(String(count - 1));
  await page.keyboard.press('Control+z');
  await expect(dialog.getByTestId('outline-count')).toHaveText(String(count));
  await expect.poll(() => areaOf(dialog), { timeout: 30_000 }).toBe(before);

  // Tissue map: each wound point in its class's colour, with a legend.
  const tissueAuto = (await figure(dialog, 'tissue').textContent())!;
  expect(await countPixels(canvas, mapYellow)).toBeLessThan(30);
  await dialog.getByRole('switch', { name: 'Tissue map' }).click();
  await expect(dialog.getByTestId('tissue-legend')).toBeVisible();
  await page.waitForTimeout(500);
  expect(await countPixels(canvas, mapYellow)).toBeGreaterThan(100);
  await shot(page, '04-tissue-map');
  // Repaint: eschar over the middle of the bed; the confirmed mix appears beside the automatic one.
  await dialog.getByRole('tab', { name: 'Tissue' }).click();
  await dialog.getByRole('radio', { name: 'Eschar' }).check();
  await dialog.getByRole('button', { name: 'Repaint tissue' }).click();
  await page.mouse.move(box.x + cx - 8 * pxPerMmX, box.y + cy);
  await page.mouse.down();
  for (let s = 1; s <= 8; s++) {
    await page.mouse.move(box.x + cx - 8 * pxPerMmX + 2 * s * pxPerMmX, box.y + cy, { steps: 2 });
    await page.waitForTimeout(80);
  }
  await page.mouse.up();
  await expect(figure(dialog, 'tissue-confirmed')).toBeVisible({ timeout: 30_000 });
  await expect(figure(dialog, 'tissue')).toHaveText(tissueAuto);
  const eschar = (text: string) => Number(/eschar (\d+) %/.exec(text)![1]);
  expect(eschar((await figure(dialog, 'tissue-confirmed').textContent())!)).toBeGreaterThan(eschar(tissueAuto) + 3);
  await expect(dialog.getByTestId('paint-strokes')).toBeVisible();
  await shot(page, '05-repainted');
  // Esc stops painting (only); one undo takes the whole stroke back.
  await page.keyboard.press('Escape');
  await expect(dialog.getByRole('button', { name: 'Repaint tissue' })).toBeVisible();
  await page.keyboard.press('Control+z');
  await expect(figure(dialog, 'tissue-confirmed')).toHaveCount(0, { timeout: 30_000 });
  await page.keyboard.press('Control+Shift+z');
  await expect(figure(dialog, 'tissue-confirmed')).toBeVisible({ timeout: 30_000 });

  // Details: nonsense is refused in words and nothing is saved; then charted properly.
  await dialog.getByRole('tab', { name: 'Details' }).click();
  await dialog.getByLabel('Exudate amount').click();
  await page.getByRole('option', { name: 'Moderate' }).click();
  await dialog.getByLabel('Exudate type').click();
  await page.getByRole('option', { name: 'Serous', exact: true }).click();
  await dialog.getByLabel('Pain (0–10)').fill('12');
  const save = dialog.getByRole('button', { name: 'Save assessment' });
  await expect(save).toBeEnabled({ timeout: 30_000 });
  await save.click();
  await expect(dialog.getByText('Pain is a number from 0 to 10')).toBeVisible();
  await dialog.getByLabel('Pain (0–10)').fill('4');
  await dialog.getByLabel('Periwound skin').click({ force: true });
  await page.getByRole('option', { name: 'Macerated' }).click();
  await page.keyboard.press('Escape'); // closes the list only
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Dressing applied').fill('Foam, bordered');
  await dialog.getByLabel('Note').fill('Edges rolled at 3 o’clock.');

  // Save and its confirmation stay in view at 1400 × 900; a double-click saves once.
  await expect(save).toBeInViewport({ ratio: 1 });
  await shot(page, '06-before-save');
  await save.dblclick();
  const savedAlert = dialog.getByTestId('assessment-saved');
  await expect(savedAlert).toBeVisible({ timeout: 60_000 });
  await expect(savedAlert).toBeInViewport();
  await expect(dialog.getByRole('button', { name: 'Saved' })).toBeDisabled();
  await shot(page, '07-saved');

  // Nothing unsaved: Esc closes without asking.
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const history = page.getByTestId('assessment-history');
  await expect(history.getByTestId('assessment-row')).toHaveCount(1);
  await expect(history.getByTestId('clinical-date')).toHaveText(`PLY scan of ${capturedText}`);
  const today = await page.evaluate(() => new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' }).format(new Date()));
  await expect(history.getByTestId('saved-at')).toContainText(today);
  await expect(history).toContainText('Awaiting a doctor’s sign-off');

  // A wrong assessment (a stray outline) is saved, then voided with a reason; it stays listed as voided.
  const dialog2 = await openScan(page);
  await dialog2.getByRole('button', { name: 'Draw outline' }).click();
  for (let k = 0; k < 24; k += 3) await canvas.click({ position: vertex(k, 1.6) });
  const save2 = dialog2.getByRole('button', { name: 'Save assessment' });
  await expect(save2).toBeEnabled({ timeout: 60_000 });
  await save2.click();
  await expect(dialog2.getByTestId('assessment-saved')).toBeVisible({ timeout: 60_000 });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(history.getByTestId('assessment-row')).toHaveCount(2);
  await history.getByTestId('assessment-row').first().getByRole('button', { name: 'Show' }).click();
  const view = scanWindow(page);
  await expect(view.getByTestId('saved-assessment')).toBeVisible();
  await view.getByRole('button', { name: 'Void this assessment…' }).click();
  const voidDialog = page.getByRole('dialog', { name: 'Void this assessment?' });
  await expect(voidDialog.getByRole('button', { name: 'Void assessment' })).toBeDisabled();
  await voidDialog.getByLabel('Reason').fill('Outline drawn on the wrong area');
  await shot(page, '08-void');
  await voidDialog.getByRole('button', { name: 'Void assessment' }).dblclick();
  await expect(view.getByTestId('voided')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const voidedRow = history.locator('[data-testid="assessment-row"][data-voided="true"]');
  await expect(voidedRow).toHaveCount(1);
  await expect(voidedRow).toContainText('Outline drawn on the wrong area');
  await expect(voidedRow).toContainText('Nora Nurse');

  // The doctor: reviews the nurse's assessment read-only first, then signs off with a comment.
  await mutate(page, 'auth.login', { clinicId, username: 'admin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'doctor', displayName: 'Dora Doctor', password: PASSWORD, roles: ['doctor'] });
  await mutate(page, 'auth.login', { clinicId, username: 'doctor', password: PASSWORD });
  await page.reload();
  await openWoundScans(page);
  await expect(voidedRow.getByRole('button', { name: 'Review and sign off' })).toHaveCount(0);
  const valid = history.locator('[data-testid="assessment-row"]:not([data-voided])');
  await valid.getByRole('button', { name: 'Review and sign off' }).click();
  const review = scanWindow(page);
  await expect(review.getByTestId('saved-assessment')).toBeVisible();
  await expect(review.getByText('Read-only')).toBeVisible();
  await expect(review.getByTestId('saved-who')).toContainText('Nora Nurse');
  await expect(review.getByTestId('saved-who')).toContainText(capturedText);
  await expect(review.getByTestId('saved-figures').locator('[data-figure="tissue-confirmed"]')).toBeVisible();
  await expect(review.getByTestId('details-view').locator('[data-detail="exudate"]')).toHaveText('Moderate, serous');
  await expect(review.getByTestId('details-view').locator('[data-detail="pain"]')).toHaveText('4 / 10');
  await expect(review.getByTestId('tissue-legend')).toBeVisible({ timeout: 60_000 });
  await expect(review.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  const reviewCanvas = review.locator('canvas');
  expect(await countPixels(reviewCanvas, outlineCyan), 'outline drawn').toBeGreaterThan(100);
  expect(await countPixels(reviewCanvas, mapYellow), 'tissue map drawn').toBeGreaterThan(50);
  await review.getByLabel('Comment (optional)').fill('Healing as expected; review in two weeks.');
  await review.getByRole('button', { name: 'Sign off' }).click();
  const confirm = page.getByRole('dialog', { name: 'Sign off this assessment?' });
  await expect(confirm).toContainText('Nora Nurse');
  await shot(page, '09-signoff-confirm');
  await confirm.getByRole('button', { name: 'Sign off' }).dblclick();
  await expect(review.getByTestId('signed-off')).toContainText('Signed off by Dora Doctor on');
  await expect(review.getByRole('button', { name: 'Sign off' })).toHaveCount(0);
  await expect(review.getByTestId('signoff-comment')).toHaveText('“Healing as expected; review in two weeks.”');
  await shot(page, '10-signed');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(valid).toContainText('Signed off by Dora Doctor');
  await expect(valid).toContainText('Healing as expected');
  // "Show" on a signed assessment: read-only, who saved it, signed, no sign-off or void.
  await valid.getByRole('button', { name: 'Show' }).click();
  await expect(review.getByTestId('saved-who')).toContainText('Signed off by Dora Doctor');
  await expect(review.getByRole('button', { name: /Void/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
});

test('the model’s outline: simplified to editable points, a drag bends it, Find wound again asks before replacing edits, undo restores them, closing asks', async ({ loggedInPage: page }) => {
  test.setTimeout(420_000);
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.setViewportSize({ width: 1400, height: 900 });
  await clinicWithNurse(page);
  await openWoundScans(page);
  const fuseg = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'fuseg', 'train');
  const photo = decodeImage(readFileSync(join(fuseg, 'images', '0658.png')));
  const mask = decodeImage(readFileSync(join(fuseg, 'labels', '0658.png')));
  const scan = makeTexturedCylinder({ photo, mask, mmPerPixel: 0.25, radius: 40, spacing: 0.5, noise: 0.2, seed: 11 });
  await importScan(page, 'limb.ply', encodePly(scan.cloud, 0.001));
  const dialog = await openScan(page);
  const canvas = dialog.locator('canvas');

  await dialog.getByRole('button', { name: 'Find wound' }).click();
  await expect(dialog.getByTestId('found-by')).toHaveText(/Found by wound-seg-unet \S+ on CPU/i, { timeout: 180_000 });
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Automatic (model)');
  await expect(dialog.getByTestId('outline-count')).toHaveText('40');
  await expect(dialog.getByTestId('assessment-figures')).toBeVisible({ timeout: 60_000 });
  const modelArea = await areaOf(dialog);
  await shot(page, '11-found');
  // Fewer points, from the model's own outline; the area barely changes.
  await dialog.getByLabel('Outline points').fill('16');
  await dialog.getByRole('button', { name: 'Simplify' }).click();
  await expect(dialog.getByTestId('outline-count')).toHaveText('16');
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Automatic (model)');
  await expect.poll(async () => Math.abs((await areaOf(dialog)) / modelArea - 1), { timeout: 30_000 }).toBeLessThan(0.1);
  await page.keyboard.press('Control+z');
  await expect(dialog.getByTestId('outline-count')).toHaveText('40');

  // A drag on a handle bends the outline: it becomes an edited outline with the same points.
  const box = (await canvas.boundingBox())!;
  const areaBefore = await areaOf(dialog);
  const best = await rightmostHandle(canvas);
  await page.mouse.move(box.x + best.x, box.y + best.y);
  await page.mouse.down();
  await page.mouse.move(box.x + best.x + 20, box.y + best.y, { steps: 4 });
  await page.waitForTimeout(100);
  await page.mouse.move(box.x + best.x + 40, box.y + best.y, { steps: 4 });
  await page.waitForTimeout(100);
  await page.mouse.up();
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Edited model outline');
  await expect(dialog.getByTestId('outline-count')).toHaveText('40');
  await expect.poll(() => areaOf(dialog), { timeout: 30_000 }).toBeGreaterThan(areaBefore);
  await expect(dialog.getByTestId('measure-error')).toHaveCount(0);
  const editedArea = await areaOf(dialog);
  await shot(page, '12-dragged-model-outline');

  // Find wound again would replace the edit: it asks; Cancel keeps the edit.
  await dialog.getByRole('button', { name: 'Find wound again' }).click();
  const ask = page.getByRole('dialog', { name: 'Replace your outline?' });
  await expect(ask).toBeVisible();
  await shot(page, '13-replace');
  await page.keyboard.press('Escape'); // cancels the question, not the scan window
  await expect(ask).toHaveCount(0);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Edited model outline');
  await dialog.getByRole('button', { name: 'Find wound again' }).click();
  await ask.getByRole('button', { name: 'Find wound and replace' }).click();
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Automatic (model)', { timeout: 180_000 });
  // Undo brings the edited outline back.
  await page.keyboard.press('Control+z');
  await expect(dialog.getByTestId('assessment-method')).toHaveText('Edited model outline');
  await expect.poll(() => areaOf(dialog), { timeout: 30_000 }).toBe(editedArea);

  // Closing with unsaved work asks; discarding closes.
  await dialog.getByRole('button', { name: 'Close scan window' }).click();
  const close = page.getByRole('dialog', { name: 'Close without saving?' });
  await expect(close).toBeVisible();
  await close.getByRole('button', { name: 'Close and discard' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('assessment-history').getByTestId('assessment-row')).toHaveCount(0);
});
