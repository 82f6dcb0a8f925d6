/**
 * Named commands: the one way clinic operations change the record (and what sync pushes).
 * Domains (bookings, stock, purchasing, billing) define handlers with `defineCommand` and register
 * them on the clinic's bus; the router calls `execute` with the client's command id.
 */
export { createCommandBus, defineCommand, deriveId, type CommandBus, type CommandBusOptions, type CommandContext, type CommandEnvelope, type CommandHandler, type DeviceInfo, type ExecuteOptions, type OutboxEntry } from './command-bus';
export { OperationError, UnknownCommandError, CommandIdReusedError, OperationNotFoundError, InvalidTransitionError, type CommandErrorCode, type SharedOperationCode } from './errors';
