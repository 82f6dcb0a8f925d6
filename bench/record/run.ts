/**
 * Encrypted clinic record vs the same schema unencrypted, same library, same run:
 *   npx tsx bench/record/run.ts [rows=20000] [queries=50000]
 * Three figures, each the median of 5 rounds, encrypted and plain run alternately so machine
 * noise hits both alike:
 *   - bulk inserts/s: prepared INSERT, 1,000 rows per transaction (import-style);
 *   - single-row commits/s: one INSERT per transaction, as the repositories write (each call is
 *     its own transaction, fsync'd);
 *   - point queries/s: patient by id, random order.
 * Both use the record's settings: WAL, synchronous=FULL (BENCH_SYNC=NORMAL to compare),
 * foreign keys on, 4096-byte pages, the library's 16 MB page cache. Goal: encrypted ≥ 0.8× plain.
 * A third file, the same cipher with page MACs off, is timed alongside as a diagnosis of the gap.
 * Where libsqlcipher-dev is installed (and gcc), SQLCipher itself — the reference implementation,
 * OpenSSL crypto — runs the bulk-insert workload keyed vs unkeyed in the same run
 * (bench/record/sqlcipher-peer.c), so the gap can be compared with SQLCipher's own.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { createClinicRecord, loadMigrations, newId } from '../../main/records/index';
import { silentLogger } from '../../main/shared/logger';

const ROWS = Number(process.argv[2] ?? 20_000);
const QUERIES = Number(process.argv[3] ?? 50_000);
const ROUNDS = 5;
const BATCH = 1_000;

type Db = Database.Database;

/** The encrypted record exactly as the app creates it; returns a second raw connection for timing. */
function openEncrypted(dir: string): { db: Db; close(): void } {
  const file = join(dir, 'record.db');
  const key = randomBytes(32);
  const created = createClinicRecord({ file, key, clinicId: randomUUID(), clinicName: 'Bench', logger: silentLogger });
  if (!created.ok) throw created.error;
  created.record.dispose();
  const db = new Database(file);
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.key(Buffer.from(`x'${key.toString('hex')}'`));
  configure(db);
  return { db, close: () => db.close() };
}

/**
 * Diagnosis only, never how the app opens a record: the same SQLCipher 4 pages WITHOUT their
 * HMAC-SHA512 (`hmac_use = 0`), so the run shows how much of the gap is the per-page MAC.
 */
function openUnauthenticated(dir: string): { db: Db; close(): void } {
  return openPlain(dir, 'no-mac.db', (db) => {
    db.pragma("cipher = 'sqlcipher'");
    db.pragma('legacy = 4');
    db.pragma('hmac_use = 0');
    db.key(Buffer.from(`x'${randomBytes(32).toString('hex')}'`));
  });
}

function openPlain(dir: string, name = 'plain.db', keying?: (db: Db) => void): { db: Db; close(): void } {
  const db = new Database(join(dir, name));
  keying?.(db);
  db.pragma('page_size = 4096');
  configure(db);
  db.transaction(() => {
    for (const m of loadMigrations()) for (const s of m.statements) db.prepare(s).run();
  })();
  return { db, close: () => db.close() };
}

/** As main/records/record.ts configures the record (for the encrypted side, the key is applied first). */
function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${process.env.BENCH_SYNC ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  if (process.env.BENCH_CACHE) db.pragma(`cache_size = ${Number(process.env.BENCH_CACHE)}`);
}

function insertRound(db: Db, round: number): { perSecond: number; ids: string[] } {
  const insert = db.prepare(
    'INSERT INTO patients (id, mrn, given_name, family_name, given_key, family_key, date_of_birth, sex, phone, email, address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const ids: string[] = [];
  const batch = db.transaction((from: number) => {
    for (let i = from; i < Math.min(from + BATCH, ROWS); i++) {
      const id = newId();
      ids.push(id);
      const now = Date.now();
      insert.run(id, `R${round}-${i}`, `Given${i}`, `Family${i % 977}`, `given${i}`, `family${i % 977}`, '1970-01-01', 'unknown', '+1 555 0100', `p${i}@example.org`, `${i} Example Street`, now, now);
    }
  });
  const t0 = performance.now();
  for (let from = 0; from < ROWS; from += BATCH) batch(from);
  return { perSecond: ROWS / ((performance.now() - t0) / 1000), ids };
}

const COMMITS = 300;
function commitRound(db: Db, round: number): number {
  const insert = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)');
  const one = db.transaction((i: number) => insert.run(`bench.${round}.${i}`, JSON.stringify({ i }), Date.now()));
  const t0 = performance.now();
  for (let i = 0; i < COMMITS; i++) one(i);
  return COMMITS / ((performance.now() - t0) / 1000);
}

function queryRound(db: Db, ids: string[]): number {
  const get = db.prepare('SELECT * FROM patients WHERE id = ?');
  const order = Array.from({ length: QUERIES }, () => ids[Math.floor(Math.random() * ids.length)]!);
  const t0 = performance.now();
  let found = 0;
  for (const id of order) if (get.get(id)) found++;
  const dt = (performance.now() - t0) / 1000;
  if (found !== QUERIES) throw new Error('missing rows');
  return QUERIES / dt;
}

/** SQLCipher's own encrypted/plain bulk-insert figures on the same table, or why there are none. */
function sqlcipherPeer(dir: string): { cipher: string; encrypted: number; plain: number } | string {
  if (!existsSync('/usr/include/sqlcipher/sqlite3.h')) return 'libsqlcipher-dev not installed';
  const binary = join(dir, 'sqlcipher-peer');
  const source = join(import.meta.dirname, 'sqlcipher-peer.c');
  const cc = spawnSync('gcc', ['-O2', '-o', binary, source, '-lsqlcipher'], { encoding: 'utf8' });
  if (cc.status !== 0) return `could not build the peer: ${(cc.stderr || cc.error?.message || '').slice(0, 200)}`;
  // The patients table and its indexes, from the app's migrations.
  const statements = loadMigrations().flatMap((m) => m.statements).filter((st) => /CREATE TABLE `patients`|CREATE (UNIQUE )?INDEX `patients_/.test(st));
  const schema = join(dir, 'peer-schema.sql');
  writeFileSync(schema, statements.map((st) => `${st.trim().replace(/;$/, '')};`).join('\n'));
  const run = spawnSync(binary, [schema, dir], { encoding: 'utf8' });
  if (run.status !== 0) return `the peer failed: ${run.stderr.slice(0, 200)}`;
  return JSON.parse(run.stdout.trim()) as { cipher: string; encrypted: number; plain: number };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const dir = mkdtempSync(join(tmpdir(), 'coherency-bench-'));
try {
  const enc = openEncrypted(dir);
  const plain = openPlain(dir);
  const noMac = openUnauthenticated(dir);
  const empty = () => ({ ins: [] as number[], c: [] as number[], q: [] as number[] });
  const results = { encrypted: empty(), plain: empty(), noMac: empty() };
  for (let round = 0; round < ROUNDS; round++) {
    const order: ['encrypted' | 'plain' | 'noMac', { db: Db }][] = [['encrypted', enc], ['plain', plain], ['noMac', noMac]];
    for (let r = 0; r < round % 3; r++) order.push(order.shift()!);
    for (const [name, conn] of order) {
      const { perSecond, ids } = insertRound(conn.db, round);
      results[name].ins.push(perSecond);
      results[name].q.push(queryRound(conn.db, ids));
      results[name].c.push(commitRound(conn.db, round));
    }
  }
  const ins = { enc: median(results.encrypted.ins), plain: median(results.plain.ins) };
  const q = { enc: median(results.encrypted.q), plain: median(results.plain.q) };
  const c = { enc: median(results.encrypted.c), plain: median(results.plain.c) };
  const pages = enc.db.pragma('page_count', { simple: true }) as number;
  console.log(`clinic record bench: ${ROWS} rows × ${ROUNDS} rounds (table ends at ${ROWS * ROUNDS} rows, ${((pages * 4096) / 1e6).toFixed(1)} MB), ${QUERIES} point queries per round`);
  console.log(`                     encrypted (SQLCipher 4)      plain      ratio`);
  console.log(`bulk inserts/s       ${fmt(ins.enc).padStart(14)}  ${fmt(ins.plain).padStart(14)}    ${(ins.enc / ins.plain).toFixed(2)}×`);
  console.log(`single-row commits/s ${fmt(c.enc).padStart(14)}  ${fmt(c.plain).padStart(14)}    ${(c.enc / c.plain).toFixed(2)}×`);
  console.log(`point queries/s      ${fmt(q.enc).padStart(14)}  ${fmt(q.plain).padStart(14)}    ${(q.enc / q.plain).toFixed(2)}×`);
  const diag = { ins: median(results.noMac.ins) / ins.plain, c: median(results.noMac.c) / c.plain, q: median(results.noMac.q) / q.plain };
  console.log(
    `diagnosis: the same SQLCipher 4 pages without their HMAC-SHA512 (not an app setting) run at ${diag.ins.toFixed(2)}× / ${diag.c.toFixed(2)}× / ${diag.q.toFixed(2)}× plain;` +
      ` the rest of the gap is the per-page MAC (SQLite3MC's portable C SHA-512), which SQLCipher 4 compatibility and tamper detection require`,
  );
  const peer = sqlcipherPeer(dir);
  if (typeof peer === 'string') console.log(`SQLCipher itself: not run (${peer})`);
  else {
    console.log(
      `SQLCipher ${peer.cipher} itself (OpenSSL), same table and batches: bulk inserts ${fmt(peer.encrypted)} keyed vs ${fmt(peer.plain)} unkeyed/s = ${(peer.encrypted / peer.plain).toFixed(2)}×` +
        ` (ours ${(ins.enc / ins.plain).toFixed(2)}×): the SQLCipher 4 format's own cost on this workload`,
    );
  }
  const ratios = { 'bulk inserts': ins.enc / ins.plain, 'single-row commits': c.enc / c.plain, 'point queries': q.enc / q.plain };
  const missed = Object.entries(ratios).filter(([, r]) => r < 0.8);
  const ok = missed.length === 0;
  console.log(ok ? 'goal met: encrypted ≥ 0.8× plain everywhere' : `goal NOT met for: ${missed.map(([k, r]) => `${k} (${r.toFixed(2)}×)`).join(', ')}`);
  enc.close();
  plain.close();
  noMac.close();
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
