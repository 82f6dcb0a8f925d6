import { OperationError } from '../commands/index';

export type PurchasingErrorCode = 'ORDER_LOCKED' | 'REMAINDER_DECISION_REQUIRED' | 'OVER_RECEIPT' | 'EMPTY_ORDER';

export abstract class PurchasingError extends OperationError<PurchasingErrorCode> {}

export class OrderLockedError extends PurchasingError {
  readonly code = 'ORDER_LOCKED';
  constructor(readonly status: string) {
    super(`The order is ${status.replace('_', ' ')}: only a draft can be edited. Cancel it and make a new one to change it.`);
  }
}

/** A short receipt: the caller must say whether the rest stays on back-order or is cancelled. */
export class RemainderDecisionRequiredError extends PurchasingError {
  readonly code = 'REMAINDER_DECISION_REQUIRED';
  constructor(readonly shortLines: number) {
    super(`${shortLines} line${shortLines === 1 ? ' is' : 's are'} short: say whether the rest stays on back-order or is cancelled.`);
  }
}

export class OverReceiptError extends PurchasingError {
  readonly code = 'OVER_RECEIPT';
  constructor(readonly sku: string, readonly outstanding: number) {
    super(`More ${sku} received than outstanding (${outstanding}); receive extra stock as a separate receipt.`);
  }
}

export class EmptyOrderError extends PurchasingError {
  readonly code = 'EMPTY_ORDER';
  constructor() {
    super('The order has no lines: add at least one before sending it.');
  }
}
