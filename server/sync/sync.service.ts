/**
 * The sync service of one service process: push (exactly once, in order), pull (paged, resumable),
 * and two lookups by id that stay inside the caller's clinic.
 */
import { and, eq } from 'drizzle-orm';
import type { Mutation, PullOutput, PushOutput, SyncRow } from '../../common/sync';
import type { Database } from '../db/database';
import { entities, mutations } from '../db/schema/index';
import type { DeviceIdentity } from '../devices/index';
import type { Log } from '../observability/log';
import type { Metrics } from '../observability/metrics';
import { pullPage } from './pull';
import { applyPush } from './push';

export interface SyncService {
  push(device: DeviceIdentity, mutations: Mutation[]): Promise<PushOutput>;
  pull(device: DeviceIdentity, input: { cursor: string | null; limit: number; minVersion: number }): Promise<PullOutput>;
  /** One synced row of the caller's clinic, or null (another clinic's key finds nothing). */
  row(device: DeviceIdentity, table: string, key: string): Promise<{ row: SyncRow | null; version: number; deleted: boolean } | null>;
  /** How the service answered one of the caller's mutations, or null. */
  mutation(device: DeviceIdentity, mutationId: number): Promise<{ status: string; code: string | null; reason: string | null } | null>;
}

export interface SyncOptions {
  database: Database;
  log: Log;
  metrics: Metrics;
  now?: () => number;
}

export function createSync({ database, log, metrics, now = Date.now }: SyncOptions): SyncService {
  return {
    async push(device, list) {
      const out = await applyPush(database, log, device, list, now);
      metrics.count('coherency_mutations_total', out.stats.applied, { result: 'applied' });
      metrics.count('coherency_mutations_total', out.stats.rejected, { result: 'rejected' });
      metrics.count('coherency_mutations_total', out.stats.replayed, { result: 'replayed' });
      return { results: out.results, lastMutationId: out.lastMutationId, version: out.version };
    },
    async pull(device, input) {
      const out = await pullPage(database, device, input.cursor, input.limit, input.minVersion);
      const source = out.fromReplica ? 'replica' : 'primary';
      metrics.count('coherency_pulls_total', 1, { source });
      metrics.count('coherency_pull_rows_total', out.changes.length, { source });
      return { changes: out.changes, cursor: out.cursor, more: out.more, head: out.head };
    },
    async row(device, table, key) {
      const [r] = await database.tenant(device.clinicId, (tx) => tx.select().from(entities).where(and(eq(entities.clinicId, device.clinicId), eq(entities.tbl, table), eq(entities.key, key))));
      return r ? { row: (r.data as SyncRow | null) ?? null, version: r.version, deleted: r.deleted } : null;
    },
    async mutation(device, mutationId) {
      const [m] = await database.tenant(device.clinicId, (tx) => tx.select().from(mutations).where(and(eq(mutations.clinicId, device.clinicId), eq(mutations.deviceId, device.deviceId), eq(mutations.mutationId, mutationId))));
      return m ? { status: m.status, code: m.code, reason: m.reason } : null;
    },
  };
}
