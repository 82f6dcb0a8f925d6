/**
 * Property tests (fast-check) over random command sequences against a real encrypted record, as
 * issue 15's Done-when lists them: on hand = Σ movements per item and lot; no expired lot is
 * available; invoice balance = Σ lines − Σ credits − Σ payments + Σ refunds; nothing is ever
 * deleted by void or cancel; replaying a command with the same id changes nothing (and a refused
 * command changes nothing either).
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { localDate } from '../../common/time';
import { lineMoney } from '../billing/index';
import { OperationError } from '../commands/index';
import { newId } from '../records/index';
import { createOpsFixture, seedOperations, START, type OpsFixture } from './test-helpers';

const DAY = 86_400_000;
const TABLES = ['appointments', 'reminders', 'stock_lots', 'stock_movements', 'stock_lot_balances', 'invoices', 'invoice_lines', 'payments', 'credit_notes', 'credit_note_lines', 'command_log', 'sync_outbox', 'audit_log', 'prescription_orders'];
const KEPT = ['appointments', 'invoices', 'invoice_lines', 'payments', 'credit_notes', 'stock_movements', 'command_log'];

type Op =
  | { k: 'receive'; item: number; lot: number; qty: number }
  | { k: 'use'; item: number; qty: number; lot: number | null; visit: number | null }
  | { k: 'writeOff'; item: number; lot: number; qty: number }
  | { k: 'adjust'; item: number; lot: number; delta: number }
  | { k: 'advance'; days: number }
  | { k: 'book'; patient: number; slot: number }
  | { k: 'cancel'; appt: number }
  | { k: 'invoice'; patient: number }
  | { k: 'line'; inv: number; price: number; qty: number; tax: number }
  | { k: 'issue'; inv: number }
  | { k: 'pay'; inv: number; amount: number; full: boolean }
  | { k: 'credit'; inv: number; line: number; qty: number; refund: boolean }
  | { k: 'void'; inv: number }
  | { k: 'replay'; nth: number };

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
/** Weighted so that sequences reach the interesting states (issued, part-paid, credited, refunded, expired). */
const op: fc.Arbitrary<Op> = fc.oneof(
  w(4, fc.record({ k: fc.constant('receive' as const), item: fc.nat(2), lot: fc.nat(3), qty: fc.integer({ min: 1, max: 20 }) })),
  w(4, fc.record({ k: fc.constant('use' as const), item: fc.nat(2), qty: fc.integer({ min: 1, max: 12 }), lot: fc.option(fc.nat(3)), visit: fc.option(fc.nat(5)) })),
  w(1, fc.record({ k: fc.constant('writeOff' as const), item: fc.nat(2), lot: fc.nat(3), qty: fc.integer({ min: 1, max: 10 }) })),
  w(1, fc.record({ k: fc.constant('adjust' as const), item: fc.nat(2), lot: fc.nat(3), delta: fc.integer({ min: -6, max: 6 }).filter((d) => d !== 0) })),
  w(2, fc.record({ k: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 25 }) })),
  w(3, fc.record({ k: fc.constant('book' as const), patient: fc.nat(1), slot: fc.nat(20) })),
  w(1, fc.record({ k: fc.constant('cancel' as const), appt: fc.nat(8) })),
  w(2, fc.record({ k: fc.constant('invoice' as const), patient: fc.nat(1) })),
  w(4, fc.record({ k: fc.constant('line' as const), inv: fc.nat(2), price: fc.integer({ min: 1, max: 20_000 }), qty: fc.integer({ min: 1, max: 5 }), tax: fc.constantFrom(0, 700, 1900, 2000) })),
  w(3, fc.record({ k: fc.constant('issue' as const), inv: fc.nat(2) })),
  w(4, fc.record({ k: fc.constant('pay' as const), inv: fc.nat(2), amount: fc.integer({ min: 1, max: 30_000 }), full: fc.boolean() })),
  w(4, fc.record({ k: fc.constant('credit' as const), inv: fc.nat(2), line: fc.nat(4), qty: fc.integer({ min: 1, max: 5 }), refund: fc.boolean() })),
  w(1, fc.record({ k: fc.constant('void' as const), inv: fc.nat(2) })),
  w(3, fc.record({ k: fc.constant('replay' as const), nth: fc.nat(200) })),
);

function rows(f: OpsFixture, query: string): Array<Record<string, unknown>> {
  return f.record.db.all(sql.raw(query));
}
function snapshot(f: OpsFixture): Record<string, string> {
  return Object.fromEntries(TABLES.map((t) => [t, createHash('sha256').update(JSON.stringify(rows(f, `SELECT * FROM ${t} ORDER BY rowid`))).digest('hex')]));
}
const counts = (f: OpsFixture) => Object.fromEntries(KEPT.map((t) => [t, Number(rows(f, `SELECT count(*) AS n FROM ${t}`)[0]!['n'])]));

/** Lot numbers fix their expiry: L0 expires 10 days before the start, L1 after 5, L2 after 40, L3 never. */
const LOTS = [
  { number: 'L0', expiry: localDate(START - 10 * DAY, 'UTC') },
  { number: 'L1', expiry: localDate(START + 5 * DAY, 'UTC') },
  { number: 'L2', expiry: localDate(START + 40 * DAY, 'UTC') },
  { number: 'L3', expiry: null },
];

interface Model {
  lines: number;
  credited: number;
  paid: number;
  refunded: number;
}

function runSequence(ops: Op[]): void {
  const f = createOpsFixture({ timeZone: 'UTC' });
  try {
    const ids = seedOperations(f);
    const gauze = newId();
    f.run('stock.defineItem', { itemId: gauze, sku: 'GZ-5', name: 'Gauze 5x5', unit: 'piece', packSize: 100, unitCostCents: 5, priceCents: 12, reorderLevel: 0, reorderTarget: 0 });
    const items = [ids.foam, gauze, ids.silver];
    const appts: string[] = [];
    const invoices: string[] = [];
    const model = new Map<string, Model>();
    const done: Array<{ name: string; args: unknown; id: string; result: unknown; actor: OpsFixture['manager'] }> = [];
    const lotId = (item: number, lot: number): string | undefined => f.ops.stock.lots(items[item]!).find((l) => l.lotNumber === LOTS[lot]!.number)?.id;
    const ever = counts(f);
    /** Mostly the newest invoices, so sequences carry one through issue, payment and credit. */
    const pick = (list: string[], n: number): string | undefined => list[list.length - 1 - (n % Math.min(2, list.length || 1))];

    const attempt = (name: string, args: unknown, actor = f.manager): unknown => {
      const before = snapshot(f);
      const id = newId();
      try {
        const result = f.ops.run(name, { commandId: id, args }, actor);
        done.push({ name, args, id, result, actor });
        return result;
      } catch (error) {
        if (!(error instanceof OperationError) && !(error instanceof ZodError)) throw error;
        // A refused command loses nothing and writes nothing (no row, no outbox, no audit).
        expect(snapshot(f), `${name} refused with ${(error as { code?: string }).code ?? 'zod'} but changed the record`).toEqual(before);
        return undefined;
      }
    };

    for (const o of ops) {
      switch (o.k) {
        case 'receive':
          attempt('stock.receive', { itemId: items[o.item], lotNumber: LOTS[o.lot]!.number, expiryDate: LOTS[o.lot]!.expiry, quantity: o.qty });
          break;
        case 'use': {
          const visit = o.visit !== null && appts.length ? appts[o.visit % appts.length]! : null;
          const patientId = visit ? f.ops.bookings.visit(visit).patientId : f.patients.ada;
          const lot = o.lot !== null ? lotId(o.item, o.lot) : null;
          attempt('stock.recordUsage', { appointmentId: visit, patientId, lines: [{ itemId: items[o.item], quantity: o.qty, lotId: lot ?? null }] }, f.nurse);
          break;
        }
        case 'writeOff': {
          const lot = lotId(o.item, o.lot);
          if (lot) attempt('stock.writeOff', { lotId: lot, quantity: o.qty, cause: 'damaged' });
          break;
        }
        case 'adjust': {
          const lot = lotId(o.item, o.lot);
          if (lot) attempt('stock.adjust', { lotId: lot, delta: o.delta, reason: 'count' });
          break;
        }
        case 'advance':
          f.clock.now += o.days * DAY;
          break;
        case 'book': {
          const appointmentId = newId();
          const r = attempt('bookings.book', { appointmentId, patientId: o.patient ? f.patients.grace : f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: START + o.slot * 3_600_000, override: o.slot % 3 === 0 });
          if (r) appts.push(appointmentId);
          break;
        }
        case 'cancel':
          if (appts.length) attempt('bookings.cancel', { appointmentId: appts[o.appt % appts.length], reason: 'property test' });
          break;
        case 'invoice': {
          const invoiceId = newId();
          if (attempt('billing.createInvoice', { invoiceId, patientId: o.patient ? f.patients.grace : f.patients.ada })) {
            invoices.push(invoiceId);
            model.set(invoiceId, { lines: 0, credited: 0, paid: 0, refunded: 0 });
          }
          break;
        }
        case 'line': {
          const inv = pick(invoices, o.inv);
          if (inv && attempt('billing.addLine', { invoiceId: inv, lineId: newId(), description: 'Service', unitPriceCents: o.price, quantity: o.qty, taxRateBp: o.tax })) model.get(inv)!.lines += lineMoney(o.price, o.qty, o.tax, 'EUR').totalCents;
          break;
        }
        case 'issue': {
          const inv = pick(invoices, o.inv);
          if (inv) attempt('billing.issue', { invoiceId: inv });
          break;
        }
        case 'pay': {
          const inv = pick(invoices, o.inv);
          // Half the payments settle the balance exactly (so credits after them refund).
          const amount = inv && o.full ? f.ops.billing.totals(inv).balanceCents : o.amount;
          if (inv && attempt('billing.recordPayment', { invoiceId: inv, paymentId: newId(), amountCents: amount, method: 'card' })) model.get(inv)!.paid += amount;
          break;
        }
        case 'credit': {
          const inv = pick(invoices, o.inv);
          if (!inv) break;
          const lines = f.ops.billing.get(inv, f.manager).lines.filter((l) => !l.removed);
          if (!lines.length) break;
          const r = attempt('billing.creditNote', { invoiceId: inv, creditNoteId: newId(), reason: 'property test', lines: [{ invoiceLineId: lines[o.line % lines.length]!.id, quantity: o.qty }], refund: o.refund ? { method: 'cash' } : null }) as { totalCents: number; refundCents: number } | undefined;
          if (r) {
            model.get(inv)!.credited += r.totalCents;
            model.get(inv)!.refunded += r.refundCents;
          }
          break;
        }
        case 'void': {
          const inv = pick(invoices, o.inv);
          if (inv) attempt('billing.void', { invoiceId: inv, reason: 'property test' });
          break;
        }
        case 'replay': {
          if (!done.length) break;
          const c = done[o.nth % done.length]!;
          const before = snapshot(f);
          expect(f.ops.run(c.name, { commandId: c.id, args: c.args }, c.actor)).toEqual(c.result);
          expect(snapshot(f), `replaying ${c.name} changed the record`).toEqual(before);
          break;
        }
      }

      // Nothing kept is ever removed (void and cancel keep rows).
      const now = counts(f);
      for (const t of KEPT) expect(now[t]!, t).toBeGreaterThanOrEqual(ever[t]!);
      Object.assign(ever, now);
    }

    // On hand = Σ movements, per lot and per item.
    const sums = rows(f, 'SELECT lot_id AS lot, item_id AS item, sum(delta) AS s FROM stock_movements GROUP BY lot_id');
    const balances = rows(f, 'SELECT lot_id AS lot, item_id AS item, on_hand AS s FROM stock_lot_balances');
    expect(new Map(balances.map((b) => [b['lot'], b['s']]))).toEqual(new Map(sums.map((b) => [b['lot'], b['s']])));
    const today = localDate(f.clock.now, 'UTC');
    for (const item of f.ops.stock.items()) {
      const lots = f.ops.stock.lots(item.id);
      const movements = rows(f, `SELECT coalesce(sum(delta), 0) AS s FROM stock_movements WHERE item_id = '${item.id}'`)[0]!['s'];
      expect(item.onHand).toBe(movements);
      expect(lots.every((l) => l.onHand >= 0)).toBe(true);
      // No expired lot is available.
      expect(item.available).toBe(lots.filter((l) => l.expiryDate === null || l.expiryDate >= today).reduce((s, l) => s + l.onHand, 0));
      if (item.available > 0) expect(f.ops.stock.suggestLots(item.id, item.available, f.clock.now).every((a) => a.expiryDate === null || a.expiryDate >= today)).toBe(true);
    }
    // Nothing was ever issued from a lot that had expired on the day.
    for (const m of rows(f, "SELECT m.at, l.expiry_date AS expiry FROM stock_movements m JOIN stock_lots l ON l.id = m.lot_id WHERE m.reason = 'usage'")) {
      if (m['expiry'] !== null) expect(m['expiry'] as string >= localDate(m['at'] as number, 'UTC')).toBe(true);
    }
    // Invoice balance = Σ lines − Σ credits − Σ payments + Σ refunds.
    for (const inv of invoices) {
      const m = model.get(inv)!;
      const t = f.ops.billing.totals(inv);
      const detail = f.ops.billing.get(inv, f.manager);
      expect(t.totalCents).toBe(detail.lines.filter((l) => !l.removed).reduce((s, l) => s + l.totalCents, 0));
      expect([t.creditedCents, t.paidCents, t.refundedCents]).toEqual([m.credited, m.paid, m.refunded]);
      if (detail.status !== 'void') expect(t.balanceCents).toBe(m.lines - m.credited - m.paid + m.refunded);
      expect(t.totalCents).toBe(m.lines);
    }
    // The outbox holds every local command once, in order.
    const outbox = rows(f, 'SELECT mutation_id AS m FROM sync_outbox ORDER BY mutation_id').map((r) => r['m']);
    expect(outbox).toEqual(outbox.map((_, i) => i + 1));
  } finally {
    f.dispose();
  }
}

describe('operations over random command sequences (fast-check)', () => {
  it('keep their invariants and never lose or double-apply anything', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 20, maxLength: 70, size: 'max' }), (ops) => runSequence(ops)), { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 40), seed: process.env['PROPERTY_SEED'] ? Number(process.env['PROPERTY_SEED']) : undefined });
  }, 600_000);
});
