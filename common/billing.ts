/** Billing: service codes, invoices, payments, credit notes, insurance claims. */
import { z } from 'zod';
import { CLAIM_STATUSES, INVOICE_LINE_KINDS, INVOICE_STATUSES, PAYMENT_METHODS, idSchema, minorUnitsSchema, quantitySchema, reasonSchema, taxRateBpSchema } from './operations';

const text = (max: number, message: string) => z.string().trim().min(1, message).max(max, `At most ${max} characters`);

export const defineServiceCodeArgs = z.object({
  serviceCodeId: idSchema,
  code: text(32, 'Enter the code'),
  description: text(200, 'Enter a description'),
  priceCents: minorUnitsSchema,
  taxRateBp: taxRateBpSchema.default(0),
  active: z.boolean().default(true),
});
export const setCoverageArgs = z.object({
  coverageId: idSchema,
  patientId: idSchema,
  payerName: text(200, 'Enter the insurer'),
  payerIdentifier: text(64, "Enter the insurer's identifier"),
  memberId: text(64, 'Enter the member number'),
  active: z.boolean().default(true),
});
export const createInvoiceArgs = z.object({ invoiceId: idSchema, patientId: idSchema, appointmentId: idSchema.nullable().default(null) });
export const addLineArgs = z
  .object({
    invoiceId: idSchema,
    lineId: idSchema,
    serviceCodeId: idSchema.nullable().default(null),
    /** A free line (no service code): description and price. */
    description: z.string().trim().min(1).max(200).nullable().default(null),
    unitPriceCents: minorUnitsSchema.nullable().default(null),
    taxRateBp: taxRateBpSchema.nullable().default(null),
    quantity: quantitySchema.default(1),
  })
  .refine((l) => l.serviceCodeId !== null || (l.description !== null && l.unitPriceCents !== null), { message: 'Choose a service code, or give a description and a price', path: ['serviceCodeId'] });
export const removeLineArgs = z.object({ invoiceId: idSchema, lineId: idSchema });
export const issueArgs = z.object({ invoiceId: idSchema, coverageId: idSchema.nullable().default(null) });
export const recordPaymentArgs = z.object({
  invoiceId: idSchema,
  paymentId: idSchema,
  amountCents: minorUnitsSchema.refine((a) => a > 0, 'A payment is more than zero'),
  method: z.enum(PAYMENT_METHODS),
  reference: z.string().trim().max(200).nullable().default(null),
});
export const creditNoteArgs = z.object({
  invoiceId: idSchema,
  creditNoteId: idSchema,
  reason: reasonSchema,
  lines: z.array(z.object({ invoiceLineId: idSchema, quantity: quantitySchema })).min(1, 'Choose at least one line').max(200),
  /** Pay back what the credit leaves overpaid (method and reference of the refund). */
  refund: z.object({ method: z.enum(PAYMENT_METHODS), reference: z.string().trim().max(200).nullable().default(null) }).nullable().default(null),
});
export const voidArgs = z.object({ invoiceId: idSchema, reason: reasonSchema });
export const createClaimArgs = z.object({ claimId: idSchema, invoiceId: idSchema });
export const markClaimArgs = z
  .object({ claimId: idSchema, status: z.enum(['submitted', 'paid', 'denied']), reason: z.string().trim().max(500).nullable().default(null) })
  .refine((c) => c.status !== 'denied' || !!c.reason, { message: 'Say why the claim was denied', path: ['reason'] });

export const invoiceLineViewSchema = z.object({
  id: z.string(),
  kind: z.enum(INVOICE_LINE_KINDS),
  description: z.string(),
  quantity: z.number(),
  unitPriceCents: z.number(),
  amountCents: z.number(),
  taxRateBp: z.number(),
  taxCents: z.number(),
  totalCents: z.number(),
  creditedQuantity: z.number(),
  removed: z.boolean(),
});
export const invoiceViewSchema = z.object({
  id: z.string(),
  number: z.string(),
  finalNumber: z.string().nullable(),
  patientId: z.string(),
  patientName: z.string(),
  mrn: z.string(),
  appointmentId: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  currency: z.string(),
  issuedAt: z.number().nullable(),
  dueAt: z.number().nullable(),
  totalCents: z.number(),
  creditedCents: z.number(),
  paidCents: z.number(),
  refundedCents: z.number(),
  /** total − credited − paid + refunded. */
  balanceCents: z.number(),
  voidReason: z.string().nullable(),
  coverageId: z.string().nullable(),
  createdAt: z.number(),
});
export type InvoiceView = z.infer<typeof invoiceViewSchema>;
export const invoiceDetailSchema = invoiceViewSchema.extend({
  lines: z.array(invoiceLineViewSchema),
  payments: z.array(z.object({ id: z.string(), kind: z.enum(['payment', 'refund']), amountCents: z.number(), method: z.enum(PAYMENT_METHODS), reference: z.string().nullable(), receivedAt: z.number() })),
  creditNotes: z.array(z.object({ id: z.string(), number: z.string(), reason: z.string(), totalCents: z.number(), createdAt: z.number() })),
  claim: z.object({ id: z.string(), status: z.enum(CLAIM_STATUSES) }).nullable(),
});
export type InvoiceDetail = z.infer<typeof invoiceDetailSchema>;
export const invoiceListInput = z.object({
  status: z.enum(INVOICE_STATUSES).nullable().default(null),
  patientId: idSchema.nullable().default(null),
  /** Unpaid issued invoices in one aging bucket. */
  aging: z.enum(['0-30', '31-60', '61-90', '90+']).nullable().default(null),
  limit: z.number().int().min(1).max(500).default(100),
});
export const AGING_BUCKETS = ['0-30', '31-60', '61-90', '90+'] as const;
export const agingSchema = z.object({ buckets: z.array(z.object({ bucket: z.enum(AGING_BUCKETS), count: z.number(), balanceCents: z.number() })), currency: z.string() });
export const claimViewSchema = z.object({
  id: z.string(),
  invoiceId: z.string(),
  invoiceNumber: z.string(),
  patientName: z.string(),
  payerName: z.string(),
  status: z.enum(CLAIM_STATUSES),
  amountCents: z.number(),
  currency: z.string(),
  submittedAt: z.number().nullable(),
  paidAt: z.number().nullable(),
  deniedAt: z.number().nullable(),
  denialReason: z.string().nullable(),
});
export type ClaimView = z.infer<typeof claimViewSchema>;
export const claimExportInput = z.object({ claimIds: z.array(idSchema).min(1, 'Choose at least one claim').max(500) });

/**
 * The CSV claim layout (one row per invoice line; README documents it). Columns, in order:
 */
export const CLAIM_CSV_COLUMNS = [
  'claim_id', 'invoice_number', 'invoice_date', 'patient_mrn', 'patient_family_name', 'patient_given_name', 'patient_birth_date',
  'payer_name', 'payer_id', 'member_id', 'line_no', 'service_code', 'description', 'service_date', 'quantity', 'unit_price', 'net', 'tax', 'total', 'currency', 'claim_total',
] as const;
