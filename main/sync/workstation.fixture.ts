/**
 * A workstation in a child process, for fault.test.ts to kill with SIGKILL in the middle of a push.
 *
 * argv: the record file. stdin, first line: the configuration as JSON (the record key among it, so
 * never in argv). It opens the encrypted record at that file, or creates it with its staff and
 * patients on the first run, wires operations and the sync loop as the app does, enrols once with
 * the code it was given, then runs seeded mixed commands `from`…`to - 1` and syncs every few,
 * printing `done <i>` after each command and `synced <queued>` after each sync. Then it prints
 * `finished` and takes lines from the parent: `sync` (one cycle; prints `status <json>`) and
 * `exit`.
 *
 * The device credential: the OS keychain is tested with keytar elsewhere (main/vault); here a
 * stand-in keeps it in a 0600 JSON file beside the record, written by rename, so that it outlives
 * the process as a keychain entry would.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import { createOpsFixture, mixedCommand, openOpsFixture, seededRng, type CommandMix, type OpsFixture, type OpsFixturePeople } from '../operations/test-helpers';
import { silentLogger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import { createSync } from './sync.service';

export interface WorkstationConfig {
  /** The record key, hex. */
  key: string;
  clinicId: string;
  /** Where enrolment goes (a service process), and where every sync after it goes (the kill proxy). */
  serviceUrl: string;
  proxyUrl: string;
  /** An enrolment code, used only while this record is not enrolled. */
  code: string;
  mix: Omit<CommandMix, 'appointments'>;
  from: number;
  to: number;
  seed: number;
  /** The clock of command i is clockBase + i s. */
  clockBase: number;
}

function fileKeyStore(file: string): KeyStore {
  const read = (): Record<string, string> => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {});
  const write = (entries: Record<string, string>) => {
    writeFileSync(`${file}.tmp`, JSON.stringify(entries), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  return {
    get: async (account) => {
      const v = read()[account];
      return v === undefined ? null : Buffer.from(v, 'base64');
    },
    set: async (account, key) => write({ ...read(), [account]: Buffer.from(key).toString('base64') }),
    delete: async (account) => {
      const entries = read();
      if (!(account in entries)) return false;
      delete entries[account];
      write(entries);
      return true;
    },
  };
}

const out = (line: string) => process.stdout.write(`${line}\n`);

function openOrCreate(file: string, cfg: WorkstationConfig): OpsFixture {
  const at = { file, key: Buffer.from(cfg.key, 'hex'), clinicId: cfg.clinicId };
  const peopleFile = `${file}.people.json`;
  const now = cfg.clockBase + cfg.from * 1000;
  if (existsSync(peopleFile)) return openOpsFixture(at, JSON.parse(readFileSync(peopleFile, 'utf8')) as OpsFixturePeople, now);
  // Killed while creating (before anything was sent): start again.
  for (const s of ['', '-wal', '-shm', '-journal']) rmSync(file + s, { force: true });
  const f = createOpsFixture({ at, now });
  // Its own patients' numbers, so that they do not clash with the first workstation's on the service.
  f.record.db.run(sql`UPDATE patients SET mrn = 'WS3-' || mrn`);
  const people: OpsFixturePeople = { manager: f.manager, nurse: f.nurse, doctor: f.doctor, caregiver: f.caregiver, patients: f.patients };
  writeFileSync(`${peopleFile}.tmp`, JSON.stringify(people), { mode: 0o600 });
  renameSync(`${peopleFile}.tmp`, peopleFile);
  return f;
}

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('no configuration on stdin');
  const cfg = JSON.parse(first.value) as WorkstationConfig;
  const f = openOrCreate(file, cfg);
  const sync = createSync({ record: f.record, bus: f.ops.commands, keyStore: fileKeyStore(`${file}.keychain.json`), logger: silentLogger, now: () => f.clock.now, retryBaseMs: 5, retryMaxMs: 20, intervalMs: 3_600_000, timeoutMs: 10_000 });
  if (sync.status().state === 'not_enrolled') {
    const s = await sync.enrol({ serviceUrl: cfg.serviceUrl, code: cfg.code, caPem: null }, f.manager);
    if (s.state !== 'connected') throw new Error(`enrolment ended ${s.state} ${s.lastError?.code ?? ''}`);
    f.record.db.run(sql`UPDATE sync_connection SET service_url = ${cfg.proxyUrl}`);
  }
  out(`ready ${sync.status().deviceId}`);

  // Appointments it may cancel, check in or move: every one its record holds (its own and pulled).
  const mix: CommandMix = { ...cfg.mix, appointments: f.record.db.all<{ id: string }>(sql`SELECT id FROM appointments ORDER BY id`).map((a) => a.id) };
  const r = seededRng(cfg.seed + cfg.from);
  let untilSync = 3 + r.int(4);
  for (let i = cfg.from; i < cfg.to; i++) {
    f.clock.now = cfg.clockBase + i * 1000;
    let ok = true;
    try {
      mixedCommand(f, r, mix, `ws3-${i}`);
    } catch {
      ok = false; // refused here: not on this workstation yet, cancelled, not enough stock here
    }
    out(`done ${i} ${ok ? 'ok' : 'refused'}`);
    if (--untilSync <= 0) {
      out(`synced ${(await sync.syncNow()).queued}`);
      untilSync = 3 + r.int(4);
    }
  }
  out('finished');

  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    if (next.value === 'sync') out(`status ${JSON.stringify(await sync.syncNow())}`);
    else if (next.value === 'exit') break;
  }
  await sync.dispose();
  f.record.dispose();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : 'failed'}\n`);
  process.exit(2);
});
