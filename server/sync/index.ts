export { createSync, type SyncService, type SyncOptions } from './sync.service';
export { MutationGapError, DeviceBehindError, PushOrderError } from './errors';
export { applyMutation, Layer, type StateView, type Outcome } from './rules';
