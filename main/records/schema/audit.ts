import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Who did what to which entity, when — ids only, never patient data. Each row's `hash` is
 * sha256(prev_hash ‖ canonical JSON of the row) (see ../audit.ts), so an edited, removed or
 * reordered row breaks the chain. `seq` orders the chain; rows are append-only.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  actorId: text('actor_id').notNull(),
  actorRole: text('actor_role').notNull(),
  action: text('action').notNull(),
  entity: text('entity').notNull(),
  entityId: text('entity_id'),
  at: integer('at').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
  },
  // Added in 0001: "who touched this patient/wound" for the audit viewer. Added with
  // audit-actor-and-time-indexes: the viewer's filters by staff member and by date range.
  (t) => [index('audit_log_entity_idx').on(t.entity, t.entityId, t.seq), index('audit_log_actor_idx').on(t.actorId, t.seq), index('audit_log_at_idx').on(t.at)],
);

/** The chain's head (last seq + hash), written in the same transaction as each append, so cutting rows off the end is detected too. */
export const auditHead = sqliteTable('audit_head', {
  singleton: integer('singleton').primaryKey().default(1),
  seq: integer('seq').notNull(),
  hash: text('hash').notNull(),
});
