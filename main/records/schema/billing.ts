import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { CLAIM_STATUSES, INVOICE_LINE_KINDS, INVOICE_STATUSES, PAYMENT_KINDS, PAYMENT_METHODS } from '../../../common/operations';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { staff } from './staff';

/** Billable services: price in minor units, tax rate in basis points. */
export const serviceCodes = sqliteTable(
  'service_codes',
  {
    id: id(),
    code: text('code').notNull(),
    description: text('description').notNull(),
    priceCents: integer('price_cents').notNull(),
    taxRateBp: integer('tax_rate_bp').notNull().default(0),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex('service_codes_code_unique').on(t.code)],
);

/** A patient's insurance (for claims). */
export const coverages = sqliteTable(
  'coverages',
  {
    id: id(),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id),
    payerName: text('payer_name').notNull(),
    payerIdentifier: text('payer_identifier').notNull(),
    memberId: text('member_id').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    ...timestamps,
  },
  (t) => [index('coverages_patient_idx').on(t.patientId)],
);

/** Money is integer minor units (cents) in `currency`; never floating point. */
export const invoices = sqliteTable(
  'invoices',
  {
    id: id(),
    /** This workstation's prefix + a local sequence (provisional); the service's number goes in `final_number`. */
    number: text('number').notNull(),
    finalNumber: text('final_number'),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id, { onDelete: 'restrict' }),
    appointmentId: text('appointment_id'),
    status: text('status', { enum: INVOICE_STATUSES }).notNull().default('draft'),
    currency: text('currency').notNull(),
    issuedAt: integer('issued_at'),
    dueAt: integer('due_at'),
    /** Σ line totals (tax included); lines change only while the invoice is a draft. */
    totalCents: integer('total_cents').notNull().default(0),
    coverageId: text('coverage_id').references(() => coverages.id),
    voidReason: text('void_reason'),
    voidedAt: integer('voided_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('invoices_number_unique').on(t.number),
    index('invoices_patient_idx').on(t.patientId),
    index('invoices_appointment_idx').on(t.appointmentId),
    index('invoices_status_idx').on(t.status, t.issuedAt),
  ],
);

export const invoiceLines = sqliteTable(
  'invoice_lines',
  {
    id: id(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: INVOICE_LINE_KINDS }).notNull().default('service'),
    serviceCodeId: text('service_code_id').references(() => serviceCodes.id),
    itemId: text('item_id'),
    /** The stock movement a supply line bills. */
    movementId: text('movement_id'),
    description: text('description').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
    /** Net amount (quantity × unit price). */
    amountCents: integer('amount_cents').notNull(),
    taxRateBp: integer('tax_rate_bp').notNull().default(0),
    taxCents: integer('tax_cents').notNull().default(0),
    totalCents: integer('total_cents').notNull().default(0),
    /** Removed from a draft (the row stays). */
    removedAt: integer('removed_at'),
    ...timestamps,
  },
  (t) => [index('invoice_lines_invoice_idx').on(t.invoiceId)],
);

/** Money received (`payment`) or paid back (`refund`, with the credit note it settles). */
export const payments = sqliteTable(
  'payments',
  {
    id: id(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'restrict' }),
    kind: text('kind', { enum: PAYMENT_KINDS }).notNull().default('payment'),
    creditNoteId: text('credit_note_id'),
    amountCents: integer('amount_cents').notNull(),
    method: text('method', { enum: PAYMENT_METHODS }).notNull(),
    receivedAt: integer('received_at').notNull(),
    reference: text('reference'),
    ...timestamps,
  },
  (t) => [index('payments_invoice_idx').on(t.invoiceId)],
);

/** A correction of an issued invoice: all or some of its lines credited. */
export const creditNotes = sqliteTable(
  'credit_notes',
  {
    id: id(),
    number: text('number').notNull(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    reason: text('reason').notNull(),
    totalCents: integer('total_cents').notNull(),
    createdBy: text('created_by').references(() => staff.id),
    ...timestamps,
  },
  (t) => [uniqueIndex('credit_notes_number_unique').on(t.number), index('credit_notes_invoice_idx').on(t.invoiceId)],
);

export const creditNoteLines = sqliteTable(
  'credit_note_lines',
  {
    id: id(),
    creditNoteId: text('credit_note_id')
      .notNull()
      .references(() => creditNotes.id),
    invoiceLineId: text('invoice_line_id')
      .notNull()
      .references(() => invoiceLines.id),
    quantity: integer('quantity').notNull(),
    amountCents: integer('amount_cents').notNull(),
    taxCents: integer('tax_cents').notNull(),
    totalCents: integer('total_cents').notNull(),
    ...timestamps,
  },
  (t) => [index('credit_note_lines_note_idx').on(t.creditNoteId), index('credit_note_lines_line_idx').on(t.invoiceLineId)],
);

/** An insurance claim for one invoice; exported as CSV or FHIR R4, then marked submitted / paid / denied. */
export const claims = sqliteTable(
  'claims',
  {
    id: id(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    coverageId: text('coverage_id')
      .notNull()
      .references(() => coverages.id),
    status: text('status', { enum: CLAIM_STATUSES }).notNull().default('ready'),
    amountCents: integer('amount_cents').notNull(),
    exportedAt: integer('exported_at'),
    submittedAt: integer('submitted_at'),
    paidAt: integer('paid_at'),
    deniedAt: integer('denied_at'),
    denialReason: text('denial_reason'),
    ...timestamps,
  },
  (t) => [uniqueIndex('claims_invoice_unique').on(t.invoiceId), index('claims_status_idx').on(t.status)],
);
