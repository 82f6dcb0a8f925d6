/**
 * The hosted service for the workstation's sync tests: a PostgreSQL database of its own, migrated
 * by the superuser and used as `coherency_service` (the role that cannot bypass RLS), service
 * processes (`server/main.ts` on node with tsx's loader — the PID is the service's own), the admin API over HTTP,
 * and an in-memory keychain stand-in (the keychain itself is tested with keytar in main/vault).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { KeyStore } from '../vault/index';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const SERVICE_ADMIN = 'fault-test-admin-token-0123456789abcdef012';

export const withDb = (url: string, db: string, user?: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
};

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export function startService(env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  // node itself with tsx's loader, not the tsx CLI: the CLI would be a wrapper process, and a
  // SIGKILL would kill the wrapper and leave the service running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PLAIN_HTTP: '1', HOST: '127.0.0.1', PORT: '0', SERVICE_ADMIN_TOKEN: SERVICE_ADMIN, RATE_LIMIT_PER_SECOND: '10000', RATE_LIMIT_BURST: '10000', REMINDER_INTERVAL_MS: '3600000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start: ${stderr}`)), 90_000);
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        try {
          const l = JSON.parse(line) as { event?: string; url?: string };
          if (l.event === 'server.listening') {
            clearTimeout(timer);
            resolve({ url: String(l.url), child, exited });
          }
        } catch {
          // not JSON
        }
      }
    });
    void exited.then(() => reject(new Error(`service exited: ${stderr}`)));
  });
}

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
  for (const stmt of ['CREATE ROLE coherency_app NOLOGIN NOSUPERUSER NOBYPASSRLS', 'CREATE ROLE coherency_service LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE coherency_app']) {
    await admin.query(stmt).catch((e: { code?: string }) => {
      if (!['42710', '23505'].includes(e.code ?? '')) throw e;
    });
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const su = new pg.Pool({ connectionString: withDb(superuserUrl, name), max: 2 });
  su.on('error', () => undefined); // its idle clients end when the database is dropped
  return {
    name,
    env: { DATABASE_URL: withDb(superuserUrl, name, 'coherency_service'), DATABASE_MIGRATION_URL: withDb(superuserUrl, name) },
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
