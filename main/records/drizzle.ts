/**
 * drizzle over a better-sqlite3-multiple-ciphers connection. drizzle's `better-sqlite3` entry
 * point imports the `better-sqlite3` package at load time (to open connections from a path), which
 * we do not ship; its session and the SQLite core are all we need, so we assemble them here the
 * way `drizzle-orm/better-sqlite3/driver.js` does for a given client.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { BaseSQLiteDatabase, SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { BetterSQLiteSession } from 'drizzle-orm/better-sqlite3/session';

export type RecordDb = BaseSQLiteDatabase<'sync', Database.RunResult>;

export function createDrizzle(client: Database.Database): RecordDb {
  const dialect = new SQLiteSyncDialect();
  // The session's declared client type is the `better-sqlite3` package's; the API is the same.
  const session = new BetterSQLiteSession(client as never, dialect, undefined, {});
  return new BaseSQLiteDatabase('sync', dialect, session as never, undefined) as RecordDb;
}
