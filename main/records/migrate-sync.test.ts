/**
 * The sync migrations (found by name: numbers are given at merge). A record at N−1 with queued
 * outbox rows and operations data, migrated, keeps every row; the append-only guards hold for every
 * write except inside a pulled page (`sync_apply` holds its row), and removing a refused movement
 * keeps the lot's balance Σ movements.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, insertRows, migrateTo, tableRows, type TestDb, versionOf } from './test-helpers';

const CAPTURE = versionOf('sync-capture-and-connection');
const GUARDS = versionOf('sync-apply-guards');
const ORDER_GUARDS = versionOf('patient-orders-sync-apply');

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

const now = 1_700_000_000_000;
const ts = { created_at: now, updated_at: now };

function operationsRows(t: TestDb): void {
  insertRows(t, 'patients', [{ id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', ...ts }]);
  insertRows(t, 'stock_items', [{ id: 'i1-00000000', sku: 'FOAM-10', name: 'Foam 10 cm', unit: 'piece', ...ts }]);
  insertRows(t, 'stock_lots', [{ id: 'lot1-000000', item_id: 'i1-00000000', lot_number: 'L1', ...ts }]);
  insertRows(t, 'stock_movements', [
    { id: 'm1-00000000', item_id: 'i1-00000000', lot_id: 'lot1-000000', delta: 10, reason: 'receipt', at: now, ...ts },
    { id: 'm2-00000000', item_id: 'i1-00000000', lot_id: 'lot1-000000', delta: -3, reason: 'usage', at: now, ...ts },
  ]);
}

describe('sync migrations', () => {
  it('come in order', () => {
    expect(GUARDS).toBe(CAPTURE + 1);
  });

  it('keep queued outbox rows (not yet captured: effects NULL, nothing rejected)', () => {
    db = createDb({ version: CAPTURE - 1 });
    operationsRows(db);
    insertRows(db, 'sync_outbox', [{ mutation_id: 1, command_id: 'c1-00000000', name: 'stock.receive', args_json: '{"n":1}', actor_id: 's1', issued_at: now, created_at: now }]);
    expect(migrateTo(db, GUARDS)).toEqual([CAPTURE, GUARDS]);
    expect(tableRows(db, 'sync_outbox')).toEqual([
      expect.objectContaining({ mutation_id: 1, command_id: 'c1-00000000', args_json: '{"n":1}', sent_at: null, effects_json: null, rejected_code: null, kept_locally: 0, dismissed_at: null }),
    ]);
    expect(tableRows(db, 'sync_connection')).toEqual([]);
    expect(tableRows(db, 'stock_lot_balances')).toEqual([expect.objectContaining({ lot_id: 'lot1-000000', on_hand: 7 })]);
    expect(db.raw.pragma('foreign_key_check')).toEqual([]);
  });

  it('guard append-only rows except while a pulled page is applied, and keep on hand = Σ movements when a refused one is removed', () => {
    db = createDb({ version: GUARDS });
    operationsRows(db);
    expect(() => db!.raw.prepare("DELETE FROM stock_movements WHERE id = 'm2-00000000'").run()).toThrow(/append-only/);
    expect(() => db!.raw.prepare("UPDATE stock_movements SET delta = 5 WHERE id = 'm2-00000000'").run()).toThrow(/append-only/);
    db.raw.transaction(() => {
      db!.raw.prepare('INSERT INTO sync_apply (singleton) VALUES (1)').run();
      db!.raw.prepare("DELETE FROM stock_movements WHERE id = 'm2-00000000'").run();
      db!.raw.prepare('DELETE FROM sync_apply').run();
    })();
    expect(tableRows(db, 'stock_movements').map((m) => m.id)).toEqual(['m1-00000000']);
    expect(tableRows(db, 'stock_lot_balances')).toEqual([expect.objectContaining({ lot_id: 'lot1-000000', on_hand: 10 })]);
    // Once the flag is gone the guard is back.
    expect(() => db!.raw.prepare("DELETE FROM stock_movements WHERE id = 'm1-00000000'").run()).toThrow(/append-only/);
  });

  it('patient-orders-sync-apply: an order kept before it is still never deleted by hand, but a refused one can be removed while a pulled page is applied', () => {
    db = createDb({ version: ORDER_GUARDS - 1 });
    operationsRows(db);
    insertRows(db, 'patient_orders', [{ id: 'o1-00000000', number: 'SO-ABCD-00001', patient_id: 'p1-00000000', status: 'confirmed', fulfilment: 'collection', due_date: '2026-12-06', ...ts }]);
    insertRows(db, 'patient_order_lines', [{ id: 'ol1-0000000', order_id: 'o1-00000000', item_id: 'i1-00000000', quantity: 2, unit_price_cents: 500, ...ts }]);
    insertRows(db, 'stock_reservations', [{ id: 'r1-00000000', item_id: 'i1-00000000', lot_id: 'lot1-000000', order_line_id: 'ol1-0000000', quantity: 2, ...ts }]);
    insertRows(db, 'patient_order_returns', [{ id: 'rt1-0000000', order_id: 'o1-00000000', line_id: 'ol1-0000000', quantity: 1, restock: 1, reason: 'Not needed', billing: 'not_billed', ...ts }]);
    expect(() => db!.raw.prepare("DELETE FROM patient_orders WHERE id = 'o1-00000000'").run()).toThrow(/never deleted/);

    expect(migrateTo(db, ORDER_GUARDS)).toEqual([ORDER_GUARDS]);
    expect(tableRows(db, 'patient_orders')).toEqual([expect.objectContaining({ id: 'o1-00000000', number: 'SO-ABCD-00001', status: 'confirmed' })]);
    const tables = ['patient_order_returns', 'stock_reservations', 'patient_order_lines', 'patient_orders'];
    for (const t of tables) expect(() => db!.raw.prepare(`DELETE FROM ${t}`).run(), t).toThrow(/never deleted/);
    db.raw.transaction(() => {
      db!.raw.prepare('INSERT INTO sync_apply (singleton) VALUES (1)').run();
      for (const t of tables) db!.raw.prepare(`DELETE FROM ${t}`).run();
      db!.raw.prepare('DELETE FROM sync_apply').run();
    })();
    for (const t of tables) expect(tableRows(db, t), t).toEqual([]);
    // Once the flag is gone the guard is back.
    insertRows(db, 'patient_orders', [{ id: 'o2-00000000', number: 'SO-ABCD-00002', patient_id: 'p1-00000000', status: 'draft', fulfilment: 'collection', due_date: '2026-12-06', ...ts }]);
    expect(() => db!.raw.prepare("DELETE FROM patient_orders WHERE id = 'o2-00000000'").run()).toThrow(/never deleted/);
  });
});
