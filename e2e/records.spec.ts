import { expect, hostRequest, startHost, test as base, type HostProcess } from './fixtures';

/** This story starts at first run, so its host has a data dir of its own that no other spec enrols into. */
const test = base.extend<object, { host: HostProcess }>({
  host: [
    async ({}, use) => {
      const host = await startHost();
      await use(host);
      await host.stop();
    },
    { scope: 'worker' },
  ],
});

const PASSWORD = 'correct horse battery staple';

/** GET a tRPC query as the page's browser session (same cookie), from outside the page. */
function apiStatus(host: HostProcess, cookie: string, path: string, input: unknown): Promise<{ status: number; body: string }> {
  return hostRequest(host, `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { cookie });
}

test('enrol, staff, patient and wound; a manager sees demographics but not the wound', async ({ loggedInPage: page, host }) => {
  test.setTimeout(120_000);
  // First run: enrol the clinic and its IT admin.
  await expect(page.getByRole('heading', { name: 'Set up this clinic' })).toBeVisible();
  await page.getByLabel('Clinic name').fill('Riverside Wound Clinic');
  await page.getByLabel('Administrator user name').fill('itadmin');
  await page.getByLabel('Administrator full name').fill('Ira Admin');
  await page.getByLabel('Password (at least 12 characters)').fill('short');
  await page.getByRole('button', { name: 'Create clinic' }).click();
  await expect(page.getByText(/at least 12/i).first()).toBeVisible(); // the error is next to the field
  await page.getByLabel('Password (at least 12 characters)').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create clinic' }).click();

  const signIn = async (username: string) => {
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.getByLabel('User name').fill(username);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
  };

  await signIn('itadmin');
  await expect(page.getByTestId('signed-in-as')).toContainText('Ira Admin');
  // IT admins see no patient data: no Patients area.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patients & wounds' })).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Staff' }).click();
  for (const [username, name, role] of [['nina', 'Nina Nurse', 'Nurse'], ['mo', 'Mo Manager', 'Clinic manager']] as const) {
    await page.getByRole('button', { name: 'Add staff member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add staff member' });
    await dialog.getByLabel('User name').fill(username);
    await dialog.getByLabel('Full name').fill(name);
    await dialog.getByLabel('Initial password (at least 12 characters)').fill(PASSWORD);
    await dialog.getByLabel('Nurse').uncheck();
    await dialog.getByLabel(role).check();
    await dialog.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByTestId('staff-list')).toContainText(name);
  }
  await signOut();

  // The nurse records a patient and a wound.
  await signIn('nina');
  await expect(page.getByRole('heading', { name: /^Good (morning|afternoon|evening), Nina$/ })).toBeVisible(); // her home screen first
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patients & wounds' }).click();
  await page.getByRole('button', { name: 'New patient' }).click();
  const dialog = page.getByRole('dialog', { name: 'New patient' });
  // Nothing filled in: each required field says what it needs, in words.
  await dialog.getByRole('button', { name: 'Create patient' }).click();
  await expect(dialog.getByText('Enter the MRN')).toBeVisible();
  await expect(dialog.getByText('Enter a date (day, month and year)')).toBeVisible();
  await expect(dialog.getByText('Required')).toHaveCount(2);
  await dialog.getByLabel('MRN').fill('MRN-0042');
  await dialog.getByLabel('Given name').fill('Ada');
  await dialog.getByLabel('Family name').fill('Lovelace');
  await dialog.getByLabel('Date of birth').fill('1950-12-10');
  await dialog.getByLabel('Email').fill('not-an-email');
  await dialog.getByRole('button', { name: 'Create patient' }).click();
  await expect(dialog.getByText('Invalid email address')).toBeVisible();
  await dialog.getByLabel('Email').fill('ada@example.org');
  await dialog.getByRole('button', { name: 'Create patient' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Lovelace, Ada');
  await page.getByRole('button', { name: 'Add wound' }).click();
  const wound = page.getByRole('dialog', { name: 'Add wound' });
  await wound.getByLabel('Body site').fill('Left plantar forefoot');
  await wound.getByRole('button', { name: 'Add wound' }).click();
  await expect(page.getByTestId('wound-list')).toContainText('Left plantar forefoot');
  await expect(page.getByTestId('wound-list')).toContainText('Diabetic foot ulcer');
  await signOut();

  // The manager finds the patient by name, sees demographics, and no wound.
  await signIn('mo');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patients & wounds' }).click();
  await page.getByLabel('Find a patient').fill('love');
  await expect(page.getByTestId('patient-results')).toContainText('MRN-0042');
  await page.getByRole('button', { name: 'Open Lovelace, Ada' }).click();
  await expect(page.getByTestId('patient-name')).toHaveText('Lovelace, Ada');
  await expect(page.getByText('Clinical details are not shown')).toBeVisible();
  await expect(page.getByText('Left plantar forefoot')).toHaveCount(0);

  // …and the API refuses the wound list to the manager's session, too.
  const cookies = await page.context().cookies(host.origin);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const search = await apiStatus(host, cookie, 'patients.search', { query: 'MRN-0042' });
  expect(search.status).toBe(200);
  const patientId = (JSON.parse(search.body) as { result: { data: { items: Array<{ id: string }> } } }).result.data.items[0]!.id;
  const woundsResponse = await apiStatus(host, cookie, 'wounds.listByPatient', { patientId });
  expect(woundsResponse.status).toBe(403);
  expect(woundsResponse.body).toContain('FORBIDDEN');
  expect(woundsResponse.body).not.toContain('plantar');
});
