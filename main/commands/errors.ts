/**
 * Errors of clinic operations. Each domain (bookings, stock, purchasing, billing) throws a subclass
 * with its own `code`; the tRPC boundary maps codes once (main/api/trpc.ts). Messages say what was
 * wrong and what to do, and never name a patient.
 */
export type CommandErrorCode = 'UNKNOWN_COMMAND' | 'COMMAND_ID_REUSED' | 'INVALID_SETTINGS';

export abstract class OperationError<C extends string = string> extends Error {
  abstract readonly code: C;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UnknownCommandError extends OperationError<CommandErrorCode> {
  readonly code = 'UNKNOWN_COMMAND';
  constructor(readonly commandName: string) {
    super(`There is no command called ${commandName}.`);
  }
}

/** The same command id arrived with another command or other arguments: never applied twice, never overwritten. */
export class CommandIdReusedError extends OperationError<CommandErrorCode> {
  readonly code = 'COMMAND_ID_REUSED';
  constructor(readonly commandId: string) {
    super(`Command ${commandId} was already applied with different content; send a new command id.`);
  }
}

/** Kinds every operations domain shares; each domain adds its own. */
export type SharedOperationCode = 'NOT_FOUND' | 'INVALID_TRANSITION';

/** A referenced row does not exist in this clinic (or another clinic's id was sent). */
export class OperationNotFoundError extends OperationError<SharedOperationCode> {
  readonly code = 'NOT_FOUND';
  constructor(readonly entity: string, readonly id: string) {
    super(`No ${entity} ${id} in this clinic.`);
  }
}

/** The change does not follow the entity's state machine (e.g. moving a cancelled appointment). */
export class InvalidTransitionError extends OperationError<SharedOperationCode> {
  readonly code = 'INVALID_TRANSITION';
  constructor(readonly entity: string, readonly from: string, readonly action: string) {
    super(`A ${entity} that is ${from.replace(/_/g, ' ')} cannot be ${action}.`);
  }
}
