/**
 * bench/sync: the hosted service under load, issue 16's figures.
 *
 *   1. Latency at a fixed offered rate (100, 500, 1,000 req/s) against TWO service processes on real
 *      PostgreSQL (autocannon, `overallRate`, half the rate to each process): p50/p95/p99 of the
 *      requests a connected workstation makes all day — `sync.pull` from its cursor (nothing new)
 *      — each with its own device credential. Goal: p95 < 20 ms at 500 req/s.
 *   2. Push throughput in applied mutations/s: workstations (real clinic records) push queued
 *      commands (stock receipts, usage, bookings) in batches of 100, all at once, to the two
 *      processes. Goal ≥ 5,000/s.
 *   The same two figures on PGlite beside them (one process: PGlite is one process's database).
 *
 *   npx tsx bench/sync/run.ts [--seconds 10] [--mutations 3000] [--devices 4]
 * Uses COHERENCY_TEST_DATABASE_URL when set; else starts a throwaway durable cluster
 * (scripts/postgres-cluster.sh with PG_DURABLE=1) and stops it at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { createOpsFixture, seedOperations, type OpsFixture } from '../../main/operations/test-helpers';
import { newId } from '../../main/records/index';
import { silentLogger } from '../../main/shared/logger';
import { createServiceClient, createSync } from '../../main/sync/index';
import type { KeyStore } from '../../main/vault/index';
import { startServiceProcess, type Running } from '../../server/app/test-process';
import { openTestDatabase } from '../../server/db/test-databases';

const root = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, d: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : d);
const SECONDS = opt('seconds', 10);
const MUTATIONS = opt('mutations', 3000);
const DEVICES = opt('devices', 4);
const ADMIN = 'bench-sync-admin-token-0123456789abcdef0123';
const RATES = [100, 500, 1000];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function memoryKeyStore(): KeyStore {
  const m = new Map<string, Buffer>();
  return { get: async (a) => m.get(a) ?? null, set: async (a, k) => void m.set(a, Buffer.from(k)), delete: async (a) => m.delete(a) };
}

async function admin<T>(url: string, path: string, input: unknown): Promise<T> {
  const res = await fetch(`${url}/trpc/admin.${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(input) });
  const json = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!json.result) throw new Error(`admin.${path}: ${JSON.stringify(json.error)}`);
  return json.result.data;
}

/** Offered load at `rate` req/s for SECONDS, split over the processes; per-request latencies from autocannon's response events. */
async function latencyAt(urls: string[], tokens: string[], rate: number): Promise<{ p50: number; p95: number; p99: number; sent: number; errors: number; achieved: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const runs = urls.map(
    (url, i) =>
      new Promise<void>((resolve, reject) => {
        const path = `/trpc/sync.pull?input=${encodeURIComponent(JSON.stringify({ cursor: null, limit: 1, minVersion: 0 }))}`;
        const inst = autocannon(
          {
            url,
            connections: 20,
            overallRate: Math.round(rate / urls.length),
            duration: SECONDS,
            requests: tokens.map((t) => ({ method: 'GET' as const, path, headers: { authorization: `Bearer ${t}` } })),
          },
          (err) => (err ? reject(err) : resolve()),
        );
        inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
          if (status !== 200) errors++;
          latencies.push(ms);
        });
        void i;
      }),
  );
  await Promise.all(runs);
  latencies.sort((a, b) => a - b);
  return { p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99), sent: latencies.length, errors, achieved: latencies.length / SECONDS };
}

interface Station {
  f: OpsFixture;
  keyStore: KeyStore;
}

/** DEVICES workstations enrolled on `url`, each with MUTATIONS queued commands. */
async function stations(url: string, clinicId: string): Promise<Station[]> {
  const out: Station[] = [];
  let ids: ReturnType<typeof seedOperations> | null = null;
  for (let d = 0; d < DEVICES; d++) {
    const f = createOpsFixture();
    // Each workstation registered its own patients (other MRNs) before it was connected.
    if (d > 0) f.record.db.run(sql.raw(`UPDATE patients SET mrn = 'D${d}-' || mrn`));
    const keyStore = memoryKeyStore();
    const sync = createSync({ record: f.record, bus: f.ops.commands, keyStore, logger: silentLogger, intervalMs: 3_600_000 });
    // The first workstation sets the clinic up; the others get it at enrolment.
    if (!ids) ids = seedOperations(f);
    const { code } = await admin<{ code: string }>(url, 'issueEnrolmentCode', { clinicId });
    await sync.enrol({ serviceUrl: url, code, caPem: null }, f.manager);
    await sync.dispose();
    const seeded = ids;
    for (let i = 0; i < MUTATIONS; i++) {
      const k = i % 4;
      if (k === 0) f.run('stock.receive', { itemId: seeded.foam, lotNumber: `D${d}-L${i % 7}`, expiryDate: null, quantity: 5 });
      else if (k === 1) f.run('stock.recordUsage', { appointmentId: null, patientId: f.patients.ada, lines: [{ itemId: seeded.foam, quantity: 1 }] }, f.nurse);
      else if (k === 2) f.run('bookings.book', { appointmentId: newId(), patientId: f.patients.grace, typeId: seeded.dressing, staffId: f.nurse.id, roomId: seeded.room1, startsAt: Date.UTC(2030, 0, 1) + i * 1_800_000, override: true });
      else f.run('bookings.defineRoom', { roomId: newId(), name: `Room ${d}-${i}` });
    }
    out.push({ f, keyStore });
  }
  return out;
}

async function pushThroughput(urls: string[], list: Station[]): Promise<{ applied: number; rejected: number; seconds: number; perSecond: number }> {
  let applied = 0;
  let rejected = 0;
  const started = performance.now();
  await Promise.all(
    list.map(async (s, i) => {
      const client = createServiceClient({ baseUrl: urls[i % urls.length]! });
      const token = (await s.keyStore.get(`sync:${s.f.record.clinicId}`))!.toString('utf8');
      const pending = s.f.ops.commands.pending(MUTATIONS + 10);
      for (let o = 0; o < pending.length; o += 100) {
        const batch = pending.slice(o, o + 100).map((e) => ({ id: e.mutationId, commandId: e.commandId, name: e.name, args: e.args, actorId: e.actorId, issuedAt: e.issuedAt, effects: e.effects }));
        const res = await client.push(token, batch);
        for (const r of res.results) {
          if (r.status === 'rejected') rejected++;
          else applied++;
        }
      }
      client.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { applied, rejected, seconds, perSecond: (applied + rejected) / seconds };
}

async function scenario(label: string, env: NodeJS.ProcessEnv, processes: number) {
  const base = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', SERVICE_ADMIN_TOKEN: ADMIN, REMINDER_INTERVAL_MS: '3600000', ...env };
  const procs: Running[] = [];
  const first = await startServiceProcess(base);
  procs.push(first);
  const urls = [first.url];
  for (let i = 1; i < processes; i++) {
    const p = await startServiceProcess(base);
    procs.push(p);
    urls.push(p.url);
  }
  try {
    const { clinicId } = await admin<{ clinicId: string }>(first.url, 'createClinic', { name: 'Bench Clinic' });
    const list = await stations(first.url, clinicId);
    const tokens = await Promise.all(list.map(async (s) => (await s.keyStore.get(`sync:${s.f.record.clinicId}`))!.toString('utf8')));
    const push = await pushThroughput(urls, list);
    console.log(`${label}: push ${DEVICES} devices × ${MUTATIONS} mutations in batches of 100: ${push.applied} applied + ${push.rejected} refused in ${push.seconds.toFixed(2)} s = ${Math.round(push.perSecond)} mutations/s`);
    for (const rate of RATES) {
      const l = await latencyAt(urls, tokens, rate);
      console.log(`${label}: ${rate} req/s offered (${Math.round(l.achieved)} done/s, ${l.errors} errors): p50 ${l.p50.toFixed(1)} ms  p95 ${l.p95.toFixed(1)} ms  p99 ${l.p99.toFixed(1)} ms`);
    }
    for (const s of list) s.f.dispose();
  } finally {
    for (const p of procs) await p.stop();
  }
}

async function main() {
  let stopCluster: (() => void) | null = null;
  if (!process.env['COHERENCY_TEST_DATABASE_URL']) {
    const out = execFileSync('bash', [join(root, 'scripts', 'postgres-cluster.sh'), 'start'], { env: { ...process.env, PG_DURABLE: '1' }, encoding: 'utf8' });
    for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) process.env[m[1]!] = m[2]!;
    const dir = process.env['COHERENCY_TEST_PG_DIR']!;
    stopCluster = () => execFileSync('bash', [join(root, 'scripts', 'postgres-cluster.sh'), 'stop', dir]);
  }
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
