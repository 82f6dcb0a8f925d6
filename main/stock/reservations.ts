/**
 * Stock held for patient order lines. Confirming an order holds units of lots first-expired-first-
 * out (`held`); picking issues them as movements (`issued`); cancelling gives them back
 * (`released`). Rows are never deleted: they are the record of what was held.
 *
 * available = Σ over lots not expired (on hand − held on the lot) − held on no lot.
 * Held units of a lot that has not expired never exceed its on hand: every decrease takes free
 * units only (usage, picking) or first moves what it would cut into to other lots (adjustment,
 * write-off, return to the supplier); units held on no lot exist only by a manager's override.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { MovementReason } from '../../common/operations';
import type { CommandContext } from '../commands/index';
import { tables, type ClinicRecord } from '../records/index';
import { InsufficientStockError, StockReservedError } from './errors';

const { stockReservations: R, stockLots: L, stockMovements: M } = tables;

export interface FreeLot {
  lotId: string;
  lotNumber: string;
  expiryDate: string | null;
  /** On hand less what is held on it. */
  free: number;
}

export interface MoveInput {
  itemId: string;
  lotId: string;
  delta: number;
  reason: MovementReason;
  note?: string | null;
  patientId?: string | null;
  patientOrderLineId?: string | null;
}

export interface ReservationDeps {
  record: ClinicRecord;
  itemName(itemId: string): string;
  /** Lots of the item not expired on `day` with free units, first-expired-first-out, except `exceptLotId`. */
  freeLots(itemId: string, day: string, exceptLotId?: string): FreeLot[];
  lot(lotId: string): { id: string; itemId: string; lotNumber: string; expiryDate: string | null; onHand: number };
  move(ctx: CommandContext, tag: string, m: MoveInput): string;
  today(at: number): string;
}

export interface HeldReservation {
  id: string;
  lotId: string | null;
  quantity: number;
  override: boolean;
}

export interface Reservations {
  /** Units held on a lot (status held). */
  heldOn(lotId: string): number;
  /**
   * Holds `quantity` of the item for an order line, first-expired-first-out over lots still good
   * on `validOn`. Short of stock: INSUFFICIENT_STOCK, unless `override` holds the rest on no lot.
   */
  reserve(ctx: CommandContext, input: { orderLineId: string; itemId: string; quantity: number; validOn: string; override: boolean }): HeldReservation[];
  /** Gives back everything held for the line. */
  release(ctx: CommandContext, orderLineId: string): number;
  /**
   * Issues what is held for the line as movements (−). What sits on a lot that has expired since,
   * or on no lot (override), is taken first-expired-first-out from free stock instead; short:
   * INSUFFICIENT_STOCK and nothing is issued.
   */
  issue(ctx: CommandContext, input: { orderLineId: string; itemId: string; patientId: string; note: string }): Array<{ movementId: string; lotId: string; quantity: number }>;
  /** Puts `quantity` of what the line was issued back into the lots it came from (+), in the order they were issued. */
  putBack(ctx: CommandContext, input: { orderLineId: string; itemId: string; patientId: string; quantity: number; reason: 'order_restock' | 'order_return'; note: string }): Array<{ movementId: string; lotId: string; quantity: number }>;
  /**
   * Before `decrease` units leave a lot by an adjustment, write-off or return to the supplier:
   * whatever of them is held moves to other lots (first-expired-first-out). Nowhere to go:
   * STOCK_RESERVED, naming how many are held.
   */
  makeRoom(ctx: CommandContext, lotId: string, decrease: number): void;
  /** Net issued per line and lot (pick − put back), in the order issued. */
  issuedFor(orderLineIds: string[]): Array<{ orderLineId: string; lotId: string; lotNumber: string; expiryDate: string | null; quantity: number }>;
  heldFor(orderLineIds: string[]): Array<{ orderLineId: string; lotId: string | null; lotNumber: string | null; expiryDate: string | null; quantity: number; override: boolean }>;
}

export function createReservations(deps: ReservationDeps): Reservations {
  const { db } = deps.record;

  const heldOn = (lotId: string): number => db.select({ s: sql<number>`coalesce(sum(${R.quantity}), 0)` }).from(R).where(and(eq(R.lotId, lotId), eq(R.status, 'held'))).get()!.s;
  const heldRows = (orderLineId: string) => db.select().from(R).where(and(eq(R.orderLineId, orderLineId), eq(R.status, 'held'))).orderBy(asc(R.createdAt), sql`stock_reservations.rowid`).all();

  function hold(ctx: CommandContext, tag: string, r: { orderLineId: string; itemId: string; lotId: string | null; quantity: number; override: boolean }): HeldReservation {
    const id = ctx.derivedId(`reservation:${tag}`);
    db.insert(R).values({ id, itemId: r.itemId, lotId: r.lotId, orderLineId: r.orderLineId, quantity: r.quantity, status: 'held', override: r.override, createdAt: ctx.now, updatedAt: ctx.now }).run();
    return { id, lotId: r.lotId, quantity: r.quantity, override: r.override };
  }
  const setStatus = (ctx: CommandContext, id: string, status: 'issued' | 'released', movementId: string | null = null) =>
    db.update(R).set({ status, movementId, updatedAt: ctx.now }).where(eq(R.id, id)).run();

  /** First-expired-first-out over free lots: what can be had of `quantity`, and how much is missing. */
  function allocate(itemId: string, quantity: number, day: string, exceptLotId?: string): { takes: Array<{ lotId: string; quantity: number }>; short: number } {
    const takes: Array<{ lotId: string; quantity: number }> = [];
    let left = quantity;
    for (const l of deps.freeLots(itemId, day, exceptLotId)) {
      if (left === 0) break;
      const take = Math.min(left, l.free);
      takes.push({ lotId: l.lotId, quantity: take });
      left -= take;
    }
    return { takes, short: left };
  }

  function issuedFor(orderLineIds: string[]): ReturnType<Reservations['issuedFor']> {
    if (orderLineIds.length === 0) return [];
    return db
      .select({ orderLineId: sql<string>`${M.patientOrderLineId}`, lotId: sql<string>`${M.lotId}`, lotNumber: L.lotNumber, expiryDate: L.expiryDate, quantity: sql<number>`-sum(${M.delta})` })
      .from(M)
      .innerJoin(L, eq(L.id, M.lotId))
      .where(inArray(M.patientOrderLineId, orderLineIds))
      .groupBy(M.patientOrderLineId, M.lotId)
      .orderBy(sql`min(stock_movements.rowid)`)
      .all()
      .filter((r) => r.quantity > 0);
  }

  return {
    heldOn,

    reserve(ctx, { orderLineId, itemId, quantity, validOn, override }) {
      const { takes, short } = allocate(itemId, quantity, validOn);
      if (short > 0 && !override) throw new InsufficientStockError(deps.itemName(itemId), quantity, quantity - short);
      const held = takes.map((t, i) => hold(ctx, `${orderLineId}:${i}`, { orderLineId, itemId, lotId: t.lotId, quantity: t.quantity, override: false }));
      if (short > 0) held.push(hold(ctx, `${orderLineId}:override`, { orderLineId, itemId, lotId: null, quantity: short, override: true }));
      return held;
    },

    release(ctx, orderLineId) {
      let released = 0;
      for (const r of heldRows(orderLineId)) {
        setStatus(ctx, r.id, 'released');
        released += r.quantity;
      }
      return released;
    },

    issue(ctx, { orderLineId, itemId, patientId, note }) {
      const day = deps.today(ctx.now);
      const out: Array<{ movementId: string; lotId: string; quantity: number }> = [];
      let n = 0;
      const issueFrom = (lotId: string, quantity: number, reservationId: string | null) => {
        const movementId = deps.move(ctx, `pick:${orderLineId}:${n++}`, { itemId, lotId, delta: -quantity, reason: 'order_pick', note, patientId, patientOrderLineId: orderLineId });
        if (reservationId) setStatus(ctx, reservationId, 'issued', movementId);
        out.push({ movementId, lotId, quantity });
      };
      let needed = 0;
      for (const r of heldRows(orderLineId)) {
        const l = r.lotId ? deps.lot(r.lotId) : null;
        if (l && (l.expiryDate === null || l.expiryDate >= day) && l.onHand >= r.quantity) issueFrom(l.id, r.quantity, r.id);
        else {
          // Its lot expired since it was confirmed, or it was held on no lot (override): take it from free stock now.
          setStatus(ctx, r.id, 'released');
          needed += r.quantity;
        }
      }
      if (needed > 0) {
        const { takes, short } = allocate(itemId, needed, day);
        if (short > 0) throw new InsufficientStockError(deps.itemName(itemId), needed, needed - short);
        for (const t of takes) issueFrom(t.lotId, t.quantity, null);
      }
      return out;
    },

    putBack(ctx, { orderLineId, itemId, patientId, quantity, reason, note }) {
      const out: Array<{ movementId: string; lotId: string; quantity: number }> = [];
      let left = quantity;
      let n = 0;
      for (const l of issuedFor([orderLineId])) {
        if (left === 0) break;
        const back = Math.min(left, l.quantity);
        if (back <= 0) continue;
        const movementId = deps.move(ctx, `${reason}:${orderLineId}:${n++}`, { itemId, lotId: l.lotId, delta: back, reason, note, patientId, patientOrderLineId: orderLineId });
        out.push({ movementId, lotId: l.lotId, quantity: back });
        left -= back;
      }
      if (left > 0) throw new InsufficientStockError(deps.itemName(itemId), quantity, quantity - left);
      return out;
    },

    makeRoom(ctx, lotId, decrease) {
      const l = deps.lot(lotId);
      const day = deps.today(ctx.now);
      if (l.expiryDate !== null && l.expiryDate < day) return; // held units of an expired lot are re-taken at picking
      const held = heldOn(lotId);
      let excess = held - (l.onHand - decrease);
      if (excess <= 0) return;
      const { takes, short } = allocate(l.itemId, excess, day, lotId);
      if (short > 0) throw new StockReservedError(l.lotNumber, held, excess - short);
      // Take the newest holds off this lot first, and hold the same units on the other lots.
      const rows = db.select().from(R).where(and(eq(R.lotId, lotId), eq(R.status, 'held'))).orderBy(sql`stock_reservations.rowid DESC`).all();
      const moved: Array<{ orderLineId: string; itemId: string; quantity: number }> = [];
      for (const r of rows) {
        if (excess === 0) break;
        const q = Math.min(excess, r.quantity);
        setStatus(ctx, r.id, 'released');
        if (r.quantity > q) hold(ctx, `${r.id}:stay`, { orderLineId: r.orderLineId, itemId: r.itemId, lotId, quantity: r.quantity - q, override: false });
        moved.push({ orderLineId: r.orderLineId, itemId: r.itemId, quantity: q });
        excess -= q;
      }
      let n = 0;
      for (const m of moved) {
        let left = m.quantity;
        for (const t of takes) {
          if (left === 0) break;
          const q = Math.min(left, t.quantity);
          if (q === 0) continue;
          hold(ctx, `${lotId}:moved:${n++}`, { orderLineId: m.orderLineId, itemId: m.itemId, lotId: t.lotId, quantity: q, override: false });
          t.quantity -= q;
          left -= q;
        }
      }
    },

    issuedFor,

    heldFor(orderLineIds) {
      if (orderLineIds.length === 0) return [];
      return db
        .select({ orderLineId: R.orderLineId, lotId: R.lotId, lotNumber: L.lotNumber, expiryDate: L.expiryDate, quantity: R.quantity, override: R.override })
        .from(R)
        .leftJoin(L, eq(L.id, R.lotId))
        .where(and(inArray(R.orderLineId, orderLineIds), eq(R.status, 'held')))
        .orderBy(sql`stock_reservations.rowid`)
        .all();
    },
  };
}
