/**
 * A clinician's week as iCalendar (RFC 5545) with ical-generator. The file leaves the record
 * (into a personal calendar, maybe a cloud one), so events carry the appointment type, room or
 * "Home visit" and the status — never the patient's name, MRN or address.
 */
import ical, { ICalEventStatus } from 'ical-generator';
import type { AppointmentView } from '../../common/bookings';

/** Times are written in UTC (`…Z`), which every calendar converts to its own zone. */
export function buildIcs(input: { clinicName: string; staffName: string; appointments: AppointmentView[] }): string {
  const cal = ical({ name: `${input.staffName} — ${input.clinicName}`, prodId: { company: 'Coherency', product: 'Workstation', language: 'EN' } });
  for (const a of input.appointments) {
    const where = a.kind === 'home_visit' ? 'Home visit' : (a.roomName ?? 'Clinic');
    cal.createEvent({
      id: `${a.id}@coherency-workstation`,
      start: new Date(a.startsAt),
      end: new Date(a.endsAt),
      summary: `${a.typeName ?? 'Appointment'} (${where})`,
      location: a.kind === 'home_visit' ? 'Home visit' : `${input.clinicName}${a.roomName ? `, ${a.roomName}` : ''}`,
      status: a.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}
