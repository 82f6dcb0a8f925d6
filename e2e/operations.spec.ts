/**
 * Clinic operations through the UI, as issue 15's Done-when tells it: a manager books a weekly
 * series, moves one occurrence, cancels another, sees and overrides a conflict, checks a patient
 * in; a nurse records supplies used (stock drops, invoice lines appear); a doctor orders a
 * prescription-only dressing and the nurse issues it (refused without the order); the manager
 * issues the invoice, takes a part payment, refunds one line, voids another invoice, exports a
 * claim; receives a purchase order in two parts; the dashboard's numbers match the data.
 * Set-up that is not the story (staff, patients, catalogue) goes through the same API the UI uses.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { addDays, localDate, mondayOf } from '../common/time';
import { enrolClinic, mutate, PASSWORD } from './clinic';
import { expect, test } from './fixtures';

const TZ = 'Europe/Berlin';
const shots = process.env['OPS_SHOTS'];
const shot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
};
const id = () => crypto.randomUUID();
const cmd = (page: Page, path: string, args: unknown) => mutate(page, path, { commandId: id(), args });
async function query<T>(page: Page, path: string, input: unknown): Promise<T> {
  return page.evaluate(
    async ({ path, input }) => {
      const res = await fetch(`/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
      const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
      if (!res.ok) throw new Error(`${path}: ${body.error?.message ?? res.status}`);
      return body.result?.data as never;
    },
    { path, input },
  );
}
async function signIn(page: Page, clinicId: string, username: string): Promise<void> {
  await mutate(page, 'auth.login', { clinicId, username, password: PASSWORD });
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clinic operations' }).click();
}
const tab = (page: Page, name: string) => page.getByRole('tab', { name, exact: true }).click();

const today = localDate(Date.now(), TZ);
const nextWeek = addDays(today, 7);
const state = { clinicId: '', nurseId: '', doctorId: '', ada: '', grace: '', foam: '', silver: '', dressing: '' };

test.describe.serial('clinic operations', () => {
  test('set-up: staff, patients, rooms, types, service codes, stock', async ({ loggedInPage: page }) => {
    state.clinicId = (await enrolClinic(page, { name: 'Harbour Wound Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD } })).id;
    await mutate(page, 'auth.login', { clinicId: state.clinicId, username: 'admin', password: PASSWORD });
    await mutate(page, 'staff.create', { username: 'manager', displayName: 'Mia Manager', password: PASSWORD, roles: ['manager'] });
    state.nurseId = ((await mutate(page, 'staff.create', { username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] })) as { id: string }).id;
    state.doctorId = ((await mutate(page, 'staff.create', { username: 'doctor', displayName: 'Dan Doctor', password: PASSWORD, roles: ['doctor'] })) as { id: string }).id;
    await mutate(page, 'auth.login', { clinicId: state.clinicId, username: 'manager', password: PASSWORD });
    await cmd(page, 'operations.updateSettings', { timeZone: TZ, currency: 'EUR' });
    state.ada = ((await mutate(page, 'patients.create', { mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female', phone: '+44 20 7946 0001' })) as { id: string }).id;
    state.grace = ((await mutate(page, 'patients.create', { mrn: 'MRN-2', givenName: 'Grace', familyName: 'Hopper', dateOfBirth: '1946-12-09', sex: 'female' })) as { id: string }).id;
    const svc = id();
    await cmd(page, 'billing.defineServiceCode', { serviceCodeId: svc, code: 'WC-01', description: 'Dressing change', priceCents: 4500, taxRateBp: 0 });
    await cmd(page, 'bookings.defineRoom', { roomId: id(), name: 'Room 1' });
    await cmd(page, 'bookings.defineRoom', { roomId: id(), name: 'Room 2' });
    state.dressing = id();
    await cmd(page, 'bookings.defineType', { typeId: state.dressing, name: 'Dressing change', defaultMinutes: 30, colour: '#1c7ed6', serviceCodeId: svc });
    state.foam = id();
    state.silver = id();
    await cmd(page, 'stock.defineItem', { itemId: state.foam, sku: 'FOAM-10', name: 'Foam dressing 10x10', unit: 'piece', packSize: 10, supplier: 'Medisupply', unitCostCents: 150, priceCents: 320, taxRateBp: 0, reorderLevel: 25, reorderTarget: 60 });
    await cmd(page, 'stock.defineItem', { itemId: state.silver, sku: 'AG-10', name: 'Silver alginate 10x10', unit: 'piece', packSize: 5, supplier: 'Medisupply', unitCostCents: 600, priceCents: 1100, taxRateBp: 0, prescriptionOnly: true, reorderLevel: 0, reorderTarget: 0 });
    await cmd(page, 'stock.receive', { itemId: state.foam, lotNumber: 'F-OLD', expiryDate: addDays(today, 20), quantity: 12 });
    await cmd(page, 'stock.receive', { itemId: state.foam, lotNumber: 'F-NEW', expiryDate: addDays(today, 300), quantity: 12 });
    await cmd(page, 'stock.receive', { itemId: state.silver, lotNumber: 'S-1', expiryDate: addDays(today, 200), quantity: 10 });
    await cmd(page, 'billing.setCoverage', { coverageId: id(), patientId: state.ada, payerName: 'Northwind Health', payerIdentifier: 'NWH-001', memberId: 'M-778899' });
  });

  test('a manager books a weekly series, moves one, cancels another, overrides a conflict and checks the patient in', async ({ loggedInPage: page }) => {
    await signIn(page, state.clinicId, 'manager');
    await tab(page, 'Calendar');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.getByLabel('Patient').fill('lovel');
    await dialog.getByRole('button', { name: /Lovelace, Ada/ }).click();
    await dialog.getByLabel('Date').fill(today);
    await dialog.getByLabel('Start').fill('10:00');
    await dialog.getByLabel('Clinician').click();
    await page.getByRole('option', { name: 'Nora Nurse' }).click();
    await dialog.getByLabel('Room').click();
    await page.getByRole('option', { name: 'Room 1' }).click();
    await dialog.getByRole('switch', { name: 'Repeats weekly' }).check();
    await expect(page.getByRole('dialog', { name: 'Book a series' }).getByText('6 occurrences')).toBeVisible();
    await shot(page, '01-book-series');
    await page.getByRole('dialog', { name: 'Book a series' }).getByRole('button', { name: 'Book series' }).dblclick();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    // A double-click booked one series: six appointments, not twelve.
    const range = (d: string) => ({ from: Date.parse(`${d}T00:00:00Z`) - 86_400_000, to: Date.parse(`${d}T00:00:00Z`) + 50 * 86_400_000 });
    expect((await query<unknown[]>(page, 'bookings.calendar', range(today))).length).toBe(6);
    await expect(page.getByRole('button', { name: '10:00 Lovelace, Ada' })).toBeVisible();
    await shot(page, '02-week');

    // Move next week's occurrence to 14:00 (this one only).
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('button', { name: '10:00 Lovelace, Ada' }).click();
    await page.getByRole('button', { name: 'Move' }).click();
    await page.getByLabel('New start').fill('14:00');
    await page.getByRole('button', { name: 'Move', exact: true }).last().click();
    await expect(page.getByTestId('appt-when')).toContainText(`${nextWeek} 14:00`);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: '14:00 Lovelace, Ada' })).toBeVisible();

    // Cancel the occurrence the week after, with a reason.
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('button', { name: '10:00 Lovelace, Ada' }).click();
    await page.getByRole('button', { name: 'Cancel appointment' }).click();
    await page.getByLabel('Reason').fill('Patient on holiday');
    await page.getByRole('button', { name: 'Cancel appointment' }).last().click();
    await expect(page.getByTestId('appt-status')).toHaveText('Cancelled');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: '10:00 Lovelace, Ada' })).toHaveCount(0);
    // The rest of the series is untouched.
    const all = await query<Array<{ status: string; startsAt: number }>>(page, 'bookings.calendar', range(today));
    expect(all.map((a) => a.status).sort()).toEqual(['booked', 'booked', 'booked', 'booked', 'booked', 'cancelled']);

    // Grace at the nurse's 10:00 today: the conflict is shown before saving, then overridden.
    await page.getByRole('button', { name: 'Today' }).click();
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    const d2 = page.getByRole('dialog', { name: 'Book an appointment' });
    await d2.getByLabel('Patient').fill('hopper');
    await d2.getByRole('button', { name: /Hopper, Grace/ }).click();
    await d2.getByLabel('Clinician').click();
    await page.getByRole('option', { name: 'Nora Nurse' }).click();
    await d2.getByLabel('Date').fill(today);
    await d2.getByLabel('Start').fill('10:15');
    await expect(d2.getByTestId('conflicts')).toContainText('The clinician has another appointment overlapping');
    await expect(d2.getByRole('button', { name: 'Book', exact: true })).toBeDisabled();
    await shot(page, '03-conflict');
    await d2.getByLabel('Book anyway (double-book on purpose)').check();
    await d2.getByRole('button', { name: 'Book', exact: true }).click();
    await expect(page.getByRole('button', { name: '10:15 Hopper, Grace' })).toBeVisible();

    // Check Ada in (today's occurrence).
    await page.getByRole('button', { name: '10:00 Lovelace, Ada' }).click();
    await page.getByRole('button', { name: 'Check in' }).click();
    await expect(page.getByTestId('appt-status')).toHaveText('Checked in');
    await shot(page, '04-checked-in');
    await page.keyboard.press('Escape');
    // The day view by room shows both in Room 1 / no room.
    await page.getByText('Day', { exact: true }).click();
    await page.getByText('By room', { exact: true }).click();
    await expect(page.getByTestId('column-Room 1').getByRole('button', { name: /10:00 Lovelace, Ada/ })).toBeVisible();
    await shot(page, '05-day-by-room');
  });

  test('a nurse records supplies used at the visit: stock drops first-expired-first-out, the invoice gets the lines; prescription-only needs the doctor’s order', async ({ loggedInPage: page }) => {
    await signIn(page, state.clinicId, 'nurse');
    await expect(page.getByTestId('my-day')).toContainText('Lovelace, Ada');
    await page.getByTestId('my-day').getByText('Lovelace, Ada').click();
    await page.getByRole('combobox', { name: 'Item' }).click();
    await page.getByRole('option', { name: /Foam dressing 10x10/ }).click();
    await page.getByLabel('Quantity').fill('3');
    await expect(page.getByTestId('fefo')).toContainText('lot F-OLD');
    await page.getByRole('button', { name: 'Record supplies used' }).dblclick();
    await expect(page.getByTestId('supplies-used')).toContainText('Foam dressing 10x10');
    await expect(page.getByTestId('supplies-used').getByRole('row')).toHaveCount(1);
    // Without the doctor's order the prescription-only dressing is refused, in words.
    await page.getByRole('combobox', { name: 'Item' }).click();
    await page.getByRole('option', { name: /Silver alginate/ }).click();
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Record supplies used' }).click();
    await expect(page.getByTestId('supplies-error')).toContainText('Silver alginate 10x10 is prescription-only');
    await shot(page, '06-refused');
    const items = await query<Array<{ sku: string; onHand: number }>>(page, 'stock.items', { includeInactive: false });
    expect(items.map((i) => [i.sku, i.onHand])).toEqual([['FOAM-10', 21], ['AG-10', 10]]);
    const lots = await query<Array<{ lotNumber: string; onHand: number }>>(page, 'stock.lots', { itemId: state.foam });
    expect(lots.map((l) => [l.lotNumber, l.onHand])).toEqual([['F-OLD', 9], ['F-NEW', 12]]);

    // The doctor writes the order for the patient, from the same visit.
    await signIn(page, state.clinicId, 'doctor');
    await tab(page, 'Calendar');
    await page.getByRole('button', { name: '10:00 Lovelace, Ada' }).click();
    await page.getByRole('combobox', { name: 'Prescription-only item' }).click();
    await page.getByRole('option', { name: 'Silver alginate 10x10' }).click();
    await page.getByRole('button', { name: 'Write order' }).click();
    await expect(page.getByRole('button', { name: 'Write order' })).toBeDisabled();

    // Now the nurse issues it against the order.
    await signIn(page, state.clinicId, 'nurse');
    await page.getByTestId('my-day').getByText('Lovelace, Ada').click();
    await page.getByRole('combobox', { name: 'Item' }).click();
    await page.getByRole('option', { name: /Silver alginate/ }).click();
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('combobox', { name: "Against the doctor's order" }).click();
    await page.getByRole('option', { name: /5 left/ }).click();
    await page.getByRole('button', { name: 'Record supplies used' }).click();
    await expect(page.getByTestId('supplies-used')).toContainText('Silver alginate 10x10');
    await shot(page, '07-issued');
    const orders = await query<Array<{ issuedQuantity: number }>>(page, 'stock.prescriptions', { patientId: state.ada });
    expect(orders.map((o) => o.issuedQuantity)).toEqual([2]);
  });

  test('the manager issues the invoice, takes a part payment, refunds one line, voids another invoice and exports a claim', async ({ loggedInPage: page }) => {
    await signIn(page, state.clinicId, 'manager');
    // Another invoice, to void.
    const other = id();
    await cmd(page, 'billing.createInvoice', { invoiceId: other, patientId: state.grace });
    await cmd(page, 'billing.addLine', { invoiceId: other, lineId: id(), description: 'Consultation', unitPriceCents: 6000, quantity: 1 });
    await cmd(page, 'billing.issue', { invoiceId: other });
    await tab(page, 'Billing');
    const visitInvoice = page.getByTestId('invoices').getByRole('row', { name: /Lovelace, Ada/ });
    await visitInvoice.getByRole('button', { name: /Open invoice/ }).click();
    const lines = page.getByTestId('invoice-lines');
    await expect(lines).toContainText('WC-01 Dressing change');
    await expect(lines).toContainText('FOAM-10 Foam dressing 10x10');
    await expect(lines).toContainText('AG-10 Silver alginate 10x10');
    await expect(page.getByTestId('invoice-totals')).toContainText('Total €76.60');
    await page.getByRole('button', { name: 'Issue invoice' }).click();
    await expect(page.getByTestId('invoice-detail-status')).toHaveText('Issued');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.getByLabel('Amount (EUR)').fill('40');
    await page.getByRole('button', { name: 'Save payment' }).dblclick();
    await expect(page.getByTestId('invoice-detail-status')).toHaveText('Part-paid');
    await expect(page.getByTestId('invoice-balance')).toHaveText('€36.60');
    await page.getByRole('button', { name: 'Credit / refund lines' }).click();
    await page.getByTestId('credit-line-FOAM-10 Foam dressing 10x10').getByRole('checkbox').check();
    await page.getByLabel('Reason').fill('Dressings returned unopened');
    await page.getByRole('button', { name: 'Issue credit note' }).click();
    await expect(page.getByTestId('invoice-balance')).toHaveText('€27.00');
    await expect(page.getByText(/Credit note CN-.*€9.60 — Dressings returned unopened/)).toBeVisible();
    await page.getByRole('button', { name: 'Create claim' }).click();
    await expect(page.getByText('Claim Ready')).toBeVisible();
    await shot(page, '08-invoice');
    await page.keyboard.press('Escape');

    // Void the other invoice (its rows stay).
    await page.getByTestId('invoices').getByRole('row', { name: /Hopper, Grace/ }).getByRole('button', { name: /Open invoice/ }).click();
    await page.getByRole('button', { name: 'Void' }).click();
    await page.getByLabel(/Why is it void/).fill('Billed twice');
    await page.getByRole('button', { name: 'Void invoice' }).click();
    await expect(page.getByTestId('invoice-detail-status')).toHaveText('Void');
    await expect(page.getByTestId('invoice-lines')).toContainText('Consultation');
    await page.keyboard.press('Escape');

    // Export the claim as CSV (the documented layout) and FHIR.
    await tab(page, 'Claims');
    await page.getByRole('checkbox', { name: /Select claim/ }).check();
    const csvDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync((await (await csvDownload).path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^claim_id,invoice_number,invoice_date,patient_mrn/);
    expect(csv).toContain('MRN-1');
    expect(csv).toContain('M-778899');
    const fhirDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export FHIR R4' }).click();
    const bundle = JSON.parse(readFileSync((await (await fhirDownload).path())!, 'utf8')) as { entry: Array<{ resource: { resourceType: string; total: { value: number } } }> };
    expect(bundle.entry[0]!.resource).toMatchObject({ resourceType: 'Claim', total: { value: 67 } });
    await page.getByRole('button', { name: 'Mark submitted' }).click();
    await expect(page.getByTestId('claim-status')).toHaveText('Submitted');
    await shot(page, '09-claims');
  });

  test('the manager drafts an order from the reorder list and receives it in two parts', async ({ loggedInPage: page }) => {
    await signIn(page, state.clinicId, 'manager');
    await tab(page, 'Stock');
    await page.getByRole('tab', { name: /Below reorder level/ }).click();
    await expect(page.getByTestId('reorder-list')).toContainText('FOAM-10');
    await page.getByRole('button', { name: 'Draft order for Medisupply' }).click();
    await expect(page.getByTestId('orders')).toBeVisible();
    const order = page.getByTestId('orders').locator('[data-testid^="order-PO-"]').first();
    await expect(order).toContainText('Draft');
    const ordered = (sku: string) => order.getByRole('row').filter({ hasText: sku }).getByRole('cell').nth(1);
    await expect(ordered('FOAM-10')).toHaveText('40');

    // A draft can still be changed: more foam and a second item, saved once however often pressed.
    await order.getByRole('button', { name: 'Edit draft' }).click();
    let edit = page.getByRole('dialog', { name: /^Edit draft PO-/ });
    await expect(edit.getByLabel('Quantity 1')).toHaveValue('40');
    await edit.getByLabel('Quantity 1').fill('50');
    await edit.getByRole('button', { name: 'Add line' }).click();
    await edit.getByLabel('Item 2').click();
    await page.getByRole('option', { name: 'AG-10 Silver alginate 10x10' }).click();
    await edit.getByLabel('Quantity 2').fill('0');
    await expect(edit.getByText('Each quantity is a whole number of at least 1.')).toBeVisible();
    await expect(edit.getByRole('button', { name: 'Save draft' })).toBeDisabled();
    await edit.getByLabel('Quantity 2').fill('5');
    await edit.getByRole('button', { name: 'Save draft' }).dblclick();
    await expect(edit).toHaveCount(0);
    await expect(ordered('FOAM-10')).toHaveText('50');
    await expect(ordered('AG-10')).toHaveText('5');
    await expect(order.locator('tbody tr')).toHaveCount(2);

    // Esc leaves an edit unsaved.
    await order.getByRole('button', { name: 'Edit draft' }).click();
    edit = page.getByRole('dialog', { name: /^Edit draft PO-/ });
    await edit.getByLabel('Quantity 1').fill('99');
    await page.keyboard.press('Escape');
    await expect(edit).toHaveCount(0);
    await expect(ordered('FOAM-10')).toHaveText('50');

    // Back to the suggestion: the silver line removed, the foam at 40.
    await order.getByRole('button', { name: 'Edit draft' }).click();
    edit = page.getByRole('dialog', { name: /^Edit draft PO-/ });
    await edit.getByLabel('Quantity 1').fill('40');
    await edit.getByRole('button', { name: 'Remove line 2' }).click();
    await edit.getByRole('button', { name: 'Save draft' }).click();
    await expect(edit).toHaveCount(0);
    await expect(order.locator('tbody tr')).toHaveCount(1);
    await expect(ordered('FOAM-10')).toHaveText('40');
    await order.getByRole('button', { name: 'Send' }).click();
    await expect(order.getByRole('button', { name: 'Edit draft' })).toHaveCount(0);
    await expect(order.getByTestId('order-status')).toHaveText('Sent');
    await order.getByRole('button', { name: 'Receive' }).click();
    const row = page.getByTestId('receive-FOAM-10');
    await row.getByLabel('Received').fill('30');
    await row.getByLabel('Lot').fill('F-PO-1');
    await row.getByLabel('Expiry').fill(addDays(today, 400));
    await page.getByRole('button', { name: 'Receive', exact: true }).last().click();
    await expect(page.getByText('This receipt is short')).toBeVisible();
    await shot(page, '10-short');
    await page.getByRole('button', { name: 'Keep it on back-order' }).click();
    await expect(order.getByTestId('order-status')).toHaveText('Partly received');
    await order.getByRole('button', { name: 'Receive' }).click();
    await row.getByLabel('Lot').fill('F-PO-2');
    await page.getByRole('button', { name: 'Receive', exact: true }).last().click();
    await expect(order.getByTestId('order-status')).toHaveText('Received');
    const items = await query<Array<{ sku: string; onHand: number }>>(page, 'stock.items', { includeInactive: false });
    // 21 before + 30 + 10 (the suggestion was 60 − 21 = 39 → 40, in packs of 10).
    expect(items.find((i) => i.sku === 'FOAM-10')!.onHand).toBe(61);
  });

  test('the dashboard’s numbers match the data, and each links to its list', async ({ loggedInPage: page }) => {
    await signIn(page, state.clinicId, 'manager');
    await expect(page.getByTestId('fig-visits-value')).toHaveText('1');
    // 21 + 40 foam at 1.50 + 8 silver at 6.00 = 91.50 + 48.00.
    await expect(page.getByTestId('fig-stock-value-value')).toHaveText('€139.50');
    await expect(page.getByTestId('fig-below-reorder-value')).toHaveText('0');
    await expect(page.getByTestId('fig-expiring-value')).toHaveText('1');
    await expect(page.getByTestId('fig-aging-0-30-value')).toHaveText('1 · €27.00');
    // Revenue this week: the issued 76.60 less the 9.60 credit note (the void invoice does not count).
    await expect(page.getByTestId('fig-revenue-value')).toHaveText('€67.00');
    await shot(page, '11-dashboard');
    await page.getByTestId('fig-expiring').click();
    await expect(page.getByTestId('expiring-list')).toContainText('F-OLD');
    await tab(page, 'Dashboard');
    await page.getByTestId('fig-aging-0-30').click();
    await expect(page.getByTestId('invoices').getByRole('row')).toHaveCount(2);
    await expect(page.getByTestId('invoices')).toContainText('Lovelace, Ada');
  });

  test('a manager sets a clinician’s working hours in Setup; a booking outside them is a conflict shown before saving', async ({ loggedInPage: page }) => {
    await signIn(page, state.clinicId, 'manager');
    await tab(page, 'Setup');
    const row = page.getByTestId('clinician-row').filter({ hasText: 'Dan Doctor' });
    await expect(row.getByTestId('hours-summary')).toHaveText('Any time (no working hours set)');

    // Esc leaves without saving.
    await row.getByRole('button', { name: 'Working hours of Dan Doctor' }).click();
    let editor = page.getByRole('dialog', { name: 'Working hours: Dan Doctor' });
    await editor.getByRole('button', { name: 'Add hours on Monday' }).click();
    await page.keyboard.press('Escape');
    await expect(editor).toHaveCount(0);
    await expect(row.getByTestId('hours-summary')).toHaveText('Any time (no working hours set)');

    await row.getByRole('button', { name: 'Working hours of Dan Doctor' }).click();
    editor = page.getByRole('dialog', { name: 'Working hours: Dan Doctor' });
    await editor.getByRole('button', { name: 'Add hours on Monday' }).click();
    // Nonsense is refused in words: an end before the start, overlapping blocks.
    await editor.getByLabel('Monday to').fill('07:00');
    await expect(editor.getByTestId('hours-Monday').getByRole('alert')).toHaveText('08:00–07:00 ends before it starts');
    await expect(editor.getByRole('button', { name: 'Save hours' })).toBeDisabled();
    await editor.getByLabel('Monday to').fill('12:00');
    await editor.getByRole('button', { name: 'Add hours on Monday' }).click();
    await editor.getByLabel('Monday from').nth(1).fill('11:00');
    await expect(editor.getByTestId('hours-Monday').getByRole('alert')).toHaveText('08:00–12:00 and 11:00–20:00 overlap');
    await editor.getByLabel('Monday from').nth(1).fill('13:00');
    await editor.getByLabel('Monday to').nth(1).fill('17:00');
    await editor.getByRole('button', { name: 'Copy Monday to Tue–Fri' }).click();
    await shot(page, '12-working-hours-editor');
    await editor.getByRole('button', { name: 'Save hours' }).dblclick();
    await expect(editor).toHaveCount(0);
    const week = 'Mon–Fri 08:00–12:00, 13:00–17:00';
    await expect(row.getByTestId('hours-summary')).toHaveText(week);
    await shot(page, '13-working-hours');
    // Saved in the record (read back, not the screen's state).
    const setup = await query<{ clinicians: Array<{ id: string; hours: unknown[] }> }>(page, 'bookings.setup', {});
    expect(setup.clinicians.find((c) => c.id === state.doctorId)!.hours).toHaveLength(10);
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Clinic operations' }).click();
    await tab(page, 'Setup');
    await expect(page.getByTestId('clinician-row').filter({ hasText: 'Dan Doctor' }).getByTestId('hours-summary')).toHaveText(week);

    // A booking at lunchtime on a Monday, and one on a Saturday: outside the hours, said before saving.
    const monday = addDays(mondayOf(today), 14);
    await tab(page, 'Calendar');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.getByLabel('Patient').fill('hopper');
    await dialog.getByRole('button', { name: /Hopper, Grace/ }).click();
    await dialog.getByLabel('Clinician').click();
    await page.getByRole('option', { name: 'Dan Doctor' }).click();
    await dialog.getByLabel('Date').fill(monday);
    await dialog.getByLabel('Start').fill('12:15');
    await expect(dialog.getByTestId('conflicts')).toContainText('outside the clinician\'s working hours');
    await expect(dialog.getByRole('button', { name: 'Book', exact: true })).toBeDisabled();
    await dialog.getByLabel('Start').fill('09:00');
    await expect(dialog.getByTestId('conflicts')).toHaveCount(0);
    await dialog.getByLabel('Date').fill(addDays(monday, 5));
    await expect(dialog.getByTestId('conflicts')).toContainText('outside the clinician\'s working hours');
    await page.keyboard.press('Escape');
  });
});
