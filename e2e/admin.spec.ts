import { test, expect } from './fixtures';
import { enrolClinic, mutate, PASSWORD, query } from './clinic';

const shot = (name: string) => `test-results/screens/${name}.png`;

test('once a clinic exists the sign-in screen offers no enrolment; a signed-in IT admin sets up another clinic, audited', async ({ loggedInPage: page }) => {
  test.setTimeout(120_000);
  const harbour = await enrolClinic(page, { name: 'Harbour Clinic', admin: { username: 'hadmin', displayName: 'Hal Admin', password: PASSWORD } });
  await mutate(page, 'auth.logout', null);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Set up another clinic' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Set up this clinic' })).toHaveCount(0);
  // …and the API refuses an enrolment without sign-in, whatever the page shows.
  const refused = await page.evaluate(async () => {
    const res = await fetch('/trpc/clinic.enrol', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Sneaky', admin: { username: 'mallory', displayName: 'M', password: 'correct horse battery staple' } }) });
    return { status: res.status, body: await res.text() };
  });
  expect(refused.status).toBe(403);
  expect(refused.body).toContain('ENROL_REFUSED');
  await page.screenshot({ path: shot('sign-in-no-enrol') });

  await mutate(page, 'auth.login', { clinicId: harbour.id, username: 'hadmin', password: PASSWORD });
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clinics' }).click();
  await expect(page.getByTestId('clinic-list')).toContainText('Harbour Clinic');
  const before = ((await query(page, 'clinic.list')) as unknown[]).length;

  await page.getByRole('button', { name: 'Set up another clinic' }).click();
  await expect(page.getByRole('heading', { name: 'Set up another clinic' })).toBeVisible();
  await page.keyboard.press('Escape'); // back out without a trace
  await expect(page.getByTestId('clinic-list')).toBeVisible();
  await page.getByRole('button', { name: 'Set up another clinic' }).click();
  await page.getByRole('button', { name: 'Create clinic' }).click(); // nothing filled in: errors in words
  await expect(page.getByText('At least 12 characters')).toBeVisible();
  await page.getByLabel('Clinic name').fill('Lighthouse Clinic');
  await page.getByLabel('Administrator user name').fill('ladmin');
  await page.getByLabel('Administrator full name').fill('Lee Admin');
  await page.getByLabel('Password (at least 12 characters)').fill(PASSWORD);
  await page.screenshot({ path: shot('clinics-set-up-another') });
  await page.getByRole('button', { name: 'Create clinic' }).dblclick();
  await expect(page.getByTestId('clinic-added')).toContainText('Lighthouse Clinic is set up');
  await expect(page.getByTestId('clinic-list')).toContainText('Lighthouse Clinic');
  expect(((await query(page, 'clinic.list')) as unknown[]).length).toBe(before + 1); // the double click made one
  await page.screenshot({ path: shot('clinics-added') });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Audit log' }).click();
  // Record type is a list of what the log holds (issue 21 point 13).
  await page.getByRole('combobox', { name: 'Record type' }).click();
  await page.getByRole('option', { name: 'clinic', exact: true }).click();
  // This clinic's record holds its own setting up (by the helpers' admin) and the one Hal did.
  const enrolments = page.getByTestId('audit-rows').getByRole('row').filter({ hasText: 'clinic.enrol' });
  await expect(enrolments).toHaveCount(2);
  await expect(enrolments.filter({ hasText: 'Hal Admin' })).toHaveCount(1);
});

test('an IT admin cannot give themselves a clinical role; demoting a doctor takes effect on the doctor’s open screen', async ({ loggedInPage: admin, browser, host }) => {
  test.setTimeout(120_000);
  const clinic = await enrolClinic(admin, { name: 'Roles Clinic', admin: { username: 'radmin', displayName: 'Rae Admin', password: PASSWORD } });
  await mutate(admin, 'auth.login', { clinicId: clinic.id, username: 'radmin', password: PASSWORD });
  await mutate(admin, 'staff.create', { username: 'dee', displayName: 'Dee Doctor', password: PASSWORD, roles: ['doctor'] });
  await admin.reload();

  // The doctor, in a browser of their own, has a patient's wound open.
  const context = await browser.newContext();
  const doctor = await context.newPage();
  await doctor.goto(await host.launchUrl());
  await mutate(doctor, 'auth.login', { clinicId: clinic.id, username: 'dee', password: PASSWORD });
  const patient = (await mutate(doctor, 'patients.create', { mrn: 'MRN-ROLE-1', givenName: 'Rosa', familyName: 'Franklin', dateOfBirth: '1920-07-25', sex: 'female' })) as { id: string };
  await mutate(doctor, 'wounds.create', { patientId: patient.id, bodySite: 'Sacrum', etiology: 'pressure_injury', pressureStage: '3' });
  await doctor.reload();
  await doctor.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patients & wounds' }).click();
  await doctor.getByLabel('Find a patient').fill('franklin');
  await doctor.getByRole('button', { name: 'Open Franklin, Rosa' }).click();
  await expect(doctor.getByTestId('wound-list')).toContainText('Sacrum');

  // The admin's own roles: the clinical ones cannot be ticked, and the screen says why.
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Staff' }).click();
  await admin.getByRole('button', { name: 'Edit Rae Admin' }).click();
  const own = admin.getByRole('dialog', { name: 'Edit your own account' });
  for (const role of ['Nurse', 'Doctor', 'Clinic manager']) await expect(own.getByLabel(role)).toBeDisabled();
  await expect(own.getByTestId('self-grant-note')).toContainText('another IT administrator must');
  await admin.screenshot({ path: shot('staff-own-roles') });
  await admin.keyboard.press('Escape');
  await expect(own).toHaveCount(0);
  // The API refuses it too (what a hand-made request would try), and the audit log records the attempt.
  const me = (await query(admin, 'auth.me')) as { staff: { id: string } };
  await expect(mutate(admin, 'staff.update', { id: me.staff.id, patch: { roles: ['it-admin', 'doctor'] } })).rejects.toThrow(/cannot give your own account/);

  // Demote the doctor to clinic manager.
  await admin.getByRole('button', { name: 'Edit Dee Doctor' }).click();
  const dee = admin.getByRole('dialog', { name: 'Edit Dee Doctor' });
  await dee.getByLabel('Doctor').uncheck();
  await dee.getByLabel('Clinic manager').check();
  await dee.getByRole('button', { name: 'Save' }).dblclick();
  await expect(dee).toHaveCount(0);
  await expect(admin.getByTestId('staff-list').getByRole('row').filter({ hasText: 'Dee Doctor' })).toContainText('Clinic manager');

  // At once: the doctor's next request for clinical data is refused, and the screen follows.
  const status = await doctor.evaluate(async (patientId) => (await fetch(`/trpc/wounds.listByPatient?input=${encodeURIComponent(JSON.stringify({ patientId }))}`)).status, patient.id);
  expect(status).toBe(403);
  // Her screen still shows the wound it loaded before; her next click on it is refused and the screen follows.
  await doctor.getByRole('button', { name: 'Scans', exact: true }).click();
  await expect(doctor.getByText('Clinical details are not shown')).toBeVisible();
  await expect(doctor.getByText('Sacrum')).toHaveCount(0);
  await doctor.screenshot({ path: shot('demoted-doctor') });

  await admin.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Audit log' }).click();
  const rows = admin.getByTestId('audit-rows');
  await expect(rows.getByRole('row').filter({ hasText: 'staff.self_grant_refused' })).toHaveCount(1);
  await expect(rows.getByRole('row').filter({ hasText: 'staff.update_roles' })).toHaveCount(1);
  await context.close();
});
