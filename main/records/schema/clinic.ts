import { check, integer, text, sqliteTable } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import { timestamps } from './columns';

/**
 * Which clinic this file belongs to: exactly one row (`singleton = 1`). Opening checks `id`
 * against the clinic the caller expects, so a file moved between profiles is refused.
 */
export const clinic = sqliteTable(
  'clinic',
  {
    singleton: integer('singleton').primaryKey().default(1),
    id: text('id').notNull(),
    name: text('name').notNull(),
    ...timestamps,
  },
  (t) => [check('clinic_singleton', sql`${t.singleton} = 1`)],
);

/** Clinic-wide settings; `value` is JSON, parsed with zod by whoever owns the key. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
  updatedBy: text('updated_by'),
});
