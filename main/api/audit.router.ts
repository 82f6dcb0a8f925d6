import { z } from 'zod';
import { listAudit, verifyAuditChain } from '../records/index';
import { permitted, router } from './trpc';

const auditRowSchema = z.object({
  seq: z.number(),
  actorId: z.string(),
  actorRole: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  at: z.number(),
  hash: z.string(),
});

export const auditRouter = router({
  list: permitted('audit.read')
    .input(
      z
        .object({ entity: z.string().max(64).optional(), entityId: z.string().max(64).optional(), afterSeq: z.number().int().optional(), limit: z.number().int().min(1).max(1000).default(200) })
        .default({ limit: 200 }),
    )
    .output(z.array(auditRowSchema))
    .query(({ ctx, input }) => listAudit(ctx.clinic.record, input).map(({ prevHash: _prev, ...row }) => row)),
  verify: permitted('audit.read')
    .output(z.union([z.object({ ok: z.literal(true), rows: z.number() }), z.object({ ok: z.literal(false), firstBrokenId: z.number(), reason: z.string() })]))
    .mutation(({ ctx }) => verifyAuditChain(ctx.clinic.record)),
});
