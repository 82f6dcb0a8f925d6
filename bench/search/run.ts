/**
 * Patient search (issue 21 point 10) on an encrypted record with N patients, against its peer in
 * the same run: the same "any part of a name or MRN" done by scanning every row with instr()
 * (what a search without the trigram index must do).
 *   npx tsx bench/search/run.ts [patients=20000] [queries=300]
 * Prints medians of 5 rounds (ms per query) for words of 3+ characters (through the index), a
 * short word (instr on every row, as the repository does), and the scan peer; and the ratio.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClinicRecord, createPatientsRepository, tables } from '../../main/records/index';
import { buildPatientSearch } from '../../main/records/repositories/patients';
import { searchKey } from '../../main/records/repositories/search-key';
import { silentLogger } from '../../main/shared/logger';

const N = Number(process.argv[2] ?? 20_000);
const QUERIES = Number(process.argv[3] ?? 300);
const ROUNDS = 5;
const FAMILY = ['Nguyễn', 'Smith', 'Okafor', 'García', 'Müller', 'Kowalski', 'Adébáyọ̀', 'Hopper', 'Lovelace', 'Ferreira', 'Johansson', 'Tanaka', 'Dubois', 'Rossi', 'Novak'];
const GIVEN = ['Thị Minh', 'Grace', 'Ada', 'Oluwaseun', 'José', 'Anna', 'Mei', 'Lars', 'Chloé', 'Marco', 'Eva', 'Yuki', 'Piotr', 'Amara', 'Liam'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'cw-bench-search-'));
try {
  const created = createClinicRecord({ file: join(dir, 'record.db'), key: randomBytes(32), clinicId: randomUUID(), clinicName: 'Bench', logger: silentLogger });
  if (!created.ok) throw created.error;
  const record = created.record;
  const now = Date.now();
  record.transaction(() => {
    for (let i = 0; i < N; i++) {
      const f = `${FAMILY[i % FAMILY.length]!}${i % 97}`;
      const g = GIVEN[(i * 7) % GIVEN.length]!;
      record.db
        .insert(tables.patients)
        .values({ id: randomUUID(), mrn: `MRN-${String(100000 + i)}`, givenName: g, familyName: f, givenKey: searchKey(g), familyKey: searchKey(f), dateOfBirth: '1960-01-01', sex: 'unknown', createdAt: now, updatedAt: now })
        .run();
    }
  });
  const words = ['nguyen4', 'okafor1', '10042', 'grace smith', 'adebayo9', 'mull', 'chloe dub'];
  const short = ['zz', 'a9'];
  const timeIt = (fn: (q: string) => unknown, qs: string[]) => {
    const t = performance.now();
    for (let i = 0; i < QUERIES; i++) fn(qs[i % qs.length]!);
    return (performance.now() - t) / QUERIES;
  };
  const indexed = (q: string) => buildPatientSearch(record.db, q, 26).all();
  // The peer: every row's folded keys and MRN checked with instr(), as without the index.
  const p = tables.patients;
  const scanned = (q: string) =>
    record.db
      .select({ id: p.id })
      .from(p)
      .where(sql`instr(${p.familyKey} || ' ' || ${p.givenKey} || ' ' || lower(${p.mrn}), ${searchKey(q).split(' ')[0]}) > 0`)
      .orderBy(p.familyKey, p.givenKey, p.id)
      .limit(26)
      .all();
  const rounds = { indexed: [] as number[], short: [] as number[], scan: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    rounds.indexed.push(timeIt(indexed, words));
    rounds.short.push(timeIt(indexed, short));
    rounds.scan.push(timeIt(scanned, words));
  }
  const repo = createPatientsRepository(record);
  const found = repo.search({ query: 'nguyen4', limit: 5 }, { id: 'bench', roles: ['nurse'] }).items.length;
  console.log(`patients: ${N}; queries per round: ${QUERIES}; rounds: ${ROUNDS} (medians)`);
  console.log(`trigram index (words of 3+ chars): ${median(rounds.indexed).toFixed(3)} ms/query`);
  console.log(`short word (instr on every row):    ${median(rounds.short).toFixed(3)} ms/query`);
  console.log(`peer, instr scan of every row:       ${median(rounds.scan).toFixed(3)} ms/query`);
  console.log(`ratio scan / index: ${(median(rounds.scan) / median(rounds.indexed)).toFixed(1)}×  (sanity: 'nguyen4' found ${found})`);
  record.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
