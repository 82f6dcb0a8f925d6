/**
 * The service's migration runner over drizzle-kit's generated SQL: numbered, forward-only, each
 * step in its own transaction with its row in `schema_migrations`, all under one advisory lock so
 * that service processes starting together migrate once. A database newer than this service is
 * refused; a migration whose text changed after it was applied is refused too.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

export interface Migration {
  version: number;
  tag: string;
  statements: string[];
  sha256: string;
}

/** The smallest thing both drivers offer: PGlite and node-postgres clients. */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

const journalSchema = z.object({ dialect: z.literal('postgresql'), entries: z.array(z.object({ idx: z.number().int(), tag: z.string().regex(/^\d{4}_[a-z0-9-]+$/) })) });

export function loadMigrations(folder = MIGRATIONS_FOLDER): Migration[] {
  const journal = journalSchema.parse(JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')));
  return journal.entries.map((e, i) => {
    if (e.idx !== i || Number(e.tag.slice(0, 4)) !== i) throw new Error(`migration ${e.tag} is out of order`);
    const text = readFileSync(join(folder, `${e.tag}.sql`), 'utf8');
    const statements = text.split('--> statement-breakpoint').map((s) => s.trim()).filter((s) => s.replace(/^--.*$/gm, '').trim().length > 0);
    return { version: i + 1, tag: e.tag, statements, sha256: createHash('sha256').update(text).digest('hex') };
  });
}

export class DatabaseFromFutureError extends Error {
  readonly code = 'DATABASE_FROM_FUTURE';
  constructor(readonly found: number, readonly known: number) {
    super(`The database is at migration ${found}, newer than this service knows (${known}). Run the newer service.`);
  }
}
export class MigrationChangedError extends Error {
  readonly code = 'MIGRATION_CHANGED';
  constructor(readonly tag: string) {
    super(`Migration ${tag} was changed after it was applied; migrations are never edited.`);
  }
}

const LOCK = 0x636f6865; // "cohe"

/** Applies pending migrations (up to `to`); returns the version reached. */
export async function migrate(client: SqlClient, options: { to?: number; migrations?: Migration[] } = {}): Promise<number> {
  const migrations = options.migrations ?? loadMigrations();
  const target = options.to ?? migrations.length;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, tag text NOT NULL, sha256 text NOT NULL, applied_at bigint NOT NULL)');
    const done = (await client.query('SELECT version, tag, sha256 FROM schema_migrations ORDER BY version')).rows as Array<{ version: number; tag: string; sha256: string }>;
    const found = done.at(-1)?.version ?? 0;
    if (found > migrations.length) throw new DatabaseFromFutureError(found, migrations.length);
    for (const d of done) if (migrations[d.version - 1]?.sha256 !== d.sha256) throw new MigrationChangedError(d.tag);
    for (const m of migrations.slice(found, target)) {
      await client.query(`SAVEPOINT m${m.version}`);
      for (const s of m.statements) await client.query(s);
      await client.query('INSERT INTO schema_migrations (version, tag, sha256, applied_at) VALUES ($1, $2, $3, $4)', [m.version, m.tag, m.sha256, Date.now()]);
      await client.query(`RELEASE SAVEPOINT m${m.version}`);
    }
    await client.query('COMMIT');
    return Math.max(found, Math.min(target, migrations.length));
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** The version a database is at (0 when never migrated). */
export async function migratedVersion(client: SqlClient): Promise<number> {
  const exists = (await client.query("SELECT to_regclass('public.schema_migrations') AS t")).rows[0] as { t: string | null };
  if (!exists.t) return 0;
  const row = (await client.query('SELECT max(version) AS v FROM schema_migrations')).rows[0] as { v: number | null };
  return row.v ?? 0;
}
