/**
 * bench/operations: the three figures of issue 15, medians, each with a peer measured in the same run.
 *
 *   1. booking with its conflict check, 100,000 appointments in the record (goal < 10 ms): the whole
 *      `bookings.book` command (conflict queries, insert, reminder, audit row, outbox row, one
 *      durable commit) on the encrypted record; peer: one durable single-row commit on plain
 *      SQLite (same library, no key, same pragmas) — the floor of any saved booking.
 *   2. the on-hand list of 5,000 items over 1,000,000 movements (goal < 100 ms): `stock.items()`
 *      (per-lot Σ kept by the record's trigger); peer: the same list summed from the movements
 *      (GROUP BY over 1,000,000 rows) in the same record.
 *   3. the calendar's week view of 2,000 appointments (10 clinicians, 5 rooms) rendered in
 *      Chromium (goal < 200 ms), from the click to the frame after the last appointment is in the
 *      DOM, through the built browser host; peer: 2,000 absolutely positioned divs set by
 *      innerHTML in the same browser.
 *
 *   npx tsx bench/operations/run.ts [--runs 7] [--skip-browser] [--skip-record]   (the browser part needs scripts/with-keyring.sh)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { sql } from 'drizzle-orm';
import { createOperations } from '../../main/operations/index';
import { createClinicRecord, createPatientsRepository, createStaffRepository, newId, SYSTEM_ACTOR, tables, unwrapOpen } from '../../main/records/index';
import { silentLogger } from '../../main/shared/logger';
import { weekViewBench } from './week-view';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 7;
const skipBrowser = args.includes('--skip-browser');
const skipRecord = args.includes('--skip-record');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

function recordBench(): void {
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-ops-'));
  try {
    const record = unwrapOpen(createClinicRecord({ file: join(dir, 'record.db'), key: randomBytes(32), clinicId: randomUUID(), clinicName: 'Bench Clinic', logger: silentLogger }));
    const ops = createOperations({ record, logger: silentLogger });
    const staffRepo = createStaffRepository(record);
    const manager = { id: staffRepo.create({ username: 'm', displayName: 'M', passwordHash: 'x', roles: ['manager'] }, SYSTEM_ACTOR).id, roles: ['manager'] as const };
    const clinicians = Array.from({ length: 10 }, (_, i) => staffRepo.create({ username: `n${i}`, displayName: `Nurse ${i}`, passwordHash: 'x', roles: ['nurse'] }, SYSTEM_ACTOR).id);
    const patientsRepo = createPatientsRepository(record);
    const patients = Array.from({ length: 500 }, (_, i) => patientsRepo.create({ mrn: `BENCH-${i}`, givenName: 'Pat', familyName: `Bench${i}`, dateOfBirth: '1950-01-01', sex: 'unknown', phone: '+1 555 0100' }, SYSTEM_ACTOR).id);
    const run = (name: string, a: unknown) => ops.run(name, { commandId: newId(), args: a }, manager);
    run('operations.updateSettings', { timeZone: 'Europe/Berlin', currency: 'EUR' });
    const rooms = Array.from({ length: 5 }, (_, i) => (run('bookings.defineRoom', { roomId: newId(), name: `Room ${i}` }) as { roomId: string }).roomId);
    const typeId = (run('bookings.defineType', { typeId: newId(), name: 'Dressing change', defaultMinutes: 30, colour: '#1c7ed6' }) as { typeId: string }).typeId;

    // 100,000 appointments over two years, 10 clinicians, 5 rooms (straight into the table: set-up, not the measure).
    const t0 = performance.now();
    const start = Date.UTC(2024, 0, 1, 7);
    record.transaction(() => {
      const now = Date.now();
      for (let i = 0; i < 100_000; i++) {
        const startsAt = start + Math.floor(i / 10) * 3_600_000 + (i % 10) * 60_000;
        record.db.insert(tables.appointments).values({ id: newId(), patientId: patients[i % patients.length]!, staffId: clinicians[i % 10]!, roomId: rooms[i % 5]!, typeId, kind: 'clinic', startsAt, endsAt: startsAt + 1_800_000, createdAt: now, updatedAt: now }).run();
      }
    });
    const seeded = performance.now() - t0;
    const slots = Array.from({ length: runs * 5 }, (_, i) => start + 365 * 86_400_000 + i * 86_400_000 + 3 * 3_600_000);
    const book = slots.map((startsAt, i) => {
      const s = performance.now();
      run('bookings.book', { appointmentId: newId(), patientId: patients[i % 500]!, typeId, staffId: clinicians[i % 10]!, roomId: rooms[i % 5]!, startsAt, override: true });
      return performance.now() - s;
    });
    const check = slots.map((startsAt, i) => {
      const s = performance.now();
      ops.bookings.conflicts({ patientId: patients[i % 500]!, staffId: clinicians[i % 10]!, roomId: rooms[i % 5]!, intervals: [{ startsAt, endsAt: startsAt + 1_800_000 }] }, manager);
      return performance.now() - s;
    });
    const peerDb = new Database(join(dir, 'plain.db'));
    peerDb.pragma('journal_mode = WAL');
    peerDb.pragma('synchronous = FULL');
    peerDb.exec('CREATE TABLE t (id TEXT PRIMARY KEY, starts_at INTEGER, ends_at INTEGER)');
    const ins = peerDb.prepare('INSERT INTO t VALUES (?, ?, ?)');
    const peer = slots.map((s) => {
      const t = performance.now();
      peerDb.transaction(() => ins.run(newId(), s, s + 1))();
      return performance.now() - t;
    });
    peerDb.close();
    const n = record.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM appointments`)!.n;
    console.log(`1. booking with conflict check, ${n.toLocaleString('en')} appointments (seeded in ${(seeded / 1000).toFixed(1)} s)`);
    console.log(`   bookings.book command: median ${ms(median(book))} (goal < 10 ms); conflict check alone ${ms(median(check))}`);
    console.log(`   peer, one durable single-row commit on plain SQLite: ${ms(median(peer))} → ratio ${(median(book) / median(peer)).toFixed(2)}×`);

    // 5,000 items, 2 lots each, 1,000,000 movements.
    const t1 = performance.now();
    const items: Array<{ id: string; lots: string[] }> = [];
    record.transaction(() => {
      const now = Date.now();
      for (let i = 0; i < 5000; i++) {
        const id = newId();
        record.db.insert(tables.stockItems).values({ id, sku: `SKU-${i}`, name: `Item ${String(i).padStart(4, '0')}`, unit: 'piece', unitCostCents: 100 + (i % 50), priceCents: 200, reorderLevel: 10, reorderTarget: 50, createdAt: now, updatedAt: now }).run();
        const lots = [0, 1].map((l) => {
          const lotId = newId();
          record.db.insert(tables.stockLots).values({ id: lotId, itemId: id, lotNumber: `L${l}`, expiryDate: l === 0 ? '2020-01-01' : '2099-01-01', createdAt: now, updatedAt: now }).run();
          return lotId;
        });
        items.push({ id, lots });
      }
    });
    const p = (name: string) => sql.placeholder(name);
    const insertMovement = record.db
      .insert(tables.stockMovements)
      .values({ id: p('id'), itemId: p('itemId'), lotId: p('lotId'), delta: p('delta'), reason: p('reason'), at: p('at'), createdAt: p('at'), updatedAt: p('at') } as never)
      .prepare();
    for (let batch = 0; batch < 100; batch++) {
      record.transaction(() => {
        const now = Date.now();
        for (let m = batch * 10_000; m < (batch + 1) * 10_000; m++) {
          const it = items[m % 5000]!;
          insertMovement.run({ id: newId(), itemId: it.id, lotId: it.lots[(m >> 3) % 2]!, delta: m % 4 === 3 ? -1 : 2, reason: m % 4 === 3 ? 'usage' : 'receipt', at: now });
        }
      });
    }
    const seeded2 = performance.now() - t1;
    const onHand: number[] = [];
    let listed = 0;
    for (let r = 0; r < runs; r++) {
      const s = performance.now();
      listed = ops.stock.items().length;
      onHand.push(performance.now() - s);
    }
    const naive: number[] = [];
    for (let r = 0; r < runs; r++) {
      const s = performance.now();
      record.db.all(sql`SELECT i.id, i.sku, i.name, coalesce(sum(m.delta), 0) AS on_hand, coalesce(sum(CASE WHEN l.expiry_date IS NULL OR l.expiry_date >= '2025-01-01' THEN m.delta ELSE 0 END), 0) AS available
        FROM stock_items i LEFT JOIN stock_movements m ON m.item_id = i.id LEFT JOIN stock_lots l ON l.id = m.lot_id WHERE i.active = 1 GROUP BY i.id ORDER BY i.name`);
      naive.push(performance.now() - s);
    }
    const movements = record.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM stock_movements`)!.n;
    console.log(`2. on-hand list: ${listed.toLocaleString('en')} items over ${movements.toLocaleString('en')} movements (seeded in ${(seeded2 / 1000).toFixed(1)} s)`);
    console.log(`   stock.items(): median ${ms(median(onHand))} (goal < 100 ms)`);
    console.log(`   peer, the same list summed from the movements (GROUP BY): ${ms(median(naive))} → ratio ${(median(onHand) / median(naive)).toFixed(3)}×`);
    record.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!skipRecord) recordBench();
if (!skipBrowser) await weekViewBench(runs);
