/**
 * Key rotation's commit point, `rekey`, killed with SIGKILL part-way through, at delays spread over
 * its measured duration: after the recovery the app runs on open (`recoverInterruptedRekey`)
 * exactly one of the two keys opens the record, `PRAGMA integrity_check` is ok, every row is
 * there and nothing is left beside it. At least one kill must land after the rekey has begun
 * rewriting the file (a hot journal), or the test has not tested it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOpensRecord, recoverInterruptedRekey, rekey, REKEY_COPY_SUFFIX } from './copy';
import { connectionOf, openClinicRecord } from './record';
import { createDb, logger, openRaw, type TestDb } from './test-helpers';

const tsx = createRequire(import.meta.url).resolve('tsx');
const fixture = fileURLToPath(new URL('./rekey-crash.fixture.ts', import.meta.url));
const ROWS = 30_000;
const MIN_RUNS = 12;
const MAX_RUNS = 30;
/** Kills that must land after the rekey began rewriting the file. */
const MIN_INSIDE = 3;
/** Pages of cache during the rekey (see the fixture). */
const CACHE_PAGES = 64;
const SIDECARS = ['-wal', '-shm', '-journal', REKEY_COPY_SUFFIX];

/** A rollback journal SQLite would replay: its header carries the magic once its pages are synced. */
function journalIsHot(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const magic = Buffer.alloc(8);
    readSync(fd, magic, 0, 8, 0);
    return magic.toString('hex') === 'd9d505f920a163d7';
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs the child and kills it: `after: 'start'` — `delayMs` after it says it is re-keying;
 * `after: 'hot'` — `delayMs` after its journal turns hot (the file is being rewritten), which the
 * parent watches for. Resolves how it ended.
 */
function rekeyAndKill(t: TestDb, newKey: Buffer, after: 'start' | 'hot', delayMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, fixture, t.file, t.clinicId], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, REKEY_CACHE_PAGES: String(CACHE_PAGES) } });
    let out = '';
    let stderr = '';
    let exited = false;
    const kill = () => setTimeout(() => child.kill('SIGKILL'), delayMs);
    const watch = () => {
      if (exited) return;
      if (journalIsHot(`${t.file}-journal`)) kill();
      else setImmediate(watch);
    };
    child.stdin.end(`${t.key.toString('hex')} ${newKey.toString('hex')}\n`);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (!before.includes('rekeying') && out.includes('rekeying')) (after === 'start' ? kill : watch)();
    });
    child.on('exit', (code, signal) => {
      exited = true;
      if (signal === 'SIGKILL') resolve(out.includes('done') ? 'finished' : 'killed');
      else if (code === 0 && out.includes('done')) resolve('finished');
      else reject(new Error(`rekey child exited with ${code}: ${stderr}`));
    });
  });
}

describe('kill -9 in the middle of a rekey', () => {
  let t: TestDb;
  let pristine: string;
  let rekeyMs = 0;
  beforeAll(() => {
    t = createDb();
    const insert = t.raw.prepare('INSERT INTO patients (id, mrn, given_name, family_name, given_key, family_key, date_of_birth, sex, address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    t.raw.transaction(() => {
      for (let i = 0; i < ROWS; i++) insert.run(`p-${i}`, `MRN-${i}`, `Given${i}`, `Family${i % 311}`, `given${i}`, `family${i % 311}`, '1950-01-01', 'unknown', `${i} Long Address Road, ${'x'.repeat(i % 90)}`, i, i);
    })();
    t.record.dispose();
    pristine = `${t.file}.pristine`;
    copyFileSync(t.file, pristine);
    // How long a rekey of this file takes here, so the kills can be spread across it.
    const opened = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger, quickCheck: false });
    if (!opened.ok) throw opened.error;
    connectionOf(opened.record).pragma(`cache_size = ${CACHE_PAGES}`);
    const t0 = performance.now();
    void rekey(opened.record, randomBytes(32));
    rekeyMs = performance.now() - t0;
    opened.record.dispose();
  }, 120_000);
  afterAll(() => t.dispose());

  it('kills spread over the rekey: one key opens a whole record every time', { timeout: 240_000 }, async () => {
    let inside = 0;
    for (let run = 0; run < MAX_RUNS && (run < MIN_RUNS || inside < MIN_INSIDE); run++) {
      for (const s of SIDECARS) rmSync(`${t.file}${s}`, { force: true });
      copyFileSync(pristine, t.file);
      const newKey = randomBytes(32);
      // Even runs: delays spread from just after the start to a little past the measured end (copy
      // included). Odd runs: spread over the first half of the time after the journal turns hot.
      const step = ((Math.floor(run / 2) % MIN_RUNS) + 0.5) / MIN_RUNS;
      const after = run % 2 === 0 ? 'start' : 'hot';
      const delay = after === 'start' ? step * rekeyMs * 1.3 : step * rekeyMs * 0.5;
      const ended = await rekeyAndKill(t, newKey, after, delay);
      const hotJournal = existsSync(`${t.file}-journal`);
      // A journal SQLite would replay: the rekey had begun rewriting pages (left alone, SQLite3MC
      // then opens the file with neither key once page 1 is rewritten — what this test first found).
      if (journalIsHot(`${t.file}-journal`)) inside++;
      // What the app does on open when a rotation was under way.
      const hadCopy = existsSync(`${t.file}${REKEY_COPY_SUFFIX}`);
      const did = recoverInterruptedRekey(t.file, t.key);
      // A journal with the copy beside it: the copy goes back. A journal before the copy was
      // made (the switch out of WAL at the start): SQLite's own rollback, or a journal it does not need.
      if (hotJournal && hadCopy) expect(did, `run ${run}`).toBe('restored');
      else if (hotJournal) expect(did, `run ${run}`).toMatch(/^(rolled-back|stale-journal-removed)$/);
      else expect(did, `run ${run}`).toMatch(/^(none|copy-removed)$/);
      expect(existsSync(`${t.file}-journal`), `run ${run}: no journal left`).toBe(false);
      expect(existsSync(`${t.file}${REKEY_COPY_SUFFIX}`), `run ${run}: no copy left`).toBe(false);
      const opensOld = keyOpensRecord(t.file, t.key);
      const opensNew = keyOpensRecord(t.file, newKey);
      expect([opensOld, opensNew].filter(Boolean), `run ${run} (${ended}, delay ${delay.toFixed(0)} ms): exactly one key opens it`).toHaveLength(1);
      if (ended === 'finished') expect(opensNew).toBe(true);
      const db = openRaw(t.file, opensOld ? t.key : newKey);
      try {
        expect(db.pragma('integrity_check', { simple: true }), `run ${run}`).toBe('ok');
        expect(db.prepare('SELECT count(*) FROM patients').pluck().get(), `run ${run}`).toBe(ROWS);
        expect(db.prepare('SELECT family_name FROM patients WHERE id = ?').pluck().get(`p-${ROWS - 1}`)).toBe(`Family${(ROWS - 1) % 311}`);
      } finally {
        db.close();
      }
    }
    expect(inside, `kills that landed inside the rekey after it had begun rewriting the file (rekey takes ${rekeyMs.toFixed(0)} ms here)`).toBeGreaterThanOrEqual(MIN_INSIDE);
  });
  it('a journal without a copy that SQLite does not replay (from the switch out of WAL) is removed once the old key opens the record', () => {
    for (const x of SIDECARS) rmSync(`${t.file}${x}`, { force: true });
    copyFileSync(pristine, t.file);
    // What a kill in the WAL-to-rollback switch can leave: a journal whose header was never written.
    writeFileSync(`${t.file}-journal`, Buffer.alloc(4096));
    expect(recoverInterruptedRekey(t.file, t.key)).toBe('stale-journal-removed');
    expect(existsSync(`${t.file}-journal`)).toBe(false);
    const db = openRaw(t.file, t.key);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(ROWS);
    } finally {
      db.close();
    }
  });
});
