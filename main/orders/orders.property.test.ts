/**
 * Property test (fast-check) over random order / confirm / cancel / pick / dispatch / deliver /
 * return sequences mixed with receipts, use at visits, write-offs, days passing and prescriptions,
 * against a real encrypted record, as issue 22's Done-when states it: available never goes below
 * zero (unless a manager's override holds the shortfall, and then by no more than it), reserved
 * equals the sum of open orders' reservations, and on hand still equals Σ movements. Besides: a
 * refused command changes nothing, a replayed one changes nothing, picked orders hold exactly what
 * they issued, and no doctor's order is ever over-used.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { localDate } from '../../common/time';
import { OperationError } from '../commands/index';
import { createOpsFixture, seedOperations, START, type OpsFixture } from '../operations/test-helpers';
import { newId } from '../records/index';

const DAY = 86_400_000;
const TABLES = ['patient_orders', 'patient_order_lines', 'patient_order_returns', 'stock_reservations', 'stock_movements', 'stock_lot_balances', 'stock_lots', 'prescription_orders', 'invoices', 'invoice_lines', 'credit_notes', 'payments', 'command_log', 'sync_outbox', 'audit_log'];

type Op =
  | { k: 'receive'; item: number; lot: number; qty: number }
  | { k: 'order'; patient: number; lines: Array<{ item: number; qty: number }>; how: number; due: number; confirm: boolean; override: boolean; asManager: boolean }
  | { k: 'confirm'; order: number; override: boolean; asManager: boolean }
  | { k: 'step'; order: number; override: boolean; line: number; qty: number; restock: boolean }
  | { k: 'pick'; order: number }
  | { k: 'send'; order: number }
  | { k: 'complete'; order: number }
  | { k: 'cancel'; order: number }
  | { k: 'return'; order: number; line: number; qty: number; restock: boolean }
  | { k: 'issueInvoice'; order: number }
  | { k: 'repeat'; order: number }
  | { k: 'use'; item: number; qty: number }
  | { k: 'writeOff'; item: number; lot: number; qty: number }
  | { k: 'prescribe'; patient: number; qty: number }
  | { k: 'advance'; days: number }
  | { k: 'replay'; nth: number };

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
/** Mostly the plain items; the prescription-only one now and then. */
const line = fc.record({ item: fc.constantFrom(0, 0, 0, 1, 1, 1, 2), qty: fc.integer({ min: 1, max: 8 }) });
/** Weighted so that orders travel the whole way (confirmed, picked, sent, delivered, returned) and stock runs short. */
const op: fc.Arbitrary<Op> = fc.oneof(
  w(3, fc.record({ k: fc.constant('receive' as const), item: fc.nat(2), lot: fc.nat(2), qty: fc.integer({ min: 1, max: 15 }) })),
  w(5, fc.record({ k: fc.constant('order' as const), patient: fc.nat(1), lines: fc.array(line, { minLength: 1, maxLength: 3 }), how: fc.nat(2), due: fc.integer({ min: -1, max: 4 }), confirm: fc.constantFrom(true, true, true, false), override: fc.constantFrom(false, false, true), asManager: fc.boolean() })),
  // The next step of one of the newest orders: confirm, pick, send, deliver or collect, take a return.
  w(20, fc.record({ k: fc.constant('step' as const), order: fc.nat(10), override: fc.boolean(), line: fc.nat(2), qty: fc.integer({ min: 1, max: 4 }), restock: fc.boolean() })),
  w(2, fc.record({ k: fc.constant('confirm' as const), order: fc.nat(10), override: fc.boolean(), asManager: fc.boolean() })),
  w(4, fc.record({ k: fc.constant('pick' as const), order: fc.nat(10) })),
  w(3, fc.record({ k: fc.constant('send' as const), order: fc.nat(10) })),
  w(3, fc.record({ k: fc.constant('complete' as const), order: fc.nat(10) })),
  w(2, fc.record({ k: fc.constant('cancel' as const), order: fc.nat(10) })),
  w(3, fc.record({ k: fc.constant('return' as const), order: fc.nat(10), line: fc.nat(2), qty: fc.integer({ min: 1, max: 5 }), restock: fc.boolean() })),
  w(1, fc.record({ k: fc.constant('issueInvoice' as const), order: fc.nat(10) })),
  w(1, fc.record({ k: fc.constant('repeat' as const), order: fc.nat(10) })),
  w(2, fc.record({ k: fc.constant('use' as const), item: fc.nat(2), qty: fc.integer({ min: 1, max: 6 }) })),
  w(1, fc.record({ k: fc.constant('writeOff' as const), item: fc.nat(2), lot: fc.nat(2), qty: fc.integer({ min: 1, max: 6 }) })),
  w(1, fc.record({ k: fc.constant('prescribe' as const), patient: fc.nat(1), qty: fc.integer({ min: 1, max: 10 }) })),
  w(1, fc.record({ k: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 12 }) })),
  w(2, fc.record({ k: fc.constant('replay' as const), nth: fc.nat(300) })),
);

function rows(f: OpsFixture, query: string): Array<Record<string, unknown>> {
  return f.record.db.all(sql.raw(query));
}
function snapshot(f: OpsFixture): Record<string, string> {
  return Object.fromEntries(TABLES.map((t) => [t, createHash('sha256').update(JSON.stringify(rows(f, `SELECT * FROM ${t} ORDER BY rowid`))).digest('hex')]));
}

/** Lot numbers fix their expiry: L0 after 6 days, L1 after 30, L2 never. */
const LOTS = [
  { number: 'L0', expiry: localDate(START + 6 * DAY, 'UTC') },
  { number: 'L1', expiry: localDate(START + 30 * DAY, 'UTC') },
  { number: 'L2', expiry: null },
];
const FULFIL = ['delivery', 'caregiver', 'collection'] as const;

function checkInvariants(f: OpsFixture, items: string[]): void {
  const today = localDate(f.clock.now, 'UTC');
  const open = f.ops.orders.list({ list: 'open' }, f.manager);
  const confirmed = open.filter((o) => o.status === 'confirmed');
  for (const itemId of items) {
    const item = f.ops.stock.item(itemId);
    const overrideHeld = Number(rows(f, `SELECT coalesce(sum(quantity), 0) AS s FROM stock_reservations WHERE item_id = '${itemId}' AND status = 'held' AND lot_id IS NULL`)[0]!['s']);
    // Available never goes below zero; only what a manager's override holds on no lot can take it there.
    if (overrideHeld === 0) expect(item.available, `${item.sku} available`).toBeGreaterThanOrEqual(0);
    expect(item.available, `${item.sku} available with ${overrideHeld} overridden`).toBeGreaterThanOrEqual(-overrideHeld);
    // Held units of a lot still good never exceed its on hand.
    for (const l of f.ops.stock.lots(itemId)) {
      if (!l.expired) expect(l.reserved, `${item.sku} lot ${l.lotNumber}`).toBeLessThanOrEqual(l.onHand);
      expect(l.onHand).toBeGreaterThanOrEqual(0);
    }
    // Reserved = Σ the open (confirmed) orders' reservations.
    const fromOrders = confirmed.flatMap((o) => o.lines.filter((l) => l.itemId === itemId)).flatMap((l) => l.reservations).reduce((s, r) => s + r.quantity, 0);
    expect(item.reserved, `${item.sku} reserved`).toBe(fromOrders);
    // On hand = Σ movements.
    expect(item.onHand).toBe(Number(rows(f, `SELECT coalesce(sum(delta), 0) AS s FROM stock_movements WHERE item_id = '${itemId}'`)[0]!['s']));
    // available = Σ good lots (on hand − held) − held on no lot.
    const good = f.ops.stock.lots(itemId).filter((l) => l.expiryDate === null || l.expiryDate >= today);
    expect(item.available).toBe(good.reduce((s, l) => s + l.onHand - l.reserved, 0) - overrideHeld);
  }
  // Per lot, the kept balance is Σ movements.
  const sums = rows(f, 'SELECT lot_id AS lot, sum(delta) AS s FROM stock_movements GROUP BY lot_id');
  const balances = rows(f, 'SELECT lot_id AS lot, on_hand AS s FROM stock_lot_balances');
  expect(new Map(balances.map((b) => [b['lot'], b['s']]))).toEqual(new Map(sums.map((b) => [b['lot'], b['s']])));
  // Only confirmed orders hold anything; every order past picking holds exactly what it issued.
  expect(Number(rows(f, "SELECT count(*) AS n FROM stock_reservations r JOIN patient_order_lines l ON l.id = r.order_line_id JOIN patient_orders o ON o.id = l.order_id WHERE r.status = 'held' AND o.status <> 'confirmed'")[0]!['n'])).toBe(0);
  for (const o of f.ops.orders.list({ list: 'patient', patientId: f.patients.ada }, f.manager).concat(f.ops.orders.list({ list: 'patient', patientId: f.patients.grace }, f.manager))) {
    for (const l of o.lines) {
      const issued = l.issued.reduce((s, i) => s + i.quantity, 0);
      const held = l.reservations.reduce((s, r) => s + r.quantity, 0);
      const restocked = o.returns.filter((r) => r.lineId === l.id && r.restock).reduce((s, r) => s + r.quantity, 0);
      if (o.status === 'confirmed') expect([issued, held]).toEqual([0, l.quantity]);
      else if (o.status === 'draft' || o.status === 'cancelled') expect([issued, held]).toEqual([0, 0]);
      else expect([issued, held], `${o.status} line`).toEqual([l.quantity - restocked, 0]);
      expect(l.returnedQuantity).toBeLessThanOrEqual(l.quantity);
    }
  }
  // No doctor's order is used beyond its quantity.
  expect(Number(rows(f, 'SELECT count(*) AS n FROM prescription_orders WHERE issued_quantity > quantity OR issued_quantity < 0')[0]!['n'])).toBe(0);
  // Nothing is picked from a lot that had expired on the day.
  for (const m of rows(f, "SELECT m.at, l.expiry_date AS expiry FROM stock_movements m JOIN stock_lots l ON l.id = m.lot_id WHERE m.reason IN ('order_pick', 'usage')")) {
    if (m['expiry'] !== null) expect((m['expiry'] as string) >= localDate(m['at'] as number, 'UTC')).toBe(true);
  }
}

function runSequence(ops: Op[]): void {
  const f = createOpsFixture({ timeZone: 'UTC' });
  try {
    const ids = seedOperations(f);
    const boot = newId();
    f.run('stock.defineItem', { itemId: boot, sku: 'BOOT', name: 'Offloading boot', unit: 'piece', packSize: 1, unitCostCents: 4000, priceCents: 8900, taxRateBp: 700, reorderLevel: 0, reorderTarget: 0 });
    const items = [ids.foam, boot, ids.silver];
    // Some stock to start with, in a lot that expires within the run and one that does not.
    for (const itemId of items) for (const lot of [LOTS[0]!, LOTS[2]!]) f.run('stock.receive', { itemId, lotNumber: lot.number, expiryDate: lot.expiry, quantity: 12 });
    f.run('stock.prescribe', { orderId: newId(), patientId: f.patients.ada, itemId: ids.silver, quantity: 12, validUntil: localDate(START + 20 * DAY, 'UTC') }, f.doctor);
    const patients = [f.patients.ada, f.patients.grace];
    const orders: string[] = [];
    const done: Array<{ name: string; args: unknown; id: string; result: unknown; actor: OpsFixture['manager'] }> = [];
    const pick = (n: number): string | undefined => (orders.length ? orders[orders.length - 1 - (n % Math.min(4, orders.length))] : undefined);
    const lotId = (item: number, lot: number): string | undefined => f.ops.stock.lots(items[item]!).find((l) => l.lotNumber === LOTS[lot]!.number)?.id;
    const status = (orderId: string) => f.ops.orders.get(orderId, f.manager);

    const attempt = (name: string, args: unknown, actor = f.manager): unknown => {
      const before = snapshot(f);
      const id = newId();
      try {
        const result = f.ops.run(name, { commandId: id, args }, actor);
        done.push({ name, args, id, result, actor });
        return result;
      } catch (error) {
        if (!(error instanceof OperationError) && !(error instanceof ZodError)) throw error;
        expect(snapshot(f), `${name} refused with ${(error as { code?: string }).code ?? 'zod'} but changed the record`).toEqual(before);
        return undefined;
      }
    };

    for (const o of ops) {
      switch (o.k) {
        case 'receive':
          attempt('stock.receive', { itemId: items[o.item], lotNumber: LOTS[o.lot]!.number, expiryDate: LOTS[o.lot]!.expiry, quantity: o.qty });
          break;
        case 'order': {
          const orderId = newId();
          const fulfilment = FULFIL[o.how]!;
          const actor = o.asManager ? f.manager : f.nurse;
          const created = attempt('orders.create', {
            orderId, patientId: patients[o.patient], fulfilment, caregiverId: fulfilment === 'caregiver' ? f.caregiver.id : null, dueDate: localDate(f.clock.now + o.due * DAY, 'UTC'),
            lines: o.lines.map((l) => ({ lineId: newId(), itemId: items[l.item], quantity: l.qty })),
          }, actor);
          if (created) {
            orders.push(orderId);
            if (o.confirm) attempt('orders.confirm', { orderId, ...(o.override ? { override: true } : {}) }, actor);
          }
          break;
        }
        case 'confirm': {
          const orderId = pick(o.order);
          if (orderId) attempt('orders.confirm', { orderId, ...(o.override ? { override: true } : {}) }, o.asManager ? f.manager : f.nurse);
          break;
        }
        case 'step': {
          const orderId = pick(o.order);
          if (!orderId) break;
          const v = status(orderId);
          const collection = v.fulfilment === 'collection';
          if (v.status === 'draft') attempt('orders.confirm', { orderId, ...(o.override ? { override: true } : {}) });
          else if (v.status === 'confirmed') attempt('orders.pick', { orderId });
          else if (v.status === 'picked') attempt(collection ? 'orders.markReady' : 'orders.dispatch', { orderId });
          else if (v.status === 'dispatched' || v.status === 'ready') attempt(collection ? 'orders.markCollected' : 'orders.markDelivered', { orderId });
          else if (v.status !== 'cancelled' && v.lines.length) attempt('orders.return', { orderId, reason: 'property test', lines: [{ lineId: v.lines[o.line % v.lines.length]!.id, quantity: o.qty, restock: o.restock }], refund: null });
          break;
        }
        case 'pick': {
          const orderId = pick(o.order);
          if (orderId) attempt('orders.pick', { orderId });
          break;
        }
        case 'send': {
          const orderId = pick(o.order);
          if (orderId) attempt(status(orderId).fulfilment === 'collection' ? 'orders.markReady' : 'orders.dispatch', { orderId });
          break;
        }
        case 'complete': {
          const orderId = pick(o.order);
          if (orderId) attempt(status(orderId).fulfilment === 'collection' ? 'orders.markCollected' : 'orders.markDelivered', { orderId });
          break;
        }
        case 'cancel': {
          const orderId = pick(o.order);
          if (orderId) attempt('orders.cancel', { orderId, reason: 'property test' }, f.nurse);
          break;
        }
        case 'return': {
          const orderId = pick(o.order);
          if (!orderId) break;
          const lines = status(orderId).lines;
          if (lines.length) attempt('orders.return', { orderId, reason: 'property test', lines: [{ lineId: lines[o.line % lines.length]!.id, quantity: o.qty, restock: o.restock }], refund: { method: 'cash' } });
          break;
        }
        case 'issueInvoice': {
          const orderId = pick(o.order);
          const invoiceId = orderId ? status(orderId).invoiceId : null;
          if (invoiceId) attempt('billing.issue', { invoiceId });
          break;
        }
        case 'repeat': {
          const orderId = pick(o.order);
          const repeat = newId();
          if (orderId && attempt('orders.repeat', { orderId: repeat, fromOrderId: orderId, dueDate: localDate(f.clock.now, 'UTC') }, f.nurse)) orders.push(repeat);
          break;
        }
        case 'use':
          attempt('stock.recordUsage', { appointmentId: null, patientId: f.patients.grace, lines: [{ itemId: items[o.item], quantity: o.qty }] }, f.nurse);
          break;
        case 'writeOff': {
          const lot = lotId(o.item, o.lot);
          if (lot) attempt('stock.writeOff', { lotId: lot, quantity: o.qty, cause: 'damaged' });
          break;
        }
        case 'prescribe':
          attempt('stock.prescribe', { orderId: newId(), patientId: patients[o.patient], itemId: ids.silver, quantity: o.qty, validUntil: localDate(f.clock.now + 20 * DAY, 'UTC') }, f.doctor);
          break;
        case 'advance':
          f.clock.now += o.days * DAY;
          break;
        case 'replay': {
          if (!done.length) break;
          const c = done[o.nth % done.length]!;
          const before = snapshot(f);
          expect(f.ops.run(c.name, { commandId: c.id, args: c.args }, c.actor)).toEqual(c.result);
          expect(snapshot(f), `replaying ${c.name} changed the record`).toEqual(before);
          break;
        }
      }
      checkInvariants(f, items);
    }
  } finally {
    f.dispose();
  }
}

describe('patient orders over random sequences (fast-check)', () => {
  it('never take available below zero without an override, keep reserved = Σ open orders’ reservations and on hand = Σ movements', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 20, maxLength: 70, size: 'max' }), (ops) => runSequence(ops)), { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 15), seed: process.env['PROPERTY_SEED'] ? Number(process.env['PROPERTY_SEED']) : undefined });
  }, 600_000);
});
