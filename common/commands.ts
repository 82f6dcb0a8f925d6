/**
 * The named commands of clinic operations as data: each command's argument schema and the
 * permission it needs. The workstation's routers mount them (main/api, `commandProcedure`) and the
 * hosted service checks a pushed mutation against the same entry (server/sync), so a command
 * refused on the workstation is refused by the service too. `main/api/permissions.test.ts` checks
 * that every command procedure of the router matches its entry here.
 */
import type { z } from 'zod';
import {
  addLeaveArgs, appointmentIdArgs, bookArgs, bookSeriesArgs, cancelArgs, cancelLeaveArgs, defineRoomArgs, defineTypeArgs, editFollowingArgs, moveArgs, recordVisitArgs, reminderPreferenceArgs,
  setClinicianProfileArgs,
} from './bookings';
import { addLineArgs, createClaimArgs, createInvoiceArgs, creditNoteArgs, defineServiceCodeArgs, issueArgs, markClaimArgs, recordPaymentArgs, removeLineArgs, setCoverageArgs, voidArgs } from './billing';
import { operationsSettingsUpdateSchema } from './operations';
import { cancelPatientOrderArgs, confirmOrderArgs, createOrderArgs, orderIdArgs as patientOrderIdArgs, repeatOrderArgs, returnOrderArgs, updateOrderDraftArgs } from './orders';
import type { Permission } from './permissions';
import {
  adjustArgs, cancelOrderArgs, cancelPrescriptionArgs, createDraftArgs, defineItemArgs, orderIdArgs, prescribeArgs, receiveArgs, receiveOrderArgs, recordUsageArgs, returnArgs, updateDraftArgs,
  writeOffArgs,
} from './stock';

export interface CommandEntry {
  readonly permission: Permission;
  readonly args: z.ZodType;
}

const entry = (permission: Permission, args: z.ZodType): CommandEntry => ({ permission, args });

export const COMMANDS = {
  'bookings.defineRoom': entry('bookings.write', defineRoomArgs),
  'bookings.defineType': entry('bookings.write', defineTypeArgs),
  'bookings.setClinicianProfile': entry('bookings.write', setClinicianProfileArgs),
  'bookings.addLeave': entry('bookings.write', addLeaveArgs),
  'bookings.cancelLeave': entry('bookings.write', cancelLeaveArgs),
  'bookings.book': entry('bookings.write', bookArgs),
  'bookings.bookSeries': entry('bookings.write', bookSeriesArgs),
  'bookings.move': entry('bookings.write', moveArgs),
  'bookings.editFollowing': entry('bookings.write', editFollowingArgs),
  'bookings.cancel': entry('bookings.write', cancelArgs),
  'bookings.setReminderPreference': entry('bookings.write', reminderPreferenceArgs),
  'bookings.checkIn': entry('bookings.checkin', appointmentIdArgs),
  'bookings.complete': entry('bookings.checkin', appointmentIdArgs),
  'bookings.noShow': entry('bookings.checkin', appointmentIdArgs),
  'bookings.recordVisit': entry('clinical.write', recordVisitArgs),
  'stock.defineItem': entry('stock.write', defineItemArgs),
  'stock.receive': entry('stock.write', receiveArgs),
  'stock.adjust': entry('stock.write', adjustArgs),
  'stock.writeOff': entry('stock.write', writeOffArgs),
  'stock.returnToSupplier': entry('stock.write', returnArgs),
  'stock.recordUsage': entry('stock.use', recordUsageArgs),
  'stock.prescribe': entry('prescriptions.write', prescribeArgs),
  'stock.cancelPrescription': entry('prescriptions.write', cancelPrescriptionArgs),
  'purchasing.createDraft': entry('purchasing.write', createDraftArgs),
  'purchasing.updateDraft': entry('purchasing.write', updateDraftArgs),
  'purchasing.send': entry('purchasing.write', orderIdArgs),
  'purchasing.receive': entry('purchasing.write', receiveOrderArgs),
  'purchasing.cancel': entry('purchasing.write', cancelOrderArgs),
  'billing.defineServiceCode': entry('billing.write', defineServiceCodeArgs),
  'billing.setCoverage': entry('billing.write', setCoverageArgs),
  'billing.createInvoice': entry('billing.write', createInvoiceArgs),
  'billing.addLine': entry('billing.write', addLineArgs),
  'billing.removeLine': entry('billing.write', removeLineArgs),
  'billing.issue': entry('billing.write', issueArgs),
  'billing.recordPayment': entry('billing.write', recordPaymentArgs),
  'billing.creditNote': entry('billing.write', creditNoteArgs),
  'billing.void': entry('billing.write', voidArgs),
  'billing.createClaim': entry('billing.write', createClaimArgs),
  'billing.markClaim': entry('billing.write', markClaimArgs),
  'orders.create': entry('orders.write', createOrderArgs),
  'orders.updateDraft': entry('orders.write', updateOrderDraftArgs),
  'orders.confirm': entry('orders.write', confirmOrderArgs),
  'orders.cancel': entry('orders.write', cancelPatientOrderArgs),
  'orders.repeat': entry('orders.write', repeatOrderArgs),
  'orders.pick': entry('orders.fulfil', patientOrderIdArgs),
  'orders.dispatch': entry('orders.fulfil', patientOrderIdArgs),
  'orders.markReady': entry('orders.fulfil', patientOrderIdArgs),
  'orders.markDelivered': entry('orders.fulfil', patientOrderIdArgs),
  'orders.markCollected': entry('orders.fulfil', patientOrderIdArgs),
  'orders.return': entry('orders.fulfil', returnOrderArgs),
  'operations.updateSettings': entry('operations.manage', operationsSettingsUpdateSchema),
} as const satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;

export function commandEntry(name: string): CommandEntry | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
}

/**
 * Mutations that are not commands: changes of the clinic's directory (patients, the staff
 * directory) made outside commands, and the rows a workstation already held when it enrolled.
 */
export const DIRECTORY_CHANGE = 'records.change';
export const SNAPSHOT = 'records.snapshot';
