/**
 * IT admin: make a backup, restore it into a new clinic (a nurse of the backup signs in there and
 * finds the patient), rotate the key (the nurse still signs in and opens the patient), and install
 * the bundled model's copy as the clinic's wound model while a tampered copy is refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { clinicWithNurse, mutate, PASSWORD } from './clinic';
import { expect, test } from './fixtures';

const BACKUP_PASSWORD = 'a long backup passphrase 42';
const MODEL_DIR = join(import.meta.dirname, '..', 'native-models', 'wound-seg');
const tempDirs: string[] = [];
test.afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function signIn(page: Page, clinicId: string, username: string): Promise<void> {
  await mutate(page, 'auth.login', { clinicId, username, password: PASSWORD });
  await page.reload();
}

async function nurseFindsHopper(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patients & wounds' }).click();
  await page.getByLabel('Find a patient').fill('hopper');
  await expect(page.getByRole('button', { name: 'Open Hopper, Grace' })).toBeVisible();
}

test('backup, restore into a new clinic, key rotation, and the wound model', async ({ loggedInPage: page }) => {
  test.setTimeout(240_000);
  const { clinicId } = await clinicWithNurse(page);
  await signIn(page, clinicId, 'admin');
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('button', { name: 'Backups & keys' }).click();
  await page.getByLabel(/^Backup password \(at least 12/).fill(BACKUP_PASSWORD);
  await page.getByLabel('Backup password again').fill(BACKUP_PASSWORD);
  await page.getByRole('button', { name: 'Make a backup' }).click();
  await expect(page.getByTestId('backup-made')).toBeVisible({ timeout: 60_000 });
  const list = page.getByTestId('backup-list');
  await expect(list.getByRole('row')).toHaveCount(2);
  const name = (await list.getByRole('row').nth(1).getByRole('cell').first().textContent())!;
  expect(name).toMatch(/\.cwbackup$/);

  // Download carries the file as an attachment.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download ${name}` }).click()]);
  expect(download.suggestedFilename()).toBe(name);

  // Wrong password: named, nothing created.
  await page.getByRole('radio', { name }).check();
  await page.getByLabel('Password of this backup').fill('not the password at all');
  await page.getByLabel('Name of the restored clinic').fill('Restored Clinic');
  await page.getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByTestId('restore-error')).toContainText('Wrong backup password');
  await page.getByLabel('Password of this backup').fill(BACKUP_PASSWORD);
  await page.getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByTestId('restore-done')).toContainText('Restored Clinic', { timeout: 60_000 });

  const clinics = (await page.evaluate(async () => (await (await fetch('/trpc/clinic.list')).json()) as { result: { data: Array<{ id: string; name: string }> } })).result.data;
  const restored = clinics.find((c) => c.name === 'Restored Clinic')!;
  expect(restored.id).not.toBe(clinicId);
  await signIn(page, restored.id, 'nurse');
  await nurseFindsHopper(page);

  // Rotate the original clinic's key; the nurse still signs in and opens the patient.
  await signIn(page, clinicId, 'admin');
  await nav.getByRole('button', { name: 'Backups & keys' }).click();
  await page.getByRole('button', { name: 'Rotate the clinic key' }).click();
  await page.getByRole('button', { name: 'Rotate now' }).click();
  await expect(page.getByTestId('rotate-done')).toBeVisible({ timeout: 60_000 });
  await signIn(page, clinicId, 'nurse');
  await nurseFindsHopper(page);
  await page.getByRole('button', { name: 'Open Hopper, Grace' }).click();
  await expect(page.getByText('Right heel').first()).toBeVisible();

  // Wound model: a tampered copy is refused, the bundled model's copy installs and is in use.
  await signIn(page, clinicId, 'admin');
  await nav.getByRole('button', { name: 'Wound model' }).click();
  await expect(page.getByTestId('active-model')).toContainText('bundled reference model');
  const manifest = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as { file: string; version: string };
  const dir = mkdtempSync(join(tmpdir(), 'cw-e2e-model-'));
  tempDirs.push(dir);
  const tampered = Buffer.from(readFileSync(join(MODEL_DIR, manifest.file)));
  tampered[5000]! ^= 0xff;
  writeFileSync(join(dir, manifest.file), tampered);
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, version: '1.0.0-clinic' }));
  const inputs = page.locator('input[type=file]');
  await inputs.nth(0).setInputFiles(join(dir, 'model.json'));
  await inputs.nth(1).setInputFiles(join(dir, manifest.file));
  await page.getByRole('button', { name: 'Install model' }).click();
  await expect(page.getByTestId('model-error')).toContainText('sha256');
  await expect(page.getByTestId('active-model')).toContainText('bundled reference model');
  await inputs.nth(1).setInputFiles(join(MODEL_DIR, manifest.file));
  await page.getByRole('button', { name: 'Install model' }).click();
  await expect(page.getByTestId('model-installed')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('active-model')).toContainText('installed by this clinic');
});
