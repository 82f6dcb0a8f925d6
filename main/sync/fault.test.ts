/**
 * The fault test: two workstations (two clinic records, each with its own sync loop) and two
 * service processes (`server/main.ts`) on one real PostgreSQL database, behind our own
 * fault-injecting HTTP proxy that drops requests, duplicates them, replays an older push before a
 * newer one (reorder), delays them and cuts answers mid-body. Half way one service process is
 * killed with SIGKILL and another started; workstation loops are thrown away and rebuilt from
 * their records at random points (a restart right after a push whose answer was lost).
 *
 * A third workstation runs in a child process (workstation.fixture.ts) on its own encrypted record
 * file, concurrently with the first two. Its service URL is a kill proxy in front of the fault proxy
 * that SIGKILLs it at pushes spread over its run, cycling through: before the push is forwarded
 * (the request is lost), after the service answered but before the answer reaches it (applied,
 * never acknowledged), right after the answer was delivered (killed while applying it). After each
 * kill it starts again on the same record file. At the end the parent opens that record itself and
 * checks it as it checks the other two.
 *
 * Mixed commands (bookings, cancels, check-ins, stock receipts and usage, rooms) on both
 * workstations, then the faults stop and both sync until nothing is queued. Checked: both
 * workstations hold the same rows of every synced table, the same live keys as the service; the
 * service's applied-id log holds every device's ids 1…last exactly once and exactly the ids each
 * workstation sent, each command applied once; on hand = Σ movements per lot everywhere.
 *
 * Seeded (COHERENCY_FAULT_SEED, default 1) and bounded (COHERENCY_FAULT_COMMANDS, default 2,000,
 * a third of them on the child; the 10,000 with COHERENCY_FAULT_COMMANDS=10000;
 * COHERENCY_FAULT_KILLS workstation kills, default 6). The child's commands are seeded too, but
 * where its kills land depends on timing between processes. Needs PostgreSQL
 * (COHERENCY_TEST_DATABASE_URL; CI sets COHERENCY_REQUIRE_POSTGRES=1, so it fails there without one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { SYNCED_TABLES } from '../../common/sync-tables';
import { createOpsFixture, mixedCommand, seededRng as rng, seedOperations, START, type CommandMix, type OpsFixture } from '../operations/test-helpers';
import { openClinicRecord, tables, unwrapOpen, type ClinicRecord } from '../records/index';
import { silentLogger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import { createSync, type SyncService } from './sync.service';
import { startServiceProcess } from '../../server/app/test-process';
import { createServiceDatabase, memoryKeyStore, SERVICE_START_MS, SERVICE_TEST_ENV, serviceAdmin } from './test-service';
import type { WorkstationConfig } from './workstation.fixture';

const PG_URL = process.env['COHERENCY_TEST_DATABASE_URL'] ?? '';
if (!PG_URL && process.env['COHERENCY_REQUIRE_POSTGRES'] === '1') throw new Error('COHERENCY_REQUIRE_POSTGRES=1 but COHERENCY_TEST_DATABASE_URL is not set (scripts/postgres-cluster.sh).');
const SEED = Number(process.env['COHERENCY_FAULT_SEED'] ?? 1);
const COMMANDS = Number(process.env['COHERENCY_FAULT_COMMANDS'] ?? 2000);
const WS3_COMMANDS = Math.round(COMMANDS / 3);
const WS3_KILLS = Number(process.env['COHERENCY_FAULT_KILLS'] ?? 6);
const tsx = createRequire(import.meta.url).resolve('tsx');
const fixture = fileURLToPath(new URL('./workstation.fixture.ts', import.meta.url));

interface FaultCounts {
  requests: number;
  forwarded: number;
  dropped: number;
  cut: number;
  duplicated: number;
  replayed: number;
  delayed: number;
  upstreamDown: number;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request to `base` (a new connection each time), the whole answer buffered. */
function forwardTo(base: string, method: string, path: string, headers: http.IncomingHttpHeaders, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = http.request({ hostname: u.hostname, port: u.port, path, method, headers: { ...headers, host: u.host, connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const answer = (res: http.ServerResponse, out: Answer, done?: () => void) => {
  res.writeHead(out.status, { 'content-type': String(out.headers['content-type'] ?? 'application/json'), 'content-length': String(out.body.length) });
  res.end(out.body, done);
};

/** An HTTP server that hands each request on with its body read. */
function proxyServer(handle: (r: { req: http.IncomingMessage; res: http.ServerResponse; path: string; headers: http.IncomingHttpHeaders; body: Buffer }) => void): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, 'content-length': String(body.length) };
      handle({ req, res, path: req.url ?? '/', headers, body });
    });
  });
}

function listening<T extends object>(server: http.Server, extra: T): Promise<T & { url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ ...extra, url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((s) => server.close(() => s())) });
    });
  });
}

/** An HTTP proxy in front of the service processes that injects faults from a seeded generator. */
function startFaultProxy(upstreams: string[], seed: number) {
  const r = rng(seed);
  const counts: FaultCounts = { requests: 0, forwarded: 0, dropped: 0, cut: 0, duplicated: 0, replayed: 0, delayed: 0, upstreamDown: 0 };
  const state = { calm: false, upstreams };
  const pastPushes: Array<{ headers: http.IncomingHttpHeaders; body: Buffer; path: string }> = [];

  const forward = (method: string, path: string, headers: http.IncomingHttpHeaders, body: Buffer) => forwardTo(r.pick(state.upstreams), method, path, headers, body);

  const server = proxyServer(({ req, res, path, headers, body }) => {
    void (async () => {
      counts.requests++;
      const dice = state.calm ? 1 : r.next();
      try {
        if (dice < 0.05) {
          counts.dropped++;
          req.socket.destroy();
          return;
        }
        if (dice < 0.1) await new Promise((s) => setTimeout(s, 1 + r.int(40))).then(() => counts.delayed++);
        if (path.includes('sync.push')) {
          if (dice >= 0.1 && dice < 0.15 && pastPushes.length > 0) {
            // Reorder: an older push of some device arrives again before this one.
            const old = r.pick(pastPushes);
            counts.replayed++;
            await forward('POST', old.path, old.headers, old.body).catch(() => undefined);
          }
          pastPushes.push({ headers, body, path });
          if (pastPushes.length > 50) pastPushes.shift();
        }
        let out = await forward(req.method ?? 'GET', path, headers, body);
        if (dice >= 0.15 && dice < 0.2) {
          counts.duplicated++;
          out = await forward(req.method ?? 'GET', path, headers, body);
        }
        counts.forwarded++;
        if (dice >= 0.2 && dice < 0.26) {
          // Cut mid-response: the service did the work; the workstation gets half an answer.
          counts.cut++;
          res.writeHead(out.status, { 'content-type': String(out.headers['content-type'] ?? 'application/json'), 'content-length': String(out.body.length) });
          res.write(out.body.subarray(0, Math.floor(out.body.length / 2)));
          setTimeout(() => res.socket?.destroy(), 5);
          return;
        }
        answer(res, out);
      } catch {
        counts.upstreamDown++;
        req.socket.destroy();
      }
    })();
  });
  return listening(server, { counts, state });
}

/** Where a push kills the child workstation: the request lost, the answer lost, the answer delivered. */
const KILL_POINTS = ['beforeForward', 'answeredNotDelivered', 'afterDelivery'] as const;
type KillPoint = (typeof KILL_POINTS)[number];

/**
 * The child workstation's service URL, in front of the fault proxy: at a push that `due()` picks it
 * SIGKILLs the child at the next of KILL_POINTS, in turn; everything else passes through.
 */
function startKillProxy(upstream: string, due: () => boolean, kill: (at: KillPoint) => void) {
  const kills: Record<KillPoint, number> = { beforeForward: 0, answeredNotDelivered: 0, afterDelivery: 0 };
  /** Mutations the service applied whose answer the child never got (killed before it arrived). */
  const state = { pushes: 0, killed: 0, appliedNotAcknowledged: 0 };
  const server = proxyServer(({ req, res, path, headers, body }) => {
    const push = path.includes('sync.push');
    if (push) state.pushes++;
    const at = push && due() ? KILL_POINTS[state.killed++ % KILL_POINTS.length]! : null;
    if (at) kills[at]++;
    if (at === 'beforeForward') {
      kill(at);
      req.socket.destroy();
      return;
    }
    void forwardTo(upstream, req.method ?? 'GET', path, headers, body).then(
      (out) => {
        if (at === 'answeredNotDelivered') {
          kill(at);
          try {
            state.appliedNotAcknowledged += (JSON.parse(out.body.toString('utf8')) as { result?: { data?: { results?: unknown[] } } }).result?.data?.results?.length ?? 0;
          } catch {
            // the fault proxy cut it: not counted
          }
          req.socket.destroy();
        } else answer(res, out, at === 'afterDelivery' ? () => kill(at) : undefined);
      },
      () => {
        if (at) kill(at);
        req.socket.destroy();
      },
    );
  });
  return listening(server, { kills, state });
}

/**
 * The child workstation (workstation.fixture.ts) across its lives: started on the same record file
 * again after each SIGKILL from the kill proxy, from the command after the last it reported.
 */
function childWorkstation(file: string, config: Omit<WorkstationConfig, 'from'>) {
  const state = { lastDone: -1, ok: 0, refused: 0, syncs: 0, lives: 0, deviceId: '', finished: false, problem: null as Error | null };
  let child: ChildProcess | null = null;
  let killing = false;
  let exiting = false;
  let waiters: Array<() => void> = [];
  let statusWaiter: ((s: { queued: number; lastError: unknown; state: string }) => void) | null = null;
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const exited = { promise: Promise.resolve() };

  function start(): void {
    state.lives++;
    const from = state.lastDone + 1;
    const c = spawn(process.execPath, ['--import', tsx, fixture, file], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    let stderr = '';
    let buffer = '';
    c.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    c.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [word, a, b] = line.split(' ');
        if (word === 'ready') state.deviceId = a!;
        else if (word === 'done') {
          state.lastDone = Number(a);
          if (b === 'ok') state.ok++;
          else state.refused++;
        } else if (word === 'synced') state.syncs++;
        else if (word === 'finished') state.finished = true;
        else if (word === 'status') statusWaiter?.(JSON.parse(line.slice('status '.length)) as { queued: number; lastError: unknown; state: string });
      }
      wake();
    });
    exited.promise = new Promise((resolve) =>
      c.once('close', (code, signal) => {
        if (killing && signal === 'SIGKILL') {
          killing = false;
          start();
        } else if (!(exiting && code === 0)) state.problem ??= new Error(`the child workstation ended (${code ?? signal}): ${stderr}`);
        wake();
        resolve();
      }),
    );
    c.stdin!.write(`${JSON.stringify({ ...config, from })}\n`);
  }

  const until = async (what: () => boolean) => {
    while (!what()) {
      if (state.problem) throw state.problem;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    if (state.problem) throw state.problem;
  };

  start();
  return {
    state,
    kill() {
      if (!child || killing) return;
      killing = true;
      child.kill('SIGKILL');
    },
    finished: () => until(() => state.finished),
    /** Until it has run command `i` (or all of its own). */
    reached: (i: number) => until(() => state.lastDone >= i || state.finished),
    /** One sync cycle in the child (after `finished`). */
    async sync() {
      const s = new Promise<{ queued: number; lastError: unknown; state: string }>((resolve) => (statusWaiter = resolve));
      child!.stdin!.write('sync\n');
      return Promise.race([s, until(() => false).then(() => s)]);
    },
    async exit() {
      exiting = true;
      child!.stdin!.end('exit\n');
      await exited.promise;
      if (state.problem) throw state.problem;
    },
    dispose() {
      exiting = true;
      child?.kill('SIGKILL');
      return exited.promise;
    },
  };
}

interface Ws {
  name: string;
  f: OpsFixture;
  keyStore: KeyStore;
  sync: SyncService;
}

const newLoop = (w: Pick<Ws, 'f' | 'keyStore'>) =>
  createSync({ record: w.f.record, bus: w.f.ops.commands, keyStore: w.keyStore, logger: silentLogger, now: () => w.f.clock.now, retryBaseMs: 5, retryMaxMs: 20, intervalMs: 3_600_000, timeoutMs: 10_000 });

/** Every synced row of a workstation, by table, in key order (staff: the directory's columns and roles). */
function syncedState(record: ClinicRecord): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of SYNCED_TABLES) {
    const cols = t.columns.filter((c) => !(t.name === 'staff' && c === 'roles')).map((c) => `"${c}"`);
    const where = t.only ? ` WHERE "${t.only.column}" = '${t.only.value}'` : '';
    out[t.name] = record.db.all(sql.raw(`SELECT ${cols.join(', ')} FROM "${t.name}"${where} ORDER BY "${t.key}"`));
  }
  return out;
}

function lotsOff(record: ClinicRecord): unknown[] {
  return record.db.all(sql`SELECT b.lot_id, b.on_hand, (SELECT coalesce(sum(delta), 0) FROM stock_movements m WHERE m.lot_id = b.lot_id) AS moved FROM stock_lot_balances b WHERE b.on_hand <> (SELECT coalesce(sum(delta), 0) FROM stock_movements m WHERE m.lot_id = b.lot_id)`);
}

describe.skipIf(!PG_URL)(`fault test (seed ${SEED}, ${COMMANDS} commands, PostgreSQL)`, () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('three workstations (one a child process killed with SIGKILL mid-push) and two service processes behind a faulty network converge, every mutation applied exactly once', async () => {
    const database = await createServiceDatabase(PG_URL, 'cw_fault');
    const { su } = database;
    cleanups.push(() => database.drop());
    const env = { ...database.env, DATABASE_POOL_SIZE: '4' };
    const startService = (e: NodeJS.ProcessEnv) => startServiceProcess({ ...SERVICE_TEST_ENV, ...e }, SERVICE_START_MS);
    const services = [await startService(env)];
    services.push(await startService(env));
    cleanups.push(async () => {
      for (const s of services) {
        s.child.kill('SIGKILL');
        await s.exited;
      }
    });
    const proxy = await startFaultProxy(services.map((s) => s.url), SEED);
    cleanups.push(() => proxy.close());

    const adminCall = serviceAdmin(services[0]!.url);
    const { clinicId } = await adminCall<{ clinicId: string }>('createClinic', { name: 'Fault Clinic' });
    const code = async () => (await adminCall<{ code: string }>('issueEnrolmentCode', { clinicId, ttlMinutes: 60 })).code;

    const dir = mkdtempSync(join(tmpdir(), 'cw-fault-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const make = (label: string): Ws => {
      const f = createOpsFixture();
      const keyStore = memoryKeyStore();
      const w = { name: label, f, keyStore, sync: null as unknown as SyncService };
      w.sync = newLoop(w);
      cleanups.push(async () => {
        await w.sync.dispose();
        f.dispose();
      });
      return w;
    };
    const ws1 = make('ws1');
    const ids = seedOperations(ws1.f);
    const ws2 = make('ws2');
    ws2.f.record.db.run(sql`UPDATE patients SET mrn = 'WS2-' || mrn`);
    // Enrolment goes straight to a service process; everything after it through the proxy.
    for (const w of [ws1, ws2]) {
      await w.sync.enrol({ serviceUrl: services[0]!.url, code: await code(), caPem: null }, w.f.manager);
      expect(w.sync.status()).toMatchObject({ state: 'connected', queued: 0 });
      w.f.record.db.run(sql`UPDATE sync_connection SET service_url = ${proxy.url}`);
    }
    await ws1.sync.syncNow();
    expect(ws2.f.record.db.all(sql`SELECT 1 FROM stock_items WHERE id = ${ids.foam}`)).toHaveLength(1);

    // The third workstation: a child process on its own record file behind the kill proxy.
    const ws3File = join(dir, 'ws3', 'record.db');
    const ws3Key = randomBytes(32);
    const ws3ClinicId = randomUUID();
    let killsOn = true;
    let parentCommand = 0;
    const killedAtParentCommand: number[] = [];
    const killAt = (k: number) => Math.floor(((k + 1) * WS3_COMMANDS) / (WS3_KILLS + 1));
    // eslint-disable-next-line prefer-const -- the kill proxy and the child name each other
    let ws3: ReturnType<typeof childWorkstation>;
    const killProxy = await startKillProxy(
      proxy.url,
      () => killsOn && killProxy.state.killed < WS3_KILLS && ws3.state.lastDone >= killAt(killProxy.state.killed),
      () => {
        killedAtParentCommand.push(parentCommand);
        ws3.kill();
      },
    );
    cleanups.push(() => killProxy.close());
    const lots = ['L1', 'L2', 'L3', 'L4'];
    const patients = [ws1.f.patients.ada, ws1.f.patients.grace];
    const mix: CommandMix = { ids, staffId: ws1.f.nurse.id, patients, lots, appointments: [] };
    ws3 = childWorkstation(ws3File, {
      key: ws3Key.toString('hex'),
      clinicId: ws3ClinicId,
      serviceUrl: services[0]!.url,
      proxyUrl: killProxy.url,
      code: await code(),
      mix: { ids, staffId: mix.staffId, patients, lots },
      to: WS3_COMMANDS,
      seed: SEED * 104_729,
      clockBase: START + 100_000_000,
    });
    cleanups.push(() => ws3.dispose());

    const r = rng(SEED * 7919);
    const tally = { ok: 0, refusedLocally: 0, syncs: 0, restarts: 0, serviceKills: 0 };
    const ownCommands = COMMANDS - WS3_COMMANDS;
    for (let i = 0; i < ownCommands; i++) {
      parentCommand = i;
      const w = r.next() < 0.5 ? ws1 : ws2;
      w.f.clock.now += 1000;
      try {
        mixedCommand(w.f, r, mix, String(i));
        tally.ok++;
      } catch {
        tally.refusedLocally++; // e.g. not on this workstation yet, a cancelled appointment, not enough stock here
      }
      if (r.next() < 0.04) {
        await w.sync.syncNow();
        tally.syncs++;
      }
      if (r.next() < 0.003) {
        // The workstation restarts: its loop is rebuilt from the record and the keychain.
        await w.sync.dispose();
        w.sync = newLoop(w);
        tally.restarts++;
      }
      if (i === Math.floor(ownCommands / 2)) {
        // kill -9 of a service process, and a new one on the same database.
        const dead = services.shift()!;
        dead.child.kill('SIGKILL');
        await dead.exited;
        // Dead for real: nothing answers on its port any more (a wrapper process would have died alone).
        await expect(fetch(`${dead.url}/health`)).rejects.toThrow();
        services.push(await startService(env));
        proxy.state.upstreams = services.map((s) => s.url);
        tally.serviceKills++;
      }
      // The child's requests go through this process's proxies: let them through, and keep pace
      // with it, so that its pushes and kills fall among the others' all along.
      await new Promise((resolve) => setImmediate(resolve));
      const pace = Math.floor((i * WS3_COMMANDS) / ownCommands) - 20;
      if (ws3.state.lastDone < pace) await ws3.reached(pace);
    }
    await ws3.finished();

    // The network heals; all sync until nothing is queued and each has pulled the others' last.
    killsOn = false;
    proxy.state.calm = true;
    for (let round = 0; round < 50; round++) {
      const a = await ws1.sync.syncNow();
      const b = await ws2.sync.syncNow();
      const c = await ws3.sync();
      const a2 = await ws1.sync.syncNow();
      const b2 = await ws2.sync.syncNow();
      if (a.queued + b.queued + c.queued + a2.queued + b2.queued === 0 && !c.lastError && !a2.lastError && !b2.lastError) break;
    }
    for (const w of [ws1, ws2]) expect(w.sync.status()).toMatchObject({ state: 'connected', queued: 0, lastError: null });
    expect(await ws3.sync()).toMatchObject({ state: 'connected', queued: 0, lastError: null });
    await ws3.exit();
    // The parent opens the child's record itself: intact, and checked as the others are.
    const ws3Record = unwrapOpen(openClinicRecord({ file: ws3File, key: ws3Key, clinicId: ws3ClinicId, logger: silentLogger }));
    cleanups.push(() => ws3Record.dispose());
    expect(ws3Record.integrityCheck()).toEqual({ ok: true });
    const workstations = [
      { name: 'ws1', record: ws1.f.record, deviceId: ws1.sync.status().deviceId },
      { name: 'ws2', record: ws2.f.record, deviceId: ws2.sync.status().deviceId },
      { name: 'ws3', record: ws3Record, deviceId: ws3Record.db.select().from(tables.syncDevice).get()!.deviceId },
    ];
    expect(workstations[2]!.deviceId).toBe(ws3.state.deviceId);

    const reasons = (await su.query(`SELECT name, code, left(reason, 160) AS reason, count(*)::int AS n FROM mutations WHERE clinic_id = $1 AND (status = 'rejected' OR skipped IS NOT NULL) GROUP BY 1, 2, 3 ORDER BY n DESC`, [clinicId])).rows;
    console.log(`refused by the service: ${JSON.stringify(reasons)}`);

    // 1. All workstations hold the same synced rows.
    const s1 = syncedState(ws1.f.record);
    for (const w of workstations.slice(1)) {
      const other = syncedState(w.record);
      for (const t of SYNCED_TABLES) expect(other[t.name], `${w.name} ${t.name}`).toEqual(s1[t.name]);
    }

    // 2. …and the same live rows as the service.
    const live = (await su.query(`SELECT tbl, key FROM entities WHERE clinic_id = $1 AND NOT deleted ORDER BY tbl, key`, [clinicId])).rows as Array<{ tbl: string; key: string }>;
    for (const t of SYNCED_TABLES) {
      const k = SYNCED_TABLES.find((x) => x.name === t.name)!.key;
      const local = (s1[t.name] as Array<Record<string, unknown>>).map((row) => String(row[k])).sort();
      expect(live.filter((e) => e.tbl === t.name).map((e) => e.key).sort(), t.name).toEqual(local);
    }

    // 3. Exactly once: per device the applied ids are 1…last without a gap, one row each, and they
    //    are exactly the ids the workstation sent; no command was applied twice.
    const applied = (await su.query(`SELECT device_id, mutation_id, command_id, status FROM mutations WHERE clinic_id = $1 ORDER BY device_id, mutation_id`, [clinicId])).rows as Array<{ device_id: string; mutation_id: string | number; command_id: string; status: string }>;
    for (const w of workstations) {
      const mine = applied.filter((m) => m.device_id === w.deviceId).map((m) => Number(m.mutation_id));
      const first = mine[0] ?? 1;
      expect(mine, w.name).toEqual(Array.from({ length: mine.length }, (_, i) => first + i));
      const sent = w.record.db.all<{ id: number }>(sql`SELECT mutation_id AS id FROM sync_outbox WHERE sent_at IS NOT NULL ORDER BY mutation_id`).map((x) => x.id);
      expect(sent, w.name).toEqual(mine);
    }
    expect(applied.filter((m) => m.device_id === ws3.state.deviceId).length).toBeGreaterThan(0);
    const commandIds = applied.filter((m) => m.status === 'applied').map((m) => m.command_id);
    expect(new Set(commandIds).size).toBe(commandIds.length);

    // 4. Stock: on hand = Σ movements per lot on every workstation and on the service.
    for (const w of workstations) expect(lotsOff(w.record), w.name).toEqual([]);
    const serviceLots = (await su.query(
      `SELECT b.id, b.amount, coalesce((SELECT sum((e.data->>'delta')::bigint) FROM entities e WHERE e.clinic_id = b.clinic_id AND e.tbl = 'stock_movements' AND NOT e.deleted AND e.data->>'lot_id' = b.id), 0) AS moved
       FROM balances b WHERE b.clinic_id = $1 AND b.kind = 'lot'`,
      [clinicId],
    )).rows as Array<{ id: string; amount: string; moved: string }>;
    expect(serviceLots.filter((l) => Number(l.amount) !== Number(l.moved))).toEqual([]);
    const rejected = applied.filter((m) => m.status === 'rejected').length;

    const { lastDone: _, deviceId: __, finished: ___, problem: ____, ...child } = ws3.state;
    console.log(
      `fault test seed=${SEED} commands=${COMMANDS} ${JSON.stringify({ ...tally, ws3: { ...child, ...killProxy.state, kills: killProxy.kills, killedAtParentCommand }, appliedMutations: applied.length - rejected, rejectedMutations: rejected, faults: proxy.counts })}`,
    );
    expect(proxy.counts.dropped + proxy.counts.cut + proxy.counts.duplicated + proxy.counts.replayed).toBeGreaterThan(0);
    expect(tally.serviceKills).toBe(1);
    // Every planned kill of the child happened, at each point in turn, and it came back after each.
    expect(killProxy.state.killed).toBe(WS3_KILLS);
    for (const [i, at] of KILL_POINTS.entries()) expect(killProxy.kills[at], at).toBe(Math.floor(WS3_KILLS / KILL_POINTS.length) + (i < WS3_KILLS % KILL_POINTS.length ? 1 : 0));
    expect(ws3.state.lives).toBe(WS3_KILLS + 1);
  }, 1_200_000);
});
