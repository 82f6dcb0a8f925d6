/**
 * Push exactly once and pull by cursor, through the service's router on both databases: order,
 * replays, gaps, rejections that advance the queue, and every conflict rule of README "Sync".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_CHANGE, SNAPSHOT } from '../../common/commands';
import type { Change, Mutation, SyncRow } from '../../common/sync';
import { appCode, startTestService, type TestService } from '../app/test-services';
import { testDatabaseKinds } from '../db/test-databases';
import { appointmentRow, bookArgsFor, id, itemArgsFor, insert, itemRow, lotRow, movementRow, mutation, patientRow, row, staffRow, update } from './test-rows';

type Caller = ReturnType<TestService['caller']>;

async function pullAll(c: Caller, cursor: string | null = null, limit = 500): Promise<{ changes: Change[]; cursor: string; pages: number }> {
  const changes: Change[] = [];
  let pages = 0;
  for (;;) {
    const page = await c.sync.pull({ cursor, limit });
    pages++;
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.more) return { changes, cursor, pages };
  }
}
/** The newest row per table/key from a list of changes (what a workstation holds after applying them). */
function state(changes: Change[]): Map<string, SyncRow | null> {
  const m = new Map<string, SyncRow | null>();
  for (const c of changes) m.set(`${c.table}/${c.key}`, c.deleted ? null : c.row);
  return m;
}

describe.each(testDatabaseKinds())('push and pull on %s', (kind) => {
  let s: TestService;
  beforeAll(async () => {
    s = await startTestService(kind);
  });
  afterAll(() => s.dispose());

  async function setup(devices = ['ws-a-000001', 'ws-b-000001']) {
    const clinic = await s.clinic(`Clinic ${id()}`, devices);
    const a = s.caller(clinic.tokens[devices[0]!]!);
    const b = devices[1] ? s.caller(clinic.tokens[devices[1]]!) : a;
    const manager = id();
    const nurse = id();
    const patient = id();
    const first = await a.sync.push({
      mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('staff', staffRow(manager, ['manager'])), insert('staff', staffRow(nurse, ['nurse'])), insert('patients', patientRow(patient, `MRN-${id()}`))])],
    });
    expect(first.results).toEqual([{ id: 1, status: 'applied' }]);
    return { ...clinic, a, b, manager, nurse, patient };
  }

  it('applies in order exactly once: a replay is answered from the log, a gap is refused, the applied id moves with the effects', async () => {
    const c = await setup(['ws-once-0001']);
    const appt = id();
    const book = mutation(2, 'bookings.book', bookArgsFor(appt, c.patient, c.nurse, 1_800_000_000_000), c.manager, [insert('appointments', appointmentRow(appt, c.patient, c.nurse, 1_800_000_000_000))]);
    const out = await c.a.sync.push({ mutations: [book] });
    expect(out).toMatchObject({ results: [{ id: 2, status: 'applied' }], lastMutationId: 2 });
    // The same push again (a lost response): answered, nothing applied twice.
    const again = await c.a.sync.push({ mutations: [book] });
    expect(again).toMatchObject({ results: [{ id: 2, status: 'applied' }], lastMutationId: 2, version: out.version });
    // A replay overlapping new ones applies only the new.
    const checkIn = mutation(3, 'bookings.checkIn', { appointmentId: appt }, c.manager, [update('appointments', appointmentRow(appt, c.patient, c.nurse, 1_800_000_000_000), { status: 'checked_in', checked_in_at: 5 })]);
    expect((await c.a.sync.push({ mutations: [book, checkIn] })).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // A gap: 5 before 4.
    const gap = await c.a.sync.push({ mutations: [mutation(5, DIRECTORY_CHANGE, {}, 'system', [])] }).catch((e: unknown) => e);
    expect(appCode(gap)).toBe('MUTATION_GAP');
    expect((gap as { cause: { expected: number } }).cause.expected).toBe(4);
    // The same id as another command: the device's record is behind the service.
    expect(appCode(await c.a.sync.push({ mutations: [mutation(3, DIRECTORY_CHANGE, {}, 'system', [])] }).catch((e: unknown) => e))).toBe('DEVICE_BEHIND');
    const log = (await s.db.database.tenant(c.clinicId, (tx) => tx.execute(`SELECT mutation_id, status FROM mutations ORDER BY mutation_id` as never))) as unknown as { rows: Array<{ mutation_id: string | number; status: string }> };
    expect(log.rows.map((r) => [Number(r.mutation_id), r.status])).toEqual([[1, 'applied'], [2, 'applied'], [3, 'applied']]);
    const { changes } = await pullAll(c.a);
    expect(state(changes).get(`appointments/${appt}`)).toMatchObject({ status: 'checked_in', checked_in_at: 5 });
  });

  it('a rejected mutation advances the id, keeps its reason, and its rows come back as the service has them', async () => {
    const c = await setup(['ws-rej-00001']);
    const appt = id();
    const base = appointmentRow(appt, c.patient, c.nurse, 1_800_000_000_000);
    const ghost = id();
    const results = await c.a.sync.push({
      mutations: [
        mutation(2, 'bookings.book', bookArgsFor(appt, c.patient, c.nurse, 1_800_000_000_000), c.manager, [insert('appointments', base)]),
        // A nurse may not book (bookings.write): FORBIDDEN, and its appointment never reaches the service.
        mutation(3, 'bookings.book', bookArgsFor(ghost, c.patient, c.nurse, 1), c.nurse, [insert('appointments', appointmentRow(ghost, c.patient, c.nurse, 1))]),
        mutation(4, 'bookings.teleport', {}, c.manager, []),
        mutation(5, 'bookings.book', { appointmentId: 'x' }, c.manager, []),
        mutation(6, 'bookings.cancel', { appointmentId: appt, reason: 'Ill' }, c.manager, [update('appointments', base, { status: 'cancelled', cancel_reason: 'Ill' })]),
      ],
    });
    expect(results.results.map((r) => [r.id, r.status, r.code ?? null])).toEqual([
      [2, 'applied', null],
      [3, 'rejected', 'FORBIDDEN'],
      [4, 'rejected', 'UNKNOWN_COMMAND'],
      [5, 'rejected', 'INVALID'],
      [6, 'applied', null],
    ]);
    expect(results.lastMutationId).toBe(6);
    expect(results.results[1]!.reason).toMatch(/role/);
    const changes = state((await pullAll(c.a)).changes);
    expect(changes.get(`appointments/${ghost}`)).toBeNull(); // a tombstone: the workstation removes its copy
    expect(changes.get(`appointments/${appt}`)).toMatchObject({ status: 'cancelled' });
    expect((await c.a.sync.mutation({ mutationId: 3 }))).toMatchObject({ status: 'rejected', code: 'FORBIDDEN' });
  });

  it('status follows the state machine; edits made under another status are refused; a late cancel keeps a sent reminder', async () => {
    const c = await setup();
    const appt = id();
    const base = appointmentRow(appt, c.patient, c.nurse, 1_800_000_000_000);
    await c.a.sync.push({ mutations: [mutation(2, 'bookings.book', bookArgsFor(appt, c.patient, c.nurse, 1), c.manager, [insert('appointments', base)])] });
    // Workstation A checks in, B (offline, still "booked") cancels, then moves.
    await c.a.sync.push({ mutations: [mutation(3, 'bookings.checkIn', { appointmentId: appt }, c.manager, [update('appointments', base, { status: 'checked_in' })])] });
    await c.b.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [])] });
    const fromB = await c.b.sync.push({
      mutations: [
        mutation(2, 'bookings.cancel', { appointmentId: appt, reason: 'Ill' }, c.manager, [update('appointments', base, { status: 'cancelled', cancel_reason: 'Ill' })]),
        mutation(3, 'bookings.move', { appointmentId: appt, startsAt: 2 }, c.manager, [update('appointments', base, { starts_at: 2, ends_at: 3, moved: 1 })]),
      ],
    });
    expect(fromB.results.map((r) => r.code)).toEqual(['INVALID_TRANSITION', 'INVALID_TRANSITION']);
    expect(fromB.results[0]!.reason).toMatch(/checked in on the service/);
    // Reminders: the service sent it (status sent); a cancel arriving later keeps "sent" and the command is applied.
    const rem = id();
    const reminder = row('reminders', { id: rem, appointment_id: appt, patient_id: c.patient, channel: 'email', recipient: 'ada@example.org', send_at: 1, message: 'Reminder', status: 'queued', created_at: 1, updated_at: 1 });
    await c.a.sync.push({ mutations: [mutation(4, 'bookings.setReminderPreference', { patientId: c.patient, optOut: false }, c.manager, [insert('reminders', reminder)])] });
    await s.db.database.tenant(c.clinicId, (tx) => tx.execute(`UPDATE entities SET data = data || '{"status":"sent"}' WHERE tbl = 'reminders'` as never));
    const late = await c.b.sync.push({ mutations: [mutation(4, 'bookings.setReminderPreference', { patientId: c.patient, optOut: true }, c.manager, [update('reminders', reminder, { status: 'cancelled' })])] });
    expect(late.results[0]).toMatchObject({ status: 'applied' });
    expect((await c.a.sync.row({ table: 'reminders', key: rem }))!.row).toMatchObject({ status: 'sent' });
    // A check-in that also cancels a reminder the service never queued (its move was refused
    // there) is applied: nothing to cancel; the workstation is told the row is not there.
    const appt2 = id();
    const base2 = appointmentRow(appt2, c.patient, c.nurse, 1_900_000_000_000);
    await c.a.sync.push({ mutations: [mutation(5, 'bookings.book', bookArgsFor(appt2, c.patient, c.nurse, 1_900_000_000_000), c.manager, [insert('appointments', base2)])] });
    const ghost = row('reminders', { id: id(), appointment_id: appt2, patient_id: c.patient, channel: 'email', recipient: 'ada@example.org', send_at: 1, message: 'Reminder', status: 'queued', created_at: 1, updated_at: 1 });
    const checkIn = await c.b.sync.push({
      mutations: [mutation(5, 'bookings.checkIn', { appointmentId: appt2 }, c.manager, [update('reminders', ghost, { status: 'cancelled' }), update('appointments', base2, { status: 'checked_in' })])],
    });
    expect(checkIn.results[0]).toMatchObject({ status: 'applied', skipped: [{ table: 'reminders', key: ghost['id'], code: 'NOT_FOUND' }] });
    expect((await c.a.sync.row({ table: 'appointments', key: appt2 }))!.row).toMatchObject({ status: 'checked_in' });
    expect(await c.a.sync.row({ table: 'reminders', key: String(ghost['id']) })).toMatchObject({ row: null, deleted: true });
    // Any other change to a row the service does not have is still refused.
    const edit = await c.b.sync.push({ mutations: [mutation(6, 'bookings.setReminderPreference', { patientId: c.patient, optOut: false }, c.manager, [update('reminders', { ...ghost, id: id() }, { message: 'Changed' })])] });
    expect(edit.results[0]).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });
  });

  it('last writer wins by service order, column by column, and every overwritten edit is recorded', async () => {
    const c = await setup();
    const appt = id();
    const base = appointmentRow(appt, c.patient, c.nurse, 1_800_000_000_000);
    await c.a.sync.push({ mutations: [mutation(2, 'bookings.book', bookArgsFor(appt, c.patient, c.nurse, 1), c.manager, [insert('appointments', base)])] });
    await c.b.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [])] });
    await c.a.sync.push({ mutations: [mutation(3, 'bookings.move', { appointmentId: appt, startsAt: 10 }, c.manager, [update('appointments', base, { starts_at: 10, ends_at: 20 })])] });
    // B had not seen A's move: it moves too (overwriting A's time) and edits the notes (A did not touch them).
    const b = await c.b.sync.push({ mutations: [mutation(2, 'bookings.move', { appointmentId: appt, startsAt: 30 }, c.manager, [update('appointments', base, { starts_at: 30, ends_at: 40, notes: 'Bring shoes' })])] });
    expect(b.results[0]!.status).toBe('applied');
    const { changes } = await pullAll(c.a);
    const now = state(changes);
    expect(now.get(`appointments/${appt}`)).toMatchObject({ starts_at: 30, ends_at: 40, notes: 'Bring shoes' });
    const overwrites = [...now.entries()].filter(([k]) => k.startsWith('sync_overwrites/')).map(([, r]) => r!);
    expect(overwrites.map((o) => [o['field'], o['overwritten_json'], o['value_json'], o['by_device']]).sort()).toEqual([
      ['ends_at', '20', '40', 'ws-b-000001'],
      ['starts_at', '10', '30', 'ws-b-000001'],
    ]);
  });

  it('stock is Σ movements: concurrent usage that would go below zero is refused, receipts commute', async () => {
    const c = await setup();
    const item = id();
    const lot = id();
    await c.a.sync.push({
      mutations: [
        mutation(2, 'stock.defineItem', itemArgsFor(item, `SKU-${item}`), c.manager, [insert('stock_items', itemRow(item, `SKU-${item}`))]),
        mutation(3, 'stock.receive', { itemId: item, lotNumber: 'L1', expiryDate: null, quantity: 5 }, c.manager, [insert('stock_lots', lotRow(lot, item, 'L1')), insert('stock_movements', movementRow(id(), item, lot, 5, 'receipt'))]),
      ],
    });
    await c.b.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [])] });
    const use = (mid: number, q: number) => mutation(mid, 'stock.recordUsage', { appointmentId: null, patientId: c.patient, lines: [{ itemId: item, quantity: q }] }, c.nurse, [insert('stock_movements', movementRow(id(), item, lot, -q, 'usage'))]);
    expect((await c.a.sync.push({ mutations: [use(4, 3)] })).results[0]!.status).toBe('applied');
    const late = await c.b.sync.push({ mutations: [use(2, 3)] });
    expect(late.results[0]).toMatchObject({ status: 'rejected', code: 'INSUFFICIENT_STOCK' });
    expect((await c.b.sync.push({ mutations: [use(3, 2)] })).results[0]!.status).toBe('applied');
    const moves = [...state((await pullAll(c.a)).changes).entries()].filter(([k, v]) => k.startsWith('stock_movements/') && v).map(([, v]) => Number(v!['delta']));
    expect(moves.reduce((x, y) => x + y, 0)).toBe(0);
    // A movement is never changed.
    const m = movementRow(id(), item, lot, 1, 'receipt');
    await c.a.sync.push({ mutations: [mutation(5, 'stock.receive', { itemId: item, lotNumber: 'L1', expiryDate: null, quantity: 1 }, c.manager, [insert('stock_movements', m)])] });
    expect((await c.a.sync.push({ mutations: [mutation(6, 'stock.receive', { itemId: item, lotNumber: 'L1', expiryDate: null, quantity: 1 }, c.manager, [update('stock_movements', m, { delta: 100 })])] })).results[0]!.code).toBe('APPEND_ONLY');
  });

  it('unique keys, references, counters and final numbers', async () => {
    const c = await setup();
    const item = id();
    const sku = `SKU-${id()}`;
    await c.a.sync.push({ mutations: [mutation(2, 'stock.defineItem', itemArgsFor(item, sku), c.manager, [insert('stock_items', itemRow(item, sku))])] });
    await c.b.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [])] });
    const other = id();
    const dup = await c.b.sync.push({ mutations: [mutation(2, 'stock.defineItem', itemArgsFor(other, sku), c.manager, [insert('stock_items', itemRow(other, sku))])] });
    expect(dup.results[0]).toMatchObject({ status: 'rejected', code: 'DUPLICATE' });
    expect(dup.results[0]!.reason).toMatch(/sku/);
    // A reference to a row the service does not have.
    const orphan = id();
    const ref = await c.b.sync.push({ mutations: [mutation(3, 'bookings.book', bookArgsFor(orphan, c.patient, c.nurse, 1), c.manager, [insert('appointments', appointmentRow(orphan, id(), c.nurse, 1))])] });
    expect(ref.results[0]).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });
    // Counters: two issues against one prescription both count, and may not pass the quantity.
    const order = id();
    const rx = row('prescription_orders', { id: order, patient_id: c.patient, item_id: item, quantity: 5, issued_quantity: 0, valid_until: '2099-01-01', prescriber_id: c.nurse, status: 'active', created_at: 1, updated_at: 1 });
    await c.a.sync.push({ mutations: [mutation(3, 'stock.prescribe', { orderId: order, patientId: c.patient, itemId: item, quantity: 5, validUntil: '2099-01-01' }, 'system', [insert('prescription_orders', rx)])] });
    const issue = (mid: number, q: number) => mutation(mid, 'stock.prescribe', { orderId: order, patientId: c.patient, itemId: item, quantity: 5, validUntil: '2099-01-01' }, 'system', [update('prescription_orders', rx, { issued_quantity: q })]);
    expect((await c.a.sync.push({ mutations: [issue(4, 2)] })).results[0]!.status).toBe('applied');
    expect((await c.b.sync.push({ mutations: [issue(4, 3)] })).results[0]!.status).toBe('applied');
    expect((await c.a.sync.row({ table: 'prescription_orders', key: order }))!.row).toMatchObject({ issued_quantity: 5 });
    expect((await c.b.sync.push({ mutations: [issue(5, 1)] })).results[0]).toMatchObject({ status: 'rejected', code: 'OVER_LIMIT' });
    // Final numbers: given by the service once an invoice leaves its draft, in order, whatever the workstation sent.
    const numbers: string[] = [];
    for (const [mid, dev] of [[5, c.a], [6, c.a], [6, c.b]] as const) {
      const inv = id();
      const draft = row('invoices', { id: inv, number: `INV-K7QD-${mid}`, final_number: 'INV-FAKE', patient_id: c.patient, status: 'draft', currency: 'EUR', total_cents: 100, created_at: 1, updated_at: 1 });
      const pushed = await dev.sync.push({
        mutations: [
          mutation(mid, 'billing.issue', { invoiceId: inv }, c.manager, [insert('invoices', { ...draft, number: `INV-${dev === c.a ? 'AAAA' : 'BBBB'}-${mid}` }), update('invoices', { ...draft, number: `INV-${dev === c.a ? 'AAAA' : 'BBBB'}-${mid}` }, { status: 'issued', issued_at: 2 })]),
        ],
      });
      expect(pushed.results[0]!.status).toBe('applied');
      numbers.push(String((await dev.sync.row({ table: 'invoices', key: inv }))!.row!['final_number']));
    }
    expect(numbers).toEqual(['INV-000001', 'INV-000002', 'INV-000003']);
  });

  it('patient orders: the service numbers them, follows their status machine (a cancelled order is not delivered), counts returns from two workstations, keeps returns append-only and overrides for managers', async () => {
    const c = await setup();
    const item = id();
    const lot = id();
    const sku = `SKU-${id()}`;
    await c.a.sync.push({ mutations: [mutation(2, 'stock.defineItem', itemArgsFor(item, sku), c.manager, [insert('stock_items', itemRow(item, sku)), insert('stock_lots', lotRow(lot, item, 'L1'))])] });
    const orderId = id();
    const lineId = id();
    const draft = row('patient_orders', { id: orderId, number: 'SO-AAAA-00001', final_number: 'SO-FAKE', patient_id: c.patient, status: 'draft', fulfilment: 'collection', due_date: '2099-01-01', created_by: c.nurse, created_at: 1, updated_at: 1 });
    const line = row('patient_order_lines', { id: lineId, order_id: orderId, item_id: item, quantity: 3, unit_price_cents: 200, tax_rate_bp: 0, returned_quantity: 0, created_at: 1, updated_at: 1 });
    const held = row('stock_reservations', { id: id(), item_id: item, lot_id: lot, order_line_id: lineId, quantity: 3, status: 'held', override: 0, created_at: 2, updated_at: 2 });
    const createArgs = { orderId, patientId: c.patient, fulfilment: 'collection', dueDate: '2099-01-01', lines: [{ lineId, itemId: item, quantity: 3 }] };
    const confirmed = { ...draft, status: 'confirmed', confirmed_at: 2 };
    const made = await c.a.sync.push({
      mutations: [
        mutation(3, 'orders.create', createArgs, c.nurse, [insert('patient_orders', draft), insert('patient_order_lines', line)]),
        mutation(4, 'orders.confirm', { orderId }, c.nurse, [update('patient_orders', draft, { status: 'confirmed', confirmed_at: 2 }), insert('stock_reservations', held)]),
      ],
    });
    expect(made.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // The final number is the service's, whatever the workstation sent.
    expect((await c.a.sync.row({ table: 'patient_orders', key: orderId }))!.row).toMatchObject({ status: 'confirmed', number: 'SO-AAAA-00001', final_number: 'SO-000001' });

    // A nurse may order, but only a manager reserves past what is available.
    await c.b.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [])] });
    const override = await c.b.sync.push({ mutations: [mutation(2, 'orders.confirm', { orderId: id(), override: true }, c.nurse, [])] });
    expect(override.results[0]).toMatchObject({ status: 'rejected', code: 'FORBIDDEN' });
    expect(override.results[0]!.reason).toMatch(/orders\.override/);

    // B cancels (legal from confirmed); A, still holding "confirmed", marks it collected: refused.
    const cancel = await c.b.sync.push({
      mutations: [mutation(3, 'orders.cancel', { orderId, reason: 'Not needed' }, c.manager, [update('patient_orders', confirmed, { status: 'cancelled', cancelled_at: 3, cancel_reason: 'Not needed' }), update('stock_reservations', held, { status: 'released' })])],
    });
    expect(cancel.results[0]).toMatchObject({ status: 'applied' });
    const collect = await c.a.sync.push({ mutations: [mutation(5, 'orders.markCollected', { orderId }, c.manager, [update('patient_orders', confirmed, { status: 'collected', completed_at: 4 })])] });
    expect(collect.results[0]).toMatchObject({ status: 'rejected', code: 'INVALID_TRANSITION' });
    expect(collect.results[0]!.reason).toMatch(/patient order is cancelled on the service .* cannot become collected/);
    // Even sent as a cancelled order's own change, delivery after a cancel is not a transition.
    const cancelled = (await c.a.sync.row({ table: 'patient_orders', key: orderId }))!.row!;
    const deliver = await c.a.sync.push({ mutations: [mutation(6, 'orders.markDelivered', { orderId }, c.manager, [update('patient_orders', cancelled, { status: 'delivered' })])] });
    expect(deliver.results[0]).toMatchObject({ status: 'rejected', code: 'INVALID_TRANSITION' });
    expect((await c.a.sync.row({ table: 'patient_orders', key: orderId }))!.row).toMatchObject({ status: 'cancelled' });

    // Returned quantities are counters: 2 from A and 1 from B both count; one more passes what was ordered.
    const ret = (mid: number, q: number, rid = id()) =>
      mutation(mid, 'orders.return', { orderId, reason: 'Too many', lines: [{ lineId, quantity: q, restock: true }] }, c.manager, [
        insert('patient_order_returns', row('patient_order_returns', { id: rid, order_id: orderId, line_id: lineId, quantity: q, restock: 1, reason: 'Too many', billing: 'not_billed', created_at: 5, updated_at: 5 })),
        update('patient_order_lines', line, { returned_quantity: q }),
      ]);
    const rid = id();
    expect((await c.a.sync.push({ mutations: [ret(7, 2, rid)] })).results[0]!.status).toBe('applied');
    expect((await c.b.sync.push({ mutations: [ret(4, 1)] })).results[0]!.status).toBe('applied');
    expect((await c.a.sync.row({ table: 'patient_order_lines', key: lineId }))!.row).toMatchObject({ returned_quantity: 3 });
    expect((await c.b.sync.push({ mutations: [ret(5, 1)] })).results[0]).toMatchObject({ status: 'rejected', code: 'OVER_LIMIT' });
    // A return, once made, never changes.
    const made2 = (await c.a.sync.row({ table: 'patient_order_returns', key: rid }))!.row!;
    const edit = await c.a.sync.push({ mutations: [mutation(8, 'orders.return', { orderId, reason: 'Too many', lines: [{ lineId, quantity: 1, restock: true }] }, c.manager, [update('patient_order_returns', made2, { quantity: 1 })])] });
    expect(edit.results[0]).toMatchObject({ status: 'rejected', code: 'APPEND_ONLY' });
  });

  it('an invoice cannot be paid twice over from two workstations, and its status follows its money', async () => {
    const c = await setup();
    const inv = id();
    const draft = row('invoices', { id: inv, number: 'INV-AAAA-1', patient_id: c.patient, status: 'draft', currency: 'EUR', total_cents: 1000, created_at: 1, updated_at: 1 });
    const issued = { ...draft, status: 'issued', issued_at: 2 };
    await c.a.sync.push({ mutations: [mutation(2, 'billing.issue', { invoiceId: inv }, c.manager, [insert('invoices', draft), update('invoices', draft, { status: 'issued', issued_at: 2 })])] });
    await c.b.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [])] });
    const pay = (mid: number, amount: number) => {
      const p = id();
      return mutation(mid, 'billing.recordPayment', { invoiceId: inv, paymentId: p, amountCents: amount, method: 'card' }, c.manager, [
        insert('payments', row('payments', { id: p, invoice_id: inv, kind: 'payment', amount_cents: amount, method: 'card', received_at: 3, created_at: 3, updated_at: 3 })),
        update('invoices', { ...issued, final_number: null }, { status: amount >= 1000 ? 'paid' : 'part_paid' }),
      ]);
    };
    expect((await c.a.sync.push({ mutations: [pay(3, 600)] })).results[0]!.status).toBe('applied');
    expect((await c.b.sync.push({ mutations: [pay(2, 600)] })).results[0]).toMatchObject({ status: 'rejected', code: 'OVERPAYMENT' });
    // B still saw "issued"; its 400 settles the balance, and the service says "paid" (B had computed part-paid).
    expect((await c.b.sync.push({ mutations: [pay(3, 400)] })).results[0]!.status).toBe('applied');
    expect((await c.a.sync.row({ table: 'invoices', key: inv }))!.row).toMatchObject({ status: 'paid' });
    expect((await c.a.sync.push({ mutations: [pay(4, 400)] })).results[0]).toMatchObject({ status: 'rejected', code: 'OVERPAYMENT' });
  });

  it('pulls in pages whose cursors resume anywhere, and an enrolment snapshot keeps the service rows where both have one', async () => {
    const c = await setup();
    const many: Mutation[] = [];
    for (let i = 0; i < 30; i++) {
      const p = id();
      many.push(mutation(2 + i, DIRECTORY_CHANGE, {}, 'system', [insert('patients', patientRow(p, `P-${p}`))]));
    }
    await c.a.sync.push({ mutations: many });
    const whole = await pullAll(c.a, null, 1000);
    const paged = await pullAll(c.a, null, 7);
    expect(paged.pages).toBeGreaterThan(4);
    expect(paged.changes).toEqual(whole.changes);
    // Resume from any page's cursor: the rest is exactly what follows.
    const first = await c.a.sync.pull({ cursor: null, limit: 7 });
    const rest = await pullAll(c.a, first.cursor, 5);
    expect([...first.changes, ...rest.changes]).toEqual(whole.changes);
    expect(rest.cursor).toBe(whole.cursor);
    expect((await c.a.sync.pull({ cursor: whole.cursor })).changes).toEqual([]);
    // A snapshot from B with a patient the service has (another name) and one it lacks with a clashing MRN.
    const known = whole.changes.find((ch) => ch.table === 'patients')!;
    const clash = id();
    const snap = await c.b.sync.push({ mutations: [mutation(1, SNAPSHOT, {}, 'system', [insert('patients', { ...known.row!, given_name: 'Other' }), insert('patients', patientRow(clash, String(known.row!['mrn'])))])] });
    expect(snap.results[0]).toMatchObject({ status: 'applied', skipped: [{ table: 'patients', key: clash, code: 'DUPLICATE' }] });
    const after = state((await pullAll(c.b)).changes);
    expect(after.get(`patients/${known.key}`)).toMatchObject({ given_name: 'Ada' });
  });
});
