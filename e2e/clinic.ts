import type { Page } from '@playwright/test';

export const PASSWORD = 'correct horse battery staple';

/** Calls a tRPC mutation as the page (same cookie and origin), for fast test set-up. */
export async function mutate(page: Page, path: string, input: unknown): Promise<unknown> {
  return page.evaluate(
    async ({ path, input }) => {
      const res = await fetch(`/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
      if (!res.ok) throw new Error(`${path}: ${body.error?.message ?? res.status}`);
      return body.result?.data;
    },
    { path, input },
  );
}

/**
 * Enrols a clinic, adds a nurse, signs the nurse in and creates a patient with one wound, all
 * through the API the UI uses; then reloads so the UI shows the signed-in nurse.
 */
export async function clinicWithNurse(page: Page, clinicName = 'Test Clinic'): Promise<{ clinicId: string; patientId: string; woundId: string }> {
  const clinic = (await mutate(page, 'clinic.enrol', { name: clinicName, admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })) as { id: string };
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'admin', password: PASSWORD });
  await mutate(page, 'staff.create', { username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] });
  await mutate(page, 'auth.login', { clinicId: clinic.id, username: 'nurse', password: PASSWORD });
  const patient = (await mutate(page, 'patients.create', { mrn: 'MRN-7', givenName: 'Grace', familyName: 'Hopper', dateOfBirth: '1946-12-09', sex: 'female' })) as { id: string };
  const wound = (await mutate(page, 'wounds.create', { patientId: patient.id, bodySite: 'Right heel', etiology: 'pressure_injury', pressureStage: '2' })) as { id: string };
  await page.reload();
  return { clinicId: clinic.id, patientId: patient.id, woundId: wound.id };
}

/** From the signed-in nurse's start screen to the wound's scan panel. */
export async function openWoundScans(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patients & wounds' }).click();
  await page.getByLabel('Find a patient').fill('hopper');
  await page.getByRole('button', { name: 'Open Hopper, Grace' }).click();
  await page.getByRole('button', { name: 'Scans', exact: true }).click();
}
