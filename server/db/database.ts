/**
 * The service's database: PGlite embedded in the process by default (a data folder, nothing to
 * install), or a PostgreSQL server (`DATABASE_URL`), with optional streaming replicas for pulls.
 *
 * Every query about a clinic runs in `tenant(clinicId, …)`: one transaction that first sets
 * `app.clinic_id`, which the row-level security policies of every tenant table compare with. The
 * role the service runs as cannot bypass them (server/db/migrations/0000, 0002), so a query that
 * forgets its `where clinic_id = …` still sees only the clinic of its transaction.
 */
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { withReplicas, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { setClinicSql } from './scope';
import { migrate, migratedVersion, loadMigrations, type SqlClient } from './migrate';

export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;
/** The primary with reads routable to replicas (drizzle `withReplicas`). */
export type RoutedDb = Db & { $primary: Db; $replicas: Db[] };

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
  /** Primary, with reads routable to replicas (drizzle `withReplicas`). */
  readonly db: RoutedDb;
  /** One transaction scoped to a clinic (RLS). */
  tenant<T>(clinicId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * A read-only transaction scoped to a clinic on a replica, when there is one and it has caught up
   * with `minVersion` (the clinic's version the caller wrote); otherwise on the primary.
   */
  tenantRead<T>(clinicId: string, minVersion: number, fn: (tx: Tx) => Promise<T>): Promise<T & { fromReplica: boolean }>;
  /** A transaction with no clinic set: only the routing tables (tenants, enrolment codes) answer. */
  unscoped<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Raw SQL on the primary as the run-time role (health checks, tests of RLS). */
  query(text: string, params?: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

export async function execute<T>(tx: Tx | Db, query: SQL): Promise<T[]> {
  return rowsOf<T>(await tx.execute(query));
}

const setClinic = setClinicSql;

async function clinicVersion(tx: Tx): Promise<number> {
  const [row] = await execute<{ version: string | number }>(tx, sql`SELECT version FROM clinics`);
  return row ? Number(row.version) : 0;
}

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

function build(kind: Database['kind'], primary: Db, replicas: Db[], close: () => Promise<void>, raw: SqlClient): Database {
  const routed = withReplicas(primary, (replicas.length > 0 ? replicas : [primary]) as [Db, ...Db[]]) as unknown as RoutedDb;
  let next = 0;
  const tenant = <R>(on: Db, clinicId: string, fn: (tx: Tx) => Promise<R>, readOnly = false): Promise<R> =>
    on.transaction(async (tx) => {
      await tx.execute(setClinic(clinicId));
      return fn(tx);
    }, readOnly ? { accessMode: 'read only' } : undefined);
  return {
    kind,
    db: routed,
    tenant: (clinicId, fn) => tenant(primary, clinicId, fn),
    async tenantRead<T>(clinicId: string, minVersion: number, fn: (tx: Tx) => Promise<T>) {
      if (replicas.length > 0) {
        const replica = routed.$replicas[next++ % routed.$replicas.length]!;
        const fromReplica = await tenant(replica, clinicId, async (tx) => ((await clinicVersion(tx)) >= minVersion ? { value: await fn(tx) } : null), true);
        if (fromReplica) return Object.assign(fromReplica.value as object, { fromReplica: true }) as T & { fromReplica: boolean };
      }
      const value = await tenant(primary, clinicId, fn, true);
      return Object.assign(value as object, { fromReplica: false }) as T & { fromReplica: boolean };
    },
    unscoped: (fn) => primary.transaction(fn),
    async query(text, params) {
      return (await raw.query(text, params)).rows;
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
  return build('pglite', db, [], () => client.close(), client);
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
  const replicas = replicaPools.map((p) => drizzlePg(p) as unknown as Db);
  return build('postgres', primary, replicas, async () => void (await Promise.all([pool.end(), ...replicaPools.map((p) => p.end())])), pool);
}
