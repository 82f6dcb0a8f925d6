/**
 * Our own small migration runner over drizzle-kit's generated SQL (STYLE habit 8):
 * numbered, forward-only steps; `PRAGMA user_version` is the number of steps applied; each step
 * runs in its own transaction together with the version bump, so a failed step leaves the file
 * exactly at the previous version. A file newer than the app is refused, never "repaired".
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3-multiple-ciphers';
import { z } from 'zod';
import type { Logger } from '../shared/logger';
import { DbFromFutureError, MigrationError, translateSqliteError } from './errors';

export interface Migration {
  /** 1-based: the `user_version` after this step. */
  version: number;
  /** drizzle-kit's tag, e.g. `0001_wound-laterality-audit-entity-index`. */
  tag: string;
  statements: string[];
  sha256: string;
}

const journalSchema = z.object({
  dialect: z.literal('sqlite'),
  entries: z.array(z.object({ idx: z.number().int().nonnegative(), tag: z.string().regex(/^\d{4}_[a-z0-9-]+$/), breakpoints: z.boolean() })),
});

/**
 * Where drizzle-kit writes (drizzle.config.ts) when running from sources; in a build,
 * electron.vite.config.ts copies the folder to out/main/migrations, next to or one level above
 * the chunk this module was bundled into.
 */
export const DEFAULT_MIGRATIONS_FOLDER = ['./migrations', '../migrations']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((dir) => existsSync(join(dir, 'meta', '_journal.json'))) ?? fileURLToPath(new URL('./migrations', import.meta.url));

const cache = new Map<string, readonly Migration[]>();

export function loadMigrations(folder: string = DEFAULT_MIGRATIONS_FOLDER): readonly Migration[] {
  const cached = cache.get(folder);
  if (cached) return cached;
  const journal = journalSchema.parse(JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')));
  const migrations = journal.entries.map((entry, i): Migration => {
    if (entry.idx !== i) throw new Error(`migration journal out of order at ${entry.tag}`);
    if (Number(entry.tag.slice(0, 4)) !== i) throw new Error(`migration ${entry.tag} is not numbered ${i}`);
    const sql = readFileSync(join(folder, `${entry.tag}.sql`), 'utf8');
    const statements = (entry.breakpoints ? sql.split('--> statement-breakpoint') : [sql]).map((s) => s.trim()).filter(Boolean);
    return { version: i + 1, tag: entry.tag, statements, sha256: createHash('sha256').update(sql).digest('hex') };
  });
  cache.set(folder, migrations);
  return migrations;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export interface MigrateOptions {
  file: string;
  logger: Logger;
  migrations?: readonly Migration[];
  /** Stop at this version (tests); defaults to the latest. */
  to?: number;
}

/** Applies pending steps; returns the versions applied. Throws DbFromFutureError, MigrationError, DiskFullError. */
export function migrate(db: Database.Database, { file, logger, migrations = loadMigrations(), to = migrations.length }: MigrateOptions): number[] {
  const current = schemaVersion(db);
  if (current > migrations.length) throw new DbFromFutureError(file, current, migrations.length);
  if (to > migrations.length || to < 0) throw new RangeError(`no schema version ${to}`);
  const applied: number[] = [];
  for (const m of migrations.slice(current, to)) {
    const started = performance.now();
    try {
      db.transaction(() => {
        for (const statement of m.statements) db.prepare(statement).run();
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } catch (error) {
      const translated = translateSqliteError(error, file);
      if (translated !== error) throw translated;
      throw new MigrationError(m.version, { cause: error });
    }
    applied.push(m.version);
    logger.info('record schema migrated', { version: m.version, tag: m.tag, ms: Math.round(performance.now() - started) });
  }
  return applied;
}
