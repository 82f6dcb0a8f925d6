/** Columns every synced table shares, declared once and spread into each table (drizzle docs). */
import { integer, text } from 'drizzle-orm/sqlite-core';

/** Client-generated UUIDv7 (see ../ids.ts): sortable by creation time and safe to merge across devices. */
export const id = () => text('id').primaryKey();

/** Unix epoch milliseconds. Numbers, not Dates, so rows cross tRPC/JSON unchanged. */
export const timestamps = {
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
};
