import { z } from 'zod';
import {
  cancelPatientOrderArgs, catalogueInput, catalogueItemSchema, confirmOrderArgs, createOrderArgs, orderIdArgs, orderListInput, patientOrderViewSchema, repeatOrderArgs, returnOrderArgs, updateOrderDraftArgs,
} from '../../common/orders';
import { idSchema } from '../../common/operations';
import { commandProcedure } from './operations.router';
import { permitted, router } from './trpc';

/** Patient supply orders. They name patients: the service audits every read and change. */
export const ordersRouter = router({
  catalogue: permitted('orders.read').input(catalogueInput.default({ search: '', limit: 50 })).output(z.array(catalogueItemSchema)).query(({ ctx, input }) => ctx.clinic.operations.orders.catalogue(input.search, input.limit)),
  list: permitted('orders.read').input(orderListInput.default({ list: 'open' })).output(z.array(patientOrderViewSchema)).query(({ ctx, input }) => ctx.clinic.operations.orders.list(input, ctx.actor)),
  get: permitted('orders.read').input(z.object({ id: idSchema })).output(patientOrderViewSchema).query(({ ctx, input }) => ctx.clinic.operations.orders.get(input.id, ctx.actor)),

  create: commandProcedure('orders.write', 'orders.create', createOrderArgs),
  updateDraft: commandProcedure('orders.write', 'orders.updateDraft', updateOrderDraftArgs),
  confirm: commandProcedure('orders.write', 'orders.confirm', confirmOrderArgs),
  cancel: commandProcedure('orders.write', 'orders.cancel', cancelPatientOrderArgs),
  repeat: commandProcedure('orders.write', 'orders.repeat', repeatOrderArgs),
  pick: commandProcedure('orders.fulfil', 'orders.pick', orderIdArgs),
  dispatch: commandProcedure('orders.fulfil', 'orders.dispatch', orderIdArgs),
  markReady: commandProcedure('orders.fulfil', 'orders.markReady', orderIdArgs),
  markDelivered: commandProcedure('orders.fulfil', 'orders.markDelivered', orderIdArgs),
  markCollected: commandProcedure('orders.fulfil', 'orders.markCollected', orderIdArgs),
  return: commandProcedure('orders.fulfil', 'orders.return', returnOrderArgs),
});
