/**
 * What leaves a workstation for the hosted service, table by table, and the rules the service
 * applies to each change (README "Sync: conflict rules"). Both sides read this one list: the
 * workstation captures exactly these columns of each change, the service refuses anything else.
 *
 * - `columns`: the synced columns (SQL names). Everything else stays on the workstation; a test
 *   (main/sync/tables.test.ts) fails when a record column is neither here nor in `localOnly`.
 * - `status`: a state machine; a status change must be a legal transition from the service's
 *   current status; an edit made while the row had another status than the service's now is refused.
 * - `counters`: columns applied as deltas (after − before), never overwritten: two workstations
 *   issuing against one prescription both count. `max` names the column the counter may not pass.
 * - `unique`: column sets unique within a clinic (as the record's unique indexes).
 * - `refs`: columns naming a row of another synced table; the row must exist on the service.
 * - `appendOnly`: rows are only ever inserted (movements, payments, credit notes).
 * - `serverOwned`: columns only the service writes (final numbers, sent reminders).
 * - `directory`: may change outside a command (`records.change` mutations).
 * - `keepOnReset`: a row the service refused is never deleted from the workstation, only marked.
 * Order matters: a table comes after every table it refers to (snapshots and pulls insert in it).
 */
export interface SyncedTable {
  readonly name: string;
  readonly key: string;
  readonly columns: readonly string[];
  /** Record columns that never sync (clinical, credentials, derived, per-workstation). */
  readonly localOnly?: readonly string[];
  readonly status?: {
    readonly column: string;
    readonly transitions: Readonly<Record<string, readonly string[]>>;
    /** `reject` (default): an illegal transition refuses the mutation; `keep`: the service keeps its status (a cancel after sending). */
    readonly illegal?: 'reject' | 'keep';
  };
  readonly counters?: Readonly<Record<string, { readonly max?: string }>>;
  readonly unique?: readonly (readonly string[])[];
  readonly refs?: Readonly<Record<string, string>>;
  readonly appendOnly?: boolean;
  readonly serverOwned?: readonly string[];
  readonly directory?: boolean;
  readonly keepOnReset?: boolean;
  /** Numbers the service makes final: `final_number` = `<kind>-<clinic sequence>` once `status` leaves `draft`. */
  readonly finalNumber?: { readonly kind: string };
  /** Only rows where `column` = `value` sync (settings: the `operations` row). */
  readonly only?: { readonly column: string; readonly value: string };
}

const ts = ['created_at', 'updated_at'] as const;

export const SYNCED_TABLES: readonly SyncedTable[] = [
  {
    name: 'patients',
    key: 'id',
    columns: ['id', 'mrn', 'given_name', 'family_name', 'given_key', 'family_key', 'date_of_birth', 'sex', 'phone', 'email', 'address', ...ts],
    unique: [['mrn']],
    directory: true,
    keepOnReset: true,
  },
  {
    // The clinic-wide staff directory: who may be booked and billed. Login names, password hashes and
    // lockouts stay on each workstation; `roles` is the member's roles (staff_roles), sorted.
    name: 'staff',
    key: 'id',
    columns: ['id', 'display_name', 'disabled_at', 'roles', ...ts],
    localOnly: ['username', 'password_hash', 'failed_attempts', 'locked_until', 'last_login_at'],
    directory: true,
    keepOnReset: true,
  },
  { name: 'settings', key: 'key', columns: ['key', 'value', 'updated_at', 'updated_by'], only: { column: 'key', value: 'operations' } },
  { name: 'rooms', key: 'id', columns: ['id', 'name', 'active', ...ts] },
  { name: 'service_codes', key: 'id', columns: ['id', 'code', 'description', 'price_cents', 'tax_rate_bp', 'active', ...ts], unique: [['code']] },
  { name: 'appointment_types', key: 'id', columns: ['id', 'name', 'default_minutes', 'colour', 'kind', 'service_code_id', 'active', ...ts] },
  { name: 'clinician_profiles', key: 'staff_id', columns: ['staff_id', 'home_care', 'hours_json', ...ts], refs: { staff_id: 'staff' } },
  { name: 'leave_blocks', key: 'id', columns: ['id', 'staff_id', 'starts_at', 'ends_at', 'reason', 'cancelled_at', ...ts], refs: { staff_id: 'staff' } },
  { name: 'appointment_series', key: 'id', columns: ['id', 'patient_id', 'rrule', 'time_zone', 'duration_minutes', 'split_from_id', ...ts], refs: { patient_id: 'patients' } },
  {
    name: 'appointments',
    key: 'id',
    columns: [
      'id', 'patient_id', 'staff_id', 'starts_at', 'ends_at', 'kind', 'status', 'notes', 'room_id', 'type_id', 'series_id', 'occurrence_start', 'moved', 'address', 'latitude', 'longitude',
      'conflict_override', 'cancel_reason', 'cancelled_at', 'checked_in_at', 'completed_at', ...ts,
    ],
    // What the caregiver did at a visit is clinical: it stays on the workstation.
    localOnly: ['visit_summary', 'visit_recorded_by'],
    status: {
      column: 'status',
      transitions: { booked: ['checked_in', 'completed', 'cancelled', 'no_show'], checked_in: ['completed'], completed: [], cancelled: [], no_show: [] },
    },
    refs: { patient_id: 'patients', staff_id: 'staff', room_id: 'rooms', type_id: 'appointment_types', series_id: 'appointment_series' },
  },
  { name: 'reminder_preferences', key: 'patient_id', columns: ['patient_id', 'opt_out', 'channel', 'updated_at'], refs: { patient_id: 'patients' } },
  {
    name: 'reminders',
    key: 'id',
    columns: ['id', 'appointment_id', 'patient_id', 'channel', 'recipient', 'send_at', 'message', 'status', 'sent_at', ...ts],
    // Sent is decided by the service; a cancel that arrives after the sending keeps `sent`.
    status: { column: 'status', transitions: { queued: ['cancelled', 'sent'], cancelled: [], sent: [] }, illegal: 'keep' },
    serverOwned: ['sent_at'],
    refs: { appointment_id: 'appointments', patient_id: 'patients' },
  },
  {
    name: 'stock_items',
    key: 'id',
    columns: ['id', 'sku', 'name', 'unit', 'pack_size', 'supplier', 'unit_cost_cents', 'price_cents', 'tax_rate_bp', 'prescription_only', 'reorder_level', 'reorder_target', 'active', 'patient_supply', ...ts],
    unique: [['sku']],
  },
  { name: 'stock_lots', key: 'id', columns: ['id', 'item_id', 'lot_number', 'expiry_date', ...ts], unique: [['item_id', 'lot_number']], refs: { item_id: 'stock_items' } },
  {
    name: 'prescription_orders',
    key: 'id',
    columns: ['id', 'patient_id', 'item_id', 'quantity', 'issued_quantity', 'valid_until', 'prescriber_id', 'status', 'notes', 'cancel_reason', ...ts],
    status: { column: 'status', transitions: { active: ['cancelled'], cancelled: [] } },
    counters: { issued_quantity: { max: 'quantity' } },
    refs: { patient_id: 'patients', item_id: 'stock_items', prescriber_id: 'staff' },
  },
  {
    name: 'purchase_orders',
    key: 'id',
    columns: ['id', 'number', 'final_number', 'supplier', 'status', 'ordered_at', 'received_at', 'cancelled_at', 'cancel_reason', ...ts],
    status: {
      column: 'status',
      transitions: { draft: ['sent', 'cancelled'], sent: ['partly_received', 'received', 'cancelled'], partly_received: ['received', 'cancelled'], received: [], cancelled: [] },
    },
    unique: [['number']],
    serverOwned: ['final_number'],
    finalNumber: { kind: 'PO' },
  },
  {
    name: 'purchase_order_lines',
    key: 'id',
    columns: ['id', 'order_id', 'item_id', 'quantity', 'unit_price_cents', 'received_quantity', 'cancelled_quantity', 'removed_at', ...ts],
    counters: { received_quantity: { max: 'quantity' } },
    refs: { order_id: 'purchase_orders', item_id: 'stock_items' },
  },
  { name: 'coverages', key: 'id', columns: ['id', 'patient_id', 'payer_name', 'payer_identifier', 'member_id', 'active', ...ts], refs: { patient_id: 'patients' } },
  {
    name: 'invoices',
    key: 'id',
    columns: ['id', 'number', 'final_number', 'patient_id', 'appointment_id', 'status', 'currency', 'issued_at', 'due_at', 'total_cents', 'coverage_id', 'void_reason', 'voided_at', ...ts],
    status: {
      column: 'status',
      transitions: { draft: ['issued', 'void'], issued: ['part_paid', 'paid', 'void'], part_paid: ['issued', 'paid', 'void'], paid: ['issued', 'part_paid', 'void'], void: [] },
    },
    // Lines added on two workstations to one draft both count.
    counters: { total_cents: {} },
    unique: [['number']],
    serverOwned: ['final_number'],
    finalNumber: { kind: 'INV' },
    refs: { patient_id: 'patients', coverage_id: 'coverages' },
  },
  {
    name: 'invoice_lines',
    key: 'id',
    columns: ['id', 'invoice_id', 'kind', 'service_code_id', 'item_id', 'movement_id', 'description', 'quantity', 'unit_price_cents', 'amount_cents', 'tax_rate_bp', 'tax_cents', 'total_cents', 'removed_at', ...ts],
    refs: { invoice_id: 'invoices', service_code_id: 'service_codes' },
  },
  {
    // Patient supply orders (issue 22). Numbers are `SO-<device prefix>-<n>` (never shared by two
    // workstations); the service gives each order its final `SO-<clinic sequence>` when it leaves draft.
    // Two workstations acting on one order: the first status change the service sees wins, the other
    // is refused (INVALID_TRANSITION) and listed, and its stock movements and reservations go with it.
    name: 'patient_orders',
    key: 'id',
    columns: [
      'id', 'number', 'final_number', 'patient_id', 'status', 'fulfilment', 'delivery_address', 'caregiver_id', 'due_date', 'notes', 'repeat_of_id', 'invoice_id', 'created_by',
      'confirmed_at', 'picked_at', 'dispatched_at', 'ready_at', 'completed_at', 'cancelled_at', 'cancel_reason', ...ts,
    ],
    status: {
      column: 'status',
      transitions: {
        draft: ['confirmed', 'cancelled'],
        confirmed: ['picked', 'cancelled'],
        picked: ['dispatched', 'ready', 'cancelled'],
        dispatched: ['delivered', 'cancelled'],
        ready: ['collected', 'cancelled'],
        delivered: [],
        collected: [],
        cancelled: [],
      },
    },
    unique: [['number']],
    serverOwned: ['final_number'],
    finalNumber: { kind: 'SO' },
    refs: { patient_id: 'patients', caregiver_id: 'staff', created_by: 'staff', repeat_of_id: 'patient_orders', invoice_id: 'invoices' },
  },
  {
    name: 'patient_order_lines',
    key: 'id',
    columns: ['id', 'order_id', 'item_id', 'quantity', 'unit_price_cents', 'tax_rate_bp', 'prescription_order_id', 'invoice_line_id', 'returned_quantity', 'removed_at', ...ts],
    // Returns recorded on two workstations both count, never past what was ordered.
    counters: { returned_quantity: { max: 'quantity' } },
    refs: { order_id: 'patient_orders', item_id: 'stock_items', prescription_order_id: 'prescription_orders', invoice_line_id: 'invoice_lines' },
  },
  {
    name: 'stock_movements',
    key: 'id',
    columns: [
      'id', 'item_id', 'lot_id', 'delta', 'reason', 'note', 'purchase_order_id', 'purchase_order_line_id', 'appointment_id', 'patient_id', 'prescription_order_id', 'patient_order_line_id', 'at', 'staff_id', ...ts,
    ],
    appendOnly: true,
    refs: { item_id: 'stock_items', lot_id: 'stock_lots', purchase_order_id: 'purchase_orders', patient_id: 'patients', staff_id: 'staff', patient_order_line_id: 'patient_order_lines' },
  },
  {
    // Units held for an order line: held until picked (issued, naming its movement) or given back (released).
    name: 'stock_reservations',
    key: 'id',
    columns: ['id', 'item_id', 'lot_id', 'order_line_id', 'quantity', 'status', 'override', 'movement_id', ...ts],
    status: { column: 'status', transitions: { held: ['issued', 'released'], issued: [], released: [] } },
    refs: { item_id: 'stock_items', lot_id: 'stock_lots', order_line_id: 'patient_order_lines', movement_id: 'stock_movements' },
  },
  { name: 'credit_notes', key: 'id', columns: ['id', 'number', 'invoice_id', 'reason', 'total_cents', 'created_by', ...ts], appendOnly: true, unique: [['number']], refs: { invoice_id: 'invoices', created_by: 'staff' } },
  {
    name: 'credit_note_lines',
    key: 'id',
    columns: ['id', 'credit_note_id', 'invoice_line_id', 'quantity', 'amount_cents', 'tax_cents', 'total_cents', ...ts],
    appendOnly: true,
    refs: { credit_note_id: 'credit_notes', invoice_line_id: 'invoice_lines' },
  },
  {
    name: 'payments',
    key: 'id',
    columns: ['id', 'invoice_id', 'kind', 'credit_note_id', 'amount_cents', 'method', 'received_at', 'reference', ...ts],
    appendOnly: true,
    refs: { invoice_id: 'invoices' },
  },
  {
    name: 'claims',
    key: 'id',
    columns: ['id', 'invoice_id', 'coverage_id', 'status', 'amount_cents', 'exported_at', 'submitted_at', 'paid_at', 'denied_at', 'denial_reason', ...ts],
    status: { column: 'status', transitions: { ready: ['submitted'], submitted: ['paid', 'denied'], denied: ['submitted'], paid: [] } },
    unique: [['invoice_id']],
    refs: { invoice_id: 'invoices', coverage_id: 'coverages' },
  },
  {
    name: 'patient_order_returns',
    key: 'id',
    columns: ['id', 'order_id', 'line_id', 'quantity', 'restock', 'reason', 'billing', 'credit_note_id', ...ts],
    appendOnly: true,
    refs: { order_id: 'patient_orders', line_id: 'patient_order_lines', credit_note_id: 'credit_notes' },
  },
];

/**
 * Produced by the service only and pulled like a table: an edit that a later one overwrote
 * (last writer wins by the service's order), shown to the manager.
 */
export const OVERWRITES_TABLE: SyncedTable = {
  name: 'sync_overwrites',
  key: 'id',
  columns: ['id', 'tbl', 'row_key', 'field', 'overwritten_json', 'value_json', 'by_device', 'by_command', 'by_actor', 'at'],
};

export const SYNCED_TABLE_NAMES = SYNCED_TABLES.map((t) => t.name);
const byName = new Map([...SYNCED_TABLES, OVERWRITES_TABLE].map((t) => [t.name, t]));

export function syncedTable(name: string): SyncedTable | undefined {
  return byName.get(name);
}

/** Order of a table in the list (parents first). */
export const TABLE_ORDER: ReadonlyMap<string, number> = new Map([...SYNCED_TABLES, OVERWRITES_TABLE].map((t, i) => [t.name, i]));
