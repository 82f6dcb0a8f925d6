import { z } from 'zod';
import {
  addLineArgs, agingSchema, claimExportInput, claimViewSchema, createClaimArgs, createInvoiceArgs, creditNoteArgs, defineServiceCodeArgs, invoiceDetailSchema, invoiceListInput, invoiceViewSchema,
  issueArgs, markClaimArgs, recordPaymentArgs, removeLineArgs, setCoverageArgs, voidArgs,
} from '../../common/billing';
import { CLAIM_STATUSES, idSchema } from '../../common/operations';
import { commandProcedure } from './operations.router';
import { permitted, router } from './trpc';

/** Invoices name patients: every read and change is audited by the service. */
export const billingRouter = router({
  list: permitted('billing.read').input(invoiceListInput.default({ status: null, patientId: null, aging: null, limit: 100 })).output(z.array(invoiceViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.billing.list(input, ctx.actor)),
  get: permitted('billing.read').input(z.object({ id: idSchema })).output(invoiceDetailSchema).query(({ ctx, input }) => ctx.clinic.operations.billing.get(input.id, ctx.actor)),
  forVisit: permitted('billing.read').input(z.object({ appointmentId: idSchema })).output(z.array(invoiceViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.billing.forVisit(input.appointmentId, ctx.actor)),
  aging: permitted('billing.read').output(agingSchema).query(({ ctx }) => ctx.clinic.operations.billing.aging()),
  serviceCodes: permitted('billing.read').query(({ ctx }) => ctx.clinic.operations.billing.serviceCodes()),
  coverages: permitted('billing.read').input(z.object({ patientId: idSchema })).query(({ ctx, input }) => ctx.clinic.operations.billing.coverages(input.patientId, ctx.actor)),
  claims: permitted('billing.read')
    .input(z.object({ status: z.enum(CLAIM_STATUSES).nullable().default(null) }).default({ status: null }))
    .output(z.array(claimViewSchema))
    .query(({ ctx, input }) => ctx.clinic.operations.billing.claims(input, ctx.actor)),
  exportClaimsCsv: permitted('billing.read').input(claimExportInput).output(z.string()).query(({ ctx, input }) => ctx.clinic.operations.claimsExport.csv(input.claimIds, ctx.actor)),
  exportClaimsFhir: permitted('billing.read').input(claimExportInput).query(({ ctx, input }) => ctx.clinic.operations.claimsExport.fhir(input.claimIds, ctx.actor)),

  defineServiceCode: commandProcedure('billing.write', 'billing.defineServiceCode', defineServiceCodeArgs),
  setCoverage: commandProcedure('billing.write', 'billing.setCoverage', setCoverageArgs),
  createInvoice: commandProcedure('billing.write', 'billing.createInvoice', createInvoiceArgs),
  addLine: commandProcedure('billing.write', 'billing.addLine', addLineArgs),
  removeLine: commandProcedure('billing.write', 'billing.removeLine', removeLineArgs),
  issue: commandProcedure('billing.write', 'billing.issue', issueArgs),
  recordPayment: commandProcedure('billing.write', 'billing.recordPayment', recordPaymentArgs),
  creditNote: commandProcedure('billing.write', 'billing.creditNote', creditNoteArgs),
  void: commandProcedure('billing.write', 'billing.void', voidArgs),
  createClaim: commandProcedure('billing.write', 'billing.createClaim', createClaimArgs),
  markClaim: commandProcedure('billing.write', 'billing.markClaim', markClaimArgs),
});
