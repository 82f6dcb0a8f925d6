import type { Conflict } from '../../common/bookings';
import { OperationError } from '../commands/index';

export type BookingErrorCode = 'BOOKING_CONFLICT' | 'NOT_HOME_CARE' | 'NOT_A_CLINICIAN' | 'ADDRESS_REQUIRED' | 'NO_OCCURRENCES' | 'NOT_IN_SERIES';

export abstract class BookingError extends OperationError<BookingErrorCode> {}

const KIND_WORDS: Record<Conflict['kind'], string> = {
  clinician: 'the clinician is booked',
  room: 'the room is booked',
  patient: 'the patient is booked',
  leave: 'the clinician is on leave',
  hours: 'outside the clinician’s working hours',
};

/** Conflicts found and not overridden: the booking was not saved. */
export class BookingConflictError extends BookingError {
  readonly code = 'BOOKING_CONFLICT';
  constructor(readonly conflicts: Conflict[]) {
    const kinds = [...new Set(conflicts.map((c) => KIND_WORDS[c.kind]))];
    super(`Not booked: ${kinds.join('; ')} (${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}). Choose another time, or book anyway with the override.`);
  }
}

export class NotHomeCareError extends BookingError {
  readonly code = 'NOT_HOME_CARE';
  constructor() {
    super('This staff member does not do home care; choose a caregiver (set "Does home care" in Bookings setup).');
  }
}

export class NotAClinicianError extends BookingError {
  readonly code = 'NOT_A_CLINICIAN';
  constructor() {
    super('Appointments are booked with a nurse or doctor.');
  }
}

export class AddressRequiredError extends BookingError {
  readonly code = 'ADDRESS_REQUIRED';
  constructor() {
    super('A home visit needs an address: enter it, or add one to the patient.');
  }
}

export class NoOccurrencesError extends BookingError {
  readonly code = 'NO_OCCURRENCES';
  constructor(detail: string) {
    super(`The series has no occurrences: ${detail}.`);
  }
}

export class NotInSeriesError extends BookingError {
  readonly code = 'NOT_IN_SERIES';
  constructor() {
    super('This appointment is not part of a series.');
  }
}
