/** Stock: items, lots with expiry, movements, prescription orders; purchase orders. */
import { z } from 'zod';
import { MOVEMENT_REASONS, PURCHASE_ORDER_STATUSES, idSchema, isoDateSchema, minorUnitsSchema, quantitySchema, reasonSchema, taxRateBpSchema } from './operations';

const text = (max: number, message: string) => z.string().trim().min(1, message).max(max, `At most ${max} characters`);
const level = z.number({ error: 'Enter a number' }).int('Whole units only').min(0, 'Cannot be negative').max(1_000_000);

export const defineItemArgs = z
  .object({
    itemId: idSchema,
    sku: text(64, 'Enter the SKU'),
    name: text(200, 'Enter a name'),
    unit: text(32, 'Enter the unit (e.g. piece, roll)'),
    packSize: z.number({ error: 'Enter the pack size' }).int().min(1, 'At least 1').max(10_000),
    supplier: z.string().trim().max(200).nullable().default(null),
    unitCostCents: minorUnitsSchema,
    priceCents: minorUnitsSchema,
    taxRateBp: taxRateBpSchema.default(0),
    prescriptionOnly: z.boolean().default(false),
    /** In the catalogue of supplies for patient orders. Optional (no default) so commands sent before it existed keep their hash; a new item is in it unless this is false. */
    patientSupply: z.boolean().optional(),
    reorderLevel: level,
    reorderTarget: level,
    active: z.boolean().default(true),
  })
  .refine((i) => i.reorderTarget >= i.reorderLevel, { message: 'The target must be at least the reorder level', path: ['reorderTarget'] });
export type DefineItemArgs = z.input<typeof defineItemArgs>;

export const lotNumberSchema = text(64, 'Enter the lot number');
export const receiveArgs = z.object({ itemId: idSchema, lotNumber: lotNumberSchema, expiryDate: isoDateSchema.nullable(), quantity: quantitySchema, note: z.string().trim().max(500).nullable().default(null) });
export const adjustArgs = z.object({
  lotId: idSchema,
  delta: z.number().int().min(-100_000).max(100_000).refine((d) => d !== 0, 'An adjustment changes the count'),
  reason: reasonSchema,
});
export const writeOffArgs = z.object({ lotId: idSchema, quantity: quantitySchema, cause: z.enum(['expired', 'damaged']), note: z.string().trim().max(500).nullable().default(null) });
export const returnArgs = z.object({ lotId: idSchema, quantity: quantitySchema, note: reasonSchema });
export const usageLineSchema = z.object({
  itemId: idSchema,
  /** Null: first-expired-first-out over the available lots. */
  lotId: idSchema.nullable().default(null),
  quantity: quantitySchema,
  /** Required for prescription-only items: the doctor's order it is issued against. */
  prescriptionOrderId: idSchema.nullable().default(null),
});
export const recordUsageArgs = z.object({
  /** The visit the supplies were used at (null: issued to the patient outside a visit). */
  appointmentId: idSchema.nullable(),
  patientId: idSchema,
  lines: z.array(usageLineSchema).min(1, 'Add at least one item').max(50),
});
export type RecordUsageArgs = z.input<typeof recordUsageArgs>;
export const prescribeArgs = z.object({
  orderId: idSchema,
  patientId: idSchema,
  itemId: idSchema,
  quantity: quantitySchema,
  validUntil: isoDateSchema,
  notes: z.string().trim().max(1000).nullable().default(null),
});
export const cancelPrescriptionArgs = z.object({ orderId: idSchema, reason: reasonSchema });

export const itemViewSchema = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  unit: z.string(),
  packSize: z.number(),
  supplier: z.string().nullable(),
  unitCostCents: z.number(),
  priceCents: z.number(),
  taxRateBp: z.number(),
  prescriptionOnly: z.boolean(),
  /** May be supplied to patients (the patient-order catalogue). */
  patientSupply: z.boolean(),
  reorderLevel: z.number(),
  reorderTarget: z.number(),
  active: z.boolean(),
  /** Σ movements (expired lots included until written off). */
  onHand: z.number(),
  /** Held for patient orders (confirmed, not yet picked). */
  reserved: z.number(),
  /** On hand in lots that have not expired, less what is held for patient orders. Below zero only by a manager's override. */
  available: z.number(),
});
export type ItemView = z.infer<typeof itemViewSchema>;
export const lotViewSchema = z.object({ id: z.string(), itemId: z.string(), lotNumber: z.string(), expiryDate: z.string().nullable(), onHand: z.number(), reserved: z.number(), expired: z.boolean() });
export type LotView = z.infer<typeof lotViewSchema>;
export const movementViewSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  lotId: z.string().nullable(),
  lotNumber: z.string().nullable(),
  delta: z.number(),
  reason: z.enum(MOVEMENT_REASONS),
  note: z.string().nullable(),
  appointmentId: z.string().nullable(),
  purchaseOrderId: z.string().nullable(),
  at: z.number(),
});
export const reorderSuggestionSchema = z.object({ itemId: z.string(), sku: z.string(), name: z.string(), supplier: z.string().nullable(), available: z.number(), reorderLevel: z.number(), reorderTarget: z.number(), packSize: z.number(), suggestedQuantity: z.number(), unitCostCents: z.number() });
export type ReorderSuggestion = z.infer<typeof reorderSuggestionSchema>;
export const expiringLotSchema = lotViewSchema.extend({ sku: z.string(), name: z.string(), daysLeft: z.number() });
export const prescriptionViewSchema = z.object({
  id: z.string(),
  patientId: z.string(),
  itemId: z.string(),
  itemName: z.string(),
  quantity: z.number(),
  issuedQuantity: z.number(),
  validUntil: z.string(),
  prescriberId: z.string(),
  prescriberName: z.string(),
  status: z.enum(['active', 'cancelled']),
  /** Active, not past its date and not fully issued. */
  usable: z.boolean(),
  notes: z.string().nullable(),
});
export type PrescriptionView = z.infer<typeof prescriptionViewSchema>;

// ---- purchase orders ------------------------------------------------------------------------

const poLine = z.object({ lineId: idSchema, itemId: idSchema, quantity: quantitySchema, unitPriceCents: minorUnitsSchema.nullable().default(null) });
export const createDraftArgs = z.object({ orderId: idSchema, supplier: text(200, 'Enter the supplier'), lines: z.array(poLine).min(1, 'Add at least one item').max(200) });
export type CreateDraftArgs = z.input<typeof createDraftArgs>;
export const updateDraftArgs = z.object({
  orderId: idSchema,
  supplier: text(200, 'Enter the supplier').optional(),
  addLines: z.array(poLine).max(200).default([]),
  removeLineIds: z.array(idSchema).max(200).default([]),
  quantities: z.array(z.object({ lineId: idSchema, quantity: quantitySchema })).max(200).default([]),
});
export const orderIdArgs = z.object({ orderId: idSchema });
export const cancelOrderArgs = z.object({ orderId: idSchema, reason: reasonSchema });
export const receiveOrderArgs = z.object({
  orderId: idSchema,
  lines: z
    .array(z.object({ lineId: idSchema, quantity: z.number().int().min(0).max(100_000), lotNumber: lotNumberSchema, expiryDate: isoDateSchema.nullable() }))
    .min(1, 'Receive at least one line')
    .max(200),
  /** What happens to what did not come, when a receipt is short: kept on back-order or cancelled. */
  remainder: z.enum(['backorder', 'cancel']).nullable().default(null),
});
export type ReceiveOrderArgs = z.input<typeof receiveOrderArgs>;

export const purchaseOrderViewSchema = z.object({
  id: z.string(),
  number: z.string(),
  supplier: z.string(),
  status: z.enum(PURCHASE_ORDER_STATUSES),
  orderedAt: z.number().nullable(),
  receivedAt: z.number().nullable(),
  cancelReason: z.string().nullable(),
  totalCents: z.number(),
  lines: z.array(
    z.object({ id: z.string(), itemId: z.string(), sku: z.string(), name: z.string(), quantity: z.number(), unitPriceCents: z.number(), receivedQuantity: z.number(), cancelledQuantity: z.number(), outstanding: z.number() }),
  ),
});
export type PurchaseOrderView = z.infer<typeof purchaseOrderViewSchema>;
