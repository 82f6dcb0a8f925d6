import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { enrolClinic, mutate, PASSWORD } from './clinic';
import { expect, test } from './fixtures';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
const shot = (name: string) => `test-results/screens/${name}.png`;

async function openUpdates(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Updates' }).click();
  await expect(page.getByRole('heading', { name: 'Updates' })).toBeVisible();
}

test('the IT admin sees the version and that the browser host does not install updates, checks, and moves the workstation to pilot and back; a nurse has no Updates screen', async ({ loggedInPage: page }) => {
  test.setTimeout(90_000);
  const clinic = await enrolClinic(page, { name: 'Updates Clinic', admin: { username: 'uadmin', displayName: 'Una Admin', password: PASSWORD } });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'uadmin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'nina', displayName: 'Nina Nurse', password: PASSWORD, roles: ['nurse'] });
  await page.reload();
  await openUpdates(page);

  // The truthful state of the browser host: its version, no installer, nothing checked yet.
  await expect(page.getByTestId('updates-installed')).toHaveText(pkg.version);
  await expect(page.getByTestId('updates-note')).toContainText('The browser host does not install updates');
  await expect(page.getByTestId('updates-channel')).toHaveText('stable');
  await expect(page.getByTestId('updates-checked-at')).toHaveText('not since the app started');
  await expect(page.getByRole('button', { name: /^Install/ })).toHaveCount(0);

  // Check now: this host has no feed configured, and says so in words with the reason's code.
  await page.getByRole('button', { name: 'Check now' }).dblclick();
  await expect(page.getByTestId('updates-state')).toContainText('Not checked (UPDATE_NO_FEED): No update feed is configured');
  await expect(page.getByTestId('updates-checked-at')).not.toHaveText('not since the app started');
  await page.screenshot({ path: shot('updates-browser-host') });

  // The channel: Esc puts back the saved choice; Save keeps the new one (saved once on a double click) across a reload.
  const channels = page.getByRole('radiogroup', { name: 'Update channel' });
  const save = page.getByRole('button', { name: 'Save channel' });
  await expect(save).toBeDisabled();
  await channels.getByLabel(/^Pilot/).check();
  await channels.getByLabel(/^Pilot/).press('Escape');
  await expect(channels.getByLabel(/^Stable/)).toBeChecked();
  await channels.getByLabel(/^Pilot/).check();
  await save.dblclick();
  await expect(page.getByTestId('updates-channel')).toHaveText('pilot');
  await expect(save).toBeDisabled();
  await page.screenshot({ path: shot('updates-pilot') });
  await page.reload();
  await openUpdates(page);
  await expect(page.getByTestId('updates-channel')).toHaveText('pilot');
  await expect(channels.getByLabel(/^Pilot/)).toBeChecked();
  await channels.getByLabel(/^Stable/).check();
  await save.click();
  await expect(page.getByTestId('updates-channel')).toHaveText('stable');
  await page.reload();
  await openUpdates(page);
  await expect(page.getByTestId('updates-channel')).toHaveText('stable');

  // A nurse: no Updates screen, and the API refuses her a check or a channel change.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'nina', password: PASSWORD });
  await page.reload();
  await expect(page.getByTestId('signed-in-as')).toContainText('Nina Nurse');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Staff' })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Updates' })).toHaveCount(0);
  await expect(mutate(page, 'updates.setChannel', { channel: 'pilot' })).rejects.toThrow();
  await expect(mutate(page, 'updates.check', {})).rejects.toThrow();
});
