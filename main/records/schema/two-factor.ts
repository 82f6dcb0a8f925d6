import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { staff } from './staff';
import { timestamps } from './columns';

/**
 * A member's authenticator (TOTP, RFC 6238: SHA-1, 6 digits, 30 s): one per member, written only
 * once a code from it was accepted. The secret is as secret as a password hash and lives only in
 * this encrypted record. `last_step` is the time step of the last code accepted, so each code
 * works once (no replay).
 */
export const staffTotp = sqliteTable('staff_totp', {
  staffId: text('staff_id')
    .primaryKey()
    .references(() => staff.id, { onDelete: 'cascade' }),
  /** Base32, 160 bits. */
  secret: text('secret').notNull(),
  lastStep: integer('last_step'),
  ...timestamps,
});

/** One-time recovery codes, stored as SHA-256 of the normalised code (the codes carry 80 random bits). */
export const staffRecoveryCodes = sqliteTable(
  'staff_recovery_codes',
  {
    id: text('id').primaryKey(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: integer('used_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('staff_recovery_codes_hash_unique').on(t.staffId, t.codeHash), index('staff_recovery_codes_staff_idx').on(t.staffId)],
);
