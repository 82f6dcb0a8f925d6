/** Errors of push and pull (the whole request is refused; single mutations are rejected with a reason instead). */
import { ServiceError } from '../devices/index';

/** A push must continue the device's order: its first mutation is at most `last + 1`. */
export class MutationGapError extends ServiceError {
  readonly code = 'MUTATION_GAP';
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super(`The service expects mutation ${expected} of this device next, not ${got}: send the queue from ${expected}.`);
  }
}

/** The device's numbering disagrees with the service's log (its record was restored from an older copy). */
export class DeviceBehindError extends ServiceError {
  readonly code = 'DEVICE_BEHIND';
  constructor(detail: string) {
    super(`${detail} This workstation's record is older than what the service has (restored from a backup?): its queue is renumbered after the service's.`);
  }
}

export class PushOrderError extends ServiceError {
  readonly code = 'PROTOCOL_MISMATCH';
  constructor() {
    super('A push carries consecutive mutation ids, each once.');
  }
}
