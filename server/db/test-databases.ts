/**
 * The databases the service's tests run on: PGlite always, and a real PostgreSQL server when
 * `COHERENCY_TEST_DATABASE_URL` names one (a superuser URL; `.ci/run` starts a throwaway cluster
 * with scripts/postgres-cluster.sh and sets it). With `COHERENCY_REQUIRE_POSTGRES=1` (CI) a missing
 * server fails the run instead of skipping, as the SQLCipher interop tests do.
 *
 * Each PostgreSQL test database is new (`cw_test_<random>`), migrated as the superuser (the tables'
 * owner) and used as `coherency_service`: a LOGIN role that is a member of `coherency_app`, not a
 * superuser, not an owner, without BYPASSRLS — what production runs as.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database, type DatabaseOptions } from './database';

export type TestDbKind = 'pglite' | 'postgres';
export const SERVICE_LOGIN_ROLE = 'coherency_service';

export interface TestDatabase {
  kind: TestDbKind;
  database: Database;
  /** Options that open the same database again (another service process). */
  options: DatabaseOptions;
  /** Superuser SQL on the same database (PostgreSQL only): to look at what the service role cannot. */
  superuser: ((text: string, params?: unknown[]) => Promise<unknown[]>) | null;
  dispose(): Promise<void>;
}

export function postgresUrl(): string | null {
  const url = process.env['COHERENCY_TEST_DATABASE_URL'] ?? '';
  if (!url && process.env['COHERENCY_REQUIRE_POSTGRES'] === '1') {
    throw new Error('COHERENCY_REQUIRE_POSTGRES=1 but COHERENCY_TEST_DATABASE_URL is not set: start one with scripts/postgres-cluster.sh (CI does).');
  }
  return url || null;
}

/** The kinds to run a suite on (PostgreSQL only when configured). */
export function testDatabaseKinds(): TestDbKind[] {
  return postgresUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

/** `url` (a server's) pointing at database `db`, as `user` when given. */
export function withDatabase(url: string, db: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

/** The run-time roles (`coherency_app`, and `coherency_service` in it) on the cluster `admin` is connected to. */
export async function ensureRoles(admin: pg.Client): Promise<void> {
  // Roles are per cluster and test files run in parallel: create-if-missing, tolerating a race.
  for (const stmt of [
    `CREATE ROLE coherency_app NOLOGIN NOSUPERUSER NOBYPASSRLS`,
    `CREATE ROLE ${SERVICE_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE coherency_app`,
  ]) {
    try {
      await admin.query(stmt);
    } catch (error) {
      if (!['42710', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

export async function openTestDatabase(kind: TestDbKind, extra: Partial<DatabaseOptions> = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const options: DatabaseOptions = { dataDir: 'memory://', ...extra };
    const database = await openDatabase(options);
    return { kind, database, options, superuser: null, dispose: () => database.close() };
  }
  const base = postgresUrl();
  if (!base) throw new Error('no PostgreSQL configured');
  const name = `cw_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await ensureRoles(admin);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const options: DatabaseOptions = {
    url: withDatabase(base, name, SERVICE_LOGIN_ROLE),
    migrationUrl: withDatabase(base, name),
    ...extra,
  };
  const database = await openDatabase(options);
  const su = new pg.Pool({ connectionString: withDatabase(base, name), max: 2 });
  return {
    kind,
    database,
    options,
    superuser: async (text, params) => (await su.query(text, params)).rows,
    async dispose() {
      await database.close();
      await su.end();
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** The replica's URL for a test database (streaming replicas copy every database of the cluster). */
export function replicaUrlFor(options: DatabaseOptions): string | null {
  const replica = process.env['COHERENCY_TEST_REPLICA_URL'];
  if (!replica || !options.url) return null;
  const u = new URL(options.url);
  return withDatabase(replica, u.pathname.slice(1), SERVICE_LOGIN_ROLE);
}
