import { z } from 'zod';
import { idSchema, PURCHASE_ORDER_STATUSES } from '../../common/operations';
import { cancelOrderArgs, createDraftArgs, orderIdArgs, purchaseOrderViewSchema, receiveOrderArgs, updateDraftArgs } from '../../common/stock';
import { commandProcedure } from './operations.router';
import { permitted, router } from './trpc';

export const purchasingRouter = router({
  list: permitted('purchasing.read')
    .input(z.object({ status: z.enum(PURCHASE_ORDER_STATUSES).nullable().default(null) }).default({ status: null }))
    .output(z.array(purchaseOrderViewSchema))
    .query(({ ctx, input }) => ctx.clinic.operations.purchasing.list(input)),
  get: permitted('purchasing.read').input(z.object({ id: idSchema })).output(purchaseOrderViewSchema).query(({ ctx, input }) => ctx.clinic.operations.purchasing.get(input.id)),
  createDraft: commandProcedure('purchasing.write', 'purchasing.createDraft', createDraftArgs),
  updateDraft: commandProcedure('purchasing.write', 'purchasing.updateDraft', updateDraftArgs),
  send: commandProcedure('purchasing.write', 'purchasing.send', orderIdArgs),
  receive: commandProcedure('purchasing.write', 'purchasing.receive', receiveOrderArgs),
  cancel: commandProcedure('purchasing.write', 'purchasing.cancel', cancelOrderArgs),
});
