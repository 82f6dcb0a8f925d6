/**
 * Issue 18, end to end through the UI: a nurse annotates a scan (a marker with a note, a ruler,
 * undermining at 3 o'clock 12 mm), undoes one, edits the marker's note (Esc cancels, Undo gives the
 * old one back), and after a reload they are all there with the edited note; a doctor
 * downloads the visit's signed PDF (with a view of the 3D canvas) and the wound's FHIR bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { encodePly, makeCavityPhantom } from '../main/analysis/measure/phantoms';
import { test, expect } from './fixtures';
import { woundBox } from './canvas';
import { clinicWithNurse, mutate, openWoundScans, PASSWORD, query } from './clinic';

async function openScan(page: Page): Promise<Locator> {
  await page.getByTestId('wound-scans').getByRole('button', { name: 'Open' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  return dialog;
}

async function signIn(page: Page, username: string): Promise<void> {
  if (await page.getByRole('heading', { name: 'Sign in' }).isVisible().catch(() => false)) {
    await page.getByLabel('User name').fill(username);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
}

test('a nurse annotates a scan (marker, ruler, undermining at 3 o’clock 12 mm), reload shows them; a doctor downloads the visit’s signed PDF and the FHIR bundle', async ({ loggedInPage: page }, testInfo) => {
  test.setTimeout(300_000);
  const { clinicId, woundId } = await clinicWithNurse(page);
  const ph = makeCavityPhantom({ surface: 'plane', a: 14, b: 9, c: 4, spacing: 0.7, noise: 0.1, colored: true, seed: 5 });
  await openWoundScans(page);
  const panel = page.getByTestId('wound-scans');
  await panel.getByLabel('Scan file').setInputFiles({ name: 'wound.ply', mimeType: 'application/octet-stream', buffer: Buffer.from(encodePly(ph.cloud, 0.001)) });
  await panel.getByRole('button', { name: 'Import scan' }).click();
  await expect(panel.getByTestId('import-phase')).toHaveText(/Imported/, { timeout: 120_000 });
  // The visit's assessment (its drawing is assessment.spec's story): an outline around the 28 × 18 mm opening.
  const [scan] = (await query(page, 'scans.listByWound', { woundId })) as { id: string }[];
  const outline = Array.from({ length: 24 }, (_, k) => [18 * Math.cos((2 * Math.PI * k) / 24), 12 * Math.sin((2 * Math.PI * k) / 24), 0]);
  await mutate(page, 'assessments.save', { requestId: crypto.randomUUID(), scanId: scan!.id, outline, method: 'manual' });

  const dialog = await openScan(page);
  const canvas = dialog.locator('canvas');
  const { cx, cy, halfW } = await woundBox(canvas);
  await dialog.getByRole('tab', { name: 'Annotate' }).click();
  const annotations = dialog.getByTestId('annotations-panel');
  const rows = annotations.getByTestId('annotation-row');
  const tool = (name: string) => annotations.locator('label', { hasText: new RegExp(`^${name}$`) }).click();

  // A marker with a note; the save button pressed twice stores one.
  await tool('Marker');
  await canvas.click({ position: { x: cx, y: cy } });
  await annotations.getByLabel('Note').fill('Sinus opening at the rim');
  await annotations.getByRole('button', { name: 'Save marker' }).dblclick();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Marker: Sinus opening at the rim');
  await expect(rows.first()).toContainText('Nora Nurse');

  // A ruler across the wound: measured straight and along the (dipping) surface by the workstation.
  await tool('Ruler');
  await canvas.click({ position: { x: cx - 1.6 * halfW, y: cy } });
  await canvas.click({ position: { x: cx + 1.6 * halfW, y: cy } });
  await annotations.getByRole('button', { name: 'Save ruler' }).click();
  await expect(rows).toHaveCount(2);
  const ruler = (await rows.nth(1).textContent())!;
  const [straight, surface] = [...ruler.matchAll(/(\d+\.\d) mm/g)].map((m) => Number(m[1]));
  expect(straight).toBeGreaterThan(30); // the opening is 28 mm across; the ends lie outside it
  // Down into the 4 mm deep bed and up again: a few millimetres more (half an ellipse 28 × 4 mm is 30.5 mm against 28).
  expect(surface! - straight!).toBeGreaterThan(1);
  expect(surface! - straight!).toBeLessThan(10);

  // Undermining: a nonsense clock position is refused in words, then 3 o'clock, 12 mm.
  await tool('Undermining');
  await canvas.click({ position: { x: cx + 1.2 * halfW, y: cy } });
  await annotations.getByLabel('Clock position (o’clock)').fill('13');
  await annotations.getByLabel('Depth (mm)').fill('12');
  await annotations.getByRole('button', { name: 'Save undermining' }).click();
  await expect(annotations.getByText('The clock position is 1–12')).toBeVisible();
  await annotations.getByLabel('Clock position (o’clock)').fill('3');
  await annotations.getByRole('button', { name: 'Save undermining' }).click();
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(2)).toContainText("Undermining 12 mm at 3 o'clock");

  // A region, then Undo takes it back; Esc mid-placing leaves the tool and keeps the window open.
  await tool('Region');
  for (const [dx, dy] of [[-0.5, -0.3], [0.5, -0.3], [0.5, 0.3], [-0.5, 0.3]] as const) await canvas.click({ position: { x: cx + dx * halfW, y: cy + dy * halfW } });
  await annotations.getByLabel('Region name').fill('slough');
  await annotations.getByRole('button', { name: 'Save region' }).click();
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(3)).toContainText(/Region slough: \d+\.\d\d cm²/);
  await annotations.getByRole('button', { name: 'Undo annotation' }).click();
  await expect(rows).toHaveCount(3);
  await tool('Marker');
  await canvas.click({ position: { x: cx, y: cy } });
  await page.keyboard.press('Escape');
  await expect(annotations.getByTestId('annotation-form')).toHaveCount(0);
  await expect(page.getByRole('dialog')).toHaveCount(1);

  // Editing the marker's note: Esc mid-edit cancels (the window stays), an empty note is refused in
  // words, a double-clicked save stores once, and Undo once gives back the old note.
  const marker = rows.filter({ hasText: 'Marker:' });
  const edit = annotations.getByTestId('annotation-edit');
  await marker.getByRole('button', { name: 'Edit marker' }).click();
  await edit.getByLabel('Note').fill('half-typed');
  await page.keyboard.press('Escape');
  await expect(edit).toHaveCount(0);
  await expect(page.getByRole('dialog')).toHaveCount(1);
  await expect(marker).toContainText('Marker: Sinus opening at the rim');
  await marker.getByRole('button', { name: 'Edit marker' }).click();
  await edit.getByLabel('Note').fill('   ');
  await edit.getByRole('button', { name: 'Save note' }).click();
  await expect(edit.getByText('Write the marker’s note')).toBeVisible();
  await edit.getByLabel('Note').fill('Sinus tract toward the heel');
  await page.screenshot({ path: testInfo.outputPath('editing-note.png') });
  await edit.getByRole('button', { name: 'Save note' }).dblclick();
  await expect(edit).toHaveCount(0);
  await expect(rows.filter({ hasText: 'Marker: Sinus tract toward the heel' })).toHaveCount(1);
  await annotations.getByRole('button', { name: 'Undo annotation' }).click();
  await expect(rows.filter({ hasText: 'Marker: Sinus opening at the rim' })).toHaveCount(1);
  await expect(rows).toHaveCount(3);
  // …and edited again (Enter saves), to be seen after the reload.
  await rows.filter({ hasText: 'Marker:' }).getByRole('button', { name: 'Edit marker' }).click();
  await edit.getByLabel('Note').fill('Sinus tract toward the heel');
  await edit.getByLabel('Note').press('Enter');
  await expect(rows.filter({ hasText: 'Marker: Sinus tract toward the heel' })).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('annotated.png') });

  // Reload: the three come back from the record, beside the viewer and on the wound's timeline.
  await page.reload();
  await signIn(page, 'nurse');
  await openWoundScans(page);
  await expect(page.getByTestId('timeline-annotation')).toHaveCount(3);
  await expect(page.getByTestId('wound-annotations')).toContainText("Undermining 12 mm at 3 o'clock");
  await expect(page.getByTestId('wound-exports'), 'nurses do not export').toHaveCount(0);
  const again = await openScan(page);
  await again.getByRole('tab', { name: 'Annotate' }).click();
  await expect(again.getByTestId('annotation-row')).toHaveCount(3);
  await expect(again.getByTestId('annotation-row').filter({ hasText: 'Marker: Sinus tract toward the heel' })).toHaveCount(1); // the edited note, from the record
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // A doctor opens the visit and downloads its signed PDF, with the 3D view in it.
  await mutate(page, 'auth.login', { clinicId, username: 'admin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'doctor', displayName: 'Dora Doctor', password: PASSWORD, roles: ['doctor'] });
  await mutate(page, 'auth.login', { clinicId, username: 'doctor', password: PASSWORD });
  await page.reload();
  await openWoundScans(page);
  await page.getByTestId('assessment-history').getByRole('button', { name: 'Review and sign off' }).click();
  const saved = page.getByRole('dialog');
  await expect(saved.getByTestId('annotation-row')).toHaveCount(3, { timeout: 60_000 });
  await expect(saved.getByTestId('visible-points')).toHaveText(/^[1-9][\d,]* points shown/, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  const [pdfDownload] = await Promise.all([page.waitForEvent('download'), saved.getByRole('button', { name: 'Download PDF report' }).click()]);
  expect(pdfDownload.suggestedFilename()).toMatch(/^wound-assessment-\d{4}-\d\d-\d\d\.pdf$/);
  const pdf = testInfo.outputPath('visit.pdf');
  await pdfDownload.saveAs(pdf);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  for (const s of ['MRN-7', 'Hopper, Grace', 'Right heel', 'NOT SIGNED OFF', "Undermining 12 mm at 3 o'clock", 'Marker: Sinus tract toward the heel', 'Sign-off: not signed off']) expect(text).toContain(s);
  expect(text).toMatch(/Area\s+\d+\.\d\d cm²/);
  expect(execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' })).toMatch(/\n\s+1\s+\d+\s+image/); // the snapshot
  expect(spawnSync('pdfsig', [pdf], { encoding: 'utf8' }).stdout).toContain('Signature is Valid.');
  expect(readFileSync(pdf).toString('latin1')).toContain('/Name (Dora Doctor)');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // …and the wound's FHIR bundle.
  const exports = page.getByTestId('wound-exports');
  const [fhirDownload] = await Promise.all([page.waitForEvent('download'), exports.getByRole('button', { name: 'FHIR bundle' }).click()]);
  const bundle = JSON.parse(readFileSync(await fhirDownload.path(), 'utf8')) as { resourceType: string; type: string; entry: { resource: { resourceType: string; code?: { coding?: { code: string }[] }; valueQuantity?: { value: number; code: string } } }[] };
  expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
  const types = bundle.entry.map((e) => e.resource.resourceType);
  expect(types.filter((t) => t === 'Patient')).toHaveLength(1);
  expect(types).toContain('Condition');
  expect(types).toContain('DocumentReference');
  const undermining = bundle.entry.find((e) => e.resource.code?.coding?.[0]?.code === '72293-4')!.resource;
  expect(undermining.valueQuantity).toMatchObject({ value: 12, code: 'mm' });
  expect(bundle.entry.some((e) => e.resource.code?.coding?.[0]?.code === '89260-4')).toBe(true);
});
