/**
 * The prescription check, shared by supplies used at a visit (`stock.recordUsage`) and patient
 * orders (`orders.confirm`): a prescription-only item goes to a patient only against a doctor's
 * order for that patient and item that is active, not past its last day and has enough left; the
 * quantity is then recorded on the order. Anything else is a refusal naming the item.
 */
import { and, asc, eq, gte } from 'drizzle-orm';
import type { CommandContext } from '../commands/index';
import { tables, type ClinicRecord } from '../records/index';
import { PrescriptionInvalidError, PrescriptionRequiredError } from './errors';

const { prescriptionOrders: R } = tables;

export interface PrescriptionUse {
  item: { id: string; name: string; prescriptionOnly: boolean };
  patientId: string;
  quantity: number;
  /** The order chosen; null with `findOrder`: the usable one that expires first and covers the quantity. */
  prescriptionOrderId: string | null;
  findOrder?: boolean;
  /** The clinic's date today (ISO). */
  day: string;
}

export interface PrescriptionCheck {
  /** Validates and consumes; returns the order used (null for an item that needs none). */
  consume(ctx: CommandContext, use: PrescriptionUse): string | null;
  /** Gives `quantity` back to the order (an order cancelled before anything left the shelf). */
  giveBack(ctx: CommandContext, prescriptionOrderId: string, quantity: number): void;
}

export function createPrescriptionCheck(record: ClinicRecord): PrescriptionCheck {
  const { db } = record;

  function find(use: PrescriptionUse): string {
    const usable = db
      .select()
      .from(R)
      .where(and(eq(R.patientId, use.patientId), eq(R.itemId, use.item.id), eq(R.status, 'active'), gte(R.validUntil, use.day)))
      .orderBy(asc(R.validUntil), asc(R.createdAt), asc(R.id))
      .all()
      .filter((o) => o.issuedQuantity < o.quantity);
    const covering = usable.find((o) => o.quantity - o.issuedQuantity >= use.quantity);
    if (covering) return covering.id;
    if (usable.length === 0) throw new PrescriptionRequiredError(use.item.name);
    const most = Math.max(...usable.map((o) => o.quantity - o.issuedQuantity));
    throw new PrescriptionInvalidError(use.item.name, `${use.quantity} wanted but no order covers it (at most ${most} left on one)`);
  }

  return {
    consume(ctx, use) {
      if (!use.item.prescriptionOnly) return null;
      const orderId = use.prescriptionOrderId ?? (use.findOrder ? find(use) : null);
      if (!orderId) throw new PrescriptionRequiredError(use.item.name);
      const order = db.select().from(R).where(eq(R.id, orderId)).get();
      if (!order || order.patientId !== use.patientId) throw new PrescriptionInvalidError(use.item.name, 'it is not an order for this patient');
      if (order.itemId !== use.item.id) throw new PrescriptionInvalidError(use.item.name, 'it orders another item');
      if (order.status !== 'active') throw new PrescriptionInvalidError(use.item.name, 'it was cancelled');
      if (order.validUntil < use.day) throw new PrescriptionInvalidError(use.item.name, `it expired on ${order.validUntil}`);
      if (order.quantity - order.issuedQuantity < use.quantity) throw new PrescriptionInvalidError(use.item.name, `only ${order.quantity - order.issuedQuantity} left on it`);
      db.update(R).set({ issuedQuantity: order.issuedQuantity + use.quantity, updatedAt: ctx.now }).where(eq(R.id, order.id)).run();
      ctx.audit('prescription.issue', 'prescription_order', order.id);
      return order.id;
    },

    giveBack(ctx, prescriptionOrderId, quantity) {
      const order = db.select().from(R).where(eq(R.id, prescriptionOrderId)).get();
      if (!order) return;
      db.update(R).set({ issuedQuantity: Math.max(0, order.issuedQuantity - quantity), updatedAt: ctx.now }).where(eq(R.id, order.id)).run();
      ctx.audit('prescription.give_back', 'prescription_order', order.id);
    },
  };
}
