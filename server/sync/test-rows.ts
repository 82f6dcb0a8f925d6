/** Rows and mutations for the service's tests, shaped by the synced-table registry. */
import { DIRECTORY_CHANGE } from '../../common/commands';
import type { Effect, Mutation, SyncRow } from '../../common/sync';
import { syncedTable } from '../../common/sync-tables';

let seq = 0;
/** A UUID-shaped id (the workstation's ids are UUIDv7). */
export function id(): string {
  const n = (++seq).toString(16).padStart(12, '0');
  return `0190aaaa-bbbb-7ccc-8ddd-${n}`;
}

/** A full row of `table`: every synced column, null unless given. */
export function row(table: string, values: SyncRow): SyncRow {
  const t = syncedTable(table)!;
  const r: SyncRow = {};
  for (const c of t.columns) r[c] = values[c] ?? null;
  for (const c of Object.keys(values)) if (!t.columns.includes(c)) throw new Error(`${table} has no synced column ${c}`);
  return r;
}

export const insert = (table: string, after: SyncRow): Effect => ({ table, key: String(after[syncedTable(table)!.key]), op: 'insert', before: null, after });
export const update = (table: string, before: SyncRow, changes: SyncRow): Effect => ({ table, key: String(before[syncedTable(table)!.key]), op: 'update', before, after: { ...before, ...changes } });

export function mutation(id: number, name: string, args: unknown, actorId: string, effects: Effect[] | null, issuedAt = 1_700_000_000_000 + id): Mutation {
  return { id, commandId: `cmd-${id}-${Math.random().toString(36).slice(2, 10)}`, name, args, actorId, issuedAt, effects };
}

const T = 1_700_000_000_000;
export const staffRow = (staffId: string, roles: string[]) => row('staff', { id: staffId, display_name: 'Staff', disabled_at: null, roles: [...roles].sort(), created_at: T, updated_at: T });
export const patientRow = (patientId: string, mrn: string) =>
  row('patients', { id: patientId, mrn, given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1980-01-01', sex: 'female', created_at: T, updated_at: T });
export const appointmentRow = (apptId: string, patientId: string, staffId: string, startsAt: number) =>
  row('appointments', { id: apptId, patient_id: patientId, staff_id: staffId, starts_at: startsAt, ends_at: startsAt + 1800_000, kind: 'clinic', status: 'booked', moved: 0, conflict_override: 0, created_at: T, updated_at: T });
export const itemRow = (itemId: string, sku: string) =>
  row('stock_items', { id: itemId, sku, name: 'Foam dressing', unit: 'piece', pack_size: 10, unit_cost_cents: 100, price_cents: 200, tax_rate_bp: 0, prescription_only: 0, reorder_level: 0, reorder_target: 0, active: 1, created_at: T, updated_at: T });
export const lotRow = (lotId: string, itemId: string, lotNumber: string) => row('stock_lots', { id: lotId, item_id: itemId, lot_number: lotNumber, expiry_date: null, created_at: T, updated_at: T });
export const movementRow = (mId: string, itemId: string, lotId: string, delta: number, reason: string) => row('stock_movements', { id: mId, item_id: itemId, lot_id: lotId, delta, reason, at: T, created_at: T, updated_at: T });

/** A directory mutation creating a staff member and a patient (what a workstation sends first). */
export function directory(mid: number, staffId: string, roles: string[], patientId: string, mrn: string): Mutation {
  return mutation(mid, DIRECTORY_CHANGE, {}, 'system', [insert('staff', staffRow(staffId, roles)), insert('patients', patientRow(patientId, mrn))]);
}

/** Valid arguments of the commands the tests push (the service checks them with the workstation's schemas). */
export const bookArgsFor = (appointmentId: string, patientId: string, staffId: string, startsAt = 1_800_000_000_000) => ({ appointmentId, patientId, typeId: id(), staffId, startsAt });
export const itemArgsFor = (itemId: string, sku: string) => ({ itemId, sku, name: 'Foam', unit: 'piece', packSize: 10, unitCostCents: 100, priceCents: 200, reorderLevel: 0, reorderTarget: 0 });
