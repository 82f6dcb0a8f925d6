/**
 * Sync through the UI, as issue 16's Done-when tells it: two workstations (two browser hosts, each
 * its own data dir and record) are connected by their IT admins in the Sync panel to one hosted
 * service (`server/main.ts`, PGlite, plain HTTP on loopback) with enrolment codes; a manager books
 * on workstation 1 and, after sync, the booking is on workstation 2's calendar; a change the
 * service refuses appears in workstation 2's Sync panel with its reason; the reminder e-mail of the
 * booking arrives once at a real SMTP server process. Set-up that is not the story goes through
 * the same API the UI uses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { enrolClinic, mutate, PASSWORD, query } from './clinic';
import { expect, startHost, test } from './fixtures';

const ROOT = join(import.meta.dirname, '..');
const ADMIN = 'e2e-sync-admin-token-0123456789abcdef0123';
const shots = process.env['SYNC_SHOTS'];
const shot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
};
const id = () => crypto.randomUUID();
const cmd = (page: Page, path: string, args: unknown) => mutate(page, path, { commandId: id(), args });

/** A node process (tsx's loader; the PID is the program's own) that prints a JSON line when it listens. */
function startProcess(args: string[], env: Record<string, string>, ready: (l: Record<string, unknown>) => boolean): Promise<{ child: ChildProcess; line: Record<string, unknown>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${stderr}`)), 150_000);
    let buffer = '';
    child.stdout!.on('data', (c: Buffer) => {
      buffer += c.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const text of lines) {
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          if (ready(line)) {
            clearTimeout(timer);
            resolve({ child, line, stop: async () => void (child.exitCode === null && child.kill('SIGTERM'), await exited) });
          }
        } catch {
          // not JSON
        }
      }
    });
    void exited.then(() => reject(new Error(`${args[0]} exited: ${stderr}`)));
  });
}

async function signIn(page: Page, clinicId: string, username: string, area: string): Promise<void> {
  await mutate(page, 'auth.login', { clinicId, username, password: PASSWORD });
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: area, exact: true }).click();
}

async function connect(page: Page, serviceUrl: string, code: string): Promise<void> {
  await page.getByLabel('Service address').fill(serviceUrl);
  await page.getByLabel('Enrolment code').fill(code);
  // A double-click sends one code (a second use of a code would be refused).
  await page.getByRole('button', { name: 'Connect' }).dblclick();
  await expect(page.getByTestId('sync-state')).toHaveText('Connected', { timeout: 30_000 });
}

test.describe.serial('sync between two workstations', () => {
  // Two hosts, the service and an SMTP server start here: more than the default minute on a loaded machine.
  test.describe.configure({ timeout: 240_000 });
  const dir = mkdtempSync(join(tmpdir(), 'cw-e2e-sync-'));
  const mailbox = join(dir, 'mail.jsonl');
  let service: Awaited<ReturnType<typeof startProcess>>;
  let sink: Awaited<ReturnType<typeof startProcess>>;
  let host2: Awaited<ReturnType<typeof startHost>>;
  let serviceUrl = '';
  let page2: Page;
  const state = { clinic1: '', clinic2: '', nurse: '', ada: '', type: '', room: '', appointment: '', serviceClinic: '' };

  const admin = async <T>(path: string, input?: unknown): Promise<T> => {
    const res = await fetch(`${serviceUrl}/trpc/admin.${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(input ?? null) });
    const json = (await res.json()) as { result?: { data: T }; error?: unknown };
    if (!json.result) throw new Error(`admin.${path}: ${JSON.stringify(json.error)}`);
    return json.result.data;
  };
  const received = () => (existsSync(mailbox) ? readFileSync(mailbox, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { to: string[]; subject: string; body: string; messageId: string }) : []);

  test.beforeAll(async ({ browser }: { browser: Browser }) => {
    test.setTimeout(240_000);
    sink = await startProcess(['server/reminders/smtp-sink.fixture.ts', mailbox], {}, (l) => typeof l['port'] === 'number');
    service = await startProcess(
      ['server/main.ts'],
      { PLAIN_HTTP: '1', HOST: '127.0.0.1', PORT: '0', DATA_DIR: join(dir, 'service'), SERVICE_ADMIN_TOKEN: ADMIN, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.line['port']), SMTP_FROM: 'Harbour <reminders@harbour.example>', REMINDER_INTERVAL_MS: '500' },
      (l) => l['event'] === 'server.listening',
    );
    serviceUrl = String(service.line['url']);
    state.serviceClinic = (await admin<{ clinicId: string }>('createClinic', { name: 'Harbour Wound Clinic' })).clinicId;
    host2 = await startHost({ COHERENCY_SYNC_INTERVAL_MS: '3600000' });
    page2 = await (await browser.newContext()).newPage();
    await page2.goto(await host2.launchUrl());
  });

  test.afterAll(async () => {
    await page2?.context().close();
    await host2?.stop();
    await service?.stop();
    await sink?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('IT admins connect both workstations in the Sync panel', async ({ loggedInPage: page1 }) => {
    // Workstation 1: the clinic's record with staff, a patient (e-mail only: reminders go by e-mail), a room and a type.
    state.clinic1 = (await enrolClinic(page1, { name: 'Harbour Wound Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })).id;
    await mutate(page1, 'auth.login', { clinicId: state.clinic1, username: 'admin', password: PASSWORD });
    await mutate(page1, 'staff.create', { username: 'manager', displayName: 'Mia Manager', password: PASSWORD, roles: ['manager'] });
    state.nurse = ((await mutate(page1, 'staff.create', { username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] })) as { id: string }).id;
    await mutate(page1, 'auth.login', { clinicId: state.clinic1, username: 'manager', password: PASSWORD });
    await cmd(page1, 'operations.updateSettings', { timeZone: 'UTC', currency: 'EUR' });
    state.ada = ((await mutate(page1, 'patients.create', { mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female', email: 'ada@patients.example' })) as { id: string }).id;
    state.room = id();
    await cmd(page1, 'bookings.defineRoom', { roomId: state.room, name: 'Room 1' });
    state.type = id();
    await cmd(page1, 'bookings.defineType', { typeId: state.type, name: 'Dressing change', defaultMinutes: 30, colour: '#1c7ed6', kind: 'clinic' });

    await signIn(page1, state.clinic1, 'admin', 'Sync');
    await expect(page1.getByTestId('sync-state')).toHaveText('Not connected');
    // Nonsense is refused in words, next to the field, and nothing is sent.
    await page1.getByLabel('Service address').fill('ftp://nowhere');
    await page1.getByLabel('Enrolment code').fill('nonsense');
    await page1.getByRole('button', { name: 'Connect' }).click();
    await expect(page1.getByText('Use https:// (plain http only for a service on this computer)')).toBeVisible();
    await expect(page1.getByText(/An enrolment code is 16 letters and digits/)).toBeVisible();
    // A well-formed code the service never issued.
    await page1.getByLabel('Service address').fill(serviceUrl);
    await page1.getByLabel('Enrolment code').fill('K7QD-3M9X-PT2A-HV8R');
    await page1.getByRole('button', { name: 'Connect' }).click();
    await expect(page1.getByTestId('sync-enrol-error')).toContainText('did not accept that enrolment code');
    await connect(page1, serviceUrl, (await admin<{ code: string }>('issueEnrolmentCode', { clinicId: state.serviceClinic })).code);
    await expect(page1.getByTestId('sync-queued')).toHaveText('0');
    await shot(page1, 'sync-1-connected');
    // The IT admin's Home says so too.
    await page1.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Home', exact: true }).click();
    await expect(page1.getByText(/Connected to the Coherency service; last synced/)).toBeVisible();
    await page1.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sync', exact: true }).click();

    // Workstation 2: a new install with its own IT admin and front-desk manager.
    state.clinic2 = (await enrolClinic(page2, { name: 'Harbour front desk', admin: { username: 'admin2', displayName: 'Admin Two', password: PASSWORD } })).id;
    await mutate(page2, 'auth.login', { clinicId: state.clinic2, username: 'admin2', password: PASSWORD });
    await mutate(page2, 'staff.create', { username: 'desk', displayName: 'Dana Desk', password: PASSWORD, roles: ['manager'] });
    await signIn(page2, state.clinic2, 'admin2', 'Sync');
    await connect(page2, serviceUrl, (await admin<{ code: string }>('issueEnrolmentCode', { clinicId: state.serviceClinic })).code);
    // Workstation 1's patient arrived with the enrolment.
    await signIn(page2, state.clinic2, 'desk', 'Patients & wounds');
    await page2.getByRole('textbox').first().fill('Lovelace');
    await expect(page2.getByText('Lovelace').first()).toBeVisible();
  });

  test('a manager books on workstation 1 and sees it on workstation 2 after sync; the reminder e-mail arrives once', async ({ loggedInPage: page1 }) => {
    await signIn(page1, state.clinic1, 'manager', 'Sync');
    state.appointment = id();
    const startsAt = Date.now() + 2 * 3_600_000; // within the reminder lead time: due now
    await cmd(page1, 'bookings.book', { appointmentId: state.appointment, patientId: state.ada, typeId: state.type, staffId: state.nurse, roomId: state.room, startsAt });
    // (Workstation 1's own loop may already have sent it: it runs every 15 s.)
    await page1.getByTestId('sync-now').click();
    await expect(page1.getByTestId('sync-queued')).toHaveText('0');

    await signIn(page2, state.clinic2, 'desk', 'Sync');
    await page2.getByTestId('sync-now').click();
    await expect(page2.getByTestId('sync-state')).toHaveText('Connected');
    await page2.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clinic operations' }).click();
    await page2.getByRole('tab', { name: 'Calendar', exact: true }).click();
    await expect(page2.getByText(/Lovelace/).first()).toBeVisible();
    await shot(page2, 'sync-2-booking-on-workstation-2');
    expect(await query(page2, 'bookings.get', { id: state.appointment })).toMatchObject({ status: 'booked' });

    // The service sends the reminder (its sender runs every 500 ms; a manual pass as well): once.
    await expect.poll(() => received().filter((m) => m.to.includes('ada@patients.example')).length, { timeout: 30_000 }).toBe(1);
    await admin('sendReminders');
    await page1.waitForTimeout(1500);
    const mails = received().filter((m) => m.to.includes('ada@patients.example'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Appointment reminder');
    expect(mails[0]!.body).toContain('Harbour');
  });

  test('a change the service refuses appears on workstation 2 with its reason and what to do', async ({ loggedInPage: page1 }) => {
    // Both offline from each other: workstation 1 cancels, workstation 2 checks the patient in.
    await signIn(page1, state.clinic1, 'manager', 'Sync');
    await cmd(page1, 'bookings.cancel', { appointmentId: state.appointment, reason: 'Patient rang to cancel' });
    await page1.getByTestId('sync-now').click();
    await expect(page1.getByTestId('sync-queued')).toHaveText('0');

    await cmd(page2, 'bookings.checkIn', { appointmentId: state.appointment });
    await page2.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sync', exact: true }).click();
    await page2.getByTestId('sync-now').click();
    await expect(page2.getByTestId('sync-rejected-count')).toHaveText('1');
    const row = page2.getByTestId('sync-rejected').getByRole('row').nth(1);
    await expect(row).toContainText('Bookings: check in');
    await expect(row).toContainText('cancelled on the service');
    await expect(row).toContainText('Another workstation changed the same record first');
    await shot(page2, 'sync-3-refused-change');
    // The service's state won on workstation 2.
    expect(await query(page2, 'bookings.get', { id: state.appointment })).toMatchObject({ status: 'cancelled' });
    await row.getByRole('button', { name: 'Done' }).click();
    await expect(page2.getByTestId('sync-rejected-count')).toHaveText('0');
  });
});
