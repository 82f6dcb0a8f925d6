/**
 * Applies one pulled page to the clinic's record in ONE transaction together with the new cursor,
 * so a cut at any point leaves either the page and its cursor or neither.
 *
 * Pulled rows are the service's state: each replaces the workstation's copy (synced columns only;
 * local-only columns such as a visit's clinical summary stay). A page is applied only while
 * nothing local waits to be pushed — a change made since the last push would otherwise be
 * overwritten before the service saw it — so the loop pushes first and then pulls again.
 *
 * While the page is written `sync_apply` holds a row: the capture triggers and append-only guards
 * stand aside (a refused change is removed again). Foreign keys are checked after the page, not
 * per row, because the service sends the newest version of each row, not parents first.
 * Tombstones (refused inserts) remove the row, except patients and staff, which are only ever kept
 * (and listed with the rejection), and rows local clinical data still refers to.
 */
import { sql } from 'drizzle-orm';
import type { Change, SyncRow } from '../../common/sync';
import { SYNCED_TABLES, syncedTable, TABLE_ORDER, OVERWRITES_TABLE, type SyncedTable } from '../../common/sync-tables';
import { appendAudit } from './audit';
import { connectionOf, type ClinicRecord } from './record';

export const STREAM = 'service';

export interface ApplyResult {
  applied: number;
  removed: number;
  kept: number;
  unknown: number;
  /**
   * Pulled patients or staff not applied because a row only this workstation has (and keeps) holds
   * the same unique value: two workstations registered the same MRN before they were connected;
   * the service refused this one's, and it is listed with that rejection. Skipping keeps the pull going.
   */
  clashed: number;
}

type Statement = { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown };
type Raw = ReturnType<typeof connectionOf>;

const cols = (t: SyncedTable) => t.columns.filter((c) => !(t.name === 'staff' && c === 'roles'));
const q = (name: string) => `"${name}"`;

/** Prepared statements per table, made once per record. */
function statements(raw: Raw) {
  const upserts = new Map<string, Statement>();
  const clashes = new Map<string, Array<{ columns: readonly string[]; st: Statement }>>();
  const deletes = new Map<string, Statement>();
  const tables = [...SYNCED_TABLES, OVERWRITES_TABLE];
  for (const t of tables) {
    const c = cols(t);
    const conflict = t.appendOnly ? 'DO NOTHING' : `DO UPDATE SET ${c.filter((x) => x !== t.key).map((x) => `${q(x)} = excluded.${q(x)}`).join(', ')}`;
    if (t.name !== 'staff') upserts.set(t.name, raw.prepare(`INSERT INTO ${q(t.name)} (${c.map(q).join(', ')}) VALUES (${c.map(() => '?').join(', ')}) ON CONFLICT (${q(t.key)}) ${conflict}`));
    deletes.set(t.name, raw.prepare(`DELETE FROM ${q(t.name)} WHERE ${q(t.key)} = ?`));
    clashes.set(
      t.name,
      (t.unique ?? []).map((columns) => ({ columns, st: raw.prepare(`SELECT ${q(t.key)} FROM ${q(t.name)} WHERE ${columns.map((c) => `${q(c)} = ?`).join(' AND ')} AND ${q(t.key)} <> ? LIMIT 1`).pluck() })),
    );
  }
  // Rows of local-only tables that refer to a synced table's rows (clinical data: never orphaned).
  const synced = new Set([...tables.map((t) => t.name), 'staff_roles', 'stock_lot_balances']);
  const referrers = new Map<string, Statement[]>();
  const names = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  for (const child of names.filter((n) => !synced.has(n))) {
    for (const fk of raw.prepare(`PRAGMA foreign_key_list(${q(child)})`).all() as Array<{ table: string; from: string }>) {
      if (!syncedTable(fk.table)) continue;
      const list = referrers.get(fk.table) ?? [];
      list.push(raw.prepare(`SELECT 1 FROM ${q(child)} WHERE ${q(fk.from)} = ? LIMIT 1`));
      referrers.set(fk.table, list);
    }
  }
  return {
    upserts,
    deletes,
    clashes,
    referrers,
    staffExists: raw.prepare('SELECT 1 FROM staff WHERE id = ?').pluck(),
    staffUpdate: raw.prepare('UPDATE staff SET display_name = ?, disabled_at = ?, created_at = ?, updated_at = ? WHERE id = ?'),
    staffInsert: raw.prepare("INSERT INTO staff (id, username, display_name, password_hash, disabled_at, created_at, updated_at) VALUES (?, ?, ?, '!', ?, ?, ?)"),
    usernameTaken: raw.prepare('SELECT 1 FROM staff WHERE username = ?').pluck(),
    rolesClear: raw.prepare('DELETE FROM staff_roles WHERE staff_id = ?'),
    roleInsert: raw.prepare('INSERT OR IGNORE INTO staff_roles (staff_id, role) VALUES (?, ?)'),
    exists: new Map(tables.map((t) => [t.name, raw.prepare(`SELECT 1 FROM ${q(t.name)} WHERE ${q(t.key)} = ?`).pluck()])),
    flagOn: raw.prepare('INSERT OR IGNORE INTO sync_apply (singleton) VALUES (1)'),
    flagOff: raw.prepare('DELETE FROM sync_apply'),
    waiting: raw.prepare('SELECT (SELECT count(*) FROM sync_outbox WHERE sent_at IS NULL) + (SELECT count(*) FROM sync_capture)').pluck(),
    cursor: raw.prepare(`INSERT INTO sync_state (stream, cursor, updated_at) VALUES ('${STREAM}', ?, ?) ON CONFLICT (stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`),
  };
}

const cache = new WeakMap<ClinicRecord, ReturnType<typeof statements>>();
function prepared(record: ClinicRecord) {
  let s = cache.get(record);
  if (!s) {
    s = statements(connectionOf(record));
    cache.set(record, s);
  }
  return s;
}

const cell = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v);

/** The workstation's own login name for a member who came from another workstation (they cannot sign in here until IT sets a password). */
function localUsername(s: ReturnType<typeof statements>, staffId: string): string {
  for (let n = 12; ; n += 4) {
    const name = `synced-${staffId.replace(/[^0-9a-z]/gi, '').toLowerCase().slice(-n)}`;
    if (!s.usernameTaken.get(name)) return name;
    if (n > 64) return `synced-${Date.now()}`;
  }
}

function upsertStaff(s: ReturnType<typeof statements>, row: SyncRow): void {
  const id = String(row['id']);
  if (s.staffExists.get(id)) s.staffUpdate.run(row['display_name'], row['disabled_at'], row['created_at'], row['updated_at'], id);
  else s.staffInsert.run(id, localUsername(s, id), row['display_name'], row['disabled_at'], row['created_at'], row['updated_at']);
  s.rolesClear.run(id);
  for (const role of Array.isArray(row['roles']) ? row['roles'] : []) s.roleInsert.run(id, role);
}

/** The key of another local row holding one of `ch`'s unique values, or null. */
function clashWith(s: ReturnType<typeof statements>, t: SyncedTable, ch: Change): string | null {
  for (const u of s.clashes.get(t.name)!) {
    const holder = u.st.get(...u.columns.map((c) => cell(ch.row![c])), ch.key) as string | undefined;
    if (holder !== undefined) return holder;
  }
  return null;
}

function upsert(s: ReturnType<typeof statements>, t: SyncedTable, ch: Change): void {
  if (t.name === 'staff') upsertStaff(s, ch.row!);
  else s.upserts.get(t.name)!.run(...cols(t).map((c) => cell(ch.row![c])));
}

/**
 * Applies `changes` and stores `cursor`, or applies nothing and returns null when local changes
 * wait to be pushed (the caller pushes first).
 */
export function applyPulledPage(record: ClinicRecord, changes: Change[], cursor: string, now: number): ApplyResult | null {
  const s = prepared(record);
  const raw = connectionOf(record);
  const result: ApplyResult = { applied: 0, removed: 0, kept: 0, unknown: 0, clashed: 0 };
  raw.pragma('foreign_keys = OFF');
  try {
    const done = record.transaction(() => {
      if ((s.waiting.get() as number) > 0) return false;
      s.flagOn.run();
      const tombstones: Change[] = [];
      const later: Change[] = [];
      for (const ch of changes) {
        const t = syncedTable(ch.table);
        if (!t) {
          result.unknown++;
          continue;
        }
        if (ch.deleted || !ch.row) {
          tombstones.push(ch);
          continue;
        }
        // A unique value another local row still holds: after the rest of the page (that row may
        // change or go in this same page).
        if (clashWith(s, t, ch)) {
          later.push(ch);
          continue;
        }
        upsert(s, t, ch);
        result.applied++;
      }
      for (const ch of later) {
        const t = syncedTable(ch.table)!;
        const holder = clashWith(s, t, ch);
        if (holder !== null) {
          // Nothing local waits to be pushed, so the service's row is the truth and the local one
          // holding its value is a refused or outdated copy, removed — except patients and staff
          // (kept, and listed with their rejection) and rows local clinical data refers to.
          if (t.keepOnReset || (s.referrers.get(t.name) ?? []).some((st) => st.get(holder))) {
            result.clashed++;
            continue;
          }
          s.deletes.get(t.name)!.run(holder);
          result.removed++;
        }
        upsert(s, t, ch);
        result.applied++;
      }
      // Children before parents: a refused booking's reminders go before its appointment.
      tombstones.sort((a, b) => (TABLE_ORDER.get(b.table) ?? 0) - (TABLE_ORDER.get(a.table) ?? 0));
      for (const ch of tombstones) {
        const t = syncedTable(ch.table)!;
        if (!s.exists.get(t.name)!.get(ch.key)) continue;
        if (t.keepOnReset || (s.referrers.get(t.name) ?? []).some((st) => st.get(ch.key))) {
          result.kept++;
          continue;
        }
        if (t.name === 'staff') s.rolesClear.run(ch.key);
        s.deletes.get(t.name)!.run(ch.key);
        result.removed++;
      }
      s.cursor.run(cursor, now);
      s.flagOff.run();
      if (result.applied + result.removed > 0) {
        appendAudit(record, { actorId: 'system', actorRole: 'system', action: 'sync.pull', entity: 'sync', entityId: `${result.applied}+${result.removed}`, at: now });
      }
      return true;
    });
    return done ? result : null;
  } finally {
    raw.pragma('foreign_keys = ON');
  }
}

/** The cursor of the last applied page (null before the first pull). */
export function storedCursor(record: ClinicRecord): string | null {
  const row = record.db.get<{ cursor: string | null }>(sql`SELECT cursor FROM sync_state WHERE stream = ${STREAM}`);
  return row?.cursor ?? null;
}

/** Foreign keys that point nowhere after a complete pull (ids only; logged, never expected). */
export function danglingReferences(record: ClinicRecord): number {
  return (connectionOf(record).pragma('foreign_key_check') as unknown[]).length;
}
