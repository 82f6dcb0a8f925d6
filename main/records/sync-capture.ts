/**
 * Captures every change of a synced table (common/sync-tables.ts) as the row before and after, in
 * the transaction that makes it, into `sync_capture`. The triggers are TEMP triggers on this
 * connection, created at open from the registry, so they always match the synced columns; they
 * stand aside while pulled rows are applied (`sync_apply` holds a row then).
 *
 * The command bus takes a command's captures into its outbox row; changes made outside commands
 * (patients, the staff directory) are sealed into `records.change` mutations (main/commands).
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { SYNCED_TABLES, type SyncedTable } from '../../common/sync-tables';

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not an identifier: ${name}`);
  return `"${name}"`;
};

/** The staff member's roles, sorted, as a JSON array (the directory's `roles` column). */
const rolesOf = (staffId: string, except?: string, plus?: string): string =>
  `json((SELECT json_group_array(role) FROM (SELECT role FROM main.staff_roles WHERE staff_id = ${staffId}${except ? ` AND role <> ${except}` : ''}${plus ? ` UNION SELECT ${plus}` : ''} ORDER BY role)))`;

/** `json_object('col', <alias>.col, …)` over the table's synced columns. */
export function rowJson(t: SyncedTable, alias: string): string {
  return `json_object(${t.columns.map((c) => (t.name === 'staff' && c === 'roles' ? `'roles', ${rolesOf(`${alias}.id`)}` : `'${c}', ${alias}.${ident(c)}`)).join(', ')})`;
}

const realColumns = (t: SyncedTable) => t.columns.filter((c) => !(t.name === 'staff' && c === 'roles'));

function triggersFor(t: SyncedTable): string[] {
  const name = ident(t.name);
  const notApplying = 'NOT EXISTS (SELECT 1 FROM main.sync_apply)';
  const only = (alias: string) => (t.only ? ` AND ${alias}.${ident(t.only.column)} = '${t.only.value.replace(/'/g, "''")}'` : '');
  const changed = realColumns(t)
    .map((c) => `OLD.${ident(c)} IS NOT NEW.${ident(c)}`)
    .join(' OR ');
  const key = (alias: string) => `${alias}.${ident(t.key)}`;
  const insert = (op: string, rowKey: string, before: string, after: string) =>
    `INSERT INTO main.sync_capture (tbl, row_key, op, before_json, after_json) VALUES ('${t.name}', ${rowKey}, '${op}', ${before}, ${after});`;
  return [
    `CREATE TEMP TRIGGER IF NOT EXISTS sync_capture_${t.name}_insert AFTER INSERT ON main.${name} WHEN ${notApplying}${only('NEW')} BEGIN ${insert('insert', key('NEW'), 'NULL', rowJson(t, 'NEW'))} END`,
    `CREATE TEMP TRIGGER IF NOT EXISTS sync_capture_${t.name}_update AFTER UPDATE ON main.${name} WHEN ${notApplying}${only('NEW')} AND (${changed}) BEGIN ${insert('update', key('NEW'), rowJson(t, 'OLD'), rowJson(t, 'NEW'))} END`,
    `CREATE TEMP TRIGGER IF NOT EXISTS sync_capture_${t.name}_delete AFTER DELETE ON main.${name} WHEN ${notApplying}${only('OLD')} BEGIN ${insert('delete', key('OLD'), rowJson(t, 'OLD'), 'NULL')} END`,
  ];
}

/** A role granted or taken away is a change of the staff member's directory row. */
function staffRoleTriggers(t: SyncedTable): string[] {
  const cols = (roles: string) => `json_object(${t.columns.map((c) => (c === 'roles' ? `'roles', ${roles}` : `'${c}', s.${ident(c)}`)).join(', ')})`;
  const capture = (staffId: string, before: string, after: string) =>
    `INSERT INTO main.sync_capture (tbl, row_key, op, before_json, after_json) SELECT 'staff', s.id, 'update', ${cols(before)}, ${cols(after)} FROM main.staff s WHERE s.id = ${staffId};`;
  return [
    `CREATE TEMP TRIGGER IF NOT EXISTS sync_capture_staff_roles_insert AFTER INSERT ON main.staff_roles WHEN NOT EXISTS (SELECT 1 FROM main.sync_apply) BEGIN ${capture('NEW.staff_id', rolesOf('NEW.staff_id', 'NEW.role'), rolesOf('NEW.staff_id'))} END`,
    `CREATE TEMP TRIGGER IF NOT EXISTS sync_capture_staff_roles_delete AFTER DELETE ON main.staff_roles WHEN NOT EXISTS (SELECT 1 FROM main.sync_apply) BEGIN ${capture('OLD.staff_id', rolesOf('OLD.staff_id', undefined, 'OLD.role'), rolesOf('OLD.staff_id'))} END`,
  ];
}

/** Creates the capture triggers on this connection (idempotent). Needs the `sync_capture` table (migration `sync-capture-and-connection`). */
export function installSyncCapture(db: Database.Database): boolean {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ('sync_capture', 'sync_apply')").all().length === 2;
  if (!has) return false;
  const statements = SYNCED_TABLES.flatMap((t) => [...triggersFor(t), ...(t.name === 'staff' ? staffRoleTriggers(t) : [])]);
  db.transaction(() => {
    for (const s of statements) db.exec(s);
  })();
  return true;
}

/** SELECT of every synced row of `t` as JSON (the enrolment snapshot), parents' tables first by the registry's order. */
export function snapshotQuery(t: SyncedTable): string {
  const where = t.only ? ` WHERE r.${ident(t.only.column)} = '${t.only.value.replace(/'/g, "''")}'` : '';
  return `SELECT r.${ident(t.key)} AS k, ${rowJson(t, 'r')} AS j FROM main.${ident(t.name)} r${where} ORDER BY r.rowid`;
}
