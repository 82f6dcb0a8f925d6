/**
 * Clinics, their devices and enrolment codes. Every table holding a clinic's data carries
 * `clinic_id` and the policy `tenant` (row-level security, forced, see migrations): a query run
 * without the clinic set (`app.clinic_id`) or with another clinic's returns no row of this one.
 * `tenants` and `enrolment_codes` are the two routing tables outside it: ids, hashes and times only.
 */
import { sql } from 'drizzle-orm';
import { bigint, index, pgPolicy, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

const ms = (name: string) => bigint(name, { mode: 'number' });

/** The clinic set for this transaction (`SELECT set_config('app.clinic_id', $1, true)`); NULL when none. */
export const currentClinic = sql`nullif(current_setting('app.clinic_id', true), '')::uuid`;

/** The one policy of every tenant table: only rows of the clinic set in this transaction, read and written. */
export const tenantPolicy = (column = 'clinic_id') =>
  pgPolicy('tenant', { as: 'permissive', for: 'all', to: 'public', using: sql`${sql.identifier(column)} = ${currentClinic}`, withCheck: sql`${sql.identifier(column)} = ${currentClinic}` });

/** Which clinics exist (ids only): the reminder sender walks it, clinic by clinic. */
export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  createdAt: ms('created_at').notNull(),
});

export const clinics = pgTable(
  'clinics',
  {
    id: uuid('id')
      .primaryKey()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** The clinic's change counter: each row written gets the next version; pulls read after a cursor. */
    version: ms('version').notNull().default(0),
    createdAt: ms('created_at').notNull(),
  },
  () => [tenantPolicy('id')],
);

/** A one-time code the service's operator issues; a workstation's IT admin redeems it. Only its sha256 is kept. */
export const enrolmentCodes = pgTable(
  'enrolment_codes',
  {
    codeSha256: text('code_sha256').primaryKey(),
    clinicId: uuid('clinic_id')
      .notNull()
      .references(() => tenants.id),
    expiresAt: ms('expires_at').notNull(),
    usedAt: ms('used_at'),
    usedByDevice: text('used_by_device'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('enrolment_codes_clinic_idx').on(t.clinicId)],
);

export const devices = pgTable(
  'devices',
  {
    clinicId: uuid('clinic_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    label: text('label').notNull(),
    /** sha256 of the credential's secret; the secret itself exists only in the workstation's keychain. */
    tokenSha256: text('token_sha256').notNull(),
    /** A rotation in progress: works as well, and replaces the old one when first used. */
    nextTokenSha256: text('next_token_sha256'),
    enrolledAt: ms('enrolled_at').notNull(),
    rotatedAt: ms('rotated_at'),
    revokedAt: ms('revoked_at'),
    /** The last mutation of this device applied (or rejected): written in the same transaction as its effects. */
    lastMutationId: ms('last_mutation_id').notNull().default(0),
    lastSeenAt: ms('last_seen_at'),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.id] }), tenantPolicy()],
);
