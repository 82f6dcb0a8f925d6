/** Billing: invoices, payments, credit notes, claims (CSV and FHIR R4). Commands on the clinic's bus. */
export { createBilling, type BillingService, type BillingDeps, type Totals } from './billing.service';
export { createClaimsExport, csvField, SERVICE_CODE_SYSTEM, SKU_SYSTEM, type ClaimsExport } from './claims-export';
export { assertValidR4 } from './fhir';
export { lineMoney, creditMoney, decimal, isKnownCurrency } from './money';
export * from './errors';
