/**
 * Vocabulary of clinic operations (bookings, stock, purchasing, billing) shared by the record's
 * schema, the services, the renderer and the hosted service.
 */
export const APPOINTMENT_KINDS = ['clinic', 'home_visit'] as const;
export type AppointmentKind = (typeof APPOINTMENT_KINDS)[number];
/** `checked_in` was `arrived` in the placeholder schema (migrated). */
export const APPOINTMENT_STATUSES = ['booked', 'checked_in', 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
export const REMINDER_CHANNELS = ['sms', 'email'] as const;
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number];
export const REMINDER_STATUSES = ['queued', 'cancelled', 'sent'] as const;

/** receipt +, usage −, adjustment ±, return − (to the supplier), write_off − (expired or damaged). */
export const MOVEMENT_REASONS = ['receipt', 'usage', 'adjustment', 'return', 'write_off'] as const;
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
