/** Stock: items, lots, movements (Σ = on hand), FEFO, prescription orders. Commands on the clinic's bus. */
export { createStock, type StockService, type StockDeps, type Allocation, type UsedSupply } from './stock.service';
export { StockError, InsufficientStockError, LotExpiredError, PrescriptionRequiredError, PrescriptionInvalidError, LotMismatchError, SkuTakenError, VisitMismatchError, type StockErrorCode } from './errors';
