/**
 * Incoming scans a tablet sent that could not be filed by themselves (see scan-inbox.ts), for
 * nurses and doctors: list them, assign one to a wound (a normal import job, audited under the
 * caller), or discard one. Mounted under `scans` (`scans.inbox`, `scans.assignInbox`, …).
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../../common/records';
import { capturedAtSchema } from '../../common/scan-checks';
import { importJobSchema } from '../../common/scans';
import { auditInbox, auditInboxList, inboxEntrySchema, scanInboxOf } from './scan-inbox';
import { permitted, router } from './trpc';

const inboxItemSchema = inboxEntrySchema.omit({ storedName: true }).extend({ importing: z.boolean() });

export const scanInboxRouter = router({
  inbox: permitted('clinical.read')
    .output(z.array(inboxItemSchema))
    .query(async ({ ctx }) => {
      const inbox = scanInboxOf(ctx.clinic.store);
      const entries = await inbox.list();
      // Polled every 5 s by the screen: only a read that shows this person something new is audited.
      auditInboxList(ctx.clinic.record, ctx.actor, entries.map((e) => e.id));
      return entries.map(({ storedName: _omit, ...e }) => ({ ...e, importing: inbox.isClaimed(e.id) })).sort((a, b) => b.receivedAt - a.receivedAt);
    }),

  /**
   * Imports an incoming scan onto a wound; the entry goes once the import is done (it stays, with
   * the error, when the import fails). Progress: `scans.onJob` / `scans.jobs`.
   */
  assignInbox: permitted('clinical.write')
    .input(z.object({ inboxId: idSchema, woundId: idSchema, capturedAt: capturedAtSchema.optional(), acceptImplausibleExtent: z.boolean().default(false) }))
    .output(importJobSchema)
    .mutation(async ({ ctx, input }) => {
      const inbox = scanInboxOf(ctx.clinic.store);
      const entry = await inbox.get(input.inboxId);
      if (!entry) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such item in the incoming scans.' });
      if (!ctx.clinic.wounds.get(input.woundId, ctx.actor)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such wound in this clinic.' });
      if (!inbox.claim(entry.id)) throw new TRPCError({ code: 'CONFLICT', message: 'This scan is already being imported.' });
      let job;
      try {
        const bytes = await inbox.read(entry.id);
        const captured = Date.parse(entry.captureTime);
        job = ctx.clinic.imports.start({
          bytes,
          fileName: entry.fileName,
          woundId: input.woundId,
          capturedAt: input.capturedAt ?? (Number.isFinite(captured) ? captured : entry.receivedAt),
          sourceDeviceId: entry.deviceId,
          actor: ctx.actor,
          // The nurse confirmed an extent that does not fit the wound (she saw the warning on the last try).
          extentCheck: input.acceptImplausibleExtent ? 'accept' : 'refuse',
        });
      } catch (error) {
        inbox.release(entry.id);
        throw error;
      }
      auditInbox(ctx.clinic.record, ctx.actor, 'assign', entry.id);
      const logger = ctx.services.logger;
      void ctx.clinic.imports
        .wait(job.id)
        .then(async (finished) => {
          if (finished.phase === 'done') await inbox.remove(entry.id);
          else if (finished.phase === 'failed') await inbox.update(entry.id, { reason: 'import_failed', error: { code: finished.error?.code ?? 'IMPORT_FAILED', message: finished.error?.message ?? 'the import failed', ...(finished.error?.detected ? { detected: finished.error.detected } : {}) } });
        })
        .catch((error: unknown) => logger.error('scans.inbox.settle_failed', { inboxId: entry.id, error: error instanceof Error ? error.name : 'unknown' }))
        .finally(() => inbox.release(entry.id));
      return importJobSchema.parse(job);
    }),

  /** Removes an incoming scan for good (e.g. a test scan or a duplicate). */
  discardInbox: permitted('clinical.write')
    .input(z.object({ inboxId: idSchema }))
    .mutation(async ({ ctx, input }) => {
      const inbox = scanInboxOf(ctx.clinic.store);
      if (!(await inbox.get(input.inboxId))) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such item in the incoming scans.' });
      if (inbox.isClaimed(input.inboxId)) throw new TRPCError({ code: 'CONFLICT', message: 'This scan is being imported.' });
      await inbox.remove(input.inboxId);
      auditInbox(ctx.clinic.record, ctx.actor, 'discard', input.inboxId);
    }),
});
