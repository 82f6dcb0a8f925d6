/** Bookings: appointments, series, home visits, clinicians' hours and leave, reminders. Commands on the clinic's bus. */
export { createBookings, type BookingsService, type BookingsDeps, type ConflictQuery } from './bookings.service';
export { BookingError, BookingConflictError, NotHomeCareError, NotAClinicianError, AddressRequiredError, NoOccurrencesError, NotInSeriesError, type BookingErrorCode } from './errors';
export { estimateTravelMinutes, distanceKm } from './travel';
