import { afterEach, describe, expect, it } from 'vitest';
import { createOpsFixture, seedOperations, START, type OpsFixture } from '../operations/test-helpers';
import { listAudit, newId, tables } from '../records/index';

let f: OpsFixture;
afterEach(() => f?.dispose());
const DAY = 86_400_000;

type Ids = ReturnType<typeof seedOperations> & { boot: string; gauze: string };
function setup(): Ids {
  f = createOpsFixture();
  const ids = seedOperations(f);
  const boot = newId();
  const gauze = newId();
  f.run('stock.defineItem', { itemId: boot, sku: 'OFF-BOOT-M', name: 'Offloading boot M', unit: 'piece', packSize: 1, unitCostCents: 4000, priceCents: 8900, taxRateBp: 700, reorderLevel: 0, reorderTarget: 0 });
  f.run('stock.defineItem', { itemId: gauze, sku: 'GZ-CLINIC', name: 'Clinic gauze', unit: 'piece', packSize: 100, unitCostCents: 5, priceCents: 0, reorderLevel: 0, reorderTarget: 0, patientSupply: false });
  f.run('stock.receive', { itemId: ids.foam, lotNumber: 'F-SOON', expiryDate: '2025-03-20', quantity: 6 });
  f.run('stock.receive', { itemId: ids.foam, lotNumber: 'F-LATE', expiryDate: '2026-01-01', quantity: 20 });
  f.run('stock.receive', { itemId: ids.silver, lotNumber: 'S-1', expiryDate: '2026-01-01', quantity: 10 });
  f.run('stock.receive', { itemId: boot, lotNumber: 'B-1', expiryDate: null, quantity: 2 });
  return { ...ids, boot, gauze };
}

const create = (lines: Array<{ itemId: string; quantity: number }>, extra: Record<string, unknown> = {}, actor = f.nurse) => {
  const orderId = newId();
  f.run('orders.create', { orderId, patientId: f.patients.ada, fulfilment: 'delivery', dueDate: '2025-03-03', lines: lines.map((l) => ({ lineId: newId(), ...l })), ...extra }, actor);
  return orderId;
};
const view = (orderId: string) => f.ops.orders.get(orderId, f.manager);
const item = (id: string) => f.ops.stock.item(id);
const lotsOf = (id: string) => f.ops.stock.lots(id).map((l) => [l.lotNumber, l.onHand, l.reserved]);
const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code ?? 'THROWN';
  }
};

describe('patient supply orders', () => {
  it('offers a catalogue of what may be supplied to patients, found by name or SKU, with price, pack size, prescription flag and availability', () => {
    const ids = setup();
    expect(f.ops.orders.catalogue('').map((c) => c.sku)).toEqual(['FOAM-10', 'OFF-BOOT-M', 'AG-10']);
    expect(f.ops.orders.catalogue('boot')).toEqual([{ id: ids.boot, sku: 'OFF-BOOT-M', name: 'Offloading boot M', unit: 'piece', packSize: 1, priceCents: 8900, taxRateBp: 700, prescriptionOnly: false, available: 2 }]);
    expect(f.ops.orders.catalogue('ag-1').map((c) => [c.name, c.prescriptionOnly, c.packSize])).toEqual([['Silver alginate 10x10', true, 5]]);
    expect(f.ops.orders.catalogue('%').map((c) => c.sku)).toEqual([]);
    expect(f.ops.orders.catalogue('gauze')).toEqual([]);
    expect(code(() => create([{ itemId: ids.gauze, quantity: 1 }]))).toBe('NOT_SUPPLIABLE');
  });

  it('refuses a prescription-only item without the doctor’s order (nothing reserved), accepts it with one, consumes it and reserves first-expired-first-out', () => {
    const ids = setup();
    const orderId = create([{ itemId: ids.foam, quantity: 8 }, { itemId: ids.silver, quantity: 4 }]);
    expect(view(orderId)).toMatchObject({ status: 'draft', deliveryAddress: '12 St James Square, London', number: expect.stringMatching(/^SO-[0-9A-Z]{4}-00001$/) });
    const before = JSON.stringify([lotsOf(ids.foam), lotsOf(ids.silver)]);
    expect(() => f.run('orders.confirm', { orderId }, f.nurse)).toThrow(expect.objectContaining({ code: 'PRESCRIPTION_REQUIRED', message: expect.stringContaining('Silver alginate 10x10 is prescription-only') }));
    expect(JSON.stringify([lotsOf(ids.foam), lotsOf(ids.silver)])).toBe(before);
    expect(view(orderId).status).toBe('draft');
    // A doctor's order for 3 does not cover 4; one for 10 does.
    f.run('stock.prescribe', { orderId: newId(), patientId: f.patients.ada, itemId: ids.silver, quantity: 3, validUntil: '2025-04-30' }, f.doctor);
    expect(() => f.run('orders.confirm', { orderId }, f.nurse)).toThrow(expect.objectContaining({ code: 'PRESCRIPTION_INVALID', message: expect.stringContaining('Silver alginate 10x10') }));
    const rx = newId();
    f.run('stock.prescribe', { orderId: rx, patientId: f.patients.ada, itemId: ids.silver, quantity: 10, validUntil: '2025-04-30' }, f.doctor);
    expect(f.run('orders.confirm', { orderId }, f.nurse)).toMatchObject({ status: 'confirmed', overridden: 0 });
    expect(f.ops.stock.prescriptions(f.patients.ada, f.doctor).find((p) => p.id === rx)).toMatchObject({ issuedQuantity: 4 });
    expect(view(orderId).lines.map((l) => [l.sku, l.prescriptionOrderId, l.reservations.map((r) => [r.lotNumber, r.quantity])])).toEqual([
      ['FOAM-10', null, [['F-SOON', 6], ['F-LATE', 2]]],
      ['AG-10', rx, [['S-1', 4]]],
    ]);
    expect(item(ids.foam)).toMatchObject({ onHand: 26, reserved: 8, available: 18 });
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 6, 6], ['F-LATE', 20, 2]]);
  });

  it('picks as movements, dispatches, delivers onto the patient’s open invoice; on hand stays Σ movements', () => {
    const ids = setup();
    const orderId = create([{ itemId: ids.foam, quantity: 8 }, { itemId: ids.boot, quantity: 1 }]);
    f.run('orders.confirm', { orderId }, f.nurse);
    expect(code(() => f.run('orders.dispatch', { orderId }))).toBe('INVALID_TRANSITION');
    f.run('orders.pick', { orderId });
    expect(item(ids.foam)).toMatchObject({ onHand: 18, reserved: 0, available: 18 });
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 0, 0], ['F-LATE', 18, 0]]);
    expect(f.ops.stock.movements(ids.foam).slice(0, 2).map((m) => [m.reason, m.lotNumber, m.delta])).toEqual([['order_pick', 'F-LATE', -2], ['order_pick', 'F-SOON', -6]]);
    expect(view(orderId).lines[0]!.issued.map((i) => [i.lotNumber, i.quantity])).toEqual([['F-SOON', 6], ['F-LATE', 2]]);
    expect(code(() => f.run('orders.markReady', { orderId }))).toBe('INVALID_TRANSITION');
    f.run('orders.dispatch', { orderId });
    expect(f.ops.billing.list({ patientId: f.patients.ada }, f.manager)).toEqual([]);
    const { invoiceId } = f.run<{ invoiceId: string }>('orders.markDelivered', { orderId });
    const invoice = f.ops.billing.get(invoiceId, f.manager);
    // 8 × 3.20 at 19 % = 25.60 + 4.86; 1 × 89.00 at 7 % = 89.00 + 6.23.
    expect(invoice.lines.map((l) => [l.kind, l.description, l.quantity, l.totalCents])).toEqual([['supply', 'FOAM-10 Foam dressing 10x10', 8, 3046], ['supply', 'OFF-BOOT-M Offloading boot M', 1, 9523]]);
    expect(invoice).toMatchObject({ status: 'draft', totalCents: 3046 + 9523, patientId: f.patients.ada });
    expect(view(orderId)).toMatchObject({ status: 'delivered', invoiceId, invoiceNumber: invoice.number, totalCents: 3046 + 9523 });
    // A second order goes onto the same open (draft) invoice.
    const second = create([{ itemId: ids.boot, quantity: 1 }], { fulfilment: 'collection' });
    for (const c of ['orders.confirm', 'orders.pick', 'orders.markReady', 'orders.markCollected']) f.run(c, { orderId: second });
    expect(view(second)).toMatchObject({ status: 'collected', invoiceId, deliveryAddress: null });
    expect(f.ops.billing.get(invoiceId, f.manager).lines).toHaveLength(3);
    const sums = f.record.db.all<{ item: string; s: number }>("SELECT item_id AS item, sum(delta) AS s FROM stock_movements GROUP BY item_id" as never);
    for (const s of sums) expect(item(s.item).onHand).toBe(s.s);
  });

  it('cancels with a reason before it reaches the patient: releases what was held, puts picked units back, gives the prescription back, keeps the order', () => {
    const ids = setup();
    const rx = newId();
    f.run('stock.prescribe', { orderId: rx, patientId: f.patients.ada, itemId: ids.silver, quantity: 5, validUntil: '2025-04-30' }, f.doctor);
    const held = create([{ itemId: ids.foam, quantity: 10 }, { itemId: ids.silver, quantity: 5 }]);
    f.run('orders.confirm', { orderId: held }, f.nurse);
    expect(item(ids.foam)).toMatchObject({ reserved: 10, available: 16 });
    expect(code(() => f.run('orders.cancel', { orderId: held, reason: '' }, f.nurse))).toBe('THROWN');
    expect(f.run('orders.cancel', { orderId: held, reason: 'Admitted to hospital' }, f.nurse)).toMatchObject({ status: 'cancelled', released: 15 });
    expect(item(ids.foam)).toMatchObject({ onHand: 26, reserved: 0, available: 26 });
    expect(f.ops.stock.prescriptions(f.patients.ada, f.doctor)[0]).toMatchObject({ issuedQuantity: 0, usable: true });
    expect(view(held)).toMatchObject({ status: 'cancelled', cancelReason: 'Admitted to hospital', lines: [{ reservations: [] }, { reservations: [] }] });
    expect(code(() => f.run('orders.cancel', { orderId: held, reason: 'again' }))).toBe('INVALID_TRANSITION');

    const picked = create([{ itemId: ids.foam, quantity: 7 }]);
    f.run('orders.confirm', { orderId: picked }, f.nurse);
    f.run('orders.pick', { orderId: picked });
    f.run('orders.dispatch', { orderId: picked });
    f.run('orders.cancel', { orderId: picked, reason: 'Wrong address, came back' });
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 6, 0], ['F-LATE', 20, 0]]);
    expect(f.ops.stock.movements(ids.foam).slice(0, 2).map((m) => [m.reason, m.lotNumber, m.delta])).toEqual([['order_restock', 'F-LATE', 1], ['order_restock', 'F-SOON', 6]]);
    const delivered = create([{ itemId: ids.boot, quantity: 1 }]);
    for (const c of ['orders.confirm', 'orders.pick', 'orders.dispatch', 'orders.markDelivered']) f.run(c, { orderId: delivered });
    expect(code(() => f.run('orders.cancel', { orderId: delivered, reason: 'x' }))).toBe('INVALID_TRANSITION');
    expect(f.record.db.all<{ n: number }>('SELECT count(*) AS n FROM patient_orders' as never)[0]).toEqual({ n: 3 });
    expect(() => f.record.db.run('DELETE FROM patient_orders' as never)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ message: expect.stringContaining('never deleted') }) }));
  });

  it('never lets available go below zero without a manager’s explicit override; an overridden shortfall is picked once stock arrives', () => {
    const ids = setup();
    const first = create([{ itemId: ids.boot, quantity: 2 }]);
    f.run('orders.confirm', { orderId: first }, f.nurse);
    expect(item(ids.boot)).toMatchObject({ onHand: 2, reserved: 2, available: 0 });
    const second = create([{ itemId: ids.boot, quantity: 1 }]);
    expect(() => f.run('orders.confirm', { orderId: second }, f.nurse)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_STOCK', message: expect.stringContaining('Not enough Offloading boot M in stock: 1 wanted, 0 available') }));
    expect(code(() => f.run('orders.confirm', { orderId: second, override: true }, f.nurse))).toBe('OVERRIDE_REFUSED');
    expect(f.run('orders.confirm', { orderId: second, override: true }, f.manager)).toMatchObject({ status: 'confirmed', overridden: 1 });
    expect(item(ids.boot)).toMatchObject({ onHand: 2, reserved: 3, available: -1 });
    expect(view(second).lines[0]!.reservations).toEqual([{ lotNumber: null, expiryDate: null, quantity: 1, override: true, expired: false }]);
    expect(listAudit(f.record, { entity: 'patient_order' }).map((a) => a.action)).toContain('patient_order.override');
    // Nothing to pick it from yet; once a boot arrives it is picked from the new lot.
    expect(code(() => f.run('orders.pick', { orderId: second }))).toBe('INSUFFICIENT_STOCK');
    f.run('stock.receive', { itemId: ids.boot, lotNumber: 'B-2', expiryDate: null, quantity: 1 });
    expect(item(ids.boot)).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
    f.run('orders.pick', { orderId: second });
    expect(view(second).lines[0]!.issued).toEqual([{ lotNumber: 'B-2', expiryDate: null, quantity: 1 }]);
    expect(item(ids.boot)).toMatchObject({ onHand: 2, reserved: 2, available: 0 });
  });

  it('keeps reserved units for their order: a visit cannot use them, a write-off moves them to another lot or is refused', () => {
    const ids = setup();
    const orderId = create([{ itemId: ids.foam, quantity: 20 }]);
    f.run('orders.confirm', { orderId }, f.nurse);
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 6, 6], ['F-LATE', 20, 14]]);
    expect(item(ids.foam).available).toBe(6);
    expect(() => f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.grace, lines: [{ itemId: ids.foam, quantity: 7 }] }, f.nurse)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_STOCK' }));
    const soon = f.ops.stock.lots(ids.foam).find((l) => l.lotNumber === 'F-SOON')!.id;
    expect(code(() => f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.grace, lines: [{ itemId: ids.foam, quantity: 1, lotId: soon }] }, f.nurse))).toBe('INSUFFICIENT_STOCK');
    f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.grace, lines: [{ itemId: ids.foam, quantity: 2 }] }, f.nurse);
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 6, 6], ['F-LATE', 18, 14]]);
    // Damaged: 3 of F-SOON go; F-LATE has 4 free to hold them instead.
    f.run('stock.writeOff', { lotId: soon, quantity: 3, cause: 'damaged' });
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 3, 3], ['F-LATE', 18, 17]]);
    expect(view(orderId).lines[0]!.reservations.reduce((s, r) => s + r.quantity, 0)).toBe(20);
    expect(() => f.run('stock.writeOff', { lotId: soon, quantity: 3, cause: 'damaged' })).toThrow(expect.objectContaining({ code: 'STOCK_RESERVED', message: expect.stringContaining('3 of lot F-SOON are reserved for patient orders') }));
    expect(item(ids.foam)).toMatchObject({ onHand: 21, reserved: 20, available: 1 });
  });

  it('re-takes what was held on a lot that expired before picking from the next lot', () => {
    const ids = setup();
    const orderId = create([{ itemId: ids.foam, quantity: 4 }]);
    f.run('orders.confirm', { orderId }, f.nurse);
    expect(view(orderId).lines[0]!.reservations.map((r) => r.lotNumber)).toEqual(['F-SOON']);
    f.clock.now = START + 20 * DAY; // 23 March: F-SOON expired on the 20th
    expect(view(orderId).lines[0]!.reservations[0]).toMatchObject({ expired: true });
    expect(item(ids.foam)).toMatchObject({ available: 20 });
    f.run('orders.pick', { orderId });
    expect(view(orderId).lines[0]!.issued).toEqual([{ lotNumber: 'F-LATE', expiryDate: '2026-01-01', quantity: 4 }]);
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 6, 0], ['F-LATE', 16, 0]]);
    // A lot that would expire before the order is due is not reserved for it.
    const later = create([{ itemId: ids.foam, quantity: 1 }], { dueDate: '2026-02-01' });
    expect(code(() => f.run('orders.confirm', { orderId: later }, f.nurse))).toBe('INSUFFICIENT_STOCK');
  });

  it('takes returns: unopened units back into their lot, a credit note on an issued invoice, the draft’s line reduced otherwise, never more than was supplied', () => {
    const ids = setup();
    const orderId = create([{ itemId: ids.foam, quantity: 8 }, { itemId: ids.boot, quantity: 1 }]);
    for (const c of ['orders.confirm', 'orders.pick', 'orders.dispatch', 'orders.markDelivered']) f.run(c, { orderId });
    const { invoiceId, lines } = view(orderId);
    const [foam, boot] = lines;
    // Still a draft: two foam come off its line.
    expect(f.run('orders.return', { orderId, reason: 'Too many', lines: [{ lineId: foam!.id, quantity: 2, restock: true }] })).toMatchObject({ billing: 'draft_corrected', creditNoteId: null });
    expect(f.ops.billing.get(invoiceId!, f.manager).lines[0]).toMatchObject({ quantity: 6, totalCents: 2285 });
    expect(lotsOf(ids.foam)).toEqual([['F-SOON', 2, 0], ['F-LATE', 18, 0]]);
    // Issued and paid: the boot comes back (worn, discarded): a credit note and a refund.
    f.run('billing.issue', { invoiceId });
    f.run('billing.recordPayment', { invoiceId, paymentId: newId(), amountCents: f.ops.billing.totals(invoiceId!).balanceCents, method: 'card' });
    const r = f.run<{ billing: string; creditNoteId: string }>('orders.return', { orderId, reason: 'Did not fit', lines: [{ lineId: boot!.id, quantity: 1, restock: false }], refund: { method: 'card' } });
    expect(r.billing).toBe('credit_note');
    const inv = f.ops.billing.get(invoiceId!, f.manager);
    expect(inv.creditNotes).toEqual([expect.objectContaining({ id: r.creditNoteId, totalCents: 9523, reason: 'Did not fit' })]);
    expect(inv).toMatchObject({ refundedCents: 9523, balanceCents: 0 });
    expect(item(ids.boot).onHand).toBe(1);
    expect(view(orderId).returns.map((x) => [x.quantity, x.restock, x.billing, x.creditNoteNumber?.slice(0, 3) ?? null])).toEqual([[2, true, 'draft_corrected', null], [1, false, 'credit_note', 'CN-']]);
    expect(code(() => f.run('orders.return', { orderId, reason: 'x', lines: [{ lineId: foam!.id, quantity: 7, restock: true }] }))).toBe('OVER_RETURN');
    expect(code(() => f.run('orders.return', { orderId, reason: 'x', lines: [{ lineId: foam!.id, quantity: 4, restock: true }, { lineId: foam!.id, quantity: 3, restock: true }] }))).toBe('OVER_RETURN');
    const open = create([{ itemId: ids.foam, quantity: 1 }]);
    expect(code(() => f.run('orders.return', { orderId: open, reason: 'x', lines: [{ lineId: view(open).lines[0]!.id, quantity: 1, restock: true }] }))).toBe('INVALID_TRANSITION');
  });

  it('lists orders to pick today, awaiting delivery or collection, and a patient’s history; repeats an order in one step with a new prescription check', () => {
    const ids = setup();
    const rx = newId();
    f.run('stock.prescribe', { orderId: rx, patientId: f.patients.ada, itemId: ids.silver, quantity: 4, validUntil: '2025-04-30' }, f.doctor);
    const today = create([{ itemId: ids.foam, quantity: 2 }, { itemId: ids.silver, quantity: 4 }]);
    const tomorrow = create([{ itemId: ids.foam, quantity: 1 }], { dueDate: '2025-03-04' });
    const grace = newId();
    f.run('orders.create', { orderId: grace, patientId: f.patients.grace, fulfilment: 'collection', dueDate: '2025-03-03', lines: [{ lineId: newId(), itemId: ids.boot, quantity: 1 }] }, f.nurse);
    for (const o of [today, tomorrow, grace]) f.run('orders.confirm', { orderId: o }, f.nurse);
    expect(f.ops.orders.list({ list: 'to-pick' }, f.manager).map((o) => o.id)).toEqual([today, grace]);
    f.run('orders.pick', { orderId: grace });
    f.run('orders.markReady', { orderId: grace });
    f.run('orders.pick', { orderId: today });
    f.run('orders.dispatch', { orderId: today });
    expect(f.ops.orders.list({ list: 'awaiting-delivery' }, f.manager).map((o) => [o.id, o.status])).toEqual([[today, 'dispatched'], [grace, 'ready']]);
    f.run('orders.markDelivered', { orderId: today });
    expect(f.ops.orders.list({ list: 'to-pick' }, f.manager).map((o) => o.id)).toEqual([]);
    f.clock.now = START + DAY;
    expect(f.ops.orders.list({ list: 'to-pick' }, f.manager).map((o) => o.id)).toEqual([tomorrow]);

    // Repeat: the doctor's order is used up, so the repeat is refused in words and leaves nothing behind.
    const orders = () => f.record.db.all<{ n: number }>('SELECT count(*) AS n FROM patient_orders' as never)[0]!.n;
    const before = orders();
    expect(() => f.run('orders.repeat', { orderId: newId(), fromOrderId: today, dueDate: '2025-03-17' }, f.nurse)).toThrow(expect.objectContaining({ code: 'PRESCRIPTION_REQUIRED', message: expect.stringContaining('Silver alginate 10x10') }));
    expect(orders()).toBe(before);
    const rx2 = newId();
    f.run('stock.prescribe', { orderId: rx2, patientId: f.patients.ada, itemId: ids.silver, quantity: 8, validUntil: '2025-05-31' }, f.doctor);
    const repeat = newId();
    expect(f.run('orders.repeat', { orderId: repeat, fromOrderId: today, dueDate: '2025-03-17' }, f.nurse)).toMatchObject({ orderId: repeat, status: 'confirmed' });
    expect(view(repeat)).toMatchObject({ repeatOfId: today, fulfilment: 'delivery', dueDate: '2025-03-17', lines: [{ sku: 'FOAM-10', quantity: 2 }, { sku: 'AG-10', quantity: 4, prescriptionOrderId: rx2 }] });

    const history = f.ops.orders.list({ list: 'patient', patientId: f.patients.ada }, f.nurse);
    expect(history.map((o) => o.id)).toEqual([repeat, tomorrow, today]);
    expect(history.every((o) => o.patientId === f.patients.ada)).toBe(true);
    const audit = listAudit(f.record, {});
    expect(audit.find((a) => a.action === 'patient_order.history')).toMatchObject({ entity: 'patient', entityId: f.patients.ada, actorId: f.nurse.id });
    expect(audit.filter((a) => a.action === 'patient_order.list_to_pick').length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain('Lovelace');
  });

  it('sends with a caregiver only a home-care staff member, and delivers only where there is an address', () => {
    const ids = setup();
    const lines = [{ itemId: ids.foam, quantity: 1 }];
    expect(code(() => create(lines, { fulfilment: 'caregiver' }))).toBe('CAREGIVER_REQUIRED');
    expect(code(() => create(lines, { fulfilment: 'caregiver', caregiverId: f.nurse.id }))).toBe('NOT_HOME_CARE');
    const orderId = create(lines, { fulfilment: 'caregiver', caregiverId: f.caregiver.id });
    expect(view(orderId)).toMatchObject({ fulfilment: 'caregiver', caregiverName: 'Cara Carer', deliveryAddress: '12 St James Square, London' });
    f.record.db.update(tables.patients).set({ address: null }).run();
    expect(code(() => create(lines))).toBe('ADDRESS_REQUIRED');
    expect(view(create(lines, { deliveryAddress: '3 Harbour Row' })).deliveryAddress).toBe('3 Harbour Row');
    // Drafts change; confirmed orders do not.
    f.run('orders.updateDraft', { orderId, fulfilment: 'collection', quantities: [{ lineId: view(orderId).lines[0]!.id, quantity: 3 }] });
    expect(view(orderId)).toMatchObject({ fulfilment: 'collection', deliveryAddress: null, caregiverId: null, lines: [{ quantity: 3 }] });
    f.run('orders.confirm', { orderId });
    expect(code(() => f.run('orders.updateDraft', { orderId, dueDate: '2025-03-10' }))).toBe('ORDER_LOCKED');
  });

  it('is synced like the other operations: each orders.* command is one outbox row with its name and args; its audit names no patient', () => {
    const ids = setup();
    const before = f.ops.commands.pending().length;
    const orderId = create([{ itemId: ids.foam, quantity: 3 }]);
    f.run('orders.confirm', { orderId }, f.nurse);
    f.run('orders.pick', { orderId });
    f.run('orders.cancel', { orderId, reason: 'Admitted to hospital' });
    const pending = f.ops.commands.pending().slice(before);
    expect(pending.map((p) => [p.name, p.actorId])).toEqual([['orders.create', f.nurse.id], ['orders.confirm', f.nurse.id], ['orders.pick', f.manager.id], ['orders.cancel', f.manager.id]]);
    expect(pending[0]!.args).toMatchObject({ orderId, patientId: f.patients.ada, fulfilment: 'delivery', lines: [{ itemId: ids.foam, quantity: 3 }] });
    expect(pending[3]!.args).toEqual({ orderId, reason: 'Admitted to hospital' });
    const audit = listAudit(f.record, { entity: 'patient_order' }).filter((a) => a.entityId === orderId).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['patient_order.create', 'patient_order.confirmed', 'patient_order.picked', 'patient_order.cancelled']));
    expect(JSON.stringify(listAudit(f.record, {}))).not.toMatch(/Lovelace|St James/);
  });

  it('applies a replayed command once, and finds nothing under another id', () => {
    const ids = setup();
    const orderId = create([{ itemId: ids.foam, quantity: 3 }]);
    const commandId = newId();
    const first = f.run('orders.confirm', { orderId }, f.nurse, commandId);
    const rows = () => f.record.db.all('SELECT * FROM stock_reservations ORDER BY rowid' as never);
    const held = JSON.stringify(rows());
    expect(f.run('orders.confirm', { orderId }, f.nurse, commandId)).toEqual(first);
    expect(JSON.stringify(rows())).toBe(held);
    expect(code(() => f.run('orders.pick', { orderId: newId() }))).toBe('NOT_FOUND');
    expect(code(() => f.ops.orders.get(newId(), f.manager))).toBe('NOT_FOUND');
  });
});
