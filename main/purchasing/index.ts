/** Purchase orders: draft → sent → partly received → received, or cancelled. Commands on the clinic's bus. */
export { createPurchasing, type PurchasingService, type PurchasingDeps } from './purchasing.service';
export { PurchasingError, OrderLockedError, RemainderDecisionRequiredError, OverReceiptError, EmptyOrderError, type PurchasingErrorCode } from './errors';
