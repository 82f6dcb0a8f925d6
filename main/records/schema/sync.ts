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
    sentAt: integer('sent_at'),
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
