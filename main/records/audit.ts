/**
 * The hash-chained audit log. Each row holds ids only (who, what action, which entity, when);
 * `hash = sha256(prev_hash ‖ "\n" ‖ canonical JSON of the row incl. its seq)`. The chain head is
 * kept in `audit_head` in the same transaction, so an edited, removed, reordered or cut-off row
 * is found by `verifyAuditChain`, which names the first broken link.
 */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { connectionOf, type ClinicRecord } from './record';
import { auditHead, auditLog, devices, staff } from './schema';

export const GENESIS_HASH = '0'.repeat(64);

export const auditEntrySchema = z.object({
  actorId: z.string().min(1).max(64),
  /** The role(s) the actor acted in, e.g. `doctor` or `nurse,manager`; `system` for the app itself. */
  actorRole: z.string().min(1).max(100),
  /** Dotted `entity.verb`, e.g. `patient.read`. */
  action: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/),
  entity: z.string().regex(/^[a-z_]+$/),
  entityId: z.string().min(1).max(64).nullable().default(null),
  at: z.number().int().nonnegative().optional(),
});
export type AuditEntry = z.input<typeof auditEntrySchema>;

export interface AuditRow {
  seq: number;
  actorId: string;
  actorRole: string;
  action: string;
  entity: string;
  entityId: string | null;
  at: number;
  prevHash: string;
  hash: string;
}

export type AuditVerification = { ok: true; rows: number } | { ok: false; firstBrokenId: number; reason: string };

/** JSON with keys sorted at every level and no whitespace: the same row always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function auditHash(prevHash: string, row: Omit<AuditRow, 'prevHash' | 'hash'>): string {
  const content = { seq: row.seq, actorId: row.actorId, actorRole: row.actorRole, action: row.action, entity: row.entity, entityId: row.entityId, at: row.at };
  return createHash('sha256').update(`${prevHash}\n${canonicalJson(content)}`).digest('hex');
}

/** Appends one row; joins the caller's transaction if there is one. */
export function appendAudit(record: ClinicRecord, entry: AuditEntry): AuditRow {
  const e = auditEntrySchema.parse(entry);
  return record.transaction(() => {
    const head = record.db.select().from(auditHead).where(eq(auditHead.singleton, 1)).get();
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const base = { seq, actorId: e.actorId, actorRole: e.actorRole, action: e.action, entity: e.entity, entityId: e.entityId, at: e.at ?? Date.now() };
    const row: AuditRow = { ...base, prevHash, hash: auditHash(prevHash, base) };
    record.db.insert(auditLog).values(row).run();
    record.db
      .insert(auditHead)
      .values({ singleton: 1, seq, hash: row.hash })
      .onConflictDoUpdate({ target: auditHead.singleton, set: { seq, hash: row.hash } })
      .run();
    return row;
  });
}

/** Walks the whole chain in `seq` order (streamed, constant memory). */
export function verifyAuditChain(record: ClinicRecord): AuditVerification {
  const db = connectionOf(record);
  const rows = db
    .prepare('SELECT seq, actor_id AS actorId, actor_role AS actorRole, action, entity, entity_id AS entityId, at, prev_hash AS prevHash, hash FROM audit_log ORDER BY seq')
    .iterate() as IterableIterator<AuditRow>;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (const row of rows) {
    if (row.seq !== expectedSeq) return { ok: false, firstBrokenId: row.seq, reason: `row ${expectedSeq} is missing` };
    if (row.prevHash !== prevHash) return { ok: false, firstBrokenId: row.seq, reason: 'does not follow the previous row (removed or reordered rows)' };
    const { prevHash: _p, hash: _h, ...content } = row;
    if (auditHash(prevHash, content) !== row.hash) return { ok: false, firstBrokenId: row.seq, reason: 'row content does not match its hash (edited)' };
    prevHash = row.hash;
    expectedSeq += 1;
    count += 1;
  }
  const head = record.db.select().from(auditHead).where(eq(auditHead.singleton, 1)).get();
  if ((head?.seq ?? 0) !== count || (head?.hash ?? GENESIS_HASH) !== prevHash) {
    return { ok: false, firstBrokenId: count + 1, reason: `the chain head names row ${head?.seq ?? 0}; rows after ${count} were removed` };
  }
  return { ok: true, rows: count };
}

export interface AuditQuery {
  entity?: string;
  entityId?: string;
  /** Who acted: a staff id, `device:<id>` or `system`. */
  actorId?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** Rows after this seq (paging forward, oldest first). */
  afterSeq?: number;
  /** Rows before this seq (paging back, newest first). */
  beforeSeq?: number;
  limit?: number;
}

function auditWhere(query: AuditQuery) {
  return and(
    query.entity !== undefined ? eq(auditLog.entity, query.entity) : undefined,
    query.entityId !== undefined ? eq(auditLog.entityId, query.entityId) : undefined,
    query.actorId !== undefined ? eq(auditLog.actorId, query.actorId) : undefined,
    query.from !== undefined ? gte(auditLog.at, query.from) : undefined,
    query.to !== undefined ? lt(auditLog.at, query.to) : undefined,
    query.afterSeq !== undefined ? gt(auditLog.seq, query.afterSeq) : undefined,
    query.beforeSeq !== undefined ? lt(auditLog.seq, query.beforeSeq) : undefined,
  );
}

/** Newest first, or oldest first after `afterSeq`; at most `limit` (1–1000, default 100). */
export function listAudit(record: ClinicRecord, query: AuditQuery = {}): AuditRow[] {
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  return record.db
    .select()
    .from(auditLog)
    .where(auditWhere(query))
    .orderBy(query.afterSeq !== undefined ? asc(auditLog.seq) : desc(auditLog.seq))
    .limit(limit)
    .all();
}

/** How many rows match (for "41–90 of 1,204"); paging filters are ignored. */
export function countAudit(record: ClinicRecord, query: Omit<AuditQuery, 'afterSeq' | 'beforeSeq' | 'limit'> = {}): number {
  return record.db.select({ n: sql<number>`count(*)` }).from(auditLog).where(auditWhere(query)).get()?.n ?? 0;
}

/** Every matching row, oldest first, in batches (for an export); constant memory per batch. */
export function* iterateAudit(record: ClinicRecord, query: Omit<AuditQuery, 'afterSeq' | 'beforeSeq' | 'limit'> = {}): Generator<AuditRow> {
  let after = 0;
  for (;;) {
    const batch = listAudit(record, { ...query, afterSeq: after, limit: 1000 });
    yield* batch;
    if (batch.length < 1000) return;
    after = batch[batch.length - 1]!.seq;
  }
}

export interface AuditName {
  /** As the log holds it: a staff id, `device:<id>`, or `system`. */
  id: string;
  name: string;
  kind: 'staff' | 'device' | 'system' | 'unknown';
}

/**
 * Who the actor ids of the log are, by name: staff (display and user name), paired tablets
 * (their name, not `device:<id>`), the app itself — every actor the log names, and every staff
 * member and tablet (so a filter can offer them). No patient data.
 */
export function auditNames(record: ClinicRecord): AuditName[] {
  const out = new Map<string, AuditName>();
  for (const s of record.db.select({ id: staff.id, displayName: staff.displayName, username: staff.username }).from(staff).all()) out.set(s.id, { id: s.id, name: `${s.displayName} (${s.username})`, kind: 'staff' });
  for (const d of record.db.select({ id: devices.id, name: devices.name }).from(devices).all()) out.set(`device:${d.id}`, { id: `device:${d.id}`, name: `${d.name} (tablet)`, kind: 'device' });
  out.set('system', { id: 'system', name: 'The workstation itself', kind: 'system' });
  for (const { actorId } of record.db.selectDistinct({ actorId: auditLog.actorId }).from(auditLog).all()) {
    if (!out.has(actorId)) out.set(actorId, { id: actorId, name: actorId, kind: 'unknown' });
  }
  return [...out.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** The record types (entities) the log holds, for the filter list. */
export function auditEntities(record: ClinicRecord): string[] {
  return record.db.selectDistinct({ entity: auditLog.entity }).from(auditLog).orderBy(asc(auditLog.entity)).all().map((r) => r.entity);
}

