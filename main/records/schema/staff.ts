import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { STAFF_ROLES } from '../../../common/permissions';
import { id, timestamps } from './columns';

export const staff = sqliteTable(
  'staff',
  {
    id: id(),
    /** Stored lower-cased; unique. */
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    /** `scrypt$N$r$p$salt$hash` (see main/auth/password.ts): parameters travel with the hash. */
    passwordHash: text('password_hash').notNull(),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    lockedUntil: integer('locked_until'),
    lastLoginAt: integer('last_login_at'),
    disabledAt: integer('disabled_at'),
    ...timestamps,
  },
  (t) => [uniqueIndex('staff_username_unique').on(t.username)],
);

/** A member may hold several roles. */
export const staffRoles = sqliteTable(
  'staff_roles',
  {
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    role: text('role', { enum: STAFF_ROLES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.role] }), index('staff_roles_role_idx').on(t.role)],
);
