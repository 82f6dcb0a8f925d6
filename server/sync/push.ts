/**
 * Push, exactly once: one transaction per push, holding the clinic's row lock, which applies the
 * device's mutations in order and records the last applied id in the same transaction (the
 * Replicache/Zero rule). A mutation id at or below the device's last is a replay, answered from
 * the log and not applied again; one above `last + 1` is a gap and refused. A rejected mutation
 * still advances the id and keeps its reason, and the rows it touched are sent again (or as
 * tombstones) so the workstation that made it goes back to the service's state.
 *
 * The state the rules need is read in three queries before the loop and written with one
 * statement per table after it (unnest of arrays, or one JSON document for the big ones), so a batch
 * of 100 costs a handful of round trips.
 */
import { sql } from 'drizzle-orm';
import type { Mutation, MutationResult, PushOutput, SyncRow } from '../../common/sync';
import { syncedTable } from '../../common/sync-tables';
import { execute, type Database, type Tx } from '../db/database';
import type { DeviceIdentity } from '../devices/index';
import type { Log } from '../observability/log';
import { DeviceBehindError, MutationGapError, PushOrderError } from './errors';
import { applyMutation, balanceId, keyId, Layer, rowId, type BalanceKind, type StateView } from './rules';

const arr = (values: unknown[]) => sql.param(values);

interface Loaded extends StateView {
  rows: Map<string, SyncRow | null>;
  keys: Map<string, string>;
  balances: Map<string, number>;
}

/** Every row, unique key and balance the batch's rules may read, in three queries. */
async function preload(tx: Tx, clinicId: string, mutations: Mutation[]): Promise<Loaded> {
  const rowKeys = new Map<string, [string, string]>();
  const keyKeys = new Map<string, [string, string, string]>();
  const balanceKeys = new Map<string, [BalanceKind, string]>();
  const wantRow = (tbl: string, key: unknown) => {
    if (key !== null && key !== undefined) rowKeys.set(rowId(tbl, String(key)), [tbl, String(key)]);
  };
  for (const m of mutations) {
    wantRow('staff', m.actorId);
    for (const e of m.effects ?? []) {
      wantRow(e.table, e.key);
      const t = syncedTable(e.table);
      const row = e.after;
      if (!t || !row) continue;
      for (const [col, target] of Object.entries(t.refs ?? {})) wantRow(target, row[col]);
      for (const cols of t.unique ?? []) {
        const parts = cols.map((c) => row[c]);
        if (parts.every((p) => p !== null && p !== undefined)) {
          const name = cols.join('+');
          const value = parts.map(String).join('\u0001');
          keyKeys.set(keyId(t.name, name, value), [t.name, name, value]);
        }
      }
      if (t.name === 'stock_movements') balanceKeys.set(balanceId('lot', String(row['lot_id'])), ['lot', String(row['lot_id'])]);
      if (t.name === 'payments' || t.name === 'credit_notes') {
        for (const kind of ['invoice_paid', 'invoice_credited'] as const) balanceKeys.set(balanceId(kind, String(row['invoice_id'])), [kind, String(row['invoice_id'])]);
      }
    }
  }
  const rows = new Map<string, SyncRow | null>();
  const keys = new Map<string, string>();
  const balances = new Map<string, number>();
  if (rowKeys.size > 0) {
    const list = [...rowKeys.values()];
    const found = await execute<{ tbl: string; key: string; data: SyncRow | null; deleted: boolean }>(
      tx,
      sql`SELECT e.tbl, e.key, e.data, e.deleted FROM entities e JOIN unnest(${arr(list.map((r) => r[0]))}::text[], ${arr(list.map((r) => r[1]))}::text[]) AS w(tbl, key)
          ON e.clinic_id = ${clinicId} AND e.tbl = w.tbl AND e.key = w.key`,
    );
    for (const r of found) rows.set(rowId(r.tbl, r.key), r.deleted ? null : r.data);
  }
  if (keyKeys.size > 0) {
    const list = [...keyKeys.values()];
    const found = await execute<{ tbl: string; name: string; value: string; key: string }>(
      tx,
      sql`SELECT k.tbl, k.name, k.value, k.key FROM entity_keys k JOIN unnest(${arr(list.map((r) => r[0]))}::text[], ${arr(list.map((r) => r[1]))}::text[], ${arr(list.map((r) => r[2]))}::text[]) AS w(tbl, name, value)
          ON k.clinic_id = ${clinicId} AND k.tbl = w.tbl AND k.name = w.name AND k.value = w.value`,
    );
    for (const r of found) keys.set(keyId(r.tbl, r.name, r.value), r.key);
  }
  if (balanceKeys.size > 0) {
    const list = [...balanceKeys.values()];
    const found = await execute<{ kind: BalanceKind; id: string; amount: string | number }>(
      tx,
      sql`SELECT b.kind, b.id, b.amount FROM balances b JOIN unnest(${arr(list.map((r) => r[0]))}::text[], ${arr(list.map((r) => r[1]))}::text[]) AS w(kind, id)
          ON b.clinic_id = ${clinicId} AND b.kind = w.kind AND b.id = w.id`,
    );
    for (const r of found) balances.set(balanceId(r.kind, r.id), Number(r.amount));
  }
  return {
    rows,
    keys,
    balances,
    row: (tbl, key) => rows.get(rowId(tbl, key)) ?? null,
    keyOwner: (tbl, name, value) => keys.get(keyId(tbl, name, value)) ?? null,
    balance: (kind, id) => balances.get(balanceId(kind, id)) ?? 0,
  };
}

interface Written {
  tbl: string;
  key: string;
  row: SyncRow | null;
  version: number;
}

export interface PushStats {
  applied: number;
  rejected: number;
  replayed: number;
}

export async function applyPush(database: Database, log: Log, device: DeviceIdentity, input: Mutation[], now: () => number): Promise<PushOutput & { stats: PushStats }> {
  const mutations = [...input].sort((a, b) => a.id - b.id);
  for (let i = 1; i < mutations.length; i++) if (mutations[i]!.id !== mutations[i - 1]!.id + 1) throw new PushOrderError();
  const { clinicId, deviceId } = device;
  return database.tenant(clinicId, async (tx) => {
    // The clinic's row lock serialises pushes of one clinic: versions are handed out in commit order.
    const [clinic] = await execute<{ version: string | number }>(tx, sql`SELECT version FROM clinics WHERE id = ${clinicId} FOR UPDATE`);
    const [dev] = await execute<{ last: string | number }>(tx, sql`SELECT last_mutation_id AS last FROM devices WHERE clinic_id = ${clinicId} AND id = ${deviceId} FOR UPDATE`);
    if (!clinic || !dev) throw new DeviceBehindError('This device is not known to the service.');
    let version = Number(clinic.version);
    let last = Number(dev.last);
    const first = mutations[0]!.id;
    if (first > last + 1) throw new MutationGapError(last + 1, first);

    // Replays: answered from the log, checked to be the same mutations.
    const results: MutationResult[] = [];
    const replays = mutations.filter((m) => m.id <= last);
    if (replays.length > 0) {
      const logged = await execute<{ mutation_id: string | number; command_id: string; status: 'applied' | 'rejected'; code: string | null; reason: string | null; skipped: MutationResult['skipped'] | null }>(
        tx,
        sql`SELECT mutation_id, command_id, status, code, reason, skipped FROM mutations WHERE clinic_id = ${clinicId} AND device_id = ${deviceId} AND mutation_id BETWEEN ${first} AND ${replays.at(-1)!.id} ORDER BY mutation_id`,
      );
      const byId = new Map(logged.map((l) => [Number(l.mutation_id), l]));
      for (const m of replays) {
        const l = byId.get(m.id);
        if (!l || l.command_id !== m.commandId) throw new DeviceBehindError(`Mutation ${m.id} of this device was another command on the service.`);
        results.push({ id: m.id, status: l.status, ...(l.code ? { code: l.code as never } : {}), ...(l.reason ? { reason: l.reason } : {}), ...(l.skipped ? { skipped: l.skipped } : {}) });
      }
    }

    const fresh = mutations.filter((m) => m.id > last);
    const stats: PushStats = { applied: 0, rejected: 0, replayed: replays.length };
    if (fresh.length === 0) return { results, lastMutationId: last, version, stats };

    const base = await preload(tx, clinicId, fresh);
    const batch = new Layer(base);
    const written = new Map<string, Written>();
    const log_: Array<{ m: Mutation; status: 'applied' | 'rejected'; code: string | null; reason: string | null; skipped: unknown; version: number }> = [];
    const overwriteRows: Written[] = [];
    const sequences = new Map<string, number>();
    const at = now();
    const rolesOf = (actorId: string) => {
      const row = batch.row('staff', actorId);
      return row && row['disabled_at'] === null && Array.isArray(row['roles']) ? (row['roles'] as string[]) : null;
    };
    const write = (tbl: string, key: string, row: SyncRow | null) => written.set(rowId(tbl, key), { tbl, key, row, version: ++version });

    for (const m of fresh) {
      const outcome = applyMutation(batch, m, { rolesOf });
      if (outcome.ok) {
        // Final numbers: the service's sequence, once a numbered row leaves its draft.
        for (const { tbl, key, row } of outcome.layer.rows.values()) {
          const fin = syncedTable(tbl)?.finalNumber;
          if (!fin || !row || row['status'] === 'draft' || row['final_number'] !== null) continue;
          if (!sequences.has(fin.kind)) {
            const [s] = await execute<{ last: string | number }>(tx, sql`SELECT last FROM sequences WHERE clinic_id = ${clinicId} AND kind = ${fin.kind}`);
            sequences.set(fin.kind, s ? Number(s.last) : 0);
          }
          const n = sequences.get(fin.kind)! + 1;
          sequences.set(fin.kind, n);
          outcome.layer.setRow(tbl, key, { ...row, final_number: `${fin.kind}-${String(n).padStart(6, '0')}` });
        }
        outcome.layer.mergeInto(batch);
        for (const { tbl, key, row } of outcome.layer.rows.values()) write(tbl, key, row);
        for (const r of outcome.resend) write(r.tbl, r.key, batch.row(r.tbl, r.key));
        outcome.overwrites.forEach((o, i) => {
          const id = `${deviceId}:${m.id}:${i}`;
          overwriteRows.push({
            tbl: 'sync_overwrites',
            key: id,
            row: { id, tbl: o.tbl, row_key: o.rowKey, field: o.field, overwritten_json: JSON.stringify(o.overwritten ?? null), value_json: JSON.stringify(o.value ?? null), by_device: deviceId, by_command: m.name, by_actor: m.actorId, at },
            version: ++version,
          });
        });
        stats.applied++;
        log_.push({ m, status: 'applied', code: null, reason: null, skipped: outcome.skipped.length ? outcome.skipped : null, version });
        results.push({ id: m.id, status: 'applied', ...(outcome.skipped.length ? { skipped: outcome.skipped } : {}) });
      } else {
        // The device applied it locally: send the service's state of every row it touched.
        for (const e of m.effects ?? []) write(e.table, e.key, batch.row(e.table, e.key));
        stats.rejected++;
        log_.push({ m, status: 'rejected', code: outcome.code, reason: outcome.reason, skipped: null, version });
        results.push({ id: m.id, status: 'rejected', code: outcome.code, reason: outcome.reason });
      }
      last = m.id;
    }

    const rows = [...written.values(), ...overwriteRows];
    if (rows.length > 0) {
      // One JSON document per statement (jsonb_to_recordset): PostgreSQL parses it once, and no
      // row is escaped into an array literal on the way.
      const doc = JSON.stringify(rows.map((r) => ({ tbl: r.tbl, key: r.key, data: r.row, version: r.version })));
      await tx.execute(sql`
        INSERT INTO entities (clinic_id, tbl, key, data, version, deleted, updated_at)
        SELECT ${clinicId}::uuid, w.tbl, w.key, w.data, w.version, w.data IS NULL, ${at}
        FROM jsonb_to_recordset(${doc}::jsonb) AS w(tbl text, key text, data jsonb, version bigint)
        ON CONFLICT (clinic_id, tbl, key) DO UPDATE SET data = excluded.data, version = excluded.version, deleted = excluded.deleted, updated_at = excluded.updated_at`);
    }
    const keyRows = [...batch.keys.values()];
    const freed = keyRows.filter((k) => k.owner === null);
    const owned = keyRows.filter((k) => k.owner !== null);
    if (freed.length > 0) {
      await tx.execute(sql`DELETE FROM entity_keys k USING unnest(${arr(freed.map((k) => k.tbl))}::text[], ${arr(freed.map((k) => k.name))}::text[], ${arr(freed.map((k) => k.value))}::text[]) AS w(tbl, name, value)
        WHERE k.clinic_id = ${clinicId} AND k.tbl = w.tbl AND k.name = w.name AND k.value = w.value`);
    }
    if (owned.length > 0) {
      await tx.execute(sql`INSERT INTO entity_keys (clinic_id, tbl, name, value, key)
        SELECT ${clinicId}::uuid, w.tbl, w.name, w.value, w.key FROM unnest(${arr(owned.map((k) => k.tbl))}::text[], ${arr(owned.map((k) => k.name))}::text[], ${arr(owned.map((k) => k.value))}::text[], ${arr(owned.map((k) => k.owner))}::text[]) AS w(tbl, name, value, key)
        ON CONFLICT (clinic_id, tbl, name, value) DO UPDATE SET key = excluded.key`);
    }
    const bal = [...batch.balances.values()];
    if (bal.length > 0) {
      await tx.execute(sql`INSERT INTO balances (clinic_id, kind, id, amount)
        SELECT ${clinicId}::uuid, w.kind, w.id, w.amount FROM unnest(${arr(bal.map((b) => b.kind))}::text[], ${arr(bal.map((b) => b.id))}::text[], ${arr(bal.map((b) => b.amount))}::bigint[]) AS w(kind, id, amount)
        ON CONFLICT (clinic_id, kind, id) DO UPDATE SET amount = excluded.amount`);
    }
    for (const [kind, n] of sequences) {
      await tx.execute(sql`INSERT INTO sequences (clinic_id, kind, last) VALUES (${clinicId}, ${kind}, ${n}) ON CONFLICT (clinic_id, kind) DO UPDATE SET last = excluded.last`);
    }
    const reminders = [...written.values()].filter((w) => w.tbl === 'reminders' && w.row);
    if (reminders.length > 0) await upsertReminderJobs(tx, clinicId, reminders.map((w) => w.row!), at);
    const logDoc = JSON.stringify(
      log_.map((l) => ({ id: l.m.id, command_id: l.m.commandId, name: l.m.name, actor_id: l.m.actorId, status: l.status, code: l.code, reason: l.reason, skipped: l.skipped, version: l.version, issued_at: l.m.issuedAt })),
    );
    await tx.execute(sql`
      INSERT INTO mutations (clinic_id, device_id, mutation_id, command_id, name, actor_id, status, code, reason, skipped, version, issued_at, applied_at)
      SELECT ${clinicId}::uuid, ${deviceId}, w.id, w.command_id, w.name, w.actor_id, w.status, w.code, w.reason, w.skipped, w.version, w.issued_at, ${at}
      FROM jsonb_to_recordset(${logDoc}::jsonb) AS w(id bigint, command_id text, name text, actor_id text, status text, code text, reason text, skipped jsonb, version bigint, issued_at bigint)`);
    await tx.execute(sql`UPDATE devices SET last_mutation_id = ${last}, last_seen_at = ${at} WHERE clinic_id = ${clinicId} AND id = ${deviceId}`);
    await tx.execute(sql`UPDATE clinics SET version = ${version} WHERE id = ${clinicId}`);
    log.info('push.applied', { clinicId, deviceId, applied: stats.applied, rejected: stats.rejected, replayed: stats.replayed, rows: rows.length, last, version });
    return { results, lastMutationId: last, version, stats };
  });
}

/** A reminder row queued on a workstation becomes a job; a cancelled one cancels it. A sent or dead job stays as it is. */
async function upsertReminderJobs(tx: Tx, clinicId: string, rows: SyncRow[], at: number): Promise<void> {
  await tx.execute(sql`
    INSERT INTO reminder_jobs (clinic_id, reminder_id, channel, recipient, message, send_at, status, next_attempt_at, updated_at)
    SELECT ${clinicId}::uuid, w.id, w.channel, w.recipient, w.message, w.send_at, w.status, w.send_at, ${at}
    FROM unnest(${arr(rows.map((r) => r['id']))}::text[], ${arr(rows.map((r) => r['channel']))}::text[], ${arr(rows.map((r) => r['recipient']))}::text[], ${arr(rows.map((r) => r['message']))}::text[],
                ${arr(rows.map((r) => r['send_at']))}::bigint[], ${arr(rows.map((r) => (r['status'] === 'queued' ? 'queued' : 'cancelled')))}::text[]) AS w(id, channel, recipient, message, send_at, status)
    ON CONFLICT (clinic_id, reminder_id) DO UPDATE SET recipient = excluded.recipient, message = excluded.message, send_at = excluded.send_at, status = excluded.status,
      next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at
    WHERE reminder_jobs.status IN ('queued', 'cancelled')`);
}
