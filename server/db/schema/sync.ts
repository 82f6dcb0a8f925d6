/**
 * What the service holds of each clinic: the rows of the synced tables (common/sync-tables.ts) as
 * JSON with a version each, the log of every mutation applied, and what the rules keep (unique
 * keys, stock on hand per lot, number sequences).
 */

import { bigint, boolean, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tenantPolicy, tenants } from './tenancy';

const ms = (name: string) => bigint(name, { mode: 'number' });
const clinicId = () =>
  uuid('clinic_id')
    .notNull()
    .references(() => tenants.id);

/** Every mutation a device pushed, in order: the checker of the fault test reads this log. */
export const mutations = pgTable(
  'mutations',
  {
    clinicId: clinicId(),
    deviceId: text('device_id').notNull(),
    mutationId: ms('mutation_id').notNull(),
    commandId: text('command_id').notNull(),
    name: text('name').notNull(),
    actorId: text('actor_id').notNull(),
    status: text('status', { enum: ['applied', 'rejected'] }).notNull(),
    code: text('code'),
    reason: text('reason'),
    skipped: jsonb('skipped'),
    /** The clinic's version after this mutation. */
    version: ms('version').notNull(),
    issuedAt: ms('issued_at').notNull(),
    appliedAt: ms('applied_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.deviceId, t.mutationId] }), tenantPolicy()],
);

/** The current state of every synced row (and tombstones of refused inserts), newest version per row. */
export const entities = pgTable(
  'entities',
  {
    clinicId: clinicId(),
    tbl: text('tbl').notNull(),
    key: text('key').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>(),
    version: ms('version').notNull(),
    deleted: boolean('deleted').notNull().default(false),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.tbl, t.key] }), index('entities_version_idx').on(t.clinicId, t.version), tenantPolicy()],
);

/** Unique column sets per table (e.g. a stock item's SKU), one row per live value. */
export const entityKeys = pgTable(
  'entity_keys',
  {
    clinicId: clinicId(),
    tbl: text('tbl').notNull(),
    name: text('name').notNull(),
    value: text('value').notNull(),
    key: text('key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.tbl, t.name, t.value] }), tenantPolicy()],
);

/** Σ movements per stock lot (the stock rule), and each invoice's money (the payment rule). */
export const balances = pgTable(
  'balances',
  {
    clinicId: clinicId(),
    kind: text('kind', { enum: ['lot', 'invoice_paid', 'invoice_credited'] }).notNull(),
    id: text('id').notNull(),
    amount: ms('amount').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.kind, t.id] }), tenantPolicy()],
);

/** The service's final numbers (`INV-000042`), one sequence per clinic and kind. */
export const sequences = pgTable(
  'sequences',
  {
    clinicId: clinicId(),
    kind: text('kind').notNull(),
    last: ms('last').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.kind] }), tenantPolicy()],
);

