/**
 * The patient-supply-orders migrations (found by name: other branches add migrations too, and
 * numbers are given at merge). Signal style: a record at N−1 with stock rows in the old shape,
 * migrated, keeps every row; items stay in the patient catalogue, old movements belong to no
 * order, and orders, lines, returns and reservations can never be deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, explain, insertRows, migrateTo, tableRows, type TestDb, versionOf } from './test-helpers';

const ORDERS = versionOf('patient-supply-orders');
const KEPT = versionOf('patient-orders-kept');

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

const now = 1_700_000_000_000;
const ts = { created_at: now, updated_at: now };

function stockRows(t: TestDb): void {
  insertRows(t, 'patients', [{ id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', address: '12 St James Square', ...ts }]);
  insertRows(t, 'staff', [{ id: 's1-00000000', username: 'n', display_name: 'N', password_hash: 'x', ...ts }]);
  insertRows(t, 'stock_items', [{ id: 'i1-00000000', sku: 'FOAM-10', name: 'Foam 10 cm', unit: 'piece', pack_size: 10, price_cents: 320, prescription_only: 0, ...ts }]);
  insertRows(t, 'stock_lots', [{ id: 'l1-00000000', item_id: 'i1-00000000', lot_number: 'A1', expiry_date: '2030-01-01', ...ts }]);
  insertRows(t, 'stock_movements', [
    { id: 'm1-00000000', item_id: 'i1-00000000', lot_id: 'l1-00000000', delta: 10, reason: 'receipt', at: now, ...ts },
    { id: 'm2-00000000', item_id: 'i1-00000000', lot_id: 'l1-00000000', delta: -3, reason: 'usage', patient_id: 'p1-00000000', at: now + 1, ...ts },
  ]);
}

describe('patient-supply-orders migrations', () => {
  it('come in order, the append-only triggers right after the tables', () => {
    expect(KEPT).toBe(ORDERS + 1);
  });

  it('keep every stock row: items join the patient catalogue, movements keep their balance and belong to no order', () => {
    db = createDb({ version: ORDERS - 1 });
    stockRows(db);
    expect(migrateTo(db, KEPT)).toEqual([ORDERS, KEPT]);
    expect(tableRows(db, 'stock_items')[0]).toMatchObject({ sku: 'FOAM-10', pack_size: 10, price_cents: 320, patient_supply: 1 });
    expect(tableRows(db, 'stock_movements').map((m) => [m.id, m.delta, m.patient_order_line_id])).toEqual([
      ['m1-00000000', 10, null],
      ['m2-00000000', -3, null],
    ]);
    expect(tableRows(db, 'stock_lot_balances')).toEqual([{ lot_id: 'l1-00000000', item_id: 'i1-00000000', on_hand: 7 }]);
    for (const t of ['patient_orders', 'patient_order_lines', 'patient_order_returns', 'stock_reservations']) expect(tableRows(db, t)).toEqual([]);
    expect(db.raw.pragma('foreign_key_check')).toEqual([]);
  });

  it('then hold orders, lines, reservations and returns that are never deleted, and find held stock by lot with an index', () => {
    db = createDb({ version: KEPT });
    stockRows(db);
    insertRows(db, 'patient_orders', [{ id: 'o1-00000000', number: 'SO-ABCD-00001', patient_id: 'p1-00000000', status: 'delivered', fulfilment: 'delivery', delivery_address: '12 St James Square', due_date: '2030-01-01', ...ts }]);
    insertRows(db, 'patient_order_lines', [{ id: 'ol1-0000000', order_id: 'o1-00000000', item_id: 'i1-00000000', quantity: 2, unit_price_cents: 320, ...ts }]);
    insertRows(db, 'stock_reservations', [{ id: 'r1-00000000', item_id: 'i1-00000000', lot_id: 'l1-00000000', order_line_id: 'ol1-0000000', quantity: 2, status: 'issued', ...ts }]);
    insertRows(db, 'patient_order_returns', [{ id: 'rt1-0000000', order_id: 'o1-00000000', line_id: 'ol1-0000000', quantity: 1, restock: 1, reason: 'unopened', billing: 'not_billed', ...ts }]);
    expect(tableRows(db, 'stock_reservations')[0]).toMatchObject({ override: 0, status: 'issued', movement_id: null });
    for (const t of ['patient_orders', 'patient_order_lines', 'patient_order_returns', 'stock_reservations']) {
      expect(() => db!.raw.prepare(`DELETE FROM ${t}`).run(), t).toThrow(/never deleted/);
    }
    expect(explain(db, "SELECT sum(quantity) FROM stock_reservations WHERE lot_id = ? AND status = 'held'", ['l1-00000000'])).toContain('stock_reservations_lot_idx');
    expect(explain(db, "SELECT * FROM patient_orders WHERE status = 'confirmed' AND due_date <= ?", ['2030-01-01'])).toContain('patient_orders_status_idx');
    expect(db.raw.pragma('foreign_key_check')).toEqual([]);
  });
});
