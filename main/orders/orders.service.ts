/**
 * Patient supply orders: dressings and devices ordered for one patient between visits.
 *
 * draft → confirmed → picked → dispatched (delivery, caregiver) or ready (collection) →
 * delivered / collected, or cancelled (kept, with its reason) before it reaches the patient.
 * Confirming checks and consumes the doctor's orders for prescription-only items (the same check
 * as supplies used at a visit) and holds stock first-expired-first-out; picking issues what is
 * held as movements; cancelling gives back what was held (or puts picked units back on the shelf)
 * and the prescription quantity. Delivered or collected, the order becomes lines of the patient's
 * open invoice; units given back become a credit note. Every change is a named command
 * (`orders.*`) with a client id; orders name patients, so every read is audited too.
 */
import { and, asc, desc, eq, inArray, isNull, lte, notInArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import {
  cancelPatientOrderArgs, confirmOrderArgs, createOrderArgs, orderIdArgs, repeatOrderArgs, returnOrderArgs, updateOrderDraftArgs,
  type CatalogueItem, type Fulfilment, type OrderListInput, type PatientOrderStatus, type PatientOrderView,
} from '../../common/orders';
import type { OperationsSettings } from '../../common/operations';
import { can, type StaffRole } from '../../common/permissions';
import type { BillingService } from '../billing/index';
import { lineMoney } from '../billing/index';
import { defineCommand, InvalidTransitionError, OperationNotFoundError, type CommandBus, type CommandContext } from '../commands/index';
import { appendAudit, actorRole, tables, type Actor, type ClinicRecord } from '../records/index';
import type { StockService } from '../stock/index';
import { AddressRequiredError, CaregiverRequiredError, EmptyPatientOrderError, NotHomeCareError, NotSuppliableError, OverrideRefusedError, OverReturnError, PatientOrderLockedError } from './errors';

const { patientOrders: O, patientOrderLines: OL, patientOrderReturns: RT, patients: P, staff: S, invoices: V, creditNotes: CN } = tables;

export interface OrdersDeps {
  record: ClinicRecord;
  bus: CommandBus;
  settings: () => OperationsSettings;
  stock: Pick<StockService, 'item' | 'catalogue' | 'reservations' | 'prescriptionCheck' | 'today'>;
  billing: Pick<BillingService, 'addOrderSupplies' | 'creditReturn'>;
  /** Whether a staff member does home care (may take supplies to a patient). */
  isCaregiver(staffId: string): boolean;
  now?: () => number;
}

export interface OrdersService {
  /** Items that may be supplied to patients, by name or SKU. No patient data. */
  catalogue(search: string, limit?: number): CatalogueItem[];
  list(input: OrderListInput, actor: Actor): PatientOrderView[];
  get(orderId: string, actor: Actor): PatientOrderView;
}

/** Before it reaches the patient, an order can be cancelled. */
const CANCELLABLE: readonly PatientOrderStatus[] = ['draft', 'confirmed', 'picked', 'dispatched', 'ready'];
const DONE: readonly PatientOrderStatus[] = ['delivered', 'collected', 'cancelled'];
const LIST_LIMIT = 500;

export function createOrders(deps: OrdersDeps): OrdersService {
  const { record, bus, settings, stock, billing } = deps;
  const { db } = record;
  const clock = deps.now ?? Date.now;

  function order(id: string) {
    const row = db.select().from(O).where(eq(O.id, id)).get();
    if (!row) throw new OperationNotFoundError('patient order', id);
    return row;
  }
  function draft(id: string) {
    const row = order(id);
    if (row.status !== 'draft') throw new PatientOrderLockedError(row.status);
    return row;
  }
  const liveLines = (orderId: string) => db.select().from(OL).where(and(eq(OL.orderId, orderId), isNull(OL.removedAt))).orderBy(asc(OL.createdAt), sql`patient_order_lines.rowid`).all();
  function suppliable(itemId: string) {
    const it = stock.item(itemId);
    if (!it.active || !it.patientSupply) throw new NotSuppliableError(it.name);
    return it;
  }
  function setStatus(ctx: CommandContext, id: string, status: PatientOrderStatus, at: Partial<typeof O.$inferInsert> = {}): void {
    db.update(O).set({ status, ...at, updatedAt: ctx.now }).where(eq(O.id, id)).run();
    ctx.audit(`patient_order.${status}`, 'patient_order', id);
  }
  function transition(id: string, from: readonly PatientOrderStatus[], action: string, fulfilment?: readonly Fulfilment[]) {
    const row = order(id);
    if (!from.includes(row.status)) throw new InvalidTransitionError('patient order', row.status, action);
    if (fulfilment && !fulfilment.includes(row.fulfilment)) throw new InvalidTransitionError(`${row.fulfilment === 'collection' ? 'collection' : 'delivery'} order`, row.status, action);
    return row;
  }

  /** Where and how it goes: an address for delivery and caregivers (the patient's unless typed), a home-care caregiver. */
  function fulfilmentOf(patientId: string, f: { fulfilment: Fulfilment; deliveryAddress: string | null; caregiverId: string | null }) {
    if (f.fulfilment === 'collection') return { fulfilment: f.fulfilment, deliveryAddress: null, caregiverId: null };
    const address = f.deliveryAddress ?? db.select({ address: P.address }).from(P).where(eq(P.id, patientId)).get()?.address ?? null;
    if (!address || !address.trim()) throw new AddressRequiredError();
    if (f.fulfilment === 'delivery') return { fulfilment: f.fulfilment, deliveryAddress: address, caregiverId: null };
    if (!f.caregiverId) throw new CaregiverRequiredError();
    if (!db.select({ id: S.id }).from(S).where(eq(S.id, f.caregiverId)).get()) throw new OperationNotFoundError('staff member', f.caregiverId);
    if (!deps.isCaregiver(f.caregiverId)) throw new NotHomeCareError();
    return { fulfilment: f.fulfilment, deliveryAddress: address, caregiverId: f.caregiverId };
  }

  function addLines(ctx: CommandContext, orderId: string, lines: Array<{ lineId: string; itemId: string; quantity: number; prescriptionOrderId: string | null }>): void {
    for (const l of lines) {
      const it = suppliable(l.itemId);
      db.insert(OL).values({ id: l.lineId, orderId, itemId: it.id, quantity: l.quantity, unitPriceCents: it.priceCents, taxRateBp: it.taxRateBp, prescriptionOrderId: l.prescriptionOrderId, createdAt: ctx.now, updatedAt: ctx.now }).run();
    }
  }

  function create(ctx: CommandContext, a: z.output<typeof createOrderArgs> & { repeatOfId?: string }): { orderId: string; number: string } {
    if (!db.select({ id: P.id }).from(P).where(eq(P.id, a.patientId)).get()) throw new OperationNotFoundError('patient', a.patientId);
    const how = fulfilmentOf(a.patientId, a);
    const number = ctx.nextNumber('SO');
    db.insert(O)
      .values({ id: a.orderId, number, patientId: a.patientId, status: 'draft', ...how, dueDate: a.dueDate, notes: a.notes, repeatOfId: a.repeatOfId ?? null, createdBy: ctx.actor.id === 'system' ? null : ctx.actor.id, createdAt: ctx.now, updatedAt: ctx.now })
      .run();
    addLines(ctx, a.orderId, a.lines);
    ctx.audit('patient_order.create', 'patient_order', a.orderId);
    return { orderId: a.orderId, number };
  }

  /**
   * The prescription check (consumes the doctor's order) and the reservation, line by line; the
   * first refusal names its item and, the command being one transaction, leaves nothing behind.
   */
  function confirm(ctx: CommandContext, orderId: string, override: boolean): { orderId: string; number: string; status: 'confirmed'; overridden: number } {
    const o = draft(orderId);
    const lines = liveLines(o.id);
    if (lines.length === 0) throw new EmptyPatientOrderError();
    if (override && !can(ctx.actor.roles.filter((r): r is StaffRole => r !== 'system'), 'orders.override')) throw new OverrideRefusedError();
    const day = stock.today(ctx.now);
    const validOn = o.dueDate > day ? o.dueDate : day;
    let overridden = 0;
    for (const line of lines) {
      const it = suppliable(line.itemId);
      const prescriptionOrderId = stock.prescriptionCheck.consume(ctx, { item: it, patientId: o.patientId, quantity: line.quantity, prescriptionOrderId: line.prescriptionOrderId, findOrder: true, day });
      db.update(OL).set({ prescriptionOrderId, unitPriceCents: it.priceCents, taxRateBp: it.taxRateBp, updatedAt: ctx.now }).where(eq(OL.id, line.id)).run();
    }
    for (const line of lines) {
      const held = stock.reservations.reserve(ctx, { orderLineId: line.id, itemId: line.itemId, quantity: line.quantity, validOn, override });
      overridden += held.filter((h) => h.override).reduce((s, h) => s + h.quantity, 0);
    }
    setStatus(ctx, o.id, 'confirmed', { confirmedAt: ctx.now });
    if (overridden > 0) ctx.audit('patient_order.override', 'patient_order', o.id);
    return { orderId: o.id, number: o.number, status: 'confirmed', overridden };
  }

  /** Delivered or collected: the lines go onto the patient's open invoice (or a new one). */
  function bill(ctx: CommandContext, o: typeof O.$inferSelect): string {
    const lines = liveLines(o.id).map((l) => ({ ...l, invoiceLineId: ctx.derivedId(`invoice-line:${l.id}`) }));
    const { invoiceId } = billing.addOrderSupplies(ctx, { patientId: o.patientId, lines: lines.map((l) => ({ invoiceLineId: l.invoiceLineId, itemId: l.itemId, quantity: l.quantity, unitPriceCents: l.unitPriceCents, taxRateBp: l.taxRateBp })) });
    for (const l of lines) db.update(OL).set({ invoiceLineId: l.invoiceLineId, updatedAt: ctx.now }).where(eq(OL.id, l.id)).run();
    return invoiceId;
  }

  const commands = [
    defineCommand('orders.create', createOrderArgs, (ctx, a) => create(ctx, a)),

    defineCommand('orders.updateDraft', updateOrderDraftArgs, (ctx, a) => {
      const o = draft(a.orderId);
      const how = fulfilmentOf(o.patientId, {
        fulfilment: a.fulfilment ?? o.fulfilment,
        deliveryAddress: a.deliveryAddress !== undefined ? a.deliveryAddress : a.fulfilment && a.fulfilment !== o.fulfilment ? null : o.deliveryAddress,
        caregiverId: a.caregiverId !== undefined ? a.caregiverId : o.caregiverId,
      });
      db.update(O).set({ ...how, dueDate: a.dueDate ?? o.dueDate, notes: a.notes !== undefined ? a.notes : o.notes, updatedAt: ctx.now }).where(eq(O.id, o.id)).run();
      addLines(ctx, o.id, a.addLines);
      for (const id of a.removeLineIds) {
        const r = db.update(OL).set({ removedAt: ctx.now, updatedAt: ctx.now }).where(and(eq(OL.id, id), eq(OL.orderId, o.id), isNull(OL.removedAt))).run();
        if (r.changes === 0) throw new OperationNotFoundError('order line', id);
      }
      for (const q of a.quantities) {
        const r = db.update(OL).set({ quantity: q.quantity, updatedAt: ctx.now }).where(and(eq(OL.id, q.lineId), eq(OL.orderId, o.id), isNull(OL.removedAt))).run();
        if (r.changes === 0) throw new OperationNotFoundError('order line', q.lineId);
      }
      ctx.audit('patient_order.update', 'patient_order', o.id);
      return { orderId: o.id };
    }),

    defineCommand('orders.confirm', confirmOrderArgs, (ctx, a) => confirm(ctx, a.orderId, a.override ?? false)),

    defineCommand('orders.pick', orderIdArgs, (ctx, a) => {
      const o = transition(a.orderId, ['confirmed'], 'picked');
      for (const line of liveLines(o.id)) stock.reservations.issue(ctx, { orderLineId: line.id, itemId: line.itemId, patientId: o.patientId, note: `Patient order ${o.number}` });
      setStatus(ctx, o.id, 'picked', { pickedAt: ctx.now });
      return { orderId: o.id, status: 'picked' };
    }),
    defineCommand('orders.dispatch', orderIdArgs, (ctx, a) => {
      const o = transition(a.orderId, ['picked'], 'dispatched', ['delivery', 'caregiver']);
      setStatus(ctx, o.id, 'dispatched', { dispatchedAt: ctx.now });
      return { orderId: o.id, status: 'dispatched' };
    }),
    defineCommand('orders.markReady', orderIdArgs, (ctx, a) => {
      const o = transition(a.orderId, ['picked'], 'made ready for collection', ['collection']);
      setStatus(ctx, o.id, 'ready', { readyAt: ctx.now });
      return { orderId: o.id, status: 'ready' };
    }),
    defineCommand('orders.markDelivered', orderIdArgs, (ctx, a) => {
      const o = transition(a.orderId, ['dispatched'], 'delivered');
      const invoiceId = bill(ctx, o);
      setStatus(ctx, o.id, 'delivered', { completedAt: ctx.now, invoiceId });
      return { orderId: o.id, status: 'delivered', invoiceId };
    }),
    defineCommand('orders.markCollected', orderIdArgs, (ctx, a) => {
      const o = transition(a.orderId, ['ready'], 'collected');
      const invoiceId = bill(ctx, o);
      setStatus(ctx, o.id, 'collected', { completedAt: ctx.now, invoiceId });
      return { orderId: o.id, status: 'collected', invoiceId };
    }),

    defineCommand('orders.cancel', cancelPatientOrderArgs, (ctx, a) => {
      const o = transition(a.orderId, CANCELLABLE, 'cancelled (record a return of what the patient gives back)');
      let released = 0;
      let restocked = 0;
      for (const line of liveLines(o.id)) {
        if (o.status === 'confirmed') released += stock.reservations.release(ctx, line.id);
        if (o.status === 'picked' || o.status === 'dispatched' || o.status === 'ready') {
          // Nothing reached the patient: what was picked goes back onto the shelf, into its own lots.
          const issued = stock.reservations.issuedFor([line.id]).reduce((s, l) => s + l.quantity, 0);
          if (issued > 0) stock.reservations.putBack(ctx, { orderLineId: line.id, itemId: line.itemId, patientId: o.patientId, quantity: issued, reason: 'order_restock', note: `Patient order ${o.number} cancelled` });
          restocked += issued;
        }
        if (o.status !== 'draft' && line.prescriptionOrderId) stock.prescriptionCheck.giveBack(ctx, line.prescriptionOrderId, line.quantity);
      }
      setStatus(ctx, o.id, 'cancelled', { cancelledAt: ctx.now, cancelReason: a.reason });
      return { orderId: o.id, status: 'cancelled', released, restocked };
    }),

    defineCommand('orders.return', returnOrderArgs, (ctx, a) => {
      const o = transition(a.orderId, ['delivered', 'collected'], 'returned (only what reached the patient can come back)');
      const lines = new Map(liveLines(o.id).map((l) => [l.id, l]));
      const returned = new Map<string, number>();
      a.lines.forEach((r) => {
        const line = lines.get(r.lineId);
        if (!line) throw new OperationNotFoundError('order line', r.lineId);
        const left = line.quantity - line.returnedQuantity - (returned.get(line.id) ?? 0);
        if (r.quantity > left) throw new OverReturnError(stock.item(line.itemId).name, left);
        returned.set(line.id, (returned.get(line.id) ?? 0) + r.quantity);
        if (r.restock) stock.reservations.putBack(ctx, { orderLineId: line.id, itemId: line.itemId, patientId: o.patientId, quantity: r.quantity, reason: 'order_return', note: `Returned from patient order ${o.number}` });
      });
      const credited = billing.creditReturn(ctx, {
        creditNoteId: ctx.derivedId('credit-note'),
        reason: a.reason,
        lines: a.lines.map((r) => ({ invoiceLineId: lines.get(r.lineId)!.invoiceLineId!, quantity: r.quantity })),
        refund: a.refund,
      });
      a.lines.forEach((r, i) => {
        db.insert(RT).values({ id: ctx.derivedId(`return:${i}`), orderId: o.id, lineId: r.lineId, quantity: r.quantity, restock: r.restock, reason: a.reason, billing: credited.billing, creditNoteId: credited.creditNoteId, createdAt: ctx.now, updatedAt: ctx.now }).run();
      });
      for (const [lineId, q] of returned) db.update(OL).set({ returnedQuantity: lines.get(lineId)!.returnedQuantity + q, updatedAt: ctx.now }).where(eq(OL.id, lineId)).run();
      ctx.audit('patient_order.return', 'patient_order', o.id);
      return { orderId: o.id, billing: credited.billing, creditNoteId: credited.creditNoteId };
    }),

    defineCommand('orders.repeat', repeatOrderArgs, (ctx, a) => {
      const from = order(a.fromOrderId);
      const lines = liveLines(from.id);
      const { number } = create(ctx, {
        orderId: a.orderId, patientId: from.patientId, fulfilment: from.fulfilment, deliveryAddress: from.deliveryAddress, caregiverId: from.caregiverId, dueDate: a.dueDate, notes: from.notes,
        lines: lines.map((l, i) => ({ lineId: ctx.derivedId(`line:${i}`), itemId: l.itemId, quantity: l.quantity, prescriptionOrderId: null })),
        repeatOfId: from.id,
      });
      // One step: a repeat is confirmed at once, with a new prescription check (a refusal leaves nothing behind).
      confirm(ctx, a.orderId, false);
      return { orderId: a.orderId, number, status: 'confirmed' };
    }),
  ];
  bus.register(...(commands as never[]));

  // ---- reads --------------------------------------------------------------------------------

  const patientName = sql<string>`${P.familyName} || ', ' || ${P.givenName}`;
  function views(where: ReturnType<typeof and>, orderBy: ReturnType<typeof asc>[]): PatientOrderView[] {
    const rows = db
      .select({ o: O, patientName, mrn: P.mrn, caregiverName: S.displayName, invoiceNumber: V.number })
      .from(O)
      .innerJoin(P, eq(P.id, O.patientId))
      .leftJoin(S, eq(S.id, O.caregiverId))
      .leftJoin(V, eq(V.id, O.invoiceId))
      .where(where)
      .orderBy(...orderBy)
      .limit(LIST_LIMIT)
      .all();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.o.id);
    const lines = db
      .select({ l: OL, sku: tables.stockItems.sku, name: tables.stockItems.name, packSize: tables.stockItems.packSize, prescriptionOnly: tables.stockItems.prescriptionOnly })
      .from(OL)
      .innerJoin(tables.stockItems, eq(tables.stockItems.id, OL.itemId))
      .where(and(inArray(OL.orderId, ids), isNull(OL.removedAt)))
      .orderBy(asc(OL.createdAt), sql`patient_order_lines.rowid`)
      .all();
    const lineIds = lines.map((l) => l.l.id);
    const day = stock.today(clock());
    const held = stock.reservations.heldFor(lineIds);
    const issued = stock.reservations.issuedFor(lineIds);
    const returns = db.select({ r: RT, creditNoteNumber: CN.number }).from(RT).leftJoin(CN, eq(CN.id, RT.creditNoteId)).where(inArray(RT.orderId, ids)).orderBy(asc(RT.createdAt), sql`patient_order_returns.rowid`).all();
    const { currency } = settings();
    return rows.map(({ o, patientName: name, mrn, caregiverName, invoiceNumber }) => {
      const own = lines.filter((l) => l.l.orderId === o.id).map(({ l, sku, name: itemName, packSize, prescriptionOnly }) => ({
        id: l.id, itemId: l.itemId, sku, name: itemName, packSize, prescriptionOnly, quantity: l.quantity, unitPriceCents: l.unitPriceCents, taxRateBp: l.taxRateBp,
        totalCents: lineMoney(l.unitPriceCents, l.quantity, l.taxRateBp, currency).totalCents, prescriptionOrderId: l.prescriptionOrderId, returnedQuantity: l.returnedQuantity,
        reservations: held.filter((h) => h.orderLineId === l.id).map((h) => ({ lotNumber: h.lotNumber, expiryDate: h.expiryDate, quantity: h.quantity, override: h.override, expired: h.expiryDate !== null && h.expiryDate < day })),
        issued: issued.filter((h) => h.orderLineId === l.id).map((h) => ({ lotNumber: h.lotNumber, expiryDate: h.expiryDate, quantity: h.quantity })),
      }));
      return {
        id: o.id, number: o.finalNumber ?? o.number, patientId: o.patientId, patientName: name, mrn, status: o.status, fulfilment: o.fulfilment, deliveryAddress: o.deliveryAddress, caregiverId: o.caregiverId, caregiverName,
        dueDate: o.dueDate, notes: o.notes, repeatOfId: o.repeatOfId, invoiceId: o.invoiceId, invoiceNumber, cancelReason: o.cancelReason, currency, totalCents: own.reduce((s, l) => s + l.totalCents, 0),
        createdAt: o.createdAt, confirmedAt: o.confirmedAt, pickedAt: o.pickedAt, dispatchedAt: o.dispatchedAt, readyAt: o.readyAt, completedAt: o.completedAt, cancelledAt: o.cancelledAt,
        lines: own,
        returns: returns.filter((r) => r.r.orderId === o.id).map(({ r, creditNoteNumber }) => ({ id: r.id, lineId: r.lineId, quantity: r.quantity, restock: r.restock, reason: r.reason, billing: r.billing, creditNoteNumber, at: r.createdAt })),
      };
    });
  }
  const audit = (actor: Actor, action: string, entity: string, entityId: string | null): void => void appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity, entityId });

  return {
    catalogue(search, limit) {
      return stock.catalogue(search, limit).map((i) => ({ id: i.id, sku: i.sku, name: i.name, unit: i.unit, packSize: i.packSize, priceCents: i.priceCents, taxRateBp: i.taxRateBp, prescriptionOnly: i.prescriptionOnly, available: i.available }));
    },
    list(input, actor) {
      return record.transaction(() => {
        const today = stock.today(clock());
        let rows: PatientOrderView[];
        if (input.list === 'to-pick') rows = views(and(eq(O.status, 'confirmed'), lte(O.dueDate, today)), [asc(O.dueDate), asc(O.createdAt), asc(O.id)]);
        else if (input.list === 'awaiting-delivery') rows = views(inArray(O.status, ['picked', 'dispatched', 'ready']), [asc(O.dueDate), asc(O.createdAt), asc(O.id)]);
        else if (input.list === 'open') rows = views(notInArray(O.status, [...DONE]), [asc(O.dueDate), asc(O.createdAt), asc(O.id)]);
        else rows = views(eq(O.patientId, input.patientId), [desc(O.createdAt), desc(O.id)]);
        if (input.list === 'patient') audit(actor, 'patient_order.history', 'patient', input.patientId);
        else audit(actor, `patient_order.list_${input.list.replace('-', '_')}`, 'patient_order', null);
        return rows;
      });
    },
    get(orderId, actor) {
      return record.transaction(() => {
        const [view] = views(eq(O.id, orderId), [asc(O.id)]);
        if (!view) throw new OperationNotFoundError('patient order', orderId);
        audit(actor, 'patient_order.read', 'patient_order', orderId);
        return view;
      });
    },
  };
}
