import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { id, timestamps } from './columns';
import { patients } from './patients';

/** Money is integer minor units (cents) in `currency`; never floating point. */
export const invoices = sqliteTable(
  'invoices',
  {
    id: id(),
    number: text('number').notNull(),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id, { onDelete: 'restrict' }),
    status: text('status', { enum: ['draft', 'issued', 'paid', 'void'] })
      .notNull()
      .default('draft'),
    currency: text('currency').notNull(),
    issuedAt: integer('issued_at'),
    dueAt: integer('due_at'),
    totalCents: integer('total_cents').notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('invoices_number_unique').on(t.number), index('invoices_patient_idx').on(t.patientId)],
);

export const invoiceLines = sqliteTable(
  'invoice_lines',
  {
    id: id(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    description: text('description').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
    amountCents: integer('amount_cents').notNull(),
    ...timestamps,
  },
  (t) => [index('invoice_lines_invoice_idx').on(t.invoiceId)],
);

export const payments = sqliteTable(
  'payments',
  {
    id: id(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'restrict' }),
    amountCents: integer('amount_cents').notNull(),
    method: text('method', { enum: ['cash', 'card', 'bank_transfer', 'insurance', 'other'] }).notNull(),
    receivedAt: integer('received_at').notNull(),
    reference: text('reference'),
    ...timestamps,
  },
  (t) => [index('payments_invoice_idx').on(t.invoiceId)],
);
