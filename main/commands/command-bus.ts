/**
 * Every change to clinic operations is a named command (`bookings.book`, `stock.receive`, …) with a
 * client-generated id. `execute` applies it with ONE function inside ONE SQLite transaction that
 * also writes the command log (for replays), the sync outbox row (mutation id monotonic per device)
 * and the audit rows. Replaying an id returns the first result and changes nothing; the same id
 * with other content is refused. Commands pulled from the hosted service go through the same
 * function with `origin: 'remote'` (logged, not queued again).
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { DIRECTORY_CHANGE, SNAPSHOT } from '../../common/commands';
import type { Effect } from '../../common/sync';
import { SYNCED_TABLES } from '../../common/sync-tables';
import { appendAudit, actorRole, canonicalJson, newId, snapshotQuery, tables, type Actor, type ClinicRecord } from '../records/index';
import type { Logger } from '../shared/logger';
import { CommandIdReusedError, UnknownCommandError } from './errors';

/** What a command handler may use while it runs (inside the transaction). */
export interface CommandContext {
  readonly record: ClinicRecord;
  readonly db: ClinicRecord['db'];
  readonly commandId: string;
  /** When the command was issued: the handler's clock, so a replay elsewhere gives the same rows. */
  readonly now: number;
  readonly actor: Actor;
  /** A stable id for the n-th thing this command creates (the same on every device that applies it). */
  derivedId(tag: string): string;
  /** An audit row for this command (ids only). */
  audit(action: string, entity: string, entityId: string | null): void;
  /** `<kind>-<device prefix>-<sequence>`, e.g. `INV-K7QD-00012`: never the same on two workstations. */
  nextNumber(kind: string): string;
}

export interface CommandHandler<A = unknown, R = unknown> {
  readonly name: string;
  readonly args: z.ZodType<A>;
  apply(ctx: CommandContext, args: A): R;
}

/** Declares a handler with its types inferred from the args schema. */
export function defineCommand<S extends z.ZodType, R>(name: string, args: S, apply: (ctx: CommandContext, args: z.output<S>) => R): CommandHandler<z.output<S>, R> {
  return { name, args: args as unknown as z.ZodType<z.output<S>>, apply };
}

export interface CommandEnvelope {
  /** Client-generated (UUIDv7 in the renderer). */
  id: string;
  name: string;
  args: unknown;
  /** Defaults to now (local commands); pulled commands carry the time they were issued. */
  issuedAt?: number;
}

export interface ExecuteOptions {
  origin?: 'local' | 'remote';
}

export interface DeviceInfo {
  deviceId: string;
  numberPrefix: string;
  lastMutationId: number;
}

export interface OutboxEntry {
  mutationId: number;
  commandId: string;
  name: string;
  args: unknown;
  actorId: string;
  issuedAt: number;
  /** The rows it changed here, as captured in its transaction (null: queued before capture existed). */
  effects: Effect[] | null;
}

export interface CommandBus {
  register(...handlers: CommandHandler<never, unknown>[]): void;
  has(name: string): boolean;
  execute<R = unknown>(envelope: CommandEnvelope, actor: Actor, options?: ExecuteOptions): R;
  device(): DeviceInfo;
  /** Queued mutations in order (main/sync pushes these). */
  pending(limit?: number): OutboxEntry[];
  /**
   * Changes of synced tables made outside commands (patients, the staff directory) since the last
   * command become one `records.change` mutation; returns its id, or null when there were none.
   */
  seal(): number | null;
  /** Every synced row this record holds, as `records.snapshot` mutations (at enrolment); returns how many rows. */
  snapshot(): number;
}

/** Effects per snapshot mutation. */
const SNAPSHOT_CHUNK = 500;

export interface CommandBusOptions {
  record: ClinicRecord;
  logger: Logger;
  now?: () => number;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SLOW_MS = 40;

/** A UUID-shaped id from sha256(commandId ‖ tag): stable across devices, distinct per tag. */
export function deriveId(commandId: string, tag: string): string {
  const h = createHash('sha256').update(`${commandId}\n${tag}`).digest();
  h[6] = 0x80 | (h[6]! & 0x0f); // version 8 (custom), RFC 9562
  h[8] = 0x80 | (h[8]! & 0x3f);
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function createCommandBus(options: CommandBusOptions): CommandBus {
  const { record } = options;
  const { db } = record;
  const clock = options.now ?? Date.now;
  const logger = options.logger.child({ service: 'commands' });
  const handlers = new Map<string, CommandHandler<never, unknown>>();
  // Every command runs these: prepared once (drizzle placeholders) instead of built per call.
  const ph = (name: string) => sql.placeholder(name);
  const seenQuery = db.select().from(tables.commandLog).where(eq(tables.commandLog.commandId, ph('id'))).prepare();
  const deviceQuery = db.select().from(tables.syncDevice).where(eq(tables.syncDevice.singleton, 1)).prepare();
  const logInsert = db
    .insert(tables.commandLog)
    .values({ commandId: ph('commandId'), name: ph('name'), argsSha256: ph('argsSha256'), resultJson: ph('resultJson'), actorId: ph('actorId'), origin: ph('origin'), issuedAt: ph('issuedAt'), appliedAt: ph('appliedAt') } as never)
    .prepare();
  const counterUpdate = db.update(tables.syncDevice).set({ lastMutationId: sql`${tables.syncDevice.lastMutationId} + 1` }).where(eq(tables.syncDevice.singleton, 1)).returning({ mutationId: tables.syncDevice.lastMutationId }).prepare();
  const outboxInsert = db
    .insert(tables.syncOutbox)
    .values({ mutationId: ph('mutationId'), commandId: ph('commandId'), name: ph('name'), argsJson: ph('argsJson'), actorId: ph('actorId'), issuedAt: ph('issuedAt'), createdAt: ph('createdAt'), effectsJson: ph('effectsJson') } as never)
    .prepare();

  const capturedQuery = db.select().from(tables.syncCapture).orderBy(tables.syncCapture.seq).prepare();
  const clearCaptured = db.delete(tables.syncCapture).prepare();

  /** This transaction's (and any earlier unsealed) row changes as an `Effect[]` JSON text, taken out of the capture table. */
  function takeCaptured(): string | null {
    const rows = capturedQuery.all();
    if (rows.length === 0) return null;
    clearCaptured.run();
    return `[${rows.map((r) => `{"table":${JSON.stringify(r.tbl)},"key":${JSON.stringify(r.rowKey)},"op":"${r.op}","before":${r.beforeJson ?? 'null'},"after":${r.afterJson ?? 'null'}}`).join(',')}]`;
  }

  function queue(name: string, argsJson: string, actorId: string, issuedAt: number, effectsJson: string | null, commandId: string = newId(clock())): number {
    device();
    const { mutationId } = counterUpdate.get()!;
    outboxInsert.run({ mutationId, commandId, name, argsJson, actorId, issuedAt, createdAt: clock(), effectsJson });
    return mutationId;
  }

  /** Unsealed changes made outside commands → one `records.change` mutation (inside the caller's transaction). */
  function sealCaptured(): number | null {
    const effects = takeCaptured();
    return effects === null ? null : queue(DIRECTORY_CHANGE, '{}', 'system', clock(), effects);
  }

  function device(): DeviceInfo {
    const row = deviceQuery.get();
    if (row) return { deviceId: row.deviceId, numberPrefix: row.numberPrefix, lastMutationId: row.lastMutationId };
    const prefix = [...randomBytes(4)].map((b) => CROCKFORD[b & 31]).join('');
    const created = { singleton: 1, deviceId: newId(clock()), numberPrefix: prefix, lastMutationId: 0, createdAt: clock() };
    db.insert(tables.syncDevice).values(created).onConflictDoNothing().run();
    return device();
  }

  function nextNumber(kind: string): string {
    const { numberPrefix } = device();
    const row = db
      .insert(tables.numberSequences)
      .values({ name: kind, last: 1 })
      .onConflictDoUpdate({ target: tables.numberSequences.name, set: { last: sql`${tables.numberSequences.last} + 1` } })
      .returning({ last: tables.numberSequences.last })
      .get();
    return `${kind}-${numberPrefix}-${String(row.last).padStart(5, '0')}`;
  }

  return {
    register(...list) {
      for (const h of list) {
        if (handlers.has(h.name)) throw new Error(`command ${h.name} registered twice`);
        handlers.set(h.name, h);
      }
    },
    has: (name) => handlers.has(name),
    device: () => record.transaction(device),

    execute<R>(envelope: CommandEnvelope, actor: Actor, { origin = 'local' }: ExecuteOptions = {}): R {
      const handler = handlers.get(envelope.name);
      if (!handler) throw new UnknownCommandError(envelope.name);
      const args = handler.args.parse(envelope.args);
      const argsSha256 = createHash('sha256').update(canonicalJson(args)).digest('hex');
      const started = performance.now();
      const issuedAt = envelope.issuedAt ?? clock();
      const result = record.transaction(() => {
        const seen = seenQuery.get({ id: envelope.id });
        if (seen) {
          if (seen.name !== envelope.name || seen.argsSha256 !== argsSha256) throw new CommandIdReusedError(envelope.id);
          return { replayed: true, value: JSON.parse(seen.resultJson) as R };
        }
        // Earlier changes made outside commands go first, in their own mutation, so the order holds.
        sealCaptured();
        const ctx: CommandContext = {
          record,
          db,
          commandId: envelope.id,
          now: issuedAt,
          actor,
          derivedId: (tag) => deriveId(envelope.id, tag),
          audit: (action, entity, entityId) => void appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity, entityId, at: issuedAt }),
          nextNumber,
        };
        const value = handler.apply(ctx, args as never) as R;
        const appliedAt = clock();
        logInsert.run({ commandId: envelope.id, name: envelope.name, argsSha256, resultJson: JSON.stringify(value ?? null), actorId: actor.id, origin, issuedAt, appliedAt });
        const effects = takeCaptured();
        if (origin === 'local') queue(envelope.name, JSON.stringify(args), actor.id, issuedAt, effects, envelope.id);
        return { replayed: false, value };
      });
      const ms = performance.now() - started;
      if (ms > SLOW_MS) logger.warn('slow command', { name: envelope.name, ms: Math.round(ms) });
      if (result.replayed) logger.info('command replayed', { name: envelope.name, commandId: envelope.id });
      return result.value;
    },

    pending(limit = 100) {
      return db
        .select()
        .from(tables.syncOutbox)
        .where(sql`${tables.syncOutbox.sentAt} IS NULL`)
        .orderBy(tables.syncOutbox.mutationId)
        .limit(limit)
        .all()
        .map((r) => ({ mutationId: r.mutationId, commandId: r.commandId, name: r.name, args: JSON.parse(r.argsJson) as unknown, actorId: r.actorId, issuedAt: r.issuedAt, effects: r.effectsJson === null ? null : (JSON.parse(r.effectsJson) as Effect[]) }));
    },

    seal: () => record.transaction(sealCaptured),

    snapshot() {
      return record.transaction(() => {
        sealCaptured();
        let rows = 0;
        let chunk: string[] = [];
        const flush = () => {
          if (chunk.length === 0) return;
          queue(SNAPSHOT, '{}', 'system', clock(), `[${chunk.join(',')}]`);
          chunk = [];
        };
        for (const t of SYNCED_TABLES) {
          for (const r of db.all<{ k: string; j: string }>(sql.raw(snapshotQuery(t)))) {
            chunk.push(`{"table":"${t.name}","key":${JSON.stringify(String(r.k))},"op":"insert","before":null,"after":${r.j}}`);
            rows++;
            if (chunk.length >= SNAPSHOT_CHUNK) flush();
          }
        }
        flush();
        return rows;
      });
    },
  };
}
