/**
 * bench/sync: the hosted service under load, issue 16's figures.
 *
 *   1. Push throughput in applied mutations/s: real workstations (clinic records with operations)
 *      queue stock receipts and usage, bookings and rooms; their queues go to TWO service processes
 *      in batches of 100, all devices at once — four devices of one clinic (their pushes take turns
 *      on the clinic's row lock) and four clinics with one device each. The request bodies are
 *      serialised before the clock starts (the workstations are other machines). Goal ≥ 5,000/s;
 *      the peer is PowerSync's published 2,000–4,000 ops/s replication.
 *   2. Latency at a constant offered rate (100, 500, 1,000 req/s; open loop, see open-loop.ts)
 *      of the request a connected workstation makes all day, `sync.pull` from its cursor, each
 *      request with a device credential, alternating between the processes. Goal: p95 < 20 ms at
 *      500 req/s. The peer in the same run: `/health` (one `SELECT 1` through the same HTTP server
 *      and pool) at the same rate — the floor under any request.
 *   3. Closed-loop maximum of `sync.pull` (autocannon, 16 connections per process).
 *   The same on PGlite beside them (one process: PGlite is one process's database).
 *
 *   npx tsx bench/sync/run.ts [--seconds 5] [--mutations 1500] [--devices 4] [--rounds 3]
 * Each figure is the median of `--rounds` runs. Uses COHERENCY_TEST_DATABASE_URL when set; else
 * starts a throwaway durable cluster (scripts/postgres-cluster.sh with PG_DURABLE=1: fsync and
 * synchronous commit on, as a production server), reached over its Unix socket, and stops it at
 * the end.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { createOpsFixture, seedOperations, type OpsFixture } from '../../main/operations/test-helpers';
import { newId } from '../../main/records/index';
import { silentLogger } from '../../main/shared/logger';
import { createSync } from '../../main/sync/index';
import { memoryKeyStore, SERVICE_ADMIN, serviceAdmin } from '../../main/sync/test-service';
import { startServiceProcess, type Running } from '../../server/app/test-process';
import { openTestDatabase } from '../../server/db/test-databases';
import { median, openLoop, percentile } from './open-loop';

const root = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, d: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : d);
const SECONDS = opt('seconds', 5);
const MUTATIONS = opt('mutations', 1500);
const DEVICES = opt('devices', 4);
const ROUNDS = opt('rounds', 3);
const RATES = [100, 500, 1000];
const BATCH = 100;

interface Station {
  token: string;
  /** Push bodies, in order, serialised ahead: ROUNDS slices of the queue. */
  bodies: string[];
}

/** One workstation per entry of `clinicIds`, enrolled, with MUTATIONS × ROUNDS queued commands. */
async function stations(url: string, clinicIds: string[]): Promise<Station[]> {
  const out: Station[] = [];
  const seeded = new Map<string, ReturnType<typeof seedOperations>>();
  for (const [d, clinicId] of clinicIds.entries()) {
    const f: OpsFixture = createOpsFixture();
    // Each workstation registered its own patients (other MRNs) before it was connected.
    f.record.db.run(sql.raw(`UPDATE patients SET mrn = 'D${d}-' || mrn`));
    const keyStore = memoryKeyStore();
    const sync = createSync({ record: f.record, bus: f.ops.commands, keyStore, logger: silentLogger, intervalMs: 3_600_000 });
    // The first workstation of a clinic sets it up; the others get it at enrolment.
    const ids = seeded.get(clinicId) ?? seedOperations(f);
    seeded.set(clinicId, ids);
    const { code } = await serviceAdmin(url)<{ code: string }>('issueEnrolmentCode', { clinicId });
    await sync.enrol({ serviceUrl: url, code, caPem: null }, f.manager);
    await sync.dispose();
    const total = MUTATIONS * ROUNDS;
    for (let i = 0; i < total; i++) {
      const k = i % 4;
      if (k === 0) f.run('stock.receive', { itemId: ids.foam, lotNumber: `D${d}-L${i % 7}`, expiryDate: null, quantity: 5 });
      else if (k === 1) f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.ada, lines: [{ itemId: ids.foam, quantity: 1 }] }, f.nurse);
      else if (k === 2) f.run('bookings.book', { appointmentId: newId(), patientId: f.patients.grace, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: Date.UTC(2030, 0, 1) + i * 1_800_000, override: true });
      else f.run('bookings.defineRoom', { roomId: newId(), name: `Room ${d}-${i}` });
    }
    const pending = f.ops.commands.pending(total + 10);
    const bodies: string[] = [];
    for (let o = 0; o < pending.length; o += BATCH) {
      const mutations = pending.slice(o, o + BATCH).map((e) => ({ id: e.mutationId, commandId: e.commandId, name: e.name, args: e.args, actorId: e.actorId, issuedAt: e.issuedAt, effects: e.effects }));
      bodies.push(JSON.stringify({ mutations }));
    }
    out.push({ token: (await keyStore.get(`sync:${f.record.clinicId}`))!.toString('utf8'), bodies });
    f.dispose();
  }
  return out;
}

function post(agent: http.Agent, url: string, path: string, token: string, body: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Round `r` of the push figure: every station sends its r-th slice of batches, all at once. */
async function pushRound(urls: string[], list: Station[], r: number): Promise<{ applied: number; rejected: number; perSecond: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const per = Math.ceil(list[0]!.bodies.length / ROUNDS);
  let applied = 0;
  let rejected = 0;
  const started = performance.now();
  await Promise.all(
    list.map(async (s, i) => {
      for (const body of s.bodies.slice(r * per, (r + 1) * per)) {
        const out = JSON.parse(await post(agent, urls[i % urls.length]!, '/trpc/sync.push', s.token, body)) as { result: { data: { results: Array<{ status: string }> } } };
        for (const x of out.result.data.results) {
          if (x.status === 'rejected') rejected++;
          else applied++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { applied, rejected, perSecond: (applied + rejected) / seconds };
}

const pullPath = `/trpc/sync.pull?input=${encodeURIComponent(JSON.stringify({ cursor: null, limit: 1, minVersion: 0 }))}`;

interface Figures {
  p50: number;
  p95: number;
  p99: number;
  achieved: number;
  errors: number;
}

async function latencyRun(urls: string[], tokens: string[], rate: number, what: 'pull' | 'health'): Promise<Figures> {
  const res = await openLoop({
    rate,
    seconds: SECONDS,
    next: (i) => (what === 'pull' ? { url: urls[i % urls.length]!, path: pullPath, headers: { authorization: `Bearer ${tokens[i % tokens.length]!}` } } : { url: urls[i % urls.length]!, path: '/health' }),
  });
  return { p50: percentile(res.latencies, 50), p95: percentile(res.latencies, 95), p99: percentile(res.latencies, 99), achieved: res.achieved, errors: res.errors };
}

const medianOf = (runs: Figures[]): Figures => ({
  p50: median(runs.map((x) => x.p50)),
  p95: median(runs.map((x) => x.p95)),
  p99: median(runs.map((x) => x.p99)),
  achieved: median(runs.map((x) => x.achieved)),
  errors: runs.reduce((a, x) => a + x.errors, 0),
});

async function closedLoopMax(urls: string[], tokens: string[]): Promise<{ rps: number; p50: number; p99: number }> {
  const runs = await Promise.all(
    urls.map(
      (url) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          autocannon({ url, connections: 16, duration: SECONDS, requests: tokens.map((t) => ({ method: 'GET' as const, path: pullPath, headers: { authorization: `Bearer ${t}` } })) }, (err, result) => (err ? reject(err) : resolve(result)));
        }),
    ),
  );
  return { rps: runs.reduce((a, r) => a + r.requests.average, 0), p50: median(runs.map((r) => r.latency.p50)), p99: median(runs.map((r) => r.latency.p99)) };
}

async function scenario(label: string, env: NodeJS.ProcessEnv, processes: number) {
  const base = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', SERVICE_ADMIN_TOKEN: SERVICE_ADMIN, REMINDER_INTERVAL_MS: '3600000', ...env };
  const procs: Array<Running & { url: string }> = [];
  for (let i = 0; i < processes; i++) procs.push(await startServiceProcess(base));
  const urls = procs.map((p) => p.url);
  try {
    const one = (await serviceAdmin(urls[0]!)<{ clinicId: string }>('createClinic', { name: 'Bench Clinic' })).clinicId;
    const many: string[] = [];
    for (let d = 0; d < DEVICES; d++) many.push((await serviceAdmin(urls[0]!)<{ clinicId: string }>('createClinic', { name: `Bench Clinic ${d}` })).clinicId);
    const shared = await stations(urls[0]!, Array.from({ length: DEVICES }, () => one));
    const apart = await stations(urls[0]!, many);
    for (const [name, list] of [[`${DEVICES} devices of one clinic`, shared], [`${DEVICES} clinics, a device each`, apart]] as const) {
      const rounds = [];
      for (let r = 0; r < ROUNDS; r++) rounds.push(await pushRound(urls, list, r));
      const refused = rounds.reduce((a, x) => a + x.rejected, 0);
      console.log(`${label}: push, ${name}, batches of ${BATCH}: median ${Math.round(median(rounds.map((x) => x.perSecond)))} mutations/s (rounds ${rounds.map((x) => Math.round(x.perSecond)).join(', ')}; ${refused} refused) = ${(median(rounds.map((x) => x.perSecond)) / 3000).toFixed(2)}× PowerSync's published 2,000–4,000 ops/s midpoint`);
    }
    const tokens = [...shared, ...apart].map((s) => s.token);
    // Rounds interleave the rates (and pull with its /health peer), so that a passing disturbance
    // of the machine lands in one round of several figures, not in every round of one.
    const runs = new Map<number, { pull: Figures[]; health: Figures[] }>(RATES.map((r) => [r, { pull: [], health: [] }]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const rate of RATES) {
        runs.get(rate)!.pull.push(await latencyRun(urls, tokens, rate, 'pull'));
        runs.get(rate)!.health.push(await latencyRun(urls, tokens, rate, 'health'));
      }
    }
    for (const rate of RATES) {
      const pull = medianOf(runs.get(rate)!.pull);
      const health = medianOf(runs.get(rate)!.health);
      console.log(
        `${label}: sync.pull at ${rate} req/s offered (${Math.round(pull.achieved)} answered/s, ${pull.errors} errors): p50 ${pull.p50.toFixed(1)} ms  p95 ${pull.p95.toFixed(1)} ms  p99 ${pull.p99.toFixed(1)} ms` +
          ` (p95 of rounds ${runs.get(rate)!.pull.map((x) => x.p95.toFixed(1)).join(', ')})  | /health peer p50 ${health.p50.toFixed(1)}  p95 ${health.p95.toFixed(1)} ms  → pull/health p95 ${(pull.p95 / health.p95).toFixed(2)}×`,
      );
    }
    const max = await closedLoopMax(urls, tokens);
    console.log(`${label}: sync.pull closed loop (autocannon, 16 connections per process): ${Math.round(max.rps)} req/s, p50 ${max.p50} ms, p99 ${max.p99} ms`);
  } finally {
    for (const p of procs) await p.stop();
  }
}

async function main() {
  console.log(`bench/sync: ${ROUNDS} rounds, ${SECONDS} s per latency run, ${DEVICES} devices × ${MUTATIONS} mutations per push round; load average ${(await import('node:os')).loadavg()[0]!.toFixed(2)}`);
  let stopCluster: (() => void) | null = null;
  if (!process.env['COHERENCY_TEST_DATABASE_URL']) {
    const out = execFileSync('bash', [join(root, 'scripts', 'postgres-cluster.sh'), 'start'], { env: { ...process.env, PG_DURABLE: '1' }, encoding: 'utf8' });
    for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) process.env[m[1]!] = m[2]!;
    const dir = process.env['COHERENCY_TEST_PG_DIR']!;
    stopCluster = () => execFileSync('bash', [join(root, 'scripts', 'postgres-cluster.sh'), 'stop', dir]);
    // Service and database on one host, as a small deployment runs them: over PostgreSQL's Unix
    // socket, which costs this machine a third of loopback TCP's per-query kernel time.
    process.env['COHERENCY_TEST_DATABASE_URL'] += `?host=${encodeURIComponent(dir)}`;
  }
  console.log(`PostgreSQL at ${process.env['COHERENCY_TEST_DATABASE_URL']!.replace(/\/\/[^@]*@/, '//…@')}`);
  try {
    // A new database, migrated, used by the service processes as the role that cannot bypass RLS.
    const db = await openTestDatabase('postgres');
    try {
      await scenario('PostgreSQL, 2 processes', { DATABASE_URL: db.options.url!, DATABASE_MIGRATION_URL: db.options.migrationUrl! }, 2);
    } finally {
      await db.dispose();
    }
    const dir = mkdtempSync(join(tmpdir(), 'cw-bench-sync-'));
    try {
      await scenario('PGlite, 1 process', { DATA_DIR: join(dir, 'service') }, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    stopCluster?.();
  }
}

await main();
