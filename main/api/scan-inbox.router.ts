/**
 * Incoming scans a tablet sent that could not be filed by themselves (main/inbox/), for
 * nurses and doctors: list them, assign one to a wound (a normal import job, audited under the
 * caller), or discard one. Mounted under `scans` (`scans.inbox`, `scans.assignInbox`, …).
 */
import { z } from 'zod';
import { idSchema } from '../../common/records';
import { capturedAtSchema } from '../../common/scan-checks';
import { importJobSchema } from '../../common/scans';
import { assignFromInbox, discardFromInbox, inboxEntrySchema, listInbox } from '../inbox/index';
import { permitted, router } from './trpc';

const inboxItemSchema = inboxEntrySchema.omit({ storedName: true }).extend({ importing: z.boolean() });

export const scanInboxRouter = router({
  inbox: permitted('clinical.read')
    .output(z.array(inboxItemSchema))
    .query(({ ctx }) => listInbox(ctx.clinic, ctx.actor)),

  /**
   * Imports an incoming scan onto a wound; the entry goes once the import is done (it stays, with
   * the error, when the import fails). Progress: `scans.onJob` / `scans.jobs`.
   */
  assignInbox: permitted('clinical.write')
    .input(z.object({ inboxId: idSchema, woundId: idSchema, capturedAt: capturedAtSchema.optional(), acceptImplausibleExtent: z.boolean().default(false) }))
    .output(importJobSchema)
    .mutation(async ({ ctx, input }) => importJobSchema.parse(await assignFromInbox(ctx.clinic, ctx.actor, input, ctx.services.logger))),

  /** Removes an incoming scan for good (e.g. a test scan or a duplicate). */
  discardInbox: permitted('clinical.write')
    .input(z.object({ inboxId: idSchema }))
    .mutation(({ ctx, input }) => discardFromInbox(ctx.clinic, ctx.actor, input.inboxId)),
});
