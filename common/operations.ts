/**
 * Vocabulary of clinic operations (bookings, stock, purchasing, billing) shared by the record's
 * schema, the services, the renderer and the hosted service.
 */
import { z } from 'zod';
import { epochMsSchema, idSchema, isoDateSchema } from './records';

export const APPOINTMENT_KINDS = ['clinic', 'home_visit'] as const;
export type AppointmentKind = (typeof APPOINTMENT_KINDS)[number];
/** `checked_in` was `arrived` in the placeholder schema (migrated). */
export const APPOINTMENT_STATUSES = ['booked', 'checked_in', 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
export const REMINDER_CHANNELS = ['sms', 'email'] as const;
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number];
export const REMINDER_STATUSES = ['queued', 'cancelled', 'sent'] as const;

/**
 * receipt +, usage −, adjustment ±, return − (to the supplier), write_off − (expired or damaged);
 * patient orders: order_pick − (issued to the order), order_restock + (a cancelled order's picked
 * units back on the shelf), order_return + (unopened units the patient gave back).
 */
export const MOVEMENT_REASONS = ['receipt', 'usage', 'adjustment', 'return', 'write_off', 'order_pick', 'order_restock', 'order_return'] as const;
export type MovementReason = (typeof MOVEMENT_REASONS)[number];
export const PRESCRIPTION_STATUSES = ['active', 'cancelled'] as const;
/** `sent` and `partly_received` were `ordered` and `partially_received` in the placeholder schema (migrated). */
export const PURCHASE_ORDER_STATUSES = ['draft', 'sent', 'partly_received', 'received', 'cancelled'] as const;
export type PurchaseOrderStatus = (typeof PURCHASE_ORDER_STATUSES)[number];

export const INVOICE_STATUSES = ['draft', 'issued', 'part_paid', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];
export const INVOICE_LINE_KINDS = ['service', 'supply'] as const;
export const PAYMENT_KINDS = ['payment', 'refund'] as const;
export const PAYMENT_METHODS = ['cash', 'card', 'bank_transfer', 'insurance', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export const CLAIM_STATUSES = ['ready', 'submitted', 'paid', 'denied'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

export const COMMAND_ORIGINS = ['local', 'remote'] as const;

// ---- shared schemas -------------------------------------------------------------------------

/** Money in integer minor units of the clinic's currency (never floating point). */
export const minorUnitsSchema = z.number({ error: 'Enter an amount' }).int('Whole minor units (cents) only').min(0, 'Cannot be negative').max(1_000_000_000, 'Too large');
/** Tax rate in basis points: 2000 = 20 %. */
export const taxRateBpSchema = z.number().int().min(0, 'Cannot be negative').max(10_000, 'At most 100 %');
export const quantitySchema = z.number({ error: 'Enter a quantity' }).int('Whole units only').min(1, 'At least 1').max(100_000, 'At most 100,000');
export const reasonSchema = z.string().trim().min(1, 'Give a reason').max(500, 'At most 500 characters');
const ianaTimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'Not a time zone (e.g. Europe/Berlin)');

/** The clinic's operations settings (`settings` key `operations`). */
export const operationsSettingsSchema = z.object({
  /** ISO 4217 code; amounts are minor units of it. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'A three-letter currency code, e.g. EUR').default('EUR'),
  /** The clinic's time zone: recurring series keep their local time in it. */
  timeZone: ianaTimeZone.default('UTC'),
  reminderLeadHours: z.number().int().min(1).max(24 * 14).default(24),
  paymentTermsDays: z.number().int().min(0).max(365).default(30),
  /** Home visits: average road speed and the travel time used when a visit has no coordinates. */
  travelSpeedKmh: z.number().min(5).max(150).default(30),
  defaultTravelMinutes: z.number().int().min(0).max(240).default(20),
  expiringSoonDays: z.number().int().min(1).max(365).default(30),
});
export type OperationsSettings = z.infer<typeof operationsSettingsSchema>;
export const operationsSettingsUpdateSchema = operationsSettingsSchema.partial();

/** Every command travels as `{ commandId, args }`: the id is made by the client, so a retry is the same command. */
export function commandInput<S extends z.ZodType>(args: S) {
  return z.object({ commandId: idSchema, args });
}

export const dateRangeSchema = z
  .object({ from: epochMsSchema, to: epochMsSchema })
  .refine((r) => r.to > r.from && r.to - r.from <= 62 * 86_400_000, { message: 'A range of up to 62 days', path: ['to'] });

export { idSchema, isoDateSchema, epochMsSchema };

export const dashboardSchema = z.object({
  currency: z.string(),
  weeks: z.array(
    z.object({
      /** Monday of the week (clinic time zone). */
      week: z.string(),
      visits: z.number(),
      noShows: z.number(),
      /** no-shows / (visits + no-shows); null when nothing was due. */
      noShowRate: z.number().nullable(),
      /** Issued invoices minus credit notes, minor units. */
      revenueCents: z.number(),
    }),
  ),
  stockValueCents: z.number(),
  belowReorder: z.number(),
  expiringSoon: z.number(),
  expiringSoonDays: z.number(),
  aging: z.array(z.object({ bucket: z.string(), count: z.number(), balanceCents: z.number() })),
});
export type Dashboard = z.infer<typeof dashboardSchema>;
