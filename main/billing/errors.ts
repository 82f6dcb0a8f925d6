import { OperationError } from '../commands/index';

export type BillingErrorCode = 'INVOICE_LOCKED' | 'INVOICE_EMPTY' | 'OVERPAYMENT' | 'OVER_CREDIT' | 'INVOICE_HAS_PAYMENTS' | 'NO_COVERAGE' | 'CLAIM_EXISTS' | 'FHIR_INVALID' | 'UNKNOWN_CURRENCY' | 'CODE_TAKEN';

export abstract class BillingError extends OperationError<BillingErrorCode> {}

/** An issued invoice is never edited: corrections are credit notes. */
export class InvoiceLockedError extends BillingError {
  readonly code = 'INVOICE_LOCKED';
  constructor(readonly status: string) {
    super(`The invoice is ${status.replace('_', '-')}: only a draft can be changed. Correct an issued invoice with a credit note.`);
  }
}

export class InvoiceEmptyError extends BillingError {
  readonly code = 'INVOICE_EMPTY';
  constructor() {
    super('The invoice has no lines: add a service or supply before issuing it.');
  }
}

export class OverpaymentError extends BillingError {
  readonly code = 'OVERPAYMENT';
  constructor(readonly balanceCents: number) {
    super(`The payment is more than the balance due (${balanceCents} minor units). Nothing was recorded.`);
  }
}

export class OverCreditError extends BillingError {
  readonly code = 'OVER_CREDIT';
  constructor(readonly left: number) {
    super(`More units credited than are left on the line (${left}).`);
  }
}

export class InvoiceHasPaymentsError extends BillingError {
  readonly code = 'INVOICE_HAS_PAYMENTS';
  constructor() {
    super('The invoice has payments: credit its lines (and refund) instead of voiding it.');
  }
}

export class NoCoverageError extends BillingError {
  readonly code = 'NO_COVERAGE';
  constructor() {
    super('The invoice names no insurance: add the patient’s coverage and issue with it, or bill the patient.');
  }
}

export class ClaimExistsError extends BillingError {
  readonly code = 'CLAIM_EXISTS';
  constructor() {
    super('This invoice already has a claim.');
  }
}

export class FhirInvalidError extends BillingError {
  readonly code = 'FHIR_INVALID';
  constructor(detail: string) {
    super(`The FHIR Claim does not validate against the R4 definitions: ${detail}`);
  }
}

export class UnknownCurrencyError extends BillingError {
  readonly code = 'UNKNOWN_CURRENCY';
  constructor(readonly currency: string) {
    super(`${currency} is not an ISO 4217 currency.`);
  }
}

export class ServiceCodeTakenError extends BillingError {
  readonly code = 'CODE_TAKEN';
  constructor(readonly serviceCode: string) {
    super(`Another service already has code ${serviceCode}.`);
  }
}
