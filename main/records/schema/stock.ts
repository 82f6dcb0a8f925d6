import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { MOVEMENT_REASONS, PRESCRIPTION_STATUSES, PURCHASE_ORDER_STATUSES } from '../../../common/operations';
import { RESERVATION_STATUSES } from '../../../common/orders';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { staff } from './staff';

/** Money is integer minor units of the clinic's currency; tax rates in basis points (2000 = 20 %). */
export const stockItems = sqliteTable(
  'stock_items',
  {
    id: id(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    unit: text('unit').notNull(),
    /** Units per pack: orders are rounded up to whole packs. */
    packSize: integer('pack_size').notNull().default(1),
    supplier: text('supplier'),
    /** What the clinic pays per unit (stock value, purchase orders). */
    unitCostCents: integer('unit_cost_cents').notNull().default(0),
    /** What a patient is charged per unit. */
    priceCents: integer('price_cents').notNull().default(0),
    taxRateBp: integer('tax_rate_bp').notNull().default(0),
    prescriptionOnly: integer('prescription_only', { mode: 'boolean' }).notNull().default(false),
    /** In the catalogue of what may be supplied to patients (patient orders). */
    patientSupply: integer('patient_supply', { mode: 'boolean' }).notNull().default(true),
    reorderLevel: integer('reorder_level').notNull().default(0),
    reorderTarget: integer('reorder_target').notNull().default(0),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex('stock_items_sku_unique').on(t.sku)],
);

/** A lot (batch) of an item, with its expiry date (ISO, NULL = does not expire). */
export const stockLots = sqliteTable(
  'stock_lots',
  {
    id: id(),
    itemId: text('item_id')
      .notNull()
      .references(() => stockItems.id),
    lotNumber: text('lot_number').notNull(),
    expiryDate: text('expiry_date'),
    ...timestamps,
  },
  (t) => [uniqueIndex('stock_lots_item_lot_unique').on(t.itemId, t.lotNumber), index('stock_lots_expiry_idx').on(t.expiryDate)],
);

/** Stock changes are deltas, so two workstations never overwrite each other's counts. Append-only (triggers refuse UPDATE and DELETE). */
export const stockMovements = sqliteTable(
  'stock_movements',
  {
    id: id(),
    itemId: text('item_id')
      .notNull()
      .references(() => stockItems.id, { onDelete: 'restrict' }),
    lotId: text('lot_id').references(() => stockLots.id),
    delta: integer('delta').notNull(),
    reason: text('reason', { enum: MOVEMENT_REASONS }).notNull(),
    /** Why an adjustment or write-off was made (words, no patient data). */
    note: text('note'),
    purchaseOrderId: text('purchase_order_id').references(() => purchaseOrders.id),
    purchaseOrderLineId: text('purchase_order_line_id'),
    appointmentId: text('appointment_id'),
    patientId: text('patient_id').references(() => patients.id),
    prescriptionOrderId: text('prescription_order_id'),
    /** The patient order line picked (−), put back after a cancel (+) or returned by the patient (+). */
    patientOrderLineId: text('patient_order_line_id'),
    at: integer('at').notNull(),
    staffId: text('staff_id').references(() => staff.id),
    ...timestamps,
  },
  (t) => [
    index('stock_movements_item_idx').on(t.itemId, t.at),
    index('stock_movements_lot_idx').on(t.lotId),
    index('stock_movements_appointment_idx').on(t.appointmentId),
    index('stock_movements_order_line_idx').on(t.patientOrderLineId),
  ],
);

/**
 * Units held for a patient order line until it is picked (`issued`) or cancelled (`released`):
 * available = on hand in lots that have not expired − what is held on them − what a manager's
 * override holds on no lot (`lot_id` NULL). Held units of a lot never exceed its on hand.
 */
export const stockReservations = sqliteTable(
  'stock_reservations',
  {
    id: id(),
    itemId: text('item_id')
      .notNull()
      .references(() => stockItems.id),
    /** NULL: reserved beyond what was available, by a manager's explicit override. */
    lotId: text('lot_id').references(() => stockLots.id),
    /** The patient order line it is held for. */
    orderLineId: text('order_line_id').notNull(),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: RESERVATION_STATUSES }).notNull().default('held'),
    override: integer('override', { mode: 'boolean' }).notNull().default(false),
    /** The movement that issued it (picking). */
    movementId: text('movement_id'),
    ...timestamps,
  },
  (t) => [index('stock_reservations_item_idx').on(t.itemId, t.status), index('stock_reservations_lot_idx').on(t.lotId, t.status), index('stock_reservations_line_idx').on(t.orderLineId)],
);

/**
 * Σ movements per lot, kept by a trigger on every movement insert (migration
 * `stock-balances-and-append-only`): an index of the movements, never a count anyone writes.
 */
export const stockLotBalances = sqliteTable(
  'stock_lot_balances',
  {
    lotId: text('lot_id')
      .primaryKey()
      .references(() => stockLots.id),
    itemId: text('item_id').notNull(),
    onHand: integer('on_hand').notNull(),
  },
  (t) => [index('stock_lot_balances_item_idx').on(t.itemId)],
);

/** A doctor's order of a prescription-only item for a patient; issues against it are movements. */
export const prescriptionOrders = sqliteTable(
  'prescription_orders',
  {
    id: id(),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id),
    itemId: text('item_id')
      .notNull()
      .references(() => stockItems.id),
    quantity: integer('quantity').notNull(),
    issuedQuantity: integer('issued_quantity').notNull().default(0),
    /** Last day the order may be used (ISO date, clinic time zone). */
    validUntil: text('valid_until').notNull(),
    prescriberId: text('prescriber_id')
      .notNull()
      .references(() => staff.id),
    status: text('status', { enum: PRESCRIPTION_STATUSES }).notNull().default('active'),
    notes: text('notes'),
    cancelReason: text('cancel_reason'),
    ...timestamps,
  },
  (t) => [index('prescription_orders_patient_idx').on(t.patientId, t.itemId)],
);

export const purchaseOrders = sqliteTable(
  'purchase_orders',
  {
    id: id(),
    /** Local number with this workstation's prefix; the service's final number goes in `final_number`. */
    number: text('number').notNull(),
    finalNumber: text('final_number'),
    supplier: text('supplier').notNull(),
    status: text('status', { enum: PURCHASE_ORDER_STATUSES }).notNull().default('draft'),
    /** When it was sent (locked). */
    orderedAt: integer('ordered_at'),
    receivedAt: integer('received_at'),
    cancelledAt: integer('cancelled_at'),
    cancelReason: text('cancel_reason'),
    ...timestamps,
  },
  (t) => [uniqueIndex('purchase_orders_number_unique').on(t.number)],
);

export const purchaseOrderLines = sqliteTable(
  'purchase_order_lines',
  {
    id: id(),
    orderId: text('order_id')
      .notNull()
      .references(() => purchaseOrders.id, { onDelete: 'cascade' }),
    itemId: text('item_id')
      .notNull()
      .references(() => stockItems.id),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
    receivedQuantity: integer('received_quantity').notNull().default(0),
    /** The part of a short receipt that will not come (cancelled back-order). */
    cancelledQuantity: integer('cancelled_quantity').notNull().default(0),
    /** Removed from a draft (the row stays). */
    removedAt: integer('removed_at'),
    ...timestamps,
  },
  (t) => [index('purchase_order_lines_order_idx').on(t.orderId)],
);
