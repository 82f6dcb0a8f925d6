/**
 * Tablets over the LAN, end to end in the browser host: an IT admin starts the receiver and shows
 * a pairing QR code; the simulated tablet (tools/tablet-sim, a separate process) pairs with the
 * payload from the page and uploads a real scan for a patient this clinic does not know yet; a
 * nurse finds it in Incoming scans and assigns it to a wound. Loopback only, no DNS-SD.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { setUpAuthenticator } from './clinic';
import { expect, startHost, test as base, type HostProcess } from './fixtures';

const ROOT = join(import.meta.dirname, '..');
const SAMPLE = join(ROOT, '..', 'shared', 'samples', 'scans', 'ply', 'dardavesis__560_db.ply');
const PASSWORD = 'correct horse battery staple';

/** This file's host listens for tablets on 127.0.0.1 only, on a free port. */
const test = base.extend<object, { host: HostProcess }>({
  host: [
    async ({}, use) => {
      const host = await startHost({ COHERENCY_LAN_HOST: '127.0.0.1', COHERENCY_LAN_PORT: '0', COHERENCY_LAN_ADVERTISE: '0' });
      await use(host);
      await host.stop();
    },
    { scope: 'worker' },
  ],
});

function tabletSim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tools', 'tablet-sim', 'cli.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function signIn(page: Page, username: string) {
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('User name').fill(username);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('an IT admin pairs a tablet by QR code; its scan for an unknown patient waits for a nurse, who assigns it', async ({ loggedInPage: page }) => {
  test.setTimeout(180_000);
  const tabletDir = mkdtempSync(join(tmpdir(), 'cw-e2e-tablet-'));
  const profile = join(tabletDir, 'profile.json');
  try {
    await expect(page.getByRole('heading', { name: 'Set up this clinic' })).toBeVisible();
    await page.getByLabel('Clinic name').fill('Harbour Wound Clinic');
    await page.getByLabel('Administrator user name').fill('itadmin');
    await page.getByLabel('Administrator full name').fill('Ira Admin');
    await page.getByLabel('Password (at least 12 characters)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create clinic' }).click();
    await signIn(page, 'itadmin');
    // A new clinic asks IT admins for a second factor (issue 19): the admin sets up an authenticator.
    await setUpAuthenticator(page);
    const nav = page.getByRole('navigation', { name: 'Main' });

    // IT admin: start the receiver, show the pairing code.
    await nav.getByRole('button', { name: 'Tablets (LAN)' }).click();
    await expect(page.getByRole('heading', { name: 'Tablets (LAN)' })).toBeVisible();
    await expect(page.getByTestId('lan-status')).toHaveText('stopped');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect(page.getByTestId('lan-status')).toHaveText('running');
    await expect(page.getByTestId('lan-addresses')).toHaveText('127.0.0.1');
    await expect(page.getByTestId('lan-fingerprint')).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await page.getByRole('button', { name: 'Show pairing code' }).click();
    const qr = page.getByTestId('pairing-qr');
    await expect(qr).toBeVisible();
    // The QR code really rendered under the CSP (a data: image, decoded by the browser).
    await expect.poll(() => qr.evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth > 0; })).toBe(true);
    await expect(page.getByTestId('pairing-code')).toHaveText(/^\S{4,}$/);
    // The payload the simulator needs is for testing: hidden until asked for.
    await expect(page.getByTestId('pairing-payload')).toHaveCount(0);
    await page.getByRole('button', { name: 'For testing: the pairing payload (tools/tablet-sim)' }).click();
    const payload = (await page.getByTestId('pairing-payload').textContent())!;
    expect(JSON.parse(payload)).toMatchObject({ v: 1, host: '127.0.0.1', code: await page.getByTestId('pairing-code').textContent() });

    // The tablet scans it (here: the simulator, given the payload) and pairs.
    const paired = await tabletSim(['pair', '--qr', payload, '--name', 'Ward tablet 1', '--profile', profile]);
    expect(paired.code, paired.stderr).toBe(0);
    await expect(page.getByTestId('paired-devices')).toContainText('Ward tablet 1');
    await expect(page.getByTestId('pairing-qr')).toHaveCount(0); // the code was used up

    // A scan for an MRN this clinic does not know: held, encrypted, for a nurse.
    const uploaded = await tabletSim(['upload', SAMPLE, '--mrn', 'MRN-7731', '--profile', profile, '--no-retry']);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    await expect(page.getByTestId('recent-arrivals')).toContainText('held in Incoming scans');

    // Rename the tablet.
    await page.getByRole('button', { name: 'Rename Ward tablet 1' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename tablet' });
    await rename.getByLabel('Name').fill('Dressing room tablet');
    await rename.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByTestId('paired-devices')).toContainText('Dressing room tablet');

    // The audit log names the tablet by its name (pairing, the arrival it filed), never `device:<id>`.
    await nav.getByRole('button', { name: 'Audit log' }).click();
    const rows = page.getByTestId('audit-rows');
    await expect(rows.getByRole('row').filter({ hasText: 'scan_inbox.receive' })).toContainText('Dressing room tablet (tablet)');
    await expect(rows.getByRole('row').filter({ hasText: 'device.pair' }).first()).toContainText('Dressing room tablet (tablet)');
    await expect(rows).not.toContainText('device:');
    await page.getByRole('combobox', { name: 'Staff member' }).click();
    await page.getByRole('option', { name: 'Dressing room tablet (tablet)' }).click();
    await expect(rows.getByRole('row').filter({ hasText: 'Ira' })).toHaveCount(0);
    await expect(rows.getByRole('row')).not.toHaveCount(1);

    // A nurse account.
    await nav.getByRole('button', { name: 'Staff' }).click();
    await page.getByRole('button', { name: 'Add staff member' }).click();
    const staff = page.getByRole('dialog', { name: 'Add staff member' });
    await staff.getByLabel('User name').fill('nina');
    await staff.getByLabel('Full name').fill('Nina Nurse');
    await staff.getByLabel('Initial password (at least 12 characters)').fill(PASSWORD);
    await staff.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByTestId('staff-list')).toContainText('Nina Nurse');
    await page.getByRole('button', { name: 'Sign out' }).click();

    // The nurse records the patient and a wound, then assigns the waiting scan.
    await signIn(page, 'nina');
    await nav.getByRole('button', { name: 'Patients & wounds' }).click();
    await page.getByRole('button', { name: 'New patient' }).click();
    const patient = page.getByRole('dialog', { name: 'New patient' });
    await patient.getByLabel('MRN').fill('MRN-7731');
    await patient.getByLabel('Given name').fill('Grace');
    await patient.getByLabel('Family name').fill('Hopper');
    await patient.getByLabel('Date of birth').fill('1946-12-09');
    await patient.getByRole('button', { name: 'Create patient' }).click();
    await expect(page.getByTestId('patient-name')).toHaveText('Hopper, Grace');
    await page.getByRole('button', { name: 'Add wound' }).click();
    const wound = page.getByRole('dialog', { name: 'Add wound' });
    await wound.getByLabel('Body site').fill('Right lateral malleolus');
    await wound.getByRole('button', { name: 'Add wound' }).click();
    await expect(page.getByTestId('wound-list')).toContainText('Right lateral malleolus');

    await nav.getByRole('button', { name: 'Incoming scans' }).click();
    await expect(page.getByTestId('inbox-list')).toContainText('MRN-7731');
    await expect(page.getByTestId('inbox-list')).toContainText('no patient with this MRN');
    await page.getByRole('button', { name: 'Assign to wound' }).click();
    const assign = page.getByRole('dialog', { name: 'Assign scan to a wound' });
    await assign.getByRole('button', { name: /Hopper, Grace · MRN MRN-7731/ }).click();
    await assign.getByLabel(/Right lateral malleolus/).check();
    await assign.getByRole('button', { name: 'Assign and import' }).click();
    // The sample is a room (8.5 m across), far larger than an ankle: not imported, and the list says why in words.
    await expect(page.getByTestId('inbox-error-headline')).toContainText('far larger than a foot', { timeout: 60_000 });
    await page.getByRole('button', { name: 'Assign to wound' }).click();
    const again = page.getByRole('dialog', { name: 'Assign scan to a wound' });
    await again.getByRole('button', { name: /Hopper, Grace · MRN MRN-7731/ }).click();
    await again.getByLabel(/Right lateral malleolus/).check();
    await expect(again.getByRole('button', { name: 'Assign and import' })).toBeDisabled();
    await again.getByLabel(/^Import anyway/).check();
    await again.getByRole('button', { name: 'Assign and import' }).click();
    await expect(page.getByTestId('inbox-empty')).toBeVisible({ timeout: 60_000 });
  } finally {
    rmSync(tabletDir, { recursive: true, force: true });
  }
});
