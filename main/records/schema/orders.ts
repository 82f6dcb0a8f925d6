import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { FULFILMENTS, PATIENT_ORDER_STATUSES, RETURN_BILLING } from '../../../common/orders';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { staff } from './staff';
import { stockItems } from './stock';

/**
 * Supplies ordered for one patient (dressings, compression, offloading devices): delivered to an
 * address, taken by a caregiver, or collected. Names a patient: every read and change is audited.
 * Never deleted; a cancelled order keeps its rows and its reason.
 */
export const patientOrders = sqliteTable(
  'patient_orders',
  {
    id: id(),
    /** `SO-<device prefix>-<sequence>`; the service's final number goes in `final_number`. */
    number: text('number').notNull(),
    finalNumber: text('final_number'),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id, { onDelete: 'restrict' }),
    status: text('status', { enum: PATIENT_ORDER_STATUSES }).notNull().default('draft'),
    fulfilment: text('fulfilment', { enum: FULFILMENTS }).notNull(),
    /** Delivery: copied from the patient's address when the order was made (or typed). */
    deliveryAddress: text('delivery_address'),
    caregiverId: text('caregiver_id').references(() => staff.id),
    /** ISO date (clinic time zone) it is to be picked and sent or made ready. */
    dueDate: text('due_date').notNull(),
    notes: text('notes'),
    /** The order this one repeats. */
    repeatOfId: text('repeat_of_id'),
    /** The invoice its lines went onto when it was delivered or collected. */
    invoiceId: text('invoice_id'),
    createdBy: text('created_by').references(() => staff.id),
    confirmedAt: integer('confirmed_at'),
    pickedAt: integer('picked_at'),
    dispatchedAt: integer('dispatched_at'),
    readyAt: integer('ready_at'),
    /** Delivered or collected. */
    completedAt: integer('completed_at'),
    cancelledAt: integer('cancelled_at'),
    cancelReason: text('cancel_reason'),
    ...timestamps,
  },
  (t) => [uniqueIndex('patient_orders_number_unique').on(t.number), index('patient_orders_patient_idx').on(t.patientId, t.createdAt), index('patient_orders_status_idx').on(t.status, t.dueDate)],
);

export const patientOrderLines = sqliteTable(
  'patient_order_lines',
  {
    id: id(),
    orderId: text('order_id')
      .notNull()
      .references(() => patientOrders.id),
    itemId: text('item_id')
      .notNull()
      .references(() => stockItems.id),
    quantity: integer('quantity').notNull(),
    /** The patient price and tax rate when it was confirmed (what is billed). */
    unitPriceCents: integer('unit_price_cents').notNull(),
    taxRateBp: integer('tax_rate_bp').notNull().default(0),
    /** The doctor's order consumed at confirmation (prescription-only items); chosen on the line or found then. */
    prescriptionOrderId: text('prescription_order_id'),
    /** The invoice line it became at delivery or collection. */
    invoiceLineId: text('invoice_line_id'),
    returnedQuantity: integer('returned_quantity').notNull().default(0),
    /** Removed from a draft (the row stays). */
    removedAt: integer('removed_at'),
    ...timestamps,
  },
  (t) => [index('patient_order_lines_order_idx').on(t.orderId)],
);

/** Units the patient gave back: restocked or discarded, credited (or taken off the draft invoice). */
export const patientOrderReturns = sqliteTable(
  'patient_order_returns',
  {
    id: id(),
    orderId: text('order_id')
      .notNull()
      .references(() => patientOrders.id),
    lineId: text('line_id')
      .notNull()
      .references(() => patientOrderLines.id),
    quantity: integer('quantity').notNull(),
    restock: integer('restock', { mode: 'boolean' }).notNull(),
    reason: text('reason').notNull(),
    billing: text('billing', { enum: RETURN_BILLING }).notNull(),
    creditNoteId: text('credit_note_id'),
    ...timestamps,
  },
  (t) => [index('patient_order_returns_order_idx').on(t.orderId)],
);
