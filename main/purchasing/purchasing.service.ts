/**
 * Purchase orders: draft → sent (locked) → partly received → received, or cancelled. Each line
 * keeps ordered, received and cancelled quantities; receiving creates lot receipt movements
 * through stock. A short receipt must say whether the rest stays on back-order or is cancelled.
 */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { cancelOrderArgs, createDraftArgs, orderIdArgs, receiveOrderArgs, updateDraftArgs, type PurchaseOrderView } from '../../common/stock';
import type { PurchaseOrderStatus } from '../../common/operations';
import { defineCommand, InvalidTransitionError, OperationNotFoundError, type CommandBus, type CommandContext } from '../commands/index';
import { tables, type ClinicRecord } from '../records/index';
import type { StockService } from '../stock/index';
import { EmptyOrderError, OrderLockedError, OverReceiptError, RemainderDecisionRequiredError } from './errors';

const { purchaseOrders: O, purchaseOrderLines: OL, stockItems: I } = tables;

export interface PurchasingDeps {
  record: ClinicRecord;
  bus: CommandBus;
  stock: Pick<StockService, 'receiveInto'>;
}

export interface PurchasingService {
  list(filter?: { status?: PurchaseOrderStatus | null }): PurchaseOrderView[];
  get(orderId: string): PurchaseOrderView;
}

export function createPurchasing({ record, bus, stock }: PurchasingDeps): PurchasingService {
  const { db } = record;

  function order(id: string) {
    const row = db.select().from(O).where(eq(O.id, id)).get();
    if (!row) throw new OperationNotFoundError('purchase order', id);
    return row;
  }
  function draft(id: string) {
    const row = order(id);
    if (row.status !== 'draft') throw new OrderLockedError(row.status);
    return row;
  }
  function addLines(ctx: CommandContext, orderId: string, lines: Array<{ lineId: string; itemId: string; quantity: number; unitPriceCents: number | null }>): void {
    for (const l of lines) {
      const it = db.select().from(I).where(eq(I.id, l.itemId)).get();
      if (!it) throw new OperationNotFoundError('stock item', l.itemId);
      db.insert(OL).values({ id: l.lineId, orderId, itemId: l.itemId, quantity: l.quantity, unitPriceCents: l.unitPriceCents ?? it.unitCostCents, createdAt: ctx.now, updatedAt: ctx.now }).run();
    }
  }
  const liveLines = (orderId: string) => db.select().from(OL).where(and(eq(OL.orderId, orderId), isNull(OL.removedAt))).all();

  const commands = [
    defineCommand('purchasing.createDraft', createDraftArgs, (ctx, a) => {
      const number = ctx.nextNumber('PO');
      db.insert(O).values({ id: a.orderId, number, supplier: a.supplier, status: 'draft', createdAt: ctx.now, updatedAt: ctx.now }).run();
      addLines(ctx, a.orderId, a.lines);
      ctx.audit('purchase_order.create', 'purchase_order', a.orderId);
      return { orderId: a.orderId, number };
    }),
    defineCommand('purchasing.updateDraft', updateDraftArgs, (ctx, a) => {
      draft(a.orderId);
      if (a.supplier !== undefined) db.update(O).set({ supplier: a.supplier, updatedAt: ctx.now }).where(eq(O.id, a.orderId)).run();
      addLines(ctx, a.orderId, a.addLines);
      for (const id of a.removeLineIds) {
        const r = db.update(OL).set({ removedAt: ctx.now, updatedAt: ctx.now }).where(and(eq(OL.id, id), eq(OL.orderId, a.orderId), isNull(OL.removedAt))).run();
        if (r.changes === 0) throw new OperationNotFoundError('order line', id);
      }
      for (const q of a.quantities) {
        const r = db.update(OL).set({ quantity: q.quantity, updatedAt: ctx.now }).where(and(eq(OL.id, q.lineId), eq(OL.orderId, a.orderId), isNull(OL.removedAt))).run();
        if (r.changes === 0) throw new OperationNotFoundError('order line', q.lineId);
      }
      ctx.audit('purchase_order.update', 'purchase_order', a.orderId);
      return { orderId: a.orderId };
    }),
    defineCommand('purchasing.send', orderIdArgs, (ctx, a) => {
      draft(a.orderId);
      if (liveLines(a.orderId).length === 0) throw new EmptyOrderError();
      db.update(O).set({ status: 'sent', orderedAt: ctx.now, updatedAt: ctx.now }).where(eq(O.id, a.orderId)).run();
      ctx.audit('purchase_order.send', 'purchase_order', a.orderId);
      return { orderId: a.orderId, status: 'sent' };
    }),
    defineCommand('purchasing.receive', receiveOrderArgs, (ctx, a) => {
      const o = order(a.orderId);
      if (o.status !== 'sent' && o.status !== 'partly_received') throw new InvalidTransitionError('purchase order', o.status, 'received');
      const lines = new Map(liveLines(o.id).map((l) => [l.id, l]));
      const received = new Map<string, number>();
      a.lines.forEach((r, i) => {
        const line = lines.get(r.lineId);
        if (!line) throw new OperationNotFoundError('order line', r.lineId);
        const outstanding = line.quantity - line.receivedQuantity - line.cancelledQuantity - (received.get(line.id) ?? 0);
        if (r.quantity > outstanding) throw new OverReceiptError(db.select({ sku: I.sku }).from(I).where(eq(I.id, line.itemId)).get()!.sku, outstanding);
        if (r.quantity === 0) return;
        stock.receiveInto(ctx, { itemId: line.itemId, lotNumber: r.lotNumber, expiryDate: r.expiryDate, quantity: r.quantity, tag: `po:${i}`, purchaseOrderId: o.id, purchaseOrderLineId: line.id });
        received.set(line.id, (received.get(line.id) ?? 0) + r.quantity);
      });
      const short = [...lines.values()].filter((l) => l.quantity - l.receivedQuantity - l.cancelledQuantity - (received.get(l.id) ?? 0) > 0);
      if (short.length > 0 && a.remainder === null) throw new RemainderDecisionRequiredError(short.length);
      for (const l of lines.values()) {
        const now = l.receivedQuantity + (received.get(l.id) ?? 0);
        const cancelled = a.remainder === 'cancel' ? l.quantity - now : l.cancelledQuantity;
        db.update(OL).set({ receivedQuantity: now, cancelledQuantity: cancelled, updatedAt: ctx.now }).where(eq(OL.id, l.id)).run();
      }
      const complete = a.remainder === 'cancel' || short.length === 0;
      const status: PurchaseOrderStatus = complete ? 'received' : 'partly_received';
      db.update(O).set({ status, receivedAt: complete ? ctx.now : null, updatedAt: ctx.now }).where(eq(O.id, o.id)).run();
      ctx.audit('purchase_order.receive', 'purchase_order', o.id);
      return { orderId: o.id, status };
    }),
    defineCommand('purchasing.cancel', cancelOrderArgs, (ctx, a) => {
      const o = order(a.orderId);
      if (o.status !== 'draft' && o.status !== 'sent') throw new InvalidTransitionError('purchase order', o.status, 'cancelled (cancel what is outstanding when receiving)');
      db.update(O).set({ status: 'cancelled', cancelledAt: ctx.now, cancelReason: a.reason, updatedAt: ctx.now }).where(eq(O.id, o.id)).run();
      ctx.audit('purchase_order.cancel', 'purchase_order', o.id);
      return { orderId: o.id, status: 'cancelled' };
    }),
  ];
  bus.register(...(commands as never[]));

  function views(orders: Array<typeof O.$inferSelect>): PurchaseOrderView[] {
    const ids = orders.map((o) => o.id);
    const lines = ids.length
      ? db.select({ line: OL, sku: I.sku, name: I.name }).from(OL).innerJoin(I, eq(I.id, OL.itemId)).where(and(inArray(OL.orderId, ids), isNull(OL.removedAt))).orderBy(asc(OL.createdAt), sql`purchase_order_lines.rowid`).all()
      : [];
    return orders.map((o) => {
      const own = lines.filter((l) => l.line.orderId === o.id);
      return {
        id: o.id,
        number: o.finalNumber ?? o.number,
        supplier: o.supplier,
        status: o.status,
        orderedAt: o.orderedAt,
        receivedAt: o.receivedAt,
        cancelReason: o.cancelReason,
        totalCents: own.reduce((s, l) => s + l.line.quantity * l.line.unitPriceCents, 0),
        lines: own.map(({ line, sku, name }) => ({
          id: line.id, itemId: line.itemId, sku, name, quantity: line.quantity, unitPriceCents: line.unitPriceCents, receivedQuantity: line.receivedQuantity, cancelledQuantity: line.cancelledQuantity,
          outstanding: line.quantity - line.receivedQuantity - line.cancelledQuantity,
        })),
      };
    });
  }

  return {
    list(filter = {}) {
      return views(db.select().from(O).where(filter.status ? eq(O.status, filter.status) : undefined).orderBy(desc(O.createdAt)).limit(500).all());
    },
    get(orderId) {
      return views([order(orderId)])[0]!;
    },
  };
}
