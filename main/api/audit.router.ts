import { z } from 'zod';
import { auditEntities, auditNames, countAudit, exportAuditCsv, listAudit, verifyAuditChain } from '../records/index';
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

/** The viewer's filters: a record type and a staff member from lists, a date range (epoch ms, `to` exclusive). */
const filterSchema = z.object({
  entity: z.string().max(64).optional(),
  entityId: z.string().max(64).optional(),
  actorId: z.string().max(80).optional(),
  from: z.number().int().nonnegative().optional(),
  to: z.number().int().nonnegative().optional(),
});

export const auditRouter = router({
  /** Newest first, `limit` at a time; `beforeSeq` pages back (`afterSeq` forward, oldest first). */
  list: permitted('audit.read')
    .input(filterSchema.extend({ afterSeq: z.number().int().optional(), beforeSeq: z.number().int().optional(), limit: z.number().int().min(1).max(1000).default(200) }).default({ limit: 200 }))
    .output(z.array(auditRowSchema))
    .query(({ ctx, input }) => listAudit(ctx.clinic.record, input).map(({ prevHash: _prev, ...row }) => row)),
  /** How many rows the filters match (for the pager). */
  count: permitted('audit.read')
    .input(filterSchema.default({}))
    .output(z.number())
    .query(({ ctx, input }) => countAudit(ctx.clinic.record, input)),
  /** Who the actor ids are (staff by name, tablets by their name) and the record types, for the filter lists. */
  facets: permitted('audit.read')
    .output(z.object({ actors: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(['staff', 'device', 'system', 'unknown']) })), entities: z.array(z.string()) }))
    .query(({ ctx }) => ({ actors: auditNames(ctx.clinic.record), entities: auditEntities(ctx.clinic.record) })),
  /** Every row the filters match, as CSV (audited: `audit.export`). */
  exportCsv: permitted('audit.read')
    .input(filterSchema.default({}))
    .output(z.object({ csv: z.string(), rows: z.number() }))
    .mutation(({ ctx, input }) => exportAuditCsv(ctx.clinic.record, input, ctx.actor)),
  verify: permitted('audit.read')
    .output(z.union([z.object({ ok: z.literal(true), rows: z.number() }), z.object({ ok: z.literal(false), firstBrokenId: z.number(), reason: z.string() })]))
    .mutation(({ ctx }) => verifyAuditChain(ctx.clinic.record)),
});
