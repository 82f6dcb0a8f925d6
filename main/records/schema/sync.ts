import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Changes waiting to be pushed to the hosted service, written in the same transaction as the change. */
export const syncOutbox = sqliteTable(
  'sync_outbox',
  {
    id: text('id').primaryKey(),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    op: text('op', { enum: ['upsert', 'delete'] }).notNull(),
    payloadJson: text('payload_json').notNull(),
    createdAt: integer('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: integer('sent_at'),
  },
  (t) => [index('sync_outbox_pending_idx').on(t.sentAt, t.createdAt)],
);

/** Cursors of the pull side, one per stream. */
export const syncState = sqliteTable('sync_state', {
  stream: text('stream').primaryKey(),
  cursor: text('cursor'),
  updatedAt: integer('updated_at').notNull(),
});
