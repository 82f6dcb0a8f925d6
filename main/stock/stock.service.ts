/**
 * Stock: items, lots with expiry, movements (receipt, use at a visit, adjustment, write-off, return)
 * and doctors' orders for prescription-only supplies. On hand is Σ movements, per lot — kept by the
 * record's trigger in `stock_lot_balances`, never a count anyone writes. Expired lots are never
 * available; issuing suggests and by default takes first-expired-first-out.
 */
import { and, asc, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import {
  adjustArgs, cancelPrescriptionArgs, defineItemArgs, prescribeArgs, receiveArgs, recordUsageArgs, returnArgs, writeOffArgs,
  type ItemView, type LotView, type PrescriptionView, type ReorderSuggestion,
} from '../../common/stock';
import type { MovementReason, OperationsSettings } from '../../common/operations';
import { addDays, daysBetween, localDate } from '../../common/time';
import { defineCommand, deriveId, InvalidTransitionError, OperationNotFoundError, type CommandBus, type CommandContext } from '../commands/index';
import { appendAudit, actorRole, tables, sqliteCode, type Actor, type ClinicRecord } from '../records/index';
import { InsufficientStockError, LotExpiredError, PrescriptionInvalidError, LotMismatchError, SkuTakenError, VisitMismatchError } from './errors';
import { createPrescriptionCheck, type PrescriptionCheck } from './prescriptions';
import { createReservations, type FreeLot, type MoveInput, type Reservations } from './reservations';

const { stockItems: I, stockLots: L, stockMovements: M, stockLotBalances: B, stockReservations: H, prescriptionOrders: R, patients, staff } = tables;

export interface UsedSupply {
  movementId: string;
  itemId: string;
  quantity: number;
}

/** What stock needs from bookings and billing, given at composition (no import of their internals). */
export interface StockDeps {
  record: ClinicRecord;
  bus: CommandBus;
  settings: () => OperationsSettings;
  /** The visit supplies are recorded on (throws NOT_FOUND). */
  visit(appointmentId: string): { patientId: string; status: string };
  /** Supplies used at a visit become lines of the visit's draft invoice. */
  onSuppliesUsed?(ctx: CommandContext, used: { appointmentId: string; patientId: string; supplies: UsedSupply[] }): void;
  /** The clock reads use for "today" (expiry); tests pass their own. */
  now?: () => number;
}

export interface Allocation {
  lotId: string;
  lotNumber: string;
  expiryDate: string | null;
  quantity: number;
}

export interface StockService {
  items(options?: { includeInactive?: boolean }): ItemView[];
  item(itemId: string): ItemView;
  lots(itemId: string): LotView[];
  movements(itemId: string, limit?: number): Array<{ id: string; itemId: string; lotId: string | null; lotNumber: string | null; delta: number; reason: MovementReason; note: string | null; appointmentId: string | null; purchaseOrderId: string | null; at: number }>;
  /** First-expired-first-out over available lots (throws INSUFFICIENT_STOCK). */
  suggestLots(itemId: string, quantity: number, at?: number): Allocation[];
  belowReorder(): ReorderSuggestion[];
  expiring(days?: number): Array<LotView & { sku: string; name: string; daysLeft: number }>;
  /** Σ available × unit cost, minor units. */
  value(): { valueCents: number; currency: string; items: number };
  prescriptions(patientId: string, actor: Actor): PrescriptionView[];
  usedAtVisit(appointmentId: string, actor: Actor): Array<{ movementId: string; itemId: string; name: string; lotNumber: string | null; quantity: number; at: number }>;
  /** The items that may be supplied to patients (active), by name or SKU, with their patient price and what is available. */
  catalogue(search: string, limit?: number): ItemView[];
  /** Inside commands (patient orders): stock held for order lines, issued at picking, put back. */
  reservations: Omit<Reservations, 'heldOn' | 'makeRoom'>;
  /** Inside commands: the prescription check every issue to a patient goes through. */
  prescriptionCheck: PrescriptionCheck;
  /** The clinic's date today at `at` (ISO, clinic time zone). */
  today(at: number): string;
  /** Inside a command (purchasing receipts): a receipt movement into the item's lot `lotNumber`, created if new. */
  receiveInto(ctx: CommandContext, input: { itemId: string; lotNumber: string; expiryDate: string | null; quantity: number; tag: string; purchaseOrderId?: string; purchaseOrderLineId?: string; note?: string | null }): { movementId: string; lotId: string };
}

export function createStock(deps: StockDeps): StockService {
  const { record, bus, settings } = deps;
  const { db } = record;
  const clock = deps.now ?? Date.now;
  const today = (at: number): string => localDate(at, settings().timeZone);

  const notExpired = (day: string) => or(isNull(L.expiryDate), sql`${L.expiryDate} >= ${day}`);
  function item(itemId: string) {
    const row = db.select().from(I).where(eq(I.id, itemId)).get();
    if (!row) throw new OperationNotFoundError('stock item', itemId);
    return row;
  }
  function lot(lotId: string) {
    const row = db.select({ id: L.id, itemId: L.itemId, lotNumber: L.lotNumber, expiryDate: L.expiryDate, onHand: sql<number>`coalesce(${B.onHand}, 0)` }).from(L).leftJoin(B, eq(B.lotId, L.id)).where(eq(L.id, lotId)).get();
    if (!row) throw new OperationNotFoundError('lot', lotId);
    return row;
  }

  function move(ctx: CommandContext, tag: string, m: MoveInput & { appointmentId?: string | null; prescriptionOrderId?: string | null; purchaseOrderId?: string; purchaseOrderLineId?: string }): string {
    const id = ctx.derivedId(`movement:${tag}`);
    db.insert(M)
      .values({
        id, itemId: m.itemId, lotId: m.lotId, delta: m.delta, reason: m.reason, note: m.note ?? null, appointmentId: m.appointmentId ?? null, patientId: m.patientId ?? null, prescriptionOrderId: m.prescriptionOrderId ?? null,
        purchaseOrderId: m.purchaseOrderId ?? null, purchaseOrderLineId: m.purchaseOrderLineId ?? null, patientOrderLineId: m.patientOrderLineId ?? null, at: ctx.now, staffId: ctx.actor.id === 'system' ? null : ctx.actor.id, createdAt: ctx.now, updatedAt: ctx.now,
      })
      .run();
    ctx.audit(`stock.${m.reason}`, 'stock_movement', id);
    return id;
  }

  /** Units held for patient orders, per lot. */
  const heldPerLot = db.select({ lotId: H.lotId, held: sql<number>`sum(${H.quantity})`.as('held') }).from(H).where(eq(H.status, 'held')).groupBy(H.lotId).as('held_per_lot');

  /** Lots not expired on `day` with units neither issued nor held, first-expired-first-out. */
  function freeLots(itemId: string, day: string, exceptLotId?: string): FreeLot[] {
    return db
      .select({ lotId: L.id, lotNumber: L.lotNumber, expiryDate: L.expiryDate, free: sql<number>`${B.onHand} - coalesce(${heldPerLot.held}, 0)` })
      .from(L)
      .innerJoin(B, eq(B.lotId, L.id))
      .leftJoin(heldPerLot, eq(heldPerLot.lotId, L.id))
      .where(and(eq(L.itemId, itemId), sql`${B.onHand} - coalesce(${heldPerLot.held}, 0) > 0`, notExpired(day), exceptLotId ? sql`${L.id} <> ${exceptLotId}` : undefined))
      .orderBy(sql`${L.expiryDate} IS NULL`, asc(L.expiryDate), asc(L.createdAt), asc(L.id))
      .all();
  }

  function suggestLots(itemId: string, quantity: number, at: number = clock()): Allocation[] {
    const it = item(itemId);
    const out: Allocation[] = [];
    let left = quantity;
    for (const l of freeLots(itemId, today(at))) {
      if (left === 0) break;
      const take = Math.min(left, l.free);
      out.push({ lotId: l.lotId, lotNumber: l.lotNumber, expiryDate: l.expiryDate, quantity: take });
      left -= take;
    }
    if (left > 0) throw new InsufficientStockError(it.name, quantity, quantity - left);
    return out;
  }

  const reservations = createReservations({ record, itemName: (id) => item(id).name, freeLots, lot, move, today });
  const prescriptionCheck = createPrescriptionCheck(record);

  function takeFrom(lotId: string, itemId: string, quantity: number, at: number): Allocation {
    const l = lot(lotId);
    if (l.itemId !== itemId) throw new LotMismatchError();
    if (l.expiryDate !== null && l.expiryDate < today(at)) throw new LotExpiredError(l.lotNumber, l.expiryDate);
    const free = l.onHand - reservations.heldOn(l.id);
    if (free < quantity) throw new InsufficientStockError(item(itemId).name, quantity, Math.max(free, 0));
    return { lotId, lotNumber: l.lotNumber, expiryDate: l.expiryDate, quantity };
  }

  function receiveInto(ctx: CommandContext, r: Parameters<StockService['receiveInto']>[1]): { movementId: string; lotId: string } {
    const it = item(r.itemId);
    let l = db.select().from(L).where(and(eq(L.itemId, it.id), eq(L.lotNumber, r.lotNumber))).get();
    if (!l) {
      // One lot number of one item is one lot on every workstation: its id comes from the item and
      // the number, so two workstations receiving the same lot before they sync make the same row
      // and both receipts count (the service merges the inserts instead of refusing a duplicate).
      const id = deriveId(it.id, `lot:${r.lotNumber}`);
      db.insert(L).values({ id, itemId: it.id, lotNumber: r.lotNumber, expiryDate: r.expiryDate, createdAt: ctx.now, updatedAt: ctx.now }).run();
      l = db.select().from(L).where(eq(L.id, id)).get()!;
    } else if (r.expiryDate !== null && l.expiryDate !== r.expiryDate) {
      // The same lot number cannot expire on two dates: the label on the box wins only if the lot had none.
      if (l.expiryDate === null) db.update(L).set({ expiryDate: r.expiryDate, updatedAt: ctx.now }).where(eq(L.id, l.id)).run();
    }
    const movementId = move(ctx, r.tag, { itemId: it.id, lotId: l.id, delta: r.quantity, reason: 'receipt', note: r.note ?? null, ...(r.purchaseOrderId ? { purchaseOrderId: r.purchaseOrderId, purchaseOrderLineId: r.purchaseOrderLineId! } : {}) });
    return { movementId, lotId: l.id };
  }

  const commands = [
    defineCommand('stock.defineItem', defineItemArgs, (ctx, a) => {
      const { itemId, ...fields } = a;
      try {
        db.insert(I).values({ id: itemId, ...fields, createdAt: ctx.now, updatedAt: ctx.now }).onConflictDoUpdate({ target: I.id, set: { ...fields, updatedAt: ctx.now } }).run();
      } catch (error) {
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') throw new SkuTakenError(a.sku);
        throw error;
      }
      ctx.audit('stock.define_item', 'stock_item', itemId);
      return { itemId };
    }),
    defineCommand('stock.receive', receiveArgs, (ctx, a) => receiveInto(ctx, { ...a, tag: 'receive' })),
    defineCommand('stock.adjust', adjustArgs, (ctx, a) => {
      const l = lot(a.lotId);
      if (l.onHand + a.delta < 0) throw new InsufficientStockError(item(l.itemId).name, -a.delta, l.onHand);
      if (a.delta < 0) reservations.makeRoom(ctx, l.id, -a.delta);
      return { movementId: move(ctx, 'adjust', { itemId: l.itemId, lotId: l.id, delta: a.delta, reason: 'adjustment', note: a.reason }) };
    }),
    defineCommand('stock.writeOff', writeOffArgs, (ctx, a) => {
      const l = lot(a.lotId);
      if (l.onHand < a.quantity) throw new InsufficientStockError(item(l.itemId).name, a.quantity, l.onHand);
      reservations.makeRoom(ctx, l.id, a.quantity);
      return { movementId: move(ctx, 'write-off', { itemId: l.itemId, lotId: l.id, delta: -a.quantity, reason: 'write_off', note: a.note ? `${a.cause}: ${a.note}` : a.cause }) };
    }),
    defineCommand('stock.returnToSupplier', returnArgs, (ctx, a) => {
      const l = lot(a.lotId);
      if (l.onHand < a.quantity) throw new InsufficientStockError(item(l.itemId).name, a.quantity, l.onHand);
      reservations.makeRoom(ctx, l.id, a.quantity);
      return { movementId: move(ctx, 'return', { itemId: l.itemId, lotId: l.id, delta: -a.quantity, reason: 'return', note: a.note }) };
    }),

    defineCommand('stock.recordUsage', recordUsageArgs, (ctx, a) => {
      if (!db.select({ id: patients.id }).from(patients).where(eq(patients.id, a.patientId)).get()) throw new OperationNotFoundError('patient', a.patientId);
      if (a.appointmentId !== null) {
        const v = deps.visit(a.appointmentId);
        if (v.patientId !== a.patientId) throw new VisitMismatchError('the visit is another patient’s');
        if (v.status === 'cancelled' || v.status === 'no_show') throw new VisitMismatchError(`the visit is ${v.status.replace('_', '-')}`);
      }
      const day = today(ctx.now);
      const supplies: UsedSupply[] = [];
      a.lines.forEach((line, i) => {
        const it = item(line.itemId);
        prescriptionCheck.consume(ctx, { item: it, patientId: a.patientId, quantity: line.quantity, prescriptionOrderId: line.prescriptionOrderId, day });
        const allocations = line.lotId ? [takeFrom(line.lotId, it.id, line.quantity, ctx.now)] : suggestLots(it.id, line.quantity, ctx.now);
        for (const al of allocations) {
          const movementId = move(ctx, `use:${i}:${al.lotId}`, { itemId: it.id, lotId: al.lotId, delta: -al.quantity, reason: 'usage', appointmentId: a.appointmentId, patientId: a.patientId, prescriptionOrderId: line.prescriptionOrderId });
          supplies.push({ movementId, itemId: it.id, quantity: al.quantity });
        }
      });
      if (a.appointmentId !== null) deps.onSuppliesUsed?.(ctx, { appointmentId: a.appointmentId, patientId: a.patientId, supplies });
      return { movements: supplies };
    }),

    defineCommand('stock.prescribe', prescribeArgs, (ctx, a) => {
      if (!db.select({ id: patients.id }).from(patients).where(eq(patients.id, a.patientId)).get()) throw new OperationNotFoundError('patient', a.patientId);
      const it = item(a.itemId);
      if (a.validUntil < today(ctx.now)) throw new PrescriptionInvalidError(it.name, 'its last day is in the past');
      db.insert(R).values({ id: a.orderId, patientId: a.patientId, itemId: a.itemId, quantity: a.quantity, validUntil: a.validUntil, prescriberId: ctx.actor.id, notes: a.notes, createdAt: ctx.now, updatedAt: ctx.now }).run();
      ctx.audit('prescription.create', 'prescription_order', a.orderId);
      return { orderId: a.orderId };
    }),
    defineCommand('stock.cancelPrescription', cancelPrescriptionArgs, (ctx, a) => {
      const order = db.select().from(R).where(eq(R.id, a.orderId)).get();
      if (!order) throw new OperationNotFoundError('prescription order', a.orderId);
      if (order.status !== 'active') throw new InvalidTransitionError('prescription order', order.status, 'cancelled');
      db.update(R).set({ status: 'cancelled', cancelReason: a.reason, updatedAt: ctx.now }).where(eq(R.id, a.orderId)).run();
      ctx.audit('prescription.cancel', 'prescription_order', a.orderId);
      return { orderId: a.orderId };
    }),
  ];
  bus.register(...(commands as never[]));

  /**
   * On hand = Σ movements; good = on hand in lots not expired; reserved = held for patient orders
   * (on any lot, or on none by override); available = Σ over good lots (on hand − held on it) −
   * held on no lot.
   */
  function items(options: { includeInactive?: boolean; search?: string; patientSupply?: boolean; limit?: number } = {}, only?: string): ItemView[] {
    const day = today(clock());
    const good = sql`(${L.expiryDate} IS NULL OR ${L.expiryDate} >= ${day})`;
    const totals = db
      .select({
        itemId: B.itemId,
        onHand: sql<number>`sum(${B.onHand})`.as('on_hand'),
        good: sql<number>`sum(CASE WHEN ${good} THEN ${B.onHand} ELSE 0 END)`.as('good'),
        heldGood: sql<number>`sum(CASE WHEN ${good} THEN coalesce(${heldPerLot.held}, 0) ELSE 0 END)`.as('held_good'),
      })
      .from(B)
      .innerJoin(L, eq(L.id, B.lotId))
      .leftJoin(heldPerLot, eq(heldPerLot.lotId, B.lotId))
      .groupBy(B.itemId)
      .as('totals');
    const held = db
      .select({ itemId: H.itemId, all: sql<number>`sum(${H.quantity})`.as('held_all'), noLot: sql<number>`sum(CASE WHEN ${H.lotId} IS NULL THEN ${H.quantity} ELSE 0 END)`.as('held_no_lot') })
      .from(H)
      .where(eq(H.status, 'held'))
      .groupBy(H.itemId)
      .as('held');
    const pattern = options.search ? `%${options.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = db
      .select({
        id: I.id, sku: I.sku, name: I.name, unit: I.unit, packSize: I.packSize, supplier: I.supplier, unitCostCents: I.unitCostCents, priceCents: I.priceCents, taxRateBp: I.taxRateBp,
        prescriptionOnly: I.prescriptionOnly, patientSupply: I.patientSupply, reorderLevel: I.reorderLevel, reorderTarget: I.reorderTarget, active: I.active,
        onHand: sql<number>`coalesce(${totals.onHand}, 0)`,
        good: sql<number>`coalesce(${totals.good}, 0)`,
        reserved: sql<number>`coalesce(${held.all}, 0)`,
        available: sql<number>`coalesce(${totals.good}, 0) - coalesce(${totals.heldGood}, 0) - coalesce(${held.noLot}, 0)`,
      })
      .from(I)
      .leftJoin(totals, eq(totals.itemId, I.id))
      .leftJoin(held, eq(held.itemId, I.id))
      .where(
        and(
          options.includeInactive ? undefined : eq(I.active, true),
          only ? eq(I.id, only) : undefined,
          options.patientSupply ? eq(I.patientSupply, true) : undefined,
          pattern ? sql`(lower(${I.name}) LIKE ${pattern} ESCAPE '\\' OR lower(${I.sku}) LIKE ${pattern} ESCAPE '\\')` : undefined,
        ),
      )
      .orderBy(asc(I.name), asc(I.id))
      .limit(options.limit ?? -1)
      .all();
    return rows.map(({ good: _good, ...r }) => r);
  }
  /** On hand in lots that have not expired (what the clinic owns and can still use), per item. */
  function goodOnHand(): Map<string, number> {
    const day = today(clock());
    const rows = db.select({ itemId: B.itemId, good: sql<number>`sum(${B.onHand})` }).from(B).innerJoin(L, eq(L.id, B.lotId)).where(notExpired(day)).groupBy(B.itemId).all();
    return new Map(rows.map((r) => [r.itemId, r.good]));
  }

  return {
    items: (options) => items(options),
    item(itemId) {
      const [row] = items({ includeInactive: true }, itemId);
      if (!row) throw new OperationNotFoundError('stock item', itemId);
      return row;
    },
    lots(itemId) {
      const day = today(clock());
      return db
        .select({ id: L.id, itemId: L.itemId, lotNumber: L.lotNumber, expiryDate: L.expiryDate, onHand: sql<number>`coalesce(${B.onHand}, 0)`, reserved: sql<number>`coalesce(${heldPerLot.held}, 0)` })
        .from(L)
        .leftJoin(B, eq(B.lotId, L.id))
        .leftJoin(heldPerLot, eq(heldPerLot.lotId, L.id))
        .where(eq(L.itemId, itemId))
        .orderBy(sql`${L.expiryDate} IS NULL`, asc(L.expiryDate), asc(L.createdAt))
        .all()
        .map((l) => ({ ...l, expired: l.expiryDate !== null && l.expiryDate < day }));
    },
    movements(itemId, limit = 200) {
      return db
        .select({ id: M.id, itemId: M.itemId, lotId: M.lotId, lotNumber: L.lotNumber, delta: M.delta, reason: M.reason, note: M.note, appointmentId: M.appointmentId, purchaseOrderId: M.purchaseOrderId, at: M.at })
        .from(M)
        .leftJoin(L, eq(L.id, M.lotId))
        .where(eq(M.itemId, itemId))
        .orderBy(desc(M.at), sql`stock_movements.rowid DESC`)
        .limit(Math.min(Math.max(limit, 1), 1000))
        .all();
    },
    suggestLots,
    belowReorder() {
      return items()
        .filter((i) => i.available < i.reorderLevel)
        .map((i) => {
          const short = Math.max(i.reorderTarget - i.available, 0);
          const suggestedQuantity = Math.ceil(short / i.packSize) * i.packSize;
          return { itemId: i.id, sku: i.sku, name: i.name, supplier: i.supplier, available: i.available, reorderLevel: i.reorderLevel, reorderTarget: i.reorderTarget, packSize: i.packSize, suggestedQuantity, unitCostCents: i.unitCostCents };
        });
    },
    expiring(days = settings().expiringSoonDays) {
      const day = today(clock());
      const until = addDays(day, days);
      return db
        .select({ id: L.id, itemId: L.itemId, lotNumber: L.lotNumber, expiryDate: L.expiryDate, onHand: B.onHand, reserved: sql<number>`coalesce(${heldPerLot.held}, 0)`, sku: I.sku, name: I.name })
        .from(L)
        .innerJoin(B, eq(B.lotId, L.id))
        .leftJoin(heldPerLot, eq(heldPerLot.lotId, L.id))
        .innerJoin(I, eq(I.id, L.itemId))
        .where(and(gt(B.onHand, 0), sql`${L.expiryDate} IS NOT NULL`, lt(L.expiryDate, addDays(until, 1))))
        .orderBy(asc(L.expiryDate))
        .all()
        .map((l) => ({ ...l, expired: l.expiryDate! < day, daysLeft: daysBetween(day, l.expiryDate!) }));
    },
    value() {
      // What the clinic owns and can still use: reserved units are still on the shelf, expired ones are not worth anything.
      const all = items();
      const good = goodOnHand();
      return { valueCents: all.reduce((sum, i) => sum + (good.get(i.id) ?? 0) * i.unitCostCents, 0), currency: settings().currency, items: all.length };
    },
    catalogue: (search, limit = 50) => items({ search, patientSupply: true, limit }),
    reservations: { reserve: reservations.reserve, release: reservations.release, issue: reservations.issue, putBack: reservations.putBack, issuedFor: reservations.issuedFor, heldFor: reservations.heldFor },
    prescriptionCheck,
    today,
    prescriptions(patientId, actor) {
      return record.transaction(() => {
        const day = today(clock());
        const rows = db
          .select({ id: R.id, patientId: R.patientId, itemId: R.itemId, itemName: I.name, quantity: R.quantity, issuedQuantity: R.issuedQuantity, validUntil: R.validUntil, prescriberId: R.prescriberId, prescriberName: staff.displayName, status: R.status, notes: R.notes })
          .from(R)
          .innerJoin(I, eq(I.id, R.itemId))
          .innerJoin(staff, eq(staff.id, R.prescriberId))
          .where(eq(R.patientId, patientId))
          .orderBy(desc(R.createdAt))
          .all();
        appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'prescription.list', entity: 'patient', entityId: patientId });
        return rows.map((r) => ({ ...r, usable: r.status === 'active' && r.validUntil >= day && r.issuedQuantity < r.quantity }));
      });
    },
    usedAtVisit(appointmentId, actor) {
      return record.transaction(() => {
        const rows = db
          .select({ movementId: M.id, itemId: M.itemId, name: I.name, lotNumber: L.lotNumber, delta: M.delta, at: M.at })
          .from(M)
          .innerJoin(I, eq(I.id, M.itemId))
          .leftJoin(L, eq(L.id, M.lotId))
          .where(and(eq(M.appointmentId, appointmentId), eq(M.reason, 'usage')))
          .orderBy(asc(M.at), sql`stock_movements.rowid`)
          .all();
        appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'appointment.read_supplies', entity: 'appointment', entityId: appointmentId });
        return rows.map(({ delta, ...r }) => ({ ...r, quantity: -delta }));
      });
    },
    receiveInto,
  };
}
