/**
 * Issue 17, walked as a doctor would at 1400 × 900: a diabetic foot ulcer scanned four times over
 * six weeks (generated scans whose opening shrinks as e^(−0.02·day): 43 % smaller at four weeks,
 * short of the 50 % threshold). From the patient's body map she opens the wound's review, sees the
 * trend charts, the 4-week flag and the predicted course, opens the first and last visits side by
 * side and overlaid, turns on the change map (its colours on the canvas), signs off the last visit,
 * amends a signed assessment with a reason and sees both versions on the timeline.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { encodePly, makeCavityPhantom, type CavitySpec } from '../main/analysis/test-phantoms';
import { test, expect } from './fixtures';
import { PNG } from 'pngjs';
import { enrolClinic, mutate, PASSWORD, query } from './clinic';

const SHOTS = process.env['SHOTS'];
async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const DAY = 86_400_000;
const K = 0.02;
const DAYS = [0, 14, 28, 42];
const POSES: CavitySpec['pose'][] = [undefined, { rotateDeg: [4, -6, 9], translate: [12, -8, 5] }, { rotateDeg: [-7, 3, -12], translate: [-20, 15, -6] }, { rotateDeg: [2, 8, 5], translate: [6, 22, 10] }];
/** The change map's ends (renderer/viewer/ChangeMapOverlay.tsx): filled in is green, deeper pink. */
const filledGreen = (r: number, g: number, b: number) => g > 100 && g > r + 40 && g > b + 60;

async function importVisit(page: Page, woundId: string, k: number, capturedAt: number): Promise<{ scanId: string; outline: Array<[number, number, number]> }> {
  const f = Math.sqrt(Math.exp(-K * DAYS[k]!));
  const ph = makeCavityPhantom({ surface: 'plane', a: 16 * f, b: 11 * f, c: 5, spacing: 0.7, noise: 0.1, margin: 20, relief: { amplitude: 2, wavelength: 28 }, colored: true, seed: 40 + k, pose: POSES[k] });
  const bytes = Buffer.from(encodePly(ph.cloud, 0.001));
  const { uploadId } = (await mutate(page, 'scans.beginUpload', { fileName: `visit-${k}.ply`, size: bytes.length })) as { uploadId: string };
  await mutate(page, 'scans.uploadChunk', { uploadId, offset: 0, data: bytes.toString('base64') });
  const job = (await mutate(page, 'scans.import', { uploadId, woundId, capturedAt })) as { id: string };
  let scanId: string | null = null;
  await expect
    .poll(
      async () => {
        const jobs = (await query(page, 'scans.jobs')) as Array<{ id: string; phase: string; scanId: string | null }>;
        const j = jobs.find((x) => x.id === job.id);
        scanId = j?.scanId ?? null;
        return j?.phase;
      },
      { timeout: 120_000 },
    )
    .toBe('done');
  const outline = Array.from({ length: ph.outline.length / 3 }, (_, i) => [ph.outline[3 * i]!, ph.outline[3 * i + 1]!, ph.outline[3 * i + 2]!] as [number, number, number]);
  return { scanId: scanId!, outline };
}

test.use({ actionTimeout: 60_000 });

/**
 * Pixels of the 3D scene that match, leaving out the legend and labels drawn over the canvas
 * (the legend's own gradient is green and pink): the canvas below its top quarter.
 */
async function countInScene(page: Page, canvas: Locator, match: (r: number, g: number, b: number) => boolean): Promise<number> {
  const box = (await canvas.boundingBox())!;
  const png = PNG.sync.read(await page.screenshot({ clip: { x: box.x + 0.05 * box.width, y: box.y + 0.25 * box.height, width: 0.9 * box.width, height: 0.55 * box.height } }));
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) if (match(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!)) n++;
  return n;
}

const entries = (page: Page) => page.getByTestId('timeline-entry');

test('a doctor reviews a wound with four assessments over six weeks: charts, 4-week flag, predicted course, two visits in 3D with the change map, an amendment with both versions', async ({ loggedInPage: page }) => {
  test.setTimeout(480_000);
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.setViewportSize({ width: 1400, height: 900 });

  // Set-up through the API the UI uses: a nurse scans and measures four visits, the doctor signs them off.
  const clinic = await enrolClinic(page, { name: 'Review Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'admin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] });
  await mutate(page, 'staff.create', { username: 'doctor', displayName: 'Dora Doctor', password: PASSWORD, roles: ['doctor'] });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'nurse', password: PASSWORD });
  const patient = (await mutate(page, 'patients.create', { mrn: 'MRN-17', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female' })) as { id: string };
  const wound = (await mutate(page, 'wounds.create', { patientId: patient.id, bodySite: 'Plantar first metatarsal head', laterality: 'right', etiology: 'diabetic_foot_ulcer' })) as { id: string };
  const base = Date.UTC(2025, 2, 3, 9, 30);
  const assessmentIds: string[] = [];
  for (const [k, day] of DAYS.entries()) {
    const { scanId, outline } = await importVisit(page, wound.id, k, base + day * DAY);
    const saved = (await mutate(page, 'assessments.save', { requestId: randomUUID(), scanId, outline, method: 'manual' })) as { assessment: { id: string } };
    assessmentIds.push(saved.assessment.id);
  }
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'doctor', password: PASSWORD });
  // The first three are signed off; the last waits for the doctor on the review screen.
  for (const id of assessmentIds.slice(0, 3)) await mutate(page, 'assessments.signOff', { id });
  await page.reload();

  // The patient overview: the body map has the wound's marker; it opens the review.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patients & wounds' }).click();
  await page.getByLabel('Find a patient').fill('lovelace');
  await page.getByRole('button', { name: 'Open Lovelace, Ada' }).click();
  const map = page.getByTestId('body-map');
  await expect(map.getByTestId('body-marker')).toHaveCount(1);
  await expect(map.getByTestId('body-map-wound')).toContainText('Plantar first metatarsal head (right)');
  await shot(page, '01-body-map');
  await map.getByRole('button', { name: 'Plantar first metatarsal head (right) on the body map' }).click();
  const screen = page.getByTestId('review-screen');
  await expect(screen).toBeVisible();

  // Timeline: four visits, the first marked as the baseline, each with its picture and area.
  await expect(entries(page)).toHaveCount(4);
  await expect(entries(page).first().getByTestId('baseline-badge')).toBeVisible();
  await expect(page.getByTestId('timeline-thumbnail')).toHaveCount(4, { timeout: 60_000 });
  // Trend charts: area with the fitted course, volume, depth, perimeter — drawn, with a point per visit.
  for (const chart of ['chart-area', 'chart-volume', 'chart-depth', 'chart-perimeter']) await expect(page.getByTestId(chart).locator('svg.recharts-surface')).toBeVisible();
  await expect(page.getByTestId('chart-volume').locator('.recharts-line-dot')).toHaveCount(4);
  // The 4-week check (a visit falls on day 28) is flagged for a DFU, labelled as decision support with its citation.
  const checks = page.getByTestId('healing-checks');
  await expect(checks).toContainText('Decision support');
  const fourWeeks = checks.locator('[data-check="dfu-4w-50"]');
  await expect(fourWeeks).toHaveAttribute('data-outcome', 'flag');
  await expect(fourWeeks.getByTestId('four-week-flag')).toHaveText('Below the threshold');
  await expect(fourWeeks).toContainText('Sheehan');
  const par4 = Number((await page.getByTestId('par-4-weeks').textContent())!.match(/(\d+) %/)![1]);
  expect(par4).toBeGreaterThan(38);
  expect(par4).toBeLessThan(48);
  // The predicted course: closing, with a date below 0.1 cm² and the fitted k near 0.02/day.
  const course = page.getByTestId('predicted-course');
  await expect(course.getByTestId('closure-date')).toContainText('Below 0.1 cm² around');
  const k = Number((await course.textContent())!.match(/e\^\(−([\d.]+) · day\)/)![1]);
  expect(Math.abs(k - K) / K).toBeLessThan(0.15);
  await shot(page, '02-review');

  // Two visits side by side: the first and the last, registered in the worker.
  await entries(page).nth(0).getByLabel('Compare in 3D').check();
  await entries(page).nth(3).getByLabel('Compare in 3D').check();
  await expect(entries(page).nth(1).getByLabel('Compare in 3D')).toBeDisabled();
  await screen.getByRole('button', { name: 'Compare in 3D' }).click();
  const compare = page.getByTestId('compare-view');
  await expect(compare).toBeVisible({ timeout: 180_000 });
  await expect(compare.getByTestId('compare-earlier').locator('canvas')).toBeVisible();
  await expect(compare.getByTestId('compare-later').locator('canvas')).toBeVisible();
  const rms = Number((await compare.getByTestId('registration-rms').textContent())!.split(' ')[0]);
  expect(rms).toBeLessThan(0.5);
  // The wound shrank: its healed rim filled in, so the median change over the later wound is not deeper.
  await page.waitForTimeout(2000);
  const later = compare.getByTestId('compare-later').locator('canvas');
  const greenBefore = await countInScene(page, later, filledGreen);
  await compare.getByRole('switch', { name: 'Change map' }).check();
  await expect(compare.getByTestId('change-legend')).toBeVisible();
  await expect(compare.getByTestId('change-legend-max')).toHaveText(/^\+\d+\.\d mm$/);
  await page.waitForTimeout(1500);
  const greenAfter = await countInScene(page, later, filledGreen);
  expect(greenAfter, 'the change map colours the later scan').toBeGreaterThan(greenBefore + 300);
  await shot(page, '03-change-map');
  // Overlay: both scans in one view.
  await compare.locator('label', { hasText: 'Overlay' }).click({ timeout: 15_000 });
  await expect(compare.getByTestId('compare-overlay').locator('canvas')).toBeVisible();
  const overlay = compare.getByTestId('compare-overlay');
  await expect(overlay.getByTestId('visible-points')).not.toContainText('loading', { timeout: 30_000 });
  await page.waitForTimeout(1000);
  await shot(page, '04-overlay');
  await compare.getByRole('switch', { name: 'Change map' }).uncheck();
  await page.waitForTimeout(1000);
  await shot(page, '04b-overlay-plain');
  const canvas3d = overlay.locator('canvas');
  const amber = await countInScene(page, canvas3d, (r, g, b) => r > 180 && g > 100 && g < 200 && b < 90);
  const blue = await countInScene(page, canvas3d, (r, g, b) => b > 170 && r < 110 && g > 90);
  expect(amber, 'the earlier scan, amber').toBeGreaterThan(2000);
  expect(blue, 'the later scan, blue').toBeGreaterThan(2000);
  // The change map over both: the scans stay drawn around it.
  await compare.getByRole('switch', { name: 'Change map' }).check();
  await page.waitForTimeout(1000);
  await shot(page, '04c-overlay-change');
  const amberWithMap = await countInScene(page, canvas3d, (r, g, b) => r > 180 && g > 100 && g < 200 && b < 90);
  const greenWithMap = await countInScene(page, canvas3d, filledGreen);
  expect(amberWithMap).toBeGreaterThan(2000);
  expect(greenWithMap).toBeGreaterThan(300);
  await page.keyboard.press('Escape');
  await expect(compare).toBeHidden();

  // Sign off the last visit here: the read-only assessment, a comment, the confirmation.
  const last = entries(page).nth(3);
  await last.getByRole('button', { name: 'Review and sign off' }).click();
  const signing = page.getByRole('dialog').filter({ has: page.locator('canvas') });
  await expect(signing.getByTestId('saved-assessment')).toBeVisible();
  await signing.getByLabel('Comment (optional)').fill('Healing, but slower than we hoped.');
  await signing.getByRole('button', { name: 'Sign off' }).click();
  await page.getByRole('dialog', { name: 'Sign off this assessment?' }).getByRole('button', { name: 'Sign off' }).dblclick();
  await expect(signing.getByTestId('signed-off')).toContainText('Signed off by Dora Doctor on');
  await page.keyboard.press('Escape');
  await expect(signing).toBeHidden();
  await expect(last.locator('[data-version="1"]')).toContainText('Signed · Dora Doctor');
  await expect(last.getByRole('button', { name: 'Amend…' })).toBeVisible();

  // Amend the signed third visit (day 28) with a reason: both versions stay on the timeline.
  const third = entries(page).nth(2);
  await third.getByRole('button', { name: 'Amend…' }).click();
  const dialog = page.getByRole('dialog').filter({ has: page.locator('canvas') });
  const footer = dialog.getByTestId('amend-footer');
  await expect(footer).toBeVisible({ timeout: 60_000 });
  const save = footer.getByRole('button', { name: 'Save amendment' });
  await expect(save).toBeDisabled();
  await footer.getByLabel('Reason for the amendment').fill('The outline missed the undermined lateral edge');
  await expect(save).toBeEnabled({ timeout: 60_000 });
  await save.dblclick();
  await expect(dialog.getByTestId('amendment-saved')).toContainText('Saved as version 2');
  await shot(page, '05-amended');
  await dialog.getByRole('button', { name: 'Close review window' }).click();
  await expect(dialog).toBeHidden();
  const versions = third.getByTestId('assessment-version');
  await expect(versions).toHaveCount(2);
  await expect(third.locator('[data-version="1"]')).toHaveAttribute('data-replaced', 'true');
  await expect(third.locator('[data-version="1"]')).toContainText('Replaced by v2');
  await expect(third.locator('[data-version="2"]')).toContainText('Awaiting sign-off');
  await expect(third.getByTestId('amendment-reason')).toContainText('The outline missed the undermined lateral edge');
  // Exactly one amendment however the button was pressed.
  const review = (await query(page, 'review.wound', { woundId: wound.id })) as { timeline: Array<{ assessments: unknown[] }> };
  expect(review.timeline.map((e) => e.assessments.length)).toEqual([1, 1, 2, 1]);
  await shot(page, '06-both-versions');
});

