/**
 * The hosted service for the workstation's sync tests: a PostgreSQL database of its own, migrated
 * by the superuser and used as `coherency_service` (the role that cannot bypass RLS), the
 * environment its service processes get, the admin API over HTTP, and an in-memory keychain stand-in (the keychain itself is tested with keytar in main/vault).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureRoles, SERVICE_LOGIN_ROLE, withDatabase } from '../../server/db/test-databases';
import type { KeyStore } from '../vault/index';

export const SERVICE_ADMIN = 'fault-test-admin-token-0123456789abcdef012';

/**
 * What the workstation's tests give a service process (server/app/test-process.ts
 * `startServiceProcess`): the admin token, rate limits out of the way, reminders idle.
 */
export const SERVICE_TEST_ENV = { SERVICE_ADMIN_TOKEN: SERVICE_ADMIN, RATE_LIMIT_PER_SECOND: '10000', RATE_LIMIT_BURST: '10000', REMINDER_INTERVAL_MS: '3600000' };
/** How long a service process may take to start on a loaded machine (migrations at first start). */
export const SERVICE_START_MS = 90_000;

export interface ServiceDatabase {
  name: string;
  /** What a service process needs to open it (and migrate it at start). */
  env: { DATABASE_URL: string; DATABASE_MIGRATION_URL: string };
  /** Superuser on it: to read what the service role cannot. */
  su: pg.Pool;
  drop(): Promise<void>;
}

/** A new database `<prefix>_<random>` on the server at `superuserUrl`. */
export async function createServiceDatabase(superuserUrl: string, prefix: string): Promise<ServiceDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  await ensureRoles(admin);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const su = new pg.Pool({ connectionString: withDatabase(superuserUrl, name), max: 2 });
  su.on('error', () => undefined); // its idle clients end when the database is dropped
  return {
    name,
    env: { DATABASE_URL: withDatabase(superuserUrl, name, SERVICE_LOGIN_ROLE), DATABASE_MIGRATION_URL: withDatabase(superuserUrl, name) },
    su,
    async drop() {
      await su.end();
      const a = new pg.Client({ connectionString: superuserUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** The service's admin procedures over HTTP, with the admin token. */
export function serviceAdmin(url: string) {
  return async <T>(path: string, input: unknown): Promise<T> => {
    const res = await fetch(`${url}/trpc/admin.${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SERVICE_ADMIN}` }, body: JSON.stringify(input) });
    const json = (await res.json()) as { result?: { data: T } };
    if (!json.result) throw new Error(`admin.${path} failed`);
    return json.result.data;
  };
}

export function memoryKeyStore(): KeyStore {
  const entries = new Map<string, Buffer>();
  return { get: async (a) => entries.get(a) ?? null, set: async (a, k) => void entries.set(a, Buffer.from(k)), delete: async (a) => entries.delete(a) };
}
