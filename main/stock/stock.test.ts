import { afterEach, describe, expect, it } from 'vitest';
import { createOpsFixture, seedOperations, START, type OpsFixture } from '../operations/test-helpers';
import { listAudit, newId, tables } from '../records/index';

let f: OpsFixture;
afterEach(() => f?.dispose());
const DAY = 86_400_000;

function setup() {
  f = createOpsFixture();
  return seedOperations(f);
}
const lotOf = (itemId: string, lotNumber: string) => f.ops.stock.lots(itemId).find((l) => l.lotNumber === lotNumber)!;

describe('stock', () => {
  it('counts on hand as Σ movements per lot; expired lots are on hand but never available', () => {
    const ids = setup();
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'A1', expiryDate: '2025-03-10', quantity: 10 });
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'B2', expiryDate: '2026-01-01', quantity: 30 });
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'A1', expiryDate: '2025-03-10', quantity: 5 });
    expect(f.ops.stock.item(ids.foam)).toMatchObject({ onHand: 45, available: 45 });
    f.clock.now = START + 8 * DAY; // 11 March: A1 expired yesterday
    expect(f.ops.stock.item(ids.foam)).toMatchObject({ onHand: 45, available: 30 });
    expect(lotOf(ids.foam, 'A1')).toMatchObject({ onHand: 15, expired: true });
    expect(() => f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.ada, lines: [{ itemId: ids.foam, lotId: lotOf(ids.foam, 'A1').id, quantity: 1 }] }, f.nurse)).toThrow(expect.objectContaining({ code: 'LOT_EXPIRED' }));
    f.run('stock.writeOff', { lotId: lotOf(ids.foam, 'A1').id, quantity: 15, cause: 'expired' });
    expect(f.ops.stock.item(ids.foam)).toMatchObject({ onHand: 30, available: 30 });
    const movements = f.ops.stock.movements(ids.foam);
    expect(movements.map((m) => [m.reason, m.delta])).toEqual([['write_off', -15], ['receipt', 5], ['receipt', 30], ['receipt', 10]]);
    expect(movements.reduce((s, m) => s + m.delta, 0)).toBe(30);
  });

  it('issues first-expired-first-out (across lots when one is not enough) and refuses more than is available', () => {
    const ids = setup();
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'LATE', expiryDate: '2026-06-01', quantity: 10 });
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'SOON', expiryDate: '2025-09-01', quantity: 4 });
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'NEVER', expiryDate: null, quantity: 10 });
    expect(f.ops.stock.suggestLots(ids.foam, 6, f.clock.now).map((a) => [a.lotNumber, a.quantity])).toEqual([['SOON', 4], ['LATE', 2]]);
    f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.ada, lines: [{ itemId: ids.foam, quantity: 6 }] }, f.nurse);
    expect(f.ops.stock.lots(ids.foam).map((l) => [l.lotNumber, l.onHand])).toEqual([['SOON', 0], ['LATE', 8], ['NEVER', 10]]);
    expect(() => f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.ada, lines: [{ itemId: ids.foam, quantity: 19 }] }, f.nurse)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_STOCK' }));
    expect(f.ops.stock.item(ids.foam).onHand).toBe(18);
  });

  it('issues a prescription-only item only against a valid order for the patient, and records what was issued', () => {
    const ids = setup();
    f.run('stock.receive', { itemId: ids.silver, lotNumber: 'S1', expiryDate: '2026-01-01', quantity: 20 });
    const use = (orderId: string | null, quantity = 2, patientId = f.patients.ada) => f.run('stock.recordUsage', { appointmentId: null, patientId, lines: [{ itemId: ids.silver, quantity, prescriptionOrderId: orderId }] }, f.nurse);
    expect(() => use(null)).toThrow(expect.objectContaining({ code: 'PRESCRIPTION_REQUIRED', message: expect.stringContaining('Silver alginate 10x10 is prescription-only') }));
    const orderId = newId();
    f.run('stock.prescribe', { orderId, patientId: f.patients.ada, itemId: ids.silver, quantity: 5, validUntil: '2025-03-31' }, f.doctor);
    expect(() => use(orderId, 2, f.patients.grace)).toThrow(expect.objectContaining({ code: 'PRESCRIPTION_INVALID' }));
    use(orderId, 2);
    use(orderId, 3);
    expect(() => use(orderId, 1)).toThrow(expect.objectContaining({ code: 'PRESCRIPTION_INVALID', message: expect.stringContaining('only 0 left') }));
    const [order] = f.ops.stock.prescriptions(f.patients.ada, f.nurse);
    expect(order).toMatchObject({ quantity: 5, issuedQuantity: 5, usable: false, prescriberName: 'Dan Doctor' });
    const late = newId();
    f.run('stock.prescribe', { orderId: late, patientId: f.patients.ada, itemId: ids.silver, quantity: 5, validUntil: '2025-03-05' }, f.doctor);
    f.clock.now = START + 3 * DAY;
    expect(() => use(late, 1)).toThrow(expect.objectContaining({ code: 'PRESCRIPTION_INVALID', message: expect.stringContaining('expired on 2025-03-05') }));
    expect(f.ops.stock.item(ids.silver).onHand).toBe(15);
    const issued = f.record.db.select().from(tables.stockMovements).all().filter((m) => m.prescriptionOrderId === orderId);
    expect(issued.map((m) => m.delta)).toEqual([-2, -3]);
    expect(listAudit(f.record, { entity: 'prescription_order' }).map((r) => r.action)).toEqual(expect.arrayContaining(['prescription.create', 'prescription.issue']));
  });

  it('lists items below reorder level with the order rounded up to packs, lots expiring soon, and the stock value', () => {
    const ids = setup();
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'F1', expiryDate: '2025-03-20', quantity: 7 });
    f.run('stock.receive', { itemId: ids.silver, lotNumber: 'S1', expiryDate: '2027-01-01', quantity: 6 });
    // foam: 7 < 20 → 60 − 7 = 53 → 6 packs of 10 = 60. silver: 6 ≥ 5 → not listed.
    expect(f.ops.stock.belowReorder().map((r) => [r.sku, r.available, r.suggestedQuantity])).toEqual([['FOAM-10', 7, 60]]);
    expect(f.ops.stock.expiring(30).map((l) => [l.lotNumber, l.daysLeft])).toEqual([['F1', 17]]);
    expect(f.ops.stock.expiring(10)).toEqual([]);
    expect(f.ops.stock.value()).toEqual({ valueCents: 7 * 150 + 6 * 600, currency: 'EUR', items: 2 });
  });

  it('adjusts with a reason, returns to the supplier, and never lets a lot go below zero', () => {
    const ids = setup();
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'F1', expiryDate: null, quantity: 5 });
    const lot = lotOf(ids.foam, 'F1');
    f.run('stock.adjust', { lotId: lot.id, delta: -2, reason: 'Counted 3 on the shelf' });
    expect(() => f.run('stock.adjust', { lotId: lot.id, delta: -4, reason: 'x' })).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_STOCK' }));
    expect(() => f.run('stock.adjust', { lotId: lot.id, delta: 1, reason: '' })).toThrow();
    f.run('stock.returnToSupplier', { lotId: lot.id, quantity: 1, note: 'Damaged packaging' });
    expect(f.ops.stock.movements(ids.foam).map((m) => [m.reason, m.delta, m.note])).toEqual([['return', -1, 'Damaged packaging'], ['adjustment', -2, 'Counted 3 on the shelf'], ['receipt', 5, null]]);
    expect(lotOf(ids.foam, 'F1').onHand).toBe(2);
    expect(() => f.run('stock.defineItem', { itemId: newId(), sku: 'FOAM-10', name: 'Dup', unit: 'piece', packSize: 1, unitCostCents: 1, priceCents: 1, reorderLevel: 0, reorderTarget: 0 })).toThrow(expect.objectContaining({ code: 'SKU_TAKEN' }));
  });
});
