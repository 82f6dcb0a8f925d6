import type { Page } from '@playwright/test';
import { authenticatorCode, enrolClinic, mutate, PASSWORD, scanQr, setUpAuthenticator } from './clinic';
import { expect, test } from './fixtures';

const shot = (name: string) => `test-results/screens/${name}.png`;
const CLINIC = 'Two-Step Clinic';

async function signIn(page: Page, username: string, clinic = CLINIC) {
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Clinic' }).click();
  await page.getByRole('option', { name: clinic }).click();
  await page.getByLabel('User name').fill(username);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a doctor sets up two-step sign-in by QR code, then signs in with a code; a used code is refused; the lock screen asks for the password only', async ({ loggedInPage: page }) => {
  test.setTimeout(150_000);
  const clinic = await enrolClinic(page, { name: CLINIC, admin: { username: 'tadmin', displayName: 'Tess Admin', password: PASSWORD }, twoFactorRoles: ['doctor'] });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'tadmin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'dee', displayName: 'Dee Doctor', password: PASSWORD, roles: ['doctor'] });
  await mutate(page, 'auth.logout', {});
  await page.reload();

  // Password first: the policy names doctors, and Dee has no authenticator yet.
  await signIn(page, 'dee');
  await expect(page.getByRole('heading', { name: 'Set up two-step sign-in' })).toBeVisible();
  // Esc goes back to the password step (nothing set up); signing in again shows a new QR code.
  await page.getByLabel('Code from the app').press('Escape');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn(page, 'dee');
  await expect(page.getByRole('heading', { name: 'Set up two-step sign-in' })).toBeVisible();
  await page.screenshot({ path: shot('two-factor-enrol') });

  const uri = await scanQr(page);
  const parsed = new URL(uri);
  expect(parsed.protocol).toBe('otpauth:');
  expect(parsed.host).toBe('totp');
  expect(decodeURIComponent(parsed.pathname)).toContain('dee');
  expect(parsed.searchParams.get('issuer')).toContain(CLINIC);
  expect(parsed.searchParams.get('secret')).toBe(await page.getByTestId('totp-secret').textContent());

  // A wrong code is refused in words; the right one signs in and shows the recovery codes once.
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong code');
  const code = authenticatorCode(uri);
  await page.getByLabel('Code from the app').fill(code);
  await page.getByRole('button', { name: 'Confirm and sign in' }).dblclick();
  const notice = page.getByRole('dialog', { name: 'Your recovery codes' });
  await expect(notice).toBeVisible();
  const recovery = (await notice.getByTestId('recovery-codes').textContent())!.split('\n').filter(Boolean);
  expect(recovery).toHaveLength(10);
  await page.screenshot({ path: shot('two-factor-recovery-codes') });
  await page.keyboard.press('Escape'); // not dismissed by Esc: the codes are shown once
  await expect(notice).toBeVisible();
  await notice.getByRole('button', { name: 'I have saved these codes' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Dee Doctor');

  // The lock screen asks for the password only.
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { name: 'Locked' })).toBeVisible();
  await expect(page.getByRole('textbox')).toHaveCount(1); // no code field
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Dee Doctor');

  // Next sign-in: password, then a code. The enrolment's code was used: refused as a replay.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'dee');
  await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
  await page.getByLabel('Authenticator or recovery code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('used already');
  await page.screenshot({ path: shot('two-factor-replay') });

  // The authenticator's next code (next 30-second step) signs in.
  const nextStep = (Math.floor(Date.now() / 30_000) + 1) * 30_000;
  await page.waitForTimeout(nextStep - Date.now() + 200);
  await page.getByLabel('Authenticator or recovery code').fill(authenticatorCode(uri));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Dee Doctor');

  // A recovery code signs in once.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'dee');
  await page.getByLabel('Authenticator or recovery code').fill(recovery[0]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Dee Doctor');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'dee');
  await page.getByLabel('Authenticator or recovery code').fill(recovery[0]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong code');

  await page.getByRole('button', { name: 'Back' }).click();

  // Dee lost her phone: the IT admin (password only under this policy) resets her two-step sign-in on the Staff screen.
  await signIn(page, 'tadmin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Staff' }).click();
  const row = page.getByTestId('staff-list').getByRole('row').filter({ hasText: 'Dee Doctor' });
  await expect(row).toContainText('set up');
  await expect(page.getByRole('button', { name: 'Reset two-step sign-in of Tess Admin' })).toHaveCount(0); // never one's own
  await page.getByRole('button', { name: 'Reset two-step sign-in of Dee Doctor' }).click();
  await page.getByRole('dialog', { name: 'Reset two-step sign-in of Dee Doctor' }).getByRole('button', { name: 'Reset' }).dblclick();
  await expect(row).toContainText('not set up');
  // The policy: doctors ticked (as enrolled), nurses added.
  const policy = page.getByRole('group', { name: 'Roles that sign in with two steps' });
  await expect(policy.getByLabel('Doctor')).toBeChecked();
  await policy.getByLabel('Nurse').check();
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('button', { name: 'Save policy' })).toBeDisabled();
  await page.screenshot({ path: shot('two-factor-staff') });
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Staff' }).click();
  await expect(page.getByRole('group', { name: 'Roles that sign in with two steps' }).getByLabel('Nurse')).toBeChecked();

  // Dee sets up a new authenticator at her next sign-in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'dee');
  await setUpAuthenticator(page);
  await expect(page.getByTestId('signed-in-as')).toContainText('Dee Doctor');
});

test('My account: a nurse adds an authenticator, makes new recovery codes and replaces the authenticator, each proved with a current code; codes are shown once', async ({ loggedInPage: page }) => {
  test.setTimeout(120_000);
  const ACCOUNT_CLINIC = 'Account Clinic';
  const clinic = await enrolClinic(page, { name: ACCOUNT_CLINIC, admin: { username: 'aadmin', displayName: 'Ada Admin', password: PASSWORD } });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'aadmin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'nell', displayName: 'Nell Nurse', password: PASSWORD, roles: ['nurse'] });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'nell', password: PASSWORD });
  await page.reload();

  // The header's name opens My account: password only so far.
  await page.getByTestId('signed-in-as').click();
  const account = page.getByRole('dialog', { name: 'My account · Nell Nurse' });
  await expect(account.getByTestId('my-two-factor')).toHaveText('not set up');
  await account.getByRole('button', { name: 'Set up an authenticator' }).dblclick();
  const firstUri = await scanQr(page);
  await account.getByLabel('Code from the app').fill('000000');
  await account.getByRole('button', { name: 'Confirm new authenticator' }).click();
  await expect(account.getByRole('alert')).toContainText('Wrong code');
  await account.getByLabel('Code from the app').fill(authenticatorCode(firstUri));
  await account.getByRole('button', { name: 'Confirm new authenticator' }).dblclick();
  const firstCodes = (await account.getByTestId('recovery-codes').textContent())!.split('\n').filter(Boolean);
  expect(firstCodes).toHaveLength(10);
  await page.keyboard.press('Escape'); // shown once: Esc does not dismiss them
  await expect(account.getByTestId('recovery-codes')).toBeVisible();
  await account.getByRole('button', { name: 'I have saved these codes' }).click();
  await expect(account.getByTestId('my-two-factor')).toHaveText('set up');
  await expect(account.getByTestId('my-two-factor-words')).toContainText('10 unused recovery codes left');

  // New recovery codes: a wrong code is refused in words; a recovery code proves it (and is used up).
  await account.getByRole('button', { name: 'Make new recovery codes' }).click();
  await account.getByLabel('Current authenticator or recovery code').fill('999999');
  await account.getByRole('button', { name: 'Make new recovery codes' }).click();
  await expect(account.getByRole('alert')).toContainText('Wrong code');
  await account.getByLabel('Current authenticator or recovery code').fill(firstCodes[0]!);
  await account.getByRole('button', { name: 'Make new recovery codes' }).dblclick();
  const renewed = (await account.getByTestId('recovery-codes').textContent())!.split('\n').filter(Boolean);
  expect(renewed).toHaveLength(10);
  expect(renewed.filter((c) => firstCodes.includes(c))).toHaveLength(0);
  await page.screenshot({ path: shot('my-account-recovery-codes') });
  await account.getByRole('button', { name: 'I have saved these codes' }).click();
  await expect(account.getByTestId('my-two-factor-words')).toContainText('10 unused recovery codes left');
  // The old codes stopped working (through the API the dialog uses).
  await expect(mutate(page, 'auth.renewRecoveryCodes', { code: firstCodes[1] })).rejects.toThrow(/Wrong code/);

  // Replace the authenticator: Esc on the proving step goes back, nothing changed.
  await account.getByRole('button', { name: 'Replace authenticator' }).click();
  await account.getByLabel('Current authenticator or recovery code').press('Escape');
  await expect(account.getByRole('button', { name: 'Replace authenticator' })).toBeVisible();
  await account.getByRole('button', { name: 'Replace authenticator' }).click();
  await account.getByLabel('Current authenticator or recovery code').fill(renewed[0]!);
  await account.getByRole('button', { name: 'Continue' }).click();
  const secondUri = await scanQr(page);
  expect(new URL(secondUri).searchParams.get('secret')).not.toBe(new URL(firstUri).searchParams.get('secret'));
  await page.screenshot({ path: shot('my-account-replace') });
  await account.getByLabel('Code from the app').fill(authenticatorCode(secondUri));
  await account.getByRole('button', { name: 'Confirm new authenticator' }).click();
  await expect(account.getByTestId('recovery-codes')).toBeVisible();
  const third = (await account.getByTestId('recovery-codes').textContent())!.split('\n').filter(Boolean);
  await account.getByRole('button', { name: 'I have saved these codes' }).click();
  await page.keyboard.press('Escape');
  await expect(account).toHaveCount(0);

  // Next sign-in: the old authenticator's code is refused; the new set's recovery code works.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'nell', ACCOUNT_CLINIC);
  await page.getByLabel('Authenticator or recovery code').fill(authenticatorCode(firstUri));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong code');
  await page.getByLabel('Authenticator or recovery code').fill(third[0]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Nell Nurse');
});
