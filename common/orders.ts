/**
 * Patient supply orders (issue 22): dressings and devices ordered for one patient, checked against
 * the doctor's orders, reserved and picked from stock, delivered (to the patient's address or at a
 * caregiver's visit) or collected, billed, returned. Shared by the record's schema, the service,
 * the renderer and the hosted service (the args of the `orders.*` commands).
 */
import { z } from 'zod';
import { PAYMENT_METHODS, idSchema, isoDateSchema, quantitySchema, reasonSchema } from './operations';

/**
 * draft → confirmed (prescriptions consumed, stock reserved) → picked (issued from stock) →
 * dispatched (delivery, caregiver) or ready (collection) → delivered / collected; or cancelled
 * (kept, with its reason) at any point before it reaches the patient.
 */
export const PATIENT_ORDER_STATUSES = ['draft', 'confirmed', 'picked', 'dispatched', 'ready', 'delivered', 'collected', 'cancelled'] as const;
export type PatientOrderStatus = (typeof PATIENT_ORDER_STATUSES)[number];
/** To the patient's address, handed over at a caregiver's home visit, or collected at the clinic. */
export const FULFILMENTS = ['delivery', 'caregiver', 'collection'] as const;
export type Fulfilment = (typeof FULFILMENTS)[number];
/** A reservation holds units of a lot (or, with a manager's override, of no lot yet) for an order line. */
export const RESERVATION_STATUSES = ['held', 'issued', 'released'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];
/** What a return did to the money: a credit note (issued invoice), a corrected draft line, or nothing (void invoice). */
export const RETURN_BILLING = ['credit_note', 'draft_corrected', 'not_billed'] as const;

const address = z.string().trim().min(1, 'Enter the delivery address').max(500, 'At most 500 characters');
const notes = z.string().trim().max(1000, 'At most 1000 characters').nullable().default(null);

export const orderLineInput = z.object({
  lineId: idSchema,
  itemId: idSchema,
  quantity: quantitySchema,
  /** The doctor's order a prescription-only line is issued against; null: the first valid one that covers it. */
  prescriptionOrderId: idSchema.nullable().default(null),
});
export type OrderLineInput = z.input<typeof orderLineInput>;

const fulfilmentFields = {
  fulfilment: z.enum(FULFILMENTS, { error: 'Choose delivery, a caregiver’s visit or collection' }),
  /** Delivery: where to (null: the patient's address as recorded). */
  deliveryAddress: address.nullable().default(null),
  /** Caregiver: the home-care staff member who takes it to the patient. */
  caregiverId: idSchema.nullable().default(null),
};

export const createOrderArgs = z.object({
  orderId: idSchema,
  patientId: idSchema,
  ...fulfilmentFields,
  /** The day it is to be picked and sent (or made ready), clinic time zone. */
  dueDate: isoDateSchema,
  notes,
  lines: z.array(orderLineInput).min(1, 'Add at least one item').max(50, 'At most 50 items'),
});
export type CreateOrderArgs = z.input<typeof createOrderArgs>;

export const updateOrderDraftArgs = z.object({
  orderId: idSchema,
  fulfilment: fulfilmentFields.fulfilment.optional(),
  deliveryAddress: address.nullable().optional(),
  caregiverId: idSchema.nullable().optional(),
  dueDate: isoDateSchema.optional(),
  notes: z.string().trim().max(1000).nullable().optional(),
  addLines: z.array(orderLineInput).max(50).default([]),
  removeLineIds: z.array(idSchema).max(50).default([]),
  quantities: z.array(z.object({ lineId: idSchema, quantity: quantitySchema })).max(50).default([]),
});

export const confirmOrderArgs = z.object({
  orderId: idSchema,
  /**
   * A manager's explicit decision to reserve more than is available (stock is on its way): the
   * shortfall is held on no lot and available goes below zero until it arrives. Optional, so
   * commands sent before it existed keep their hash.
   */
  override: z.boolean().optional(),
});
export const orderIdArgs = z.object({ orderId: idSchema });
export const cancelPatientOrderArgs = z.object({ orderId: idSchema, reason: reasonSchema });
export const returnOrderArgs = z.object({
  orderId: idSchema,
  reason: reasonSchema,
  lines: z
    .array(
      z.object({
        lineId: idSchema,
        quantity: quantitySchema,
        /** Unopened and fit to issue again: back into the lot it came from. Otherwise it is discarded. */
        restock: z.boolean(),
      }),
    )
    .min(1, 'Choose at least one item')
    .max(50),
  /** Pay back what the credit note leaves overpaid (issued invoices only). */
  refund: z.object({ method: z.enum(PAYMENT_METHODS), reference: z.string().trim().max(200).nullable().default(null) }).nullable().default(null),
});
export type ReturnOrderArgs = z.input<typeof returnOrderArgs>;
export const repeatOrderArgs = z.object({
  /** The new order's id. */
  orderId: idSchema,
  fromOrderId: idSchema,
  dueDate: isoDateSchema,
});

// ---- reads ------------------------------------------------------------------------------------

export const catalogueInput = z.object({ search: z.string().trim().max(100).default(''), limit: z.number().int().min(1).max(200).default(50) });
export const catalogueItemSchema = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  unit: z.string(),
  packSize: z.number(),
  priceCents: z.number(),
  taxRateBp: z.number(),
  prescriptionOnly: z.boolean(),
  /** On hand in lots that have not expired, less what is reserved for patient orders. */
  available: z.number(),
});
export type CatalogueItem = z.infer<typeof catalogueItemSchema>;

export const orderLineViewSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  sku: z.string(),
  name: z.string(),
  packSize: z.number(),
  prescriptionOnly: z.boolean(),
  quantity: z.number(),
  unitPriceCents: z.number(),
  taxRateBp: z.number(),
  totalCents: z.number(),
  prescriptionOrderId: z.string().nullable(),
  returnedQuantity: z.number(),
  /** Held: units kept for this line, by lot (first-expired-first-out); a lot of null is a manager's override. */
  reservations: z.array(z.object({ lotNumber: z.string().nullable(), expiryDate: z.string().nullable(), quantity: z.number(), override: z.boolean(), expired: z.boolean() })),
  /** Issued at picking (net of what went back on the shelf), by lot. */
  issued: z.array(z.object({ lotNumber: z.string(), expiryDate: z.string().nullable(), quantity: z.number() })),
});
export const patientOrderViewSchema = z.object({
  id: z.string(),
  number: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  mrn: z.string(),
  status: z.enum(PATIENT_ORDER_STATUSES),
  fulfilment: z.enum(FULFILMENTS),
  deliveryAddress: z.string().nullable(),
  caregiverId: z.string().nullable(),
  caregiverName: z.string().nullable(),
  dueDate: z.string(),
  notes: z.string().nullable(),
  repeatOfId: z.string().nullable(),
  invoiceId: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  cancelReason: z.string().nullable(),
  currency: z.string(),
  totalCents: z.number(),
  createdAt: z.number(),
  confirmedAt: z.number().nullable(),
  pickedAt: z.number().nullable(),
  dispatchedAt: z.number().nullable(),
  readyAt: z.number().nullable(),
  completedAt: z.number().nullable(),
  cancelledAt: z.number().nullable(),
  lines: z.array(orderLineViewSchema),
  returns: z.array(z.object({ id: z.string(), lineId: z.string(), quantity: z.number(), restock: z.boolean(), reason: z.string(), billing: z.enum(RETURN_BILLING), creditNoteNumber: z.string().nullable(), at: z.number() })),
});
export type PatientOrderView = z.infer<typeof patientOrderViewSchema>;

/** The order lists of the screen: to pick today (confirmed, due today or before), awaiting delivery or collection, a patient's history. */
export const orderListInput = z.discriminatedUnion('list', [
  z.object({ list: z.literal('to-pick') }),
  z.object({ list: z.literal('awaiting-delivery') }),
  z.object({ list: z.literal('open') }),
  z.object({ list: z.literal('patient'), patientId: idSchema }),
]);
export type OrderListInput = z.infer<typeof orderListInput>;
