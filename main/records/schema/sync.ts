import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { COMMAND_ORIGINS } from '../../../common/operations';

/**
 * Commands waiting to be pushed to the hosted service, written in the same transaction as the
 * command's change. `mutation_id` is monotonic per device (sync_device.last_mutation_id).
 */
export const syncOutbox = sqliteTable(
  'sync_outbox',
  {
    mutationId: integer('mutation_id').primaryKey(),
    commandId: text('command_id').notNull(),
    name: text('name').notNull(),
    argsJson: text('args_json').notNull(),
    actorId: text('actor_id').notNull(),
    /** When the command was issued (its handlers' clock). */
    issuedAt: integer('issued_at').notNull(),
    createdAt: integer('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** When the service answered it (applied or rejected): no longer queued. */
    sentAt: integer('sent_at'),
    /** The rows the command changed here (common/sync.ts `Effect[]`), captured in its transaction; NULL before sync capture existed. */
    effectsJson: text('effects_json'),
    /** The service refused it: its reason code (common/sync.ts REJECTION_CODES) and words. */
    rejectedCode: text('rejected_code'),
    rejectedReason: text('rejected_reason'),
    /** Rows of a refused change kept here although the service lacks them (patients, staff, or still referred to). */
    keptLocally: integer('kept_locally').notNull().default(0),
    /** A manager has read the rejection (it leaves the list). */
    dismissedAt: integer('dismissed_at'),
  },
  (t) => [uniqueIndex('sync_outbox_command_unique').on(t.commandId), index('sync_outbox_pending_idx').on(t.sentAt, t.mutationId)],
);

/** This workstation as a sync device: its id, the prefix of the numbers it gives out, its mutation counter. */
export const syncDevice = sqliteTable('sync_device', {
  singleton: integer('singleton').primaryKey().default(1),
  deviceId: text('device_id').notNull(),
  numberPrefix: text('number_prefix').notNull(),
  lastMutationId: integer('last_mutation_id').notNull().default(0),
  createdAt: integer('created_at').notNull(),
});

/** Every command applied here (local or pulled): replaying an id returns `result_json` and changes nothing. */
export const commandLog = sqliteTable(
  'command_log',
  {
    commandId: text('command_id').primaryKey(),
    name: text('name').notNull(),
    /** sha256 of the canonical JSON of the parsed args: the same id with other args is refused. */
    argsSha256: text('args_sha256').notNull(),
    resultJson: text('result_json').notNull(),
    actorId: text('actor_id').notNull(),
    origin: text('origin', { enum: COMMAND_ORIGINS }).notNull(),
    issuedAt: integer('issued_at').notNull(),
    appliedAt: integer('applied_at').notNull(),
  },
  (t) => [index('command_log_applied_idx').on(t.appliedAt)],
);

/** Local number sequences (per name, e.g. `invoice`), used with the device prefix. */
export const numberSequences = sqliteTable('number_sequences', {
  name: text('name').primaryKey(),
  last: integer('last').notNull(),
});

/** Cursors of the pull side, one per stream. */
export const syncState = sqliteTable('sync_state', {
  stream: text('stream').primaryKey(),
  cursor: text('cursor'),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Row changes of synced tables captured by the connection's triggers (main/records/sync-capture.ts)
 * in the writing transaction; a command takes its own into its outbox row, the rest (patients and
 * staff changed outside commands) become a `records.change` mutation.
 */
export const syncCapture = sqliteTable('sync_capture', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  tbl: text('tbl').notNull(),
  rowKey: text('row_key').notNull(),
  op: text('op', { enum: ['insert', 'update', 'delete'] }).notNull(),
  beforeJson: text('before_json'),
  afterJson: text('after_json'),
});

/**
 * Holds one row only inside the transaction that applies pulled rows: the capture triggers and the
 * append-only guards stand aside while it exists (migration `sync-apply-guards`).
 */
export const syncApply = sqliteTable('sync_apply', {
  singleton: integer('singleton').primaryKey().default(1),
});

/** This clinic's link to the hosted service (the credential itself is in the OS keychain only). */
export const syncConnection = sqliteTable('sync_connection', {
  singleton: integer('singleton').primaryKey().default(1),
  serviceUrl: text('service_url').notNull(),
  /** PEM of the CA that signed the service's certificate, when it is not a public one. */
  caPem: text('ca_pem'),
  serviceClinicId: text('service_clinic_id').notNull(),
  serviceClinicName: text('service_clinic_name').notNull(),
  enrolledAt: integer('enrolled_at').notNull(),
  enrolledBy: text('enrolled_by').notNull(),
  state: text('state', { enum: ['connected', 'offline', 'revoked', 'error'] }).notNull().default('offline'),
  lastSyncAt: integer('last_sync_at'),
  lastErrorCode: text('last_error_code'),
  lastErrorMessage: text('last_error_message'),
  lastErrorAt: integer('last_error_at'),
  /** The clinic's version the service reported after this device's last push (pulls read at least it). */
  lastPushVersion: integer('last_push_version').notNull().default(0),
  credentialRotatedAt: integer('credential_rotated_at'),
});

/** Edits another workstation's later change overwrote (the service's `sync_overwrites`, pulled), for the manager. */
export const syncOverwrites = sqliteTable(
  'sync_overwrites',
  {
    id: text('id').primaryKey(),
    tbl: text('tbl').notNull(),
    rowKey: text('row_key').notNull(),
    field: text('field').notNull(),
    overwrittenJson: text('overwritten_json'),
    valueJson: text('value_json'),
    byDevice: text('by_device').notNull(),
    byCommand: text('by_command').notNull(),
    byActor: text('by_actor').notNull(),
    at: integer('at').notNull(),
    dismissedAt: integer('dismissed_at'),
  },
  (t) => [index('sync_overwrites_at_idx').on(t.at)],
);
