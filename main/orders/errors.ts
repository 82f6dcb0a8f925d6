import { OperationError } from '../commands/index';

export type OrdersErrorCode = 'NOT_SUPPLIABLE' | 'ADDRESS_REQUIRED' | 'NOT_HOME_CARE' | 'CAREGIVER_REQUIRED' | 'OVERRIDE_REFUSED' | 'OVER_RETURN' | 'EMPTY_ORDER' | 'ORDER_LOCKED';

export abstract class OrdersError extends OperationError<OrdersErrorCode> {}

/** The item is not in the catalogue of supplies for patients (or no longer active). */
export class NotSuppliableError extends OrdersError {
  readonly code = 'NOT_SUPPLIABLE';
  constructor(readonly itemName: string) {
    super(`${itemName} is not in the catalogue of supplies for patients.`);
  }
}

export class AddressRequiredError extends OrdersError {
  readonly code = 'ADDRESS_REQUIRED';
  constructor() {
    super('The patient has no address on record: type the delivery address, or choose collection at the clinic.');
  }
}

export class CaregiverRequiredError extends OrdersError {
  readonly code = 'CAREGIVER_REQUIRED';
  constructor() {
    super('Choose the caregiver who takes the supplies to the patient.');
  }
}

export class NotHomeCareError extends OrdersError {
  readonly code = 'NOT_HOME_CARE';
  constructor() {
    super('This staff member does not do home care; choose a caregiver (set "Does home care" in Bookings setup).');
  }
}

/** Reserving beyond what is available takes a manager's explicit override. */
export class OverrideRefusedError extends OrdersError {
  readonly code = 'OVERRIDE_REFUSED';
  constructor() {
    super('Only a clinic manager may reserve more than is available.');
  }
}

export class OverReturnError extends OrdersError {
  readonly code = 'OVER_RETURN';
  constructor(readonly itemName: string, readonly left: number) {
    super(`More ${itemName} returned than were supplied and not yet returned (${left}).`);
  }
}

export class EmptyPatientOrderError extends OrdersError {
  readonly code = 'EMPTY_ORDER';
  constructor() {
    super('The order has no items: add at least one before confirming it.');
  }
}

export class PatientOrderLockedError extends OrdersError {
  readonly code = 'ORDER_LOCKED';
  constructor(readonly status: string) {
    super(`The order is ${status}: only a draft can be edited. Cancel it and make a new one (or repeat it) to change it.`);
  }
}
