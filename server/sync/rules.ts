/**
 * The conflict rules (README "Sync: conflict rules"), as pure functions over a state view: one
 * mutation's row changes are checked and applied in order onto a scratch layer, which the push
 * keeps only when every rule holds. Nothing here touches the database.
 *
 * - Status columns follow their state machine; an edit made while the row had another status than
 *   the service's now is refused (INVALID_TRANSITION), unless the table keeps its status instead.
 * - Other columns: last writer wins by the service's order, column by column (a column the
 *   mutation did not change keeps the service's value); a value that replaced another workstation's
 *   change is recorded as an overwritten edit.
 * - Counters apply as deltas; stock per lot and an invoice's money are sums that must stay ≥ 0.
 * - Unique keys, references to rows of other tables, append-only tables.
 * - Final numbers are the service's.
 * - A patient order confirmed past what is available needs `orders.override`, as on the workstation.
 */
import { commandEntry, DIRECTORY_CHANGE, SNAPSHOT } from '../../common/commands';
import { can, STAFF_ROLES, type StaffRole } from '../../common/permissions';
import type { Effect, Mutation, RejectionCode, SyncRow } from '../../common/sync';
import { syncedTable, type SyncedTable } from '../../common/sync-tables';

export type Cell = SyncRow[string];

/** `tbl\0key` */
export const rowId = (tbl: string, key: string): string => `${tbl}\u0000${key}`;
export const keyId = (tbl: string, name: string, value: string): string => `${tbl}\u0000${name}\u0000${value}`;
export const balanceId = (kind: BalanceKind, id: string): string => `${kind}\u0000${id}`;
export type BalanceKind = 'lot' | 'invoice_paid' | 'invoice_credited';

export interface StateView {
  /** The live row, or null when absent or a tombstone. */
  row(tbl: string, key: string): SyncRow | null;
  keyOwner(tbl: string, name: string, value: string): string | null;
  balance(kind: BalanceKind, id: string): number;
}

/** A layer of changes over a view; `merge` folds it into its parent. */
export class Layer implements StateView {
  readonly rows = new Map<string, { tbl: string; key: string; row: SyncRow | null }>();
  readonly keys = new Map<string, { tbl: string; name: string; value: string; owner: string | null }>();
  readonly balances = new Map<string, { kind: BalanceKind; id: string; amount: number }>();
  constructor(private readonly parent: StateView) {}
  row(tbl: string, key: string): SyncRow | null {
    const own = this.rows.get(rowId(tbl, key));
    return own ? own.row : this.parent.row(tbl, key);
  }
  keyOwner(tbl: string, name: string, value: string): string | null {
    const own = this.keys.get(keyId(tbl, name, value));
    return own ? own.owner : this.parent.keyOwner(tbl, name, value);
  }
  balance(kind: BalanceKind, id: string): number {
    return this.balances.get(balanceId(kind, id))?.amount ?? this.parent.balance(kind, id);
  }
  setRow(tbl: string, key: string, row: SyncRow | null): void {
    this.rows.set(rowId(tbl, key), { tbl, key, row });
  }
  setKey(tbl: string, name: string, value: string, owner: string | null): void {
    this.keys.set(keyId(tbl, name, value), { tbl, name, value, owner });
  }
  addBalance(kind: BalanceKind, id: string, delta: number): void {
    this.balances.set(balanceId(kind, id), { kind, id, amount: this.balance(kind, id) + delta });
  }
  mergeInto(parent: Layer): void {
    for (const [k, v] of this.rows) parent.rows.set(k, v);
    for (const [k, v] of this.keys) parent.keys.set(k, v);
    for (const [k, v] of this.balances) parent.balances.set(k, v);
  }
}

export interface Overwrite {
  tbl: string;
  rowKey: string;
  field: string;
  overwritten: Cell | undefined;
  value: Cell | undefined;
}

export type Outcome =
  | { ok: true; layer: Layer; overwrites: Overwrite[]; skipped: Array<{ table: string; key: string; code: RejectionCode; reason: string }>; resend: Array<{ tbl: string; key: string }> }
  | { ok: false; code: RejectionCode; reason: string };

class Rejection extends Error {
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}
const reject = (code: RejectionCode, reason: string): never => {
  throw new Rejection(code, reason);
};

/** "stock_movements" → "stock movement" (words for reasons: never a value, never a patient). */
export function label(tbl: string): string {
  if (tbl === 'staff') return 'staff member';
  if (tbl === 'settings') return 'clinic setting';
  if (tbl === 'clinician_profiles') return 'clinician profile';
  return tbl.replace(/_/g, ' ').replace(/ies$/, 'y').replace(/s$/, '');
}

const same = (a: Cell | undefined, b: Cell | undefined): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const NEVER_OVERWRITES = new Set(['created_at', 'updated_at']);

function checkShape(t: SyncedTable, e: Effect): void {
  const want = e.op === 'insert' ? [false, true] : e.op === 'update' ? [true, true] : [true, false];
  if ((e.before !== null) !== want[0] || (e.after !== null) !== want[1]) reject('INVALID', `A ${e.op} of a ${label(t.name)} came without the rows it needs.`);
  for (const row of [e.before, e.after]) {
    if (!row) continue;
    const cols = Object.keys(row);
    if (cols.length !== t.columns.length || cols.some((c) => !t.columns.includes(c))) reject('INVALID', `A ${label(t.name)} came with other columns than the service syncs (an older or newer workstation).`);
    if (String(row[t.key]) !== e.key) reject('INVALID', `A ${label(t.name)} came under another key than its own.`);
    if (t.only && row[t.only.column] !== t.only.value) reject('FORBIDDEN', `That ${label(t.name)} is not synced.`);
  }
}

function uniqueValue(row: SyncRow, cols: readonly string[]): string | null {
  const parts = cols.map((c) => row[c]);
  return parts.some((p) => p === null || p === undefined) ? null : parts.map((p) => String(p)).join('\u0001');
}

/** Applies one effect onto `layer` (throws a Rejection when a rule does not hold). */
function applyEffect(layer: Layer, e: Effect, overwrites: Overwrite[], movementLots: Set<string>, paidInvoices: Set<string>, settleInvoices: Set<string>): void {
  const t = syncedTable(e.table)!;
  checkShape(t, e);
  const cur = layer.row(t.name, e.key);
  let next: SyncRow | null;
  if (e.op === 'delete') {
    if (t.appendOnly) reject('APPEND_ONLY', `A ${label(t.name)} is never removed once made.`);
    next = null;
  } else if (e.op === 'insert' && cur === null) {
    next = { ...e.after! };
    for (const c of t.serverOwned ?? []) next[c] = null;
  } else if (cur === null) {
    return reject('NOT_FOUND', `The ${label(t.name)} this changes is not on the service (it was refused or never synced).`);
  } else if (t.appendOnly) {
    if (e.op === 'insert' && t.columns.every((c) => same(cur[c], e.after![c]))) return; // the same row again
    return reject('APPEND_ONLY', `A ${label(t.name)} is never changed once made.`);
  } else {
    next = mergeUpdate(t, cur, e.before, e.after!, overwrites);
    if (next === cur) return;
  }

  // Unique keys: release the old value, claim the new one.
  for (const cols of t.unique ?? []) {
    const name = cols.join('+');
    const was = cur ? uniqueValue(cur, cols) : null;
    const now = next ? uniqueValue(next, cols) : null;
    if (was === now) continue;
    if (now !== null) {
      const owner = layer.keyOwner(t.name, name, now);
      if (owner !== null && owner !== e.key) reject('DUPLICATE', `Another ${label(t.name)} already has this ${cols.map((c) => c.replace(/_/g, ' ')).join(' and ')}.`);
      layer.setKey(t.name, name, now, e.key);
    }
    if (was !== null) layer.setKey(t.name, name, was, null);
  }
  // References: the row named must be on the service.
  if (next) {
    for (const [col, target] of Object.entries(t.refs ?? {})) {
      const v = next[col];
      if (v === null || v === undefined || (cur && same(cur[col], v))) continue;
      if (!layer.row(target, String(v))) reject('NOT_FOUND', `It refers to a ${label(target)} that is not on the service (${col.replace(/_/g, ' ')}).`);
    }
  }
  // Sums: stock per lot, money per invoice.
  if (e.op === 'insert' && cur === null && next) {
    if (t.name === 'stock_movements') {
      const delta = Number(next['delta']);
      layer.addBalance('lot', String(next['lot_id']), delta);
      if (delta < 0) movementLots.add(String(next['lot_id']));
    } else if (t.name === 'payments') {
      const inv = String(next['invoice_id']);
      layer.addBalance('invoice_paid', inv, next['kind'] === 'refund' ? -Number(next['amount_cents']) : Number(next['amount_cents']));
      if (next['kind'] !== 'refund') paidInvoices.add(inv);
      settleInvoices.add(inv);
    } else if (t.name === 'credit_notes') {
      const inv = String(next['invoice_id']);
      layer.addBalance('invoice_credited', inv, Number(next['total_cents']));
      settleInvoices.add(inv);
    }
  }
  layer.setRow(t.name, e.key, next);
}

/** Column-wise merge of an update (or of an insert of a row the service already has: `before` null). */
function mergeUpdate(t: SyncedTable, cur: SyncRow, before: SyncRow | null, after: SyncRow, overwrites: Overwrite[]): SyncRow {
  const next: SyncRow = { ...cur };
  const status = t.status;
  if (status) {
    const col = status.column;
    const [b, a, c] = [before?.[col], after[col], cur[col]];
    const changes = before === null ? !same(a, c) : !same(a, b);
    if (changes && !same(a, c) && !(status.transitions[String(c)] ?? []).includes(String(a))) {
      if (status.illegal === 'keep') return cur;
      reject('INVALID_TRANSITION', `The ${label(t.name)} is ${String(c).replace(/_/g, ' ')} on the service (changed on another workstation) and cannot become ${String(a).replace(/_/g, ' ')}.`);
    }
    if (!changes && before !== null && !same(b, c)) {
      if (status.illegal === 'keep') return cur;
      reject('INVALID_TRANSITION', `The ${label(t.name)} became ${String(c).replace(/_/g, ' ')} on another workstation before this change arrived (it was ${String(b).replace(/_/g, ' ')} here).`);
    }
  }
  let changed = false;
  for (const c of t.columns) {
    if (c === t.key || t.serverOwned?.includes(c)) continue;
    const a = after[c];
    if (before !== null && same(a, before[c])) continue; // not changed by this mutation: the service's stays
    const counter = t.counters?.[c];
    if (counter && before !== null) {
      next[c] = Number(cur[c] ?? 0) + Number(a ?? 0) - Number(before[c] ?? 0);
    } else {
      if (!same(cur[c], a) && !NEVER_OVERWRITES.has(c) && c !== status?.column && (before === null || !same(cur[c], before[c]))) {
        overwrites.push({ tbl: t.name, rowKey: String(cur[t.key]), field: c, overwritten: cur[c], value: a });
      }
      next[c] = a ?? null;
    }
    changed ||= !same(next[c], cur[c]);
  }
  for (const [c, { max }] of Object.entries(t.counters ?? {})) {
    const v = Number(next[c] ?? 0);
    if (v < 0 || (max && v > Number(next[max] ?? 0))) reject('OVER_LIMIT', `Together with changes from other workstations the ${label(t.name)}'s ${c.replace(/_/g, ' ')} would pass its ${max?.replace(/_/g, ' ') ?? 'limit'}.`);
  }
  return changed ? next : cur;
}

/** Invoice status follows its money, as billing's settle() does on a workstation. */
function settle(layer: Layer, invoiceId: string): void {
  const inv = layer.row('invoices', invoiceId);
  if (!inv || !['issued', 'part_paid', 'paid'].includes(String(inv['status']))) return;
  const paid = layer.balance('invoice_paid', invoiceId);
  const balance = Number(inv['total_cents']) - layer.balance('invoice_credited', invoiceId) - paid;
  const status = balance <= 0 ? 'paid' : paid > 0 ? 'part_paid' : 'issued';
  if (status !== inv['status']) layer.setRow('invoices', invoiceId, { ...inv, status });
}

export interface ApplyContext {
  /** The actor's roles as the staff directory on the service has them (null: unknown actor). */
  rolesOf(actorId: string): readonly string[] | null;
}

/**
 * Checks and applies one mutation over `base`. The returned layer holds its writes (rows, keys,
 * balances); the caller merges it only when `ok`.
 */
export function applyMutation(base: StateView, m: Mutation, ctx: ApplyContext): Outcome {
  const layer = new Layer(base);
  const overwrites: Overwrite[] = [];
  const skipped: Array<{ table: string; key: string; code: RejectionCode; reason: string }> = [];
  const resend: Array<{ tbl: string; key: string }> = [];
  try {
    const isSnapshot = m.name === SNAPSHOT;
    const isDirectory = m.name === DIRECTORY_CHANGE;
    if (!isSnapshot && !isDirectory) {
      const entry = commandEntry(m.name);
      if (!entry) reject('UNKNOWN_COMMAND', `The service does not know the command ${m.name}.`);
      const parsed = entry!.args.safeParse(m.args);
      if (!parsed.success) reject('INVALID', `The command's arguments are not valid: ${parsed.error!.issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ').slice(0, 500)}`);
      if (m.actorId !== 'system') {
        const roles = ctx.rolesOf(m.actorId);
        const held = roles?.filter((r): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r)) ?? null;
        if (!held || !can(held, entry!.permission)) reject('FORBIDDEN', `The person who made this change does not (or no longer) have a role that may (${entry!.permission}).`);
        // Reserving past what is available is a manager's decision (main/orders confirm), here as there.
        if (m.name === 'orders.confirm' && (parsed.data as { override?: boolean }).override && !can(held!, 'orders.override')) reject('FORBIDDEN', 'The person who confirmed this order may not reserve more than is available (orders.override).');
      }
    }
    const movementLots = new Set<string>();
    const paidInvoices = new Set<string>();
    const settleInvoices = new Set<string>();
    for (const e of m.effects ?? []) {
      const t = syncedTable(e.table);
      if (!t || t.name === 'sync_overwrites') reject('INVALID', `${e.table} is not a synced table.`);
      if (isDirectory && !t!.directory) reject('FORBIDDEN', `A change outside a command may touch patients and the staff directory only, not a ${label(t!.name)}.`);
      if (isSnapshot) {
        // The rows a workstation held when it enrolled: taken where the service has none, else the service's stay (and go back to it).
        if (e.op !== 'insert') reject('INVALID', 'An enrolment snapshot holds rows to insert only.');
        if (layer.row(t!.name, e.key)) {
          resend.push({ tbl: t!.name, key: e.key });
          continue;
        }
        const one = new Layer(layer);
        try {
          applyEffect(one, e, overwrites, movementLots, paidInvoices, settleInvoices);
          one.mergeInto(layer);
        } catch (error) {
          if (!(error instanceof Rejection)) throw error;
          skipped.push({ table: t!.name, key: e.key, code: error.code, reason: error.reason });
        }
        continue;
      }
      if (t!.name === 'reminders' && e.op !== 'insert' && (e.op === 'delete' || e.after?.['status'] === 'cancelled') && !layer.row(t!.name, e.key)) {
        // Cancelling a reminder the service never queued (its booking or move was refused there):
        // nothing will be sent, so nothing to do — the command itself stands, and the workstation
        // gets the service's state of the row (none) back.
        skipped.push({ table: t!.name, key: e.key, code: 'NOT_FOUND', reason: 'Nothing to cancel: this reminder was never queued on the service.' });
        resend.push({ tbl: t!.name, key: e.key });
        continue;
      }
      applyEffect(layer, e, overwrites, movementLots, paidInvoices, settleInvoices);
    }
    for (const lot of movementLots) {
      const onHand = layer.balance('lot', lot);
      if (onHand < 0) reject('INSUFFICIENT_STOCK', `A stock lot would go below zero (${-onHand} short) together with what other workstations used.`);
    }
    for (const inv of paidInvoices) {
      const row = layer.row('invoices', inv);
      if (row && Number(row['total_cents']) - layer.balance('invoice_credited', inv) - layer.balance('invoice_paid', inv) < 0) reject('OVERPAYMENT', 'Together with payments from other workstations this pays more than the invoice is owed.');
    }
    for (const inv of settleInvoices) settle(layer, inv);
    return { ok: true, layer, overwrites, skipped, resend };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, code: error.code, reason: error.reason };
    throw error;
  }
}
