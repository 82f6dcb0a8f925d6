/**
 * The clinic-operations migrations (found by name: other branches add migrations too, and numbers
 * are given at merge). Signal style: a record at N−1 with rows in the placeholder tables' old
 * shape, migrated, keeps every row in the new shape.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, insertRows, migrateTo, tableRows, type TestDb, versionOf } from './test-helpers';

const OPS = versionOf('clinic-operations');
const TRIGGERS = versionOf('operation-statuses-stock-balances');

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

const now = 1_700_000_000_000;
const ts = { created_at: now, updated_at: now };

/** `old: false` leaves out the rows whose old shape the new schema refuses (lot-less movements, the old outbox). */
function oldShapeRows(t: TestDb, { old = true } = {}): void {
  const movements = old;
  insertRows(t, 'patients', [{ id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', ...ts }]);
  insertRows(t, 'staff', [{ id: 's1-00000000', username: 'n', display_name: 'N', password_hash: 'x', ...ts }]);
  insertRows(t, 'appointments', [
    { id: 'a1-00000000', patient_id: 'p1-00000000', staff_id: 's1-00000000', starts_at: now, ends_at: now + 1_800_000, kind: 'clinic', status: 'arrived', notes: 'n', ...ts },
    { id: 'a2-00000000', patient_id: 'p1-00000000', staff_id: null, starts_at: now, ends_at: now + 1_800_000, kind: 'clinic', status: 'booked', ...ts },
  ]);
  insertRows(t, 'stock_items', [{ id: 'i1-00000000', sku: 'FOAM-10', name: 'Foam 10 cm', unit: 'piece', reorder_level: 5, ...ts }]);
  insertRows(t, 'purchase_orders', [
    { id: 'po1-0000000', number: 'PO-1', supplier: 'Acme', status: 'ordered', ...ts },
    { id: 'po2-0000000', number: 'PO-2', supplier: 'Acme', status: 'partially_received', ...ts },
  ]);
  insertRows(t, 'purchase_order_lines', [{ id: 'pl1-0000000', order_id: 'po1-0000000', item_id: 'i1-00000000', quantity: 10, unit_price_cents: 250, ...ts }]);
  if (movements) insertRows(t, 'stock_movements', [
    { id: 'm1-00000000', item_id: 'i1-00000000', delta: 10, reason: 'receipt', purchase_order_id: 'po1-0000000', at: now, ...ts },
    { id: 'm2-00000000', item_id: 'i1-00000000', delta: -3, reason: 'usage', at: now + 1, ...ts },
  ]);
  insertRows(t, 'invoices', [{ id: 'v1-00000000', number: 'INV-1', patient_id: 'p1-00000000', status: 'issued', currency: 'EUR', issued_at: now, total_cents: 5000, ...ts }]);
  insertRows(t, 'invoice_lines', [{ id: 'l1-00000000', invoice_id: 'v1-00000000', description: 'Dressing change', quantity: 1, unit_price_cents: 5000, amount_cents: 5000, ...ts }]);
  insertRows(t, 'payments', [{ id: 'y1-00000000', invoice_id: 'v1-00000000', amount_cents: 2000, method: 'card', received_at: now, ...ts }]);
  if (movements) insertRows(t, 'sync_outbox', [{ id: 'o1-00000000', entity: 'appointment', entity_id: 'a1-00000000', op: 'upsert', payload_json: '{}', created_at: now }]);
}

describe('clinic-operations migrations', () => {
  it('come in order, the data migration right after the schema one', () => {
    expect(TRIGGERS).toBe(OPS + 1);
  });

  it('keep every placeholder row, in the new shape and vocabulary', () => {
    db = createDb({ version: OPS - 1 });
    oldShapeRows(db);
    expect(migrateTo(db, TRIGGERS)).toEqual([OPS, TRIGGERS]);

    const appts = tableRows(db, 'appointments');
    expect(appts.map((a) => [a.id, a.status, a.notes, a.moved, a.conflict_override])).toEqual([
      ['a1-00000000', 'checked_in', 'n', 0, 0],
      ['a2-00000000', 'booked', null, 0, 0],
    ]);
    expect(tableRows(db, 'purchase_orders').map((p) => [p.number, p.status, p.final_number])).toEqual([
      ['PO-1', 'sent', null],
      ['PO-2', 'partly_received', null],
    ]);
    expect(tableRows(db, 'purchase_order_lines')[0]).toMatchObject({ quantity: 10, received_quantity: 0, cancelled_quantity: 0, removed_at: null });
    expect(tableRows(db, 'stock_items')[0]).toMatchObject({ sku: 'FOAM-10', reorder_level: 5, pack_size: 1, prescription_only: 0, active: 1 });
    // Movements from before lots go to one lot per item, and the balance is their sum.
    const lots = tableRows(db, 'stock_lots');
    expect(lots).toEqual([expect.objectContaining({ item_id: 'i1-00000000', lot_number: 'before-lots', expiry_date: null })]);
    expect(tableRows(db, 'stock_movements').map((m) => [m.id, m.lot_id, m.delta])).toEqual([
      ['m1-00000000', lots[0]!.id, 10],
      ['m2-00000000', lots[0]!.id, -3],
    ]);
    expect(tableRows(db, 'stock_lot_balances')).toEqual([{ lot_id: lots[0]!.id, item_id: 'i1-00000000', on_hand: 7 }]);
    expect(tableRows(db, 'invoices')[0]).toMatchObject({ number: 'INV-1', status: 'issued', total_cents: 5000, final_number: null });
    expect(tableRows(db, 'invoice_lines')[0]).toMatchObject({ amount_cents: 5000, kind: 'service', tax_cents: 0, removed_at: null });
    expect(tableRows(db, 'payments')[0]).toMatchObject({ amount_cents: 2000, kind: 'payment' });
    // The placeholder outbox row is kept (as an unnamed command), numbered 1.
    expect(tableRows(db, 'sync_outbox')).toEqual([expect.objectContaining({ mutation_id: 1, command_id: 'o1-00000000', name: 'appointment', actor_id: 'unknown' })]);
    expect(db.raw.pragma('foreign_key_check')).toEqual([]);
  });

  it('then keep Σ movements per lot and refuse to change or delete what must stay', () => {
    db = createDb({ version: TRIGGERS });
    oldShapeRows(db, { old: false });
    insertRows(db, 'stock_lots', [{ id: 'lot2-000000', item_id: 'i1-00000000', lot_number: 'L2', expiry_date: '2030-01-01', ...ts }]);
    insertRows(db, 'stock_movements', [
      { id: 'm3-00000000', item_id: 'i1-00000000', lot_id: 'lot2-000000', delta: 4, reason: 'receipt', at: now, ...ts },
      { id: 'm4-00000000', item_id: 'i1-00000000', lot_id: 'lot2-000000', delta: -1, reason: 'usage', at: now, ...ts },
    ]);
    expect(tableRows(db, 'stock_lot_balances').find((b) => b.lot_id === 'lot2-000000')).toMatchObject({ on_hand: 3 });
    expect(() => db!.raw.prepare("UPDATE stock_movements SET delta = 100 WHERE id = 'm3-00000000'").run()).toThrow(/append-only/);
    expect(() => db!.raw.prepare("DELETE FROM stock_movements WHERE id = 'm3-00000000'").run()).toThrow(/append-only/);
    expect(() => insertRows(db!, 'stock_movements', [{ id: 'm5-00000000', item_id: 'i1-00000000', delta: 1, reason: 'receipt', at: now, ...ts }])).toThrow(/names its lot/);
    expect(() => db!.raw.prepare("DELETE FROM invoices WHERE id = 'v1-00000000'").run()).toThrow(/never deleted/);
    expect(() => db!.raw.prepare("DELETE FROM payments").run()).toThrow(/never deleted/);
    expect(() => db!.raw.prepare("DELETE FROM appointments").run()).toThrow(/never deleted/);
    expect(() => db!.raw.prepare("UPDATE invoice_lines SET quantity = 2").run()).toThrow(/issued invoice never change/);
    db.raw.prepare("UPDATE invoices SET status = 'draft'").run();
    expect(db.raw.prepare("UPDATE invoice_lines SET quantity = 2").run().changes).toBe(1);
  });
});
