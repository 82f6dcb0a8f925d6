/**
 * Pulls from a streaming replica with read-your-writes (README "Past one machine"), on a real
 * PostgreSQL primary and its streaming replica (scripts/postgres-cluster.sh; CI starts both).
 *
 * The service opens its database with the replica for pulls. Replay on the replica is paused as a
 * superuser there (`pg_wal_replay_pause()`), so the replica is stale for certain, then a device
 * pushes through the service's router and pulls:
 * - with `minVersion` = the version its push returned: its own writes come back, served by the
 *   primary (a pull that ignored minVersion would serve the stale replica and miss them);
 * - with minVersion 0 (and another device that has pushed nothing since): served by the replica,
 *   which does not have the new rows yet (a service that always read the primary would not show it);
 * - after `pg_wal_replay_resume()` and catch-up: the same pull as the first is served by the replica.
 * Which database served a pull is read from the service's own metric
 * (`coherency_pulls_total{source="primary"|"replica"}`).
 *
 * Pausing replay stalls the replica for the whole cluster: the tests that pause it take turns
 * (REPLAY_PAUSE_LOCK, an advisory lock on the primary; main/sync/replica.test.ts takes it too), and
 * replay is resumed in afterAll whatever happened.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_CHANGE } from '../../common/commands';
import type { Change } from '../../common/sync';
import { createCaller, createContextInner } from '../api/index';
import { createServerServices, type ServerServices } from '../app/services';
import { ADMIN_TOKEN, startTestService, testConfig } from '../app/test-services';
import { openDatabase, type Database } from '../db/database';
import { openTestDatabase, postgresUrl, replicaUrlFor, type TestDatabase } from '../db/test-databases';
import { memoryLog } from '../observability/log';
import { appointmentRow, bookArgsFor, id, insert, mutation, patientRow, staffRow } from './test-rows';

const REPLICA = process.env['COHERENCY_TEST_REPLICA_URL'] ?? '';
if (!REPLICA && process.env['COHERENCY_REQUIRE_POSTGRES'] === '1') throw new Error('COHERENCY_REQUIRE_POSTGRES=1 but COHERENCY_TEST_REPLICA_URL is not set (scripts/postgres-cluster.sh starts a replica).');

/** Held while replay is paused; the same number in main/sync/replica.test.ts. */
const REPLAY_PAUSE_LOCK = 7_236_016;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(what: string, fn: () => Promise<T | null | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!postgresUrl() || !REPLICA)('read-your-writes on a streaming replica (PostgreSQL)', () => {
  let t: TestDatabase;
  let routed: Database;
  let services: ServerServices;
  /** Superuser on the replica, in the test's database: pauses and resumes replay. */
  let standby: pg.Client;
  /** Superuser on the primary, holding REPLAY_PAUSE_LOCK. */
  let turn: pg.Client | undefined;
  const caller = (token: string | null) => createCaller(createContextInner(services, token, '10.0.0.7'));

  beforeAll(async () => {
    t = await openTestDatabase('postgres');
    const replicaUrl = replicaUrlFor(t.options)!;
    const name = new URL(t.options.url!).pathname.slice(1);
    const su = new URL(REPLICA);
    su.pathname = `/${name}`;
    // The replica has the new database once it has replayed its creation.
    standby = await eventually('the test database on the replica', async () => {
      const c = new pg.Client({ connectionString: su.toString() });
      c.on('error', () => undefined);
      try {
        await c.connect();
        return c;
      } catch {
        await c.end().catch(() => undefined);
        return null;
      }
    });
    expect((await standby.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r).toBe(true);
    routed = await openDatabase({ url: t.options.url!, replicaUrls: [replicaUrl], poolSize: 4 });
    services = await createServerServices(testConfig(), { email: null, database: routed, log: memoryLog() });
  }, 120_000);

  afterAll(async () => {
    await standby?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await standby?.end();
    await turn?.end();
    await services?.reminders.stop();
    await routed?.close();
    await t?.dispose();
  });

  /** Rows pulls have returned so far, by the database that served them (the service's metric). */
  const pulledFrom = (source: 'primary' | 'replica'): number => Number(new RegExp(`^coherency_pulls_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(services.metrics.render())?.[1] ?? 0);
  /** Until the replica has replayed the clinic up to `version` (the superuser there sees past RLS). */
  const caughtUp = (clinicId: string, version: number) =>
    eventually(`the replica to reach version ${version}`, async () => Number((await standby.query<{ v: string }>('SELECT version AS v FROM clinics WHERE id = $1', [clinicId])).rows[0]?.v ?? -1) >= version);
  const keys = (changes: Change[]) => changes.map((c) => `${c.table}/${c.key}`);

  it('a pull with the version of its own push sees its writes from the primary while the replica lags; other pulls are served by the replica', async () => {
    const admin = caller(ADMIN_TOKEN);
    const { clinicId } = await admin.admin.createClinic({ name: 'Replica Clinic' });
    const enrol = async (deviceId: string) => (await caller(null).devices.enrol({ code: (await admin.admin.issueEnrolmentCode({ clinicId })).code, deviceId, label: deviceId, protocol: 1 })).token;
    const a = caller(await enrol('ws-replica-a1'));
    const b = caller(await enrol('ws-replica-b1'));

    // The device's first push (its directory), replicated before replay is paused.
    const [manager, nurse, patient] = [id(), id(), id()];
    const first = await a.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('staff', staffRow(manager, ['manager'])), insert('staff', staffRow(nurse, ['nurse'])), insert('patients', patientRow(patient, `MRN-${id()}`))])] });
    expect(first.results).toEqual([{ id: 1, status: 'applied' }]);
    await caughtUp(clinicId, first.version);
    let replica = pulledFrom('replica');
    const synced = await a.sync.pull({ cursor: null, limit: 500, minVersion: first.version });
    expect(synced.changes).toHaveLength(3);
    expect(pulledFrom('replica') - replica).toBe(1); // caught up: the replica serves it

    turn = new pg.Client({ connectionString: postgresUrl()! });
    await turn.connect();
    await turn.query('SELECT pg_advisory_lock($1)', [REPLAY_PAUSE_LOCK]);
    await standby.query('SELECT pg_wal_replay_pause()');
    await eventually('replay to pause', async () => (await standby.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0]!.s === 'paused');

    const appt = id();
    const booked = await a.sync.push({
      mutations: [mutation(2, 'bookings.book', bookArgsFor(appt, patient, nurse), manager, [insert('appointments', appointmentRow(appt, patient, nurse, 1_800_000_000_000))])],
    });
    expect(booked.results).toEqual([{ id: 2, status: 'applied' }]);
    expect(booked.version).toBeGreaterThan(first.version);

    // Read-your-writes: with the version its push returned, the pushing device sees its booking,
    // and the primary served it (the replica is still at the first push).
    let primary = pulledFrom('primary');
    replica = pulledFrom('replica');
    const own = await a.sync.pull({ cursor: synced.cursor, limit: 500, minVersion: booked.version });
    expect(keys(own.changes)).toEqual([`appointments/${appt}`]);
    expect(own.head).toBe(booked.version);
    expect(pulledFrom('primary') - primary).toBe(1);
    expect(pulledFrom('replica')).toBe(replica);

    // Without it (a device that has not pushed since), the stale replica serves the pull: the
    // booking is not there yet.
    primary = pulledFrom('primary');
    const stale = await b.sync.pull({ cursor: null, limit: 500, minVersion: 0 });
    expect(stale.head).toBe(first.version);
    expect(keys(stale.changes)).not.toContain(`appointments/${appt}`);
    expect(stale.changes).toHaveLength(3);
    expect(pulledFrom('replica') - replica).toBe(1);
    expect(pulledFrom('primary')).toBe(primary);
    // The pushing device too, when it does not say what it wrote.
    const blind = await a.sync.pull({ cursor: null, limit: 500, minVersion: 0 });
    expect(keys(blind.changes)).not.toContain(`appointments/${appt}`);
    expect(pulledFrom('replica') - replica).toBe(2);

    // Replay resumes; once the replica has caught up it serves the read-your-writes pull too.
    await standby.query('SELECT pg_wal_replay_resume()');
    await turn.query('SELECT pg_advisory_unlock($1)', [REPLAY_PAUSE_LOCK]);
    await caughtUp(clinicId, booked.version);
    primary = pulledFrom('primary');
    replica = pulledFrom('replica');
    const later = await a.sync.pull({ cursor: synced.cursor, limit: 500, minVersion: booked.version });
    expect(keys(later.changes)).toEqual([`appointments/${appt}`]);
    expect(pulledFrom('replica') - replica).toBe(1);
    expect(pulledFrom('primary')).toBe(primary);
    const fresh = await b.sync.pull({ cursor: null, limit: 500, minVersion: 0 });
    expect(keys(fresh.changes)).toContain(`appointments/${appt}`);
  }, 120_000);
});

describe.skipIf(!postgresUrl())('a replica that is down (PostgreSQL)', () => {
  it('does not fail the pull: the primary serves it', async () => {
    // Port 1 on this host refuses connections: the replica's pool fails at once.
    const s = await startTestService('postgres', { database: { replicaUrls: ['postgres://coherency_service@127.0.0.1:1/nowhere'] } });
    try {
      const { tokens } = await s.clinic('Clinic with a lost replica', ['ws-down-00001']);
      const device = s.caller(tokens['ws-down-00001']!);
      const [staffId, patient] = [id(), id()];
      const pushed = await device.sync.push({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('staff', staffRow(staffId, ['manager'])), insert('patients', patientRow(patient, `MRN-${id()}`))])] });
      const page = await device.sync.pull({ cursor: null, limit: 100, minVersion: 0 });
      expect(page.head).toBe(pushed.version);
      expect(page.changes.map((c) => c.key).sort()).toEqual([patient, staffId].sort());
      expect(s.services.metrics.render()).toMatch(/^coherency_pulls_total\{source="primary"\} 1$/m);
    } finally {
      await s.dispose();
    }
  });
});
