/**
 * Clinic operations (bookings, stock, purchasing, billing) for one open clinic: built once per
 * clinic by the composition root, used by the routers in main/api/.
 */
export { createOperations, dashboardInput, updateSettingsArgs, type Operations, type OperationsOptions } from './operations';
