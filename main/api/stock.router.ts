import { z } from 'zod';
import { idSchema, quantitySchema } from '../../common/operations';
import {
  adjustArgs, cancelPrescriptionArgs, defineItemArgs, expiringLotSchema, itemViewSchema, lotViewSchema, movementViewSchema, prescribeArgs, prescriptionViewSchema, receiveArgs,
  recordUsageArgs, reorderSuggestionSchema, returnArgs, writeOffArgs,
} from '../../common/stock';
import { commandProcedure } from './operations.router';
import { permitted, router } from './trpc';

export const stockRouter = router({
  items: permitted('stock.read').input(z.object({ includeInactive: z.boolean().default(false) }).default({ includeInactive: false })).output(z.array(itemViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.stock.items(input)),
  lots: permitted('stock.read').input(z.object({ itemId: idSchema })).output(z.array(lotViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.stock.lots(input.itemId)),
  movements: permitted('stock.read').input(z.object({ itemId: idSchema, limit: z.number().int().min(1).max(1000).default(200) })).output(z.array(movementViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.stock.movements(input.itemId, input.limit)),
  suggestLots: permitted('stock.read')
    .input(z.object({ itemId: idSchema, quantity: quantitySchema }))
    .query(({ ctx, input }) => ctx.clinic.operations.stock.suggestLots(input.itemId, input.quantity)),
  belowReorder: permitted('stock.read').output(z.array(reorderSuggestionSchema)).query(({ ctx }) => ctx.clinic.operations.stock.belowReorder()),
  expiring: permitted('stock.read').input(z.object({ days: z.number().int().min(0).max(365).optional() }).default({})).output(z.array(expiringLotSchema)).query(({ ctx, input }) => ctx.clinic.operations.stock.expiring(input.days)),
  value: permitted('stock.read').query(({ ctx }) => ctx.clinic.operations.stock.value()),
  usedAtVisit: permitted('stock.read').input(z.object({ appointmentId: idSchema })).query(({ ctx, input }) => ctx.clinic.operations.stock.usedAtVisit(input.appointmentId, ctx.actor)),
  prescriptions: permitted('prescriptions.read').input(z.object({ patientId: idSchema })).output(z.array(prescriptionViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.stock.prescriptions(input.patientId, ctx.actor)),

  defineItem: commandProcedure('stock.write', 'stock.defineItem', defineItemArgs),
  receive: commandProcedure('stock.write', 'stock.receive', receiveArgs),
  adjust: commandProcedure('stock.write', 'stock.adjust', adjustArgs),
  writeOff: commandProcedure('stock.write', 'stock.writeOff', writeOffArgs),
  returnToSupplier: commandProcedure('stock.write', 'stock.returnToSupplier', returnArgs),
  recordUsage: commandProcedure('stock.use', 'stock.recordUsage', recordUsageArgs),
  prescribe: commandProcedure('prescriptions.write', 'stock.prescribe', prescribeArgs),
  cancelPrescription: commandProcedure('prescriptions.write', 'stock.cancelPrescription', cancelPrescriptionArgs),
});
