/**
 * The service's database: PGlite embedded in the process by default (a data folder, nothing to
 * install), or a PostgreSQL server (`DATABASE_URL`), with optional streaming replicas for pulls.
 *
 * Every query about a clinic runs in `tenant(clinicId, …)`: one transaction that first sets
 * `app.clinic_id`, which the row-level security policies of every tenant table compare with. The
 * role the service runs as cannot bypass them (server/db/migrations/0000, 0002), so a query that
 * forgets its `where clinic_id = …` still sees only the clinic of its transaction. The two reads
 * of every connected workstation (its credential, a pull page) are single statements instead:
 * functions that set the clinic of their own statement (migration 0003), through `query` on the
 * primary or `queryReplica` on a streaming replica.
 */
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { setClinicSql } from './scope';
import { migrate, migratedVersion, loadMigrations, type SqlClient } from './migrate';

export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;

export const APP_ROLE = 'coherency_app';

export interface DatabaseOptions {
  /** `postgres://…` as the run-time role (a member of coherency_app); absent: PGlite in `dataDir`. */
  url?: string;
  /** Owner's URL: when given, pending migrations run at open (under an advisory lock). */
  migrationUrl?: string;
  /** Streaming replicas for pulls (read-only). */
  replicaUrls?: string[];
  /** PGlite's data folder; `memory://` for a throwaway one. */
  dataDir?: string;
  /** PGlite: migrate up to this version only (migration tests). */
  migrateTo?: number;
  poolSize?: number;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** One transaction scoped to a clinic (RLS). */
  tenant<T>(clinicId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction with no clinic set: only the routing tables (tenants, enrolment codes) answer. */
  unscoped<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** One statement on the primary as the run-time role (the hot-path functions, health checks, tests of RLS). */
  query(text: string, params?: unknown[]): Promise<unknown[]>;
  /** One statement on a replica (round robin) as the run-time role; null when there is no replica. */
  queryReplica(text: string, params?: unknown[]): Promise<unknown[]> | null;
  close(): Promise<void>;
}

export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

export async function execute<T>(tx: Tx | Db, query: SQL): Promise<T[]> {
  return rowsOf<T>(await tx.execute(query));
}

const setClinic = setClinicSql;

export class DatabaseNotMigratedError extends Error {
  readonly code = 'DATABASE_NOT_MIGRATED';
  constructor(found: number, wanted: number) {
    super(`The database is at migration ${found}, this service needs ${wanted}: start it once with DATABASE_MIGRATION_URL (the owner).`);
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options);
  return openPglite(options);
}

function build(kind: Database['kind'], primary: Db, close: () => Promise<void>, raw: SqlClient, replicaRaw: SqlClient[] = []): Database {
  let next = 0;
  const tenant = <R>(on: Db, clinicId: string, fn: (tx: Tx) => Promise<R>): Promise<R> =>
    on.transaction(async (tx) => {
      await tx.execute(setClinic(clinicId));
      return fn(tx);
    });
  return {
    kind,
    tenant: (clinicId, fn) => tenant(primary, clinicId, fn),
    unscoped: (fn) => primary.transaction(fn),
    async query(text, params) {
      return (await raw.query(text, params)).rows;
    },
    queryReplica(text, params) {
      if (replicaRaw.length === 0) return null;
      return replicaRaw[next++ % replicaRaw.length]!.query(text, params).then((r) => r.rows);
    },
    close,
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const client = new PGlite(options.dataDir ?? 'memory://');
  await client.waitReady;
  // PGlite is one in-process connection: migrate as its superuser, then drop to the run-time role
  // for the rest of the process (every query the service sends is parameterised).
  await migrate(client, options.migrateTo !== undefined ? { to: options.migrateTo } : {});
  await client.query(`SET ROLE ${APP_ROLE}`);
  const db = drizzlePglite(client) as unknown as Db;
  return build('pglite', db, () => client.close(), client);
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  if (options.migrationUrl) {
    const owner = new pg.Client({ connectionString: options.migrationUrl });
    await owner.connect();
    try {
      await migrate(owner);
    } finally {
      await owner.end();
    }
  }
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
  const wanted = loadMigrations().length;
  const found = await migratedVersion(pool);
  if (found !== wanted) {
    await pool.end();
    throw new DatabaseNotMigratedError(found, wanted);
  }
  const replicaPools = (options.replicaUrls ?? []).map((url) => new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 }));
  for (const p of replicaPools) p.on('error', () => undefined);
  const primary = drizzlePg(pool) as unknown as Db;
  return build('postgres', primary, async () => void (await Promise.all([pool.end(), ...replicaPools.map((p) => p.end())])), pool, replicaPools);
}
