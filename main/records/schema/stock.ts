import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { id, timestamps } from './columns';
import { staff } from './staff';

export const stockItems = sqliteTable(
  'stock_items',
  {
    id: id(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    unit: text('unit').notNull(),
    reorderLevel: integer('reorder_level').notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('stock_items_sku_unique').on(t.sku)],
);

/** Stock changes are deltas, so two workstations never overwrite each other's counts. */
export const stockMovements = sqliteTable(
  'stock_movements',
  {
    id: id(),
    itemId: text('item_id')
      .notNull()
      .references(() => stockItems.id, { onDelete: 'restrict' }),
    delta: integer('delta').notNull(),
    reason: text('reason', { enum: ['receipt', 'usage', 'adjustment', 'return', 'write_off'] }).notNull(),
    purchaseOrderId: text('purchase_order_id').references(() => purchaseOrders.id),
    at: integer('at').notNull(),
    staffId: text('staff_id').references(() => staff.id),
    ...timestamps,
  },
  (t) => [index('stock_movements_item_idx').on(t.itemId, t.at)],
);

export const purchaseOrders = sqliteTable(
  'purchase_orders',
  {
    id: id(),
    number: text('number').notNull(),
    supplier: text('supplier').notNull(),
    status: text('status', { enum: ['draft', 'ordered', 'partially_received', 'received', 'cancelled'] })
      .notNull()
      .default('draft'),
    orderedAt: integer('ordered_at'),
    receivedAt: integer('received_at'),
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
    ...timestamps,
  },
  (t) => [index('purchase_order_lines_order_idx').on(t.orderId)],
);
