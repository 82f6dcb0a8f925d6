import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { id, timestamps } from './columns';
import { staff } from './staff';

/** Paired tablets. The device token itself lives in the keychain, never here. */
export const devices = sqliteTable('devices', {
  id: id(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['tablet'] }).notNull().default('tablet'),
  /** SHA-256 of the device's client certificate or token, hex. */
  fingerprint: text('fingerprint').notNull(),
  pairedBy: text('paired_by').references(() => staff.id),
  pairedAt: integer('paired_at').notNull(),
  lastSeenAt: integer('last_seen_at'),
  revokedAt: integer('revoked_at'),
  ...timestamps,
});
