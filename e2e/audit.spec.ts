import { test, expect } from './fixtures';
import { enrolClinic, mutate, PASSWORD } from './clinic';

test('the audit log names who did what to which record, filters by record type, and verifies its chain — without patient data', async ({ loggedInPage: page }) => {
  test.setTimeout(120_000);
  const clinic = await enrolClinic(page, { name: 'Audit Clinic', admin: { username: 'it', displayName: 'Ivy Tech', password: PASSWORD } });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'it', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'nurse', password: PASSWORD });
  await mutate(page, 'patients.create', { mrn: 'MRN-AUD-1', givenName: 'Octavia', familyName: 'Brightwater', dateOfBirth: '1950-05-05', sex: 'female' });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'it', password: PASSWORD });
  await page.reload();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Audit log' }).click();
  const rows = page.getByTestId('audit-rows');
  const created = rows.getByRole('row').filter({ hasText: 'patient.create' });
  await expect(created).toHaveCount(1);
  await expect(created).toContainText('Nora Nurse (nurse)');
  await expect(created).toContainText('nurse');
  // Staff records are named too; patient records stay ids.
  await expect(rows.getByRole('row').filter({ hasText: 'staff.create' }).filter({ hasText: 'staff Nora Nurse (nurse)' })).toHaveCount(1);
  await expect(rows).not.toContainText('Brightwater');
  await expect(rows).not.toContainText('MRN-AUD-1');

  // Record type is a list of what the log holds, not free text.
  await page.getByRole('combobox', { name: 'Record type' }).click();
  await page.getByRole('option', { name: 'patient', exact: true }).click();
  await expect(rows.getByRole('row').filter({ hasText: 'staff.create' })).toHaveCount(0);
  await expect(rows.getByRole('row').filter({ hasText: 'patient.create' })).toHaveCount(1);

  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.getByTestId('audit-verify')).toHaveText(/Chain intact: \d+ entries verified/);
});
