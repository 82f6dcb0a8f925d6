import { OperationError } from '../commands/index';

export type StockErrorCode = 'INSUFFICIENT_STOCK' | 'STOCK_RESERVED' | 'LOT_EXPIRED' | 'PRESCRIPTION_REQUIRED' | 'PRESCRIPTION_INVALID' | 'LOT_MISMATCH' | 'SKU_TAKEN' | 'VISIT_MISMATCH';

export abstract class StockError extends OperationError<StockErrorCode> {}

export class InsufficientStockError extends StockError {
  readonly code = 'INSUFFICIENT_STOCK';
  constructor(readonly itemName: string, readonly wanted: number, readonly available: number) {
    super(`Not enough ${itemName} in stock: ${wanted} wanted, ${available} available (expired lots and stock reserved for patient orders do not count). Nothing was taken.`);
  }
}

/** Units held for patient orders would leave a lot, and no other lot can hold them. */
export class StockReservedError extends StockError {
  readonly code = 'STOCK_RESERVED';
  constructor(readonly lotNumber: string, readonly held: number, readonly stuck: number) {
    super(`${held} of lot ${lotNumber} are reserved for patient orders and no other lot can hold ${stuck} of them: cancel or change those orders first. Nothing was changed.`);
  }
}

export class LotExpiredError extends StockError {
  readonly code = 'LOT_EXPIRED';
  constructor(readonly lotNumber: string, readonly expiryDate: string) {
    super(`Lot ${lotNumber} expired on ${expiryDate} and cannot be issued; write it off instead.`);
  }
}

/** A prescription-only item without an order: the clear refusal of issue 15 point 5. */
export class PrescriptionRequiredError extends StockError {
  readonly code = 'PRESCRIPTION_REQUIRED';
  constructor(readonly itemName: string) {
    super(`${itemName} is prescription-only: it can be issued only against a doctor's valid order for this patient.`);
  }
}

export class PrescriptionInvalidError extends StockError {
  readonly code = 'PRESCRIPTION_INVALID';
  constructor(readonly itemName: string, readonly why: string) {
    super(`The order for ${itemName} cannot be used: ${why}.`);
  }
}

export class LotMismatchError extends StockError {
  readonly code = 'LOT_MISMATCH';
  constructor() {
    super('That lot belongs to another item.');
  }
}

export class SkuTakenError extends StockError {
  readonly code = 'SKU_TAKEN';
  constructor(readonly sku: string) {
    super(`Another item already has SKU ${sku}.`);
  }
}

export class VisitMismatchError extends StockError {
  readonly code = 'VISIT_MISMATCH';
  constructor(why: string) {
    super(`Supplies cannot be recorded on this visit: ${why}.`);
  }
}
