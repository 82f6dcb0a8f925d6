/**
 * Read-your-writes through the workstation's own sync loop, with a service process whose pulls go
 * to a streaming replica (DATABASE_REPLICA_URLS) on real PostgreSQL. Replay on the replica is
 * paused (as a superuser there), so it is stale for certain. The workstation that books pulls with
 * the version its push returned (sync.service.ts passes `lastPushVersion` as minVersion): the
 * primary serves it and its cursor passes its own writes. Another workstation's pull is served by
 * the stale replica and does not see the booking until replay resumes. Which database served a
 * pull is read from the service's /metrics (`coherency_pulls_total{source=…}`).
 * server/sync/replica.test.ts checks the same through the router; this one the client path.
 *
 * Pausing replay stalls the replica for the whole cluster: the tests that pause it take turns
 * (REPLAY_PAUSE_LOCK, an advisory lock on the primary, as server/sync/replica.test.ts does), and
 * replay is resumed in afterAll whatever happened.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCursor } from '../../common/sync';
import { createOpsFixture, seedOperations, START, type OpsFixture } from '../operations/test-helpers';
import { newId, storedCursor } from '../records/index';
import { silentLogger } from '../shared/logger';
import { createSync, type SyncService } from './sync.service';
import { startServiceProcess } from '../../server/app/test-process';
import { withDatabase } from '../../server/db/test-databases';
import { createServiceDatabase, memoryKeyStore, SERVICE_START_MS, SERVICE_TEST_ENV, serviceAdmin } from './test-service';

const PG_URL = process.env['COHERENCY_TEST_DATABASE_URL'] ?? '';
const REPLICA = process.env['COHERENCY_TEST_REPLICA_URL'] ?? '';
if ((!PG_URL || !REPLICA) && process.env['COHERENCY_REQUIRE_POSTGRES'] === '1') throw new Error('COHERENCY_REQUIRE_POSTGRES=1 but COHERENCY_TEST_DATABASE_URL / COHERENCY_TEST_REPLICA_URL are not set (scripts/postgres-cluster.sh).');

/** Held while replay is paused; the same number in server/sync/replica.test.ts. */
const REPLAY_PAUSE_LOCK = 7_236_016;

async function eventually<T>(what: string, fn: () => Promise<T | null | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!PG_URL || !REPLICA)('workstation pulls with a streaming replica (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('the workstation that pushed pulls past its own writes from the primary while the replica lags; another one waits for the replica', async () => {
    const database = await createServiceDatabase(PG_URL, 'cw_replica');
    cleanups.push(() => database.drop());
    const service = await startServiceProcess({ ...SERVICE_TEST_ENV, ...database.env, DATABASE_REPLICA_URLS: withDatabase(REPLICA, database.name, 'coherency_service'), DATABASE_POOL_SIZE: '2' }, SERVICE_START_MS);
    cleanups.push(async () => {
      service.child.kill('SIGKILL');
      await service.exited;
    });
    // Superuser on the replica, once it has replayed the new database and its migrations.
    const standby = await eventually('the migrated database on the replica', async () => {
      const c = new pg.Client({ connectionString: withDatabase(REPLICA, database.name) });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.query('SELECT version FROM clinics LIMIT 0');
        return c;
      } catch {
        await c.end().catch(() => undefined);
        return null;
      }
    });
    cleanups.push(async () => {
      await standby.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await standby.end();
    });
    const caughtUp = (clinicId: string, version: number) =>
      eventually(`the replica to reach version ${version}`, async () => Number((await standby.query<{ v: string }>('SELECT version AS v FROM clinics WHERE id = $1', [clinicId])).rows[0]?.v ?? -1) >= version);
    const pulledFrom = async (source: 'primary' | 'replica') => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      return Number(new RegExp(`^coherency_pulls_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };

    const admin = serviceAdmin(service.url);
    const { clinicId } = await admin<{ clinicId: string }>('createClinic', { name: 'Replica Clinic' });
    const workstation = async (f: OpsFixture) => {
      const sync: SyncService = createSync({ record: f.record, bus: f.ops.commands, keyStore: memoryKeyStore(), logger: silentLogger, now: () => f.clock.now, retryBaseMs: 5, retryMaxMs: 20, intervalMs: 3_600_000, timeoutMs: 10_000 });
      cleanups.push(async () => {
        await sync.dispose();
        f.dispose();
      });
      const { code } = await admin<{ code: string }>('issueEnrolmentCode', { clinicId, ttlMinutes: 60 });
      expect(await sync.enrol({ serviceUrl: service.url, code, caPem: null }, f.manager)).toMatchObject({ state: 'connected', queued: 0, lastError: null });
      return sync;
    };
    const f1 = createOpsFixture();
    const ids = seedOperations(f1);
    const ws1 = await workstation(f1);
    const f2 = createOpsFixture();
    f2.record.db.run(sql`UPDATE patients SET mrn = 'WS2-' || mrn`);
    const ws2 = await workstation(f2);
    await ws1.syncNow();
    const pushed = () => f1.record.db.get<{ v: number }>(sql`SELECT last_push_version AS v FROM sync_connection`)!.v;
    await caughtUp(clinicId, Number((await database.su.query<{ v: string }>('SELECT version AS v FROM clinics WHERE id = $1', [clinicId])).rows[0]!.v));

    const turn = new pg.Client({ connectionString: PG_URL });
    await turn.connect();
    cleanups.push(async () => {
      await standby.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await turn.end();
    });
    await turn.query('SELECT pg_advisory_lock($1)', [REPLAY_PAUSE_LOCK]);
    await standby.query('SELECT pg_wal_replay_pause()');
    await eventually('replay to pause', async () => (await standby.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0]!.s === 'paused');

    // Workstation 1 books and syncs: its pull names the version its push returned.
    const appointmentId = newId();
    f1.clock.now += 60_000;
    f1.run('bookings.book', { appointmentId, patientId: f1.patients.ada, typeId: ids.dressing, staffId: f1.nurse.id, roomId: ids.room1, startsAt: START + 86_400_000, override: true });
    const before = pushed();
    let primary = await pulledFrom('primary');
    let replica = await pulledFrom('replica');
    expect(await ws1.syncNow()).toMatchObject({ state: 'connected', queued: 0, lastError: null });
    const version = pushed();
    expect(version).toBeGreaterThan(before);
    expect(decodeCursor(storedCursor(f1.record))).toBeGreaterThanOrEqual(version);
    expect(await pulledFrom('primary')).toBeGreaterThan(primary);
    expect(await pulledFrom('replica')).toBe(replica);

    // Workstation 2 has pushed nothing since: the stale replica serves it, without the booking.
    const has = (f: OpsFixture) => f.record.db.all(sql`SELECT 1 FROM appointments WHERE id = ${appointmentId}`).length === 1;
    primary = await pulledFrom('primary');
    expect(await ws2.syncNow()).toMatchObject({ state: 'connected', queued: 0, lastError: null });
    expect(has(f2)).toBe(false);
    expect(decodeCursor(storedCursor(f2.record))).toBeLessThan(version);
    expect(await pulledFrom('primary')).toBe(primary);

    // Replay resumes: once the replica has the booking, it serves it to workstation 2.
    await standby.query('SELECT pg_wal_replay_resume()');
    await turn.query('SELECT pg_advisory_unlock($1)', [REPLAY_PAUSE_LOCK]);
    await caughtUp(clinicId, version);
    replica = await pulledFrom('replica');
    expect(await ws2.syncNow()).toMatchObject({ state: 'connected', queued: 0, lastError: null });
    expect(has(f2)).toBe(true);
    expect(await pulledFrom('replica')).toBeGreaterThan(replica);
    expect(await pulledFrom('primary')).toBe(primary);
  }, 180_000);
});
