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

/** Calls a tRPC query as the page. */
export async function query(page: Page, path: string, input?: unknown): Promise<unknown> {
  return page.evaluate(
    async ({ path, input }) => {
      const res = await fetch(`/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`);
      const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
      if (!res.ok) throw new Error(`${path}: ${body.error?.message ?? res.status}`);
      return body.result?.data;
    },
    { path, input },
  );
}

/** The first clinic of a test host: set up at first run by these helpers, whose admin then sets up every further clinic. */
const BOOTSTRAP = { name: 'E2E Workstation', admin: { username: 'e2e-admin', displayName: 'E2E Admin', password: PASSWORD } };

/**
 * Enrols a clinic as the app allows it: at first run with `clinic.enrol`; once a clinic exists,
 * only a signed-in IT admin may (`clinic.enrolAnother`), so the helpers' own first clinic's admin
 * signs in on this page and sets it up. Leaves that admin signed in: sign in as whom you need next.
 */
export async function enrolClinic(page: Page, input: { name: string; admin: { username: string; displayName: string; password: string } }): Promise<{ id: string }> {
  let clinics = (await query(page, 'clinic.list')) as Array<{ id: string; name: string }>;
  if (clinics.length === 0) {
    await mutate(page, 'clinic.enrol', BOOTSTRAP);
    clinics = (await query(page, 'clinic.list')) as Array<{ id: string; name: string }>;
  }
  const boot = clinics.find((c) => c.name === BOOTSTRAP.name);
  if (!boot) throw new Error('this host was set up by something else than the e2e helpers');
  await mutate(page, 'auth.login', { clinicId: boot.id, username: BOOTSTRAP.admin.username, password: PASSWORD });
  return (await mutate(page, 'clinic.enrolAnother', input)) as { id: string };
}

/**
 * Enrols a clinic, adds a nurse, signs the nurse in and creates a patient with one wound, all
 * through the API the UI uses; then reloads so the UI shows the signed-in nurse.
 */
export async function clinicWithNurse(page: Page, clinicName = 'Test Clinic'): Promise<{ clinicId: string; patientId: string; woundId: string }> {
  const clinic = await enrolClinic(page, { name: clinicName, admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } });
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
