/**
 * Migrations on both databases: each step from the one before it with rows of the old shape, the
 * whole chain from empty, a database from the future refused, and the role the service runs as
 * unable to bypass row-level security (not a superuser, no BYPASSRLS, owns no table, RLS forced).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { loadMigrations, migrate, DatabaseFromFutureError } from './migrate';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './test-databases';

const TENANT_TABLES = ['clinics', 'devices', 'mutations', 'entities', 'entity_keys', 'balances', 'sequences', 'reminder_jobs'];

let t: TestDatabase | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

describe.each(testDatabaseKinds())('service migrations on %s', (kind) => {
  it('replays the chain from empty, records each step, and refuses a database from the future', async () => {
    t = await openTestDatabase(kind);
    const steps = loadMigrations();
    const rows = (await t.database.query('SELECT version, tag FROM schema_migrations ORDER BY version')) as Array<{ version: number; tag: string }>;
    expect(rows.map((r) => r.tag)).toEqual(steps.map((s) => s.tag));
    const fake = [...steps.slice(0, 1)];
    if (t.superuser) {
      const { Client } = (await import('pg')).default;
      const c = new Client({ connectionString: t.options.migrationUrl });
      await c.connect();
      await expect(migrate(c, { migrations: fake })).rejects.toBeInstanceOf(DatabaseFromFutureError);
      await c.end();
    }
  });

  it('the role the service runs as cannot bypass row-level security on any tenant table', async () => {
    t = await openTestDatabase(kind);
    const [me] = (await t.database.query("SELECT current_user AS u, r.rolsuper AS su, r.rolbypassrls AS bypass FROM pg_roles r WHERE r.rolname = current_user")) as Array<{ u: string; su: boolean; bypass: boolean }>;
    expect(me).toMatchObject({ su: false, bypass: false });
    const tables = (await t.database.query(
      `SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced, pg_get_userbyid(c.relowner) AS owner FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'`,
    )) as Array<{ relname: string; rls: boolean; forced: boolean; owner: string }>;
    for (const name of TENANT_TABLES) expect(tables.find((x) => x.relname === name), name).toMatchObject({ rls: true, forced: true });
    expect(tables.filter((x) => x.owner === me!.u)).toEqual([]);
    const policies = (await t.database.query("SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'tenant'")) as Array<{ tablename: string }>;
    expect(policies.map((p) => p.tablename).sort()).toEqual([...TENANT_TABLES].sort());
    // And the service role cannot switch it off.
    await expect(t.database.query('ALTER TABLE entities DISABLE ROW LEVEL SECURITY')).rejects.toThrow(/owner|permission/);
    await expect(t.database.query('SET row_security = off; SELECT count(*) FROM entities')).rejects.toThrow();
  });

  it('each step applies over the one before with rows of the old shape (0001 → 0002 keeps them, now behind RLS)', async () => {
    t = await openTestDatabase(kind, { migrateTo: 2 });
    if (kind === 'postgres') return; // the stepwise check runs on PGlite, where the test holds the only connection
    const db = t.database;
    // Rows written at 0001 by the owner (no grants, no FORCE yet); 0002 must keep them and put them behind the policy.
    await db.query('RESET ROLE');
    await db.query("INSERT INTO tenants (id, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 1)");
    await db.query("INSERT INTO clinics (id, name, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'Old', 1)");
    await migrate({ query: (text, params) => db.query(text, params).then((rows) => ({ rows })) });
    await db.query('SET ROLE coherency_app');
    expect(await db.query('SELECT name FROM clinics')).toEqual([]);
    const seen = await db.tenant('00000000-0000-4000-8000-000000000001', (tx) => tx.execute(sql`SELECT name FROM clinics`));
    expect((seen as unknown as { rows: unknown[] }).rows).toEqual([{ name: 'Old' }]);
  });

  it('0002 → 0003: the hot-path functions read rows written before them, one clinic at a time, as the run-time role only', async () => {
    t = await openTestDatabase(kind, { migrateTo: 3 });
    if (kind === 'postgres') return; // stepwise on PGlite, as above
    const db = t.database;
    const [a, b] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
    await db.query('RESET ROLE');
    for (const [c, v] of [[a, 2], [b, 1]] as const) {
      await db.query('INSERT INTO tenants (id, created_at) VALUES ($1, 1)', [c]);
      await db.query('INSERT INTO clinics (id, name, version, created_at) VALUES ($1, $2, $3, 1)', [c, `Clinic ${c.slice(-1)}`, v]);
      await db.query("INSERT INTO devices (clinic_id, id, label, token_sha256, enrolled_at) VALUES ($1, 'device-0000000001', 'WS', $2, 1)", [c, `hash-${c.slice(-1)}`]);
    }
    await db.query(`INSERT INTO entities (clinic_id, tbl, key, data, version, deleted, updated_at) VALUES ($1, 'rooms', 'r1', '{"id":"r1"}', 1, false, 1), ($1, 'rooms', 'r2', null, 2, true, 1), ($2, 'rooms', 'x1', '{"id":"x1"}', 1, false, 1)`, [a, b]);
    await migrate({ query: (text, params) => db.query(text, params).then((rows) => ({ rows })) });
    await db.query('SET ROLE coherency_app');
    const page = (await db.query('SELECT head, tbl, key, data, version, deleted FROM coherency_pull($1, 0, 10)', [a])) as Array<Record<string, unknown>>;
    expect(page.map((r) => [Number(r['head']), r['key'], Number(r['version']), r['deleted']])).toEqual([
      [2, 'r1', 1, false],
      [2, 'r2', 2, true],
    ]);
    expect(((await db.query('SELECT key FROM coherency_pull($1, 1, 10)', [a])) as Array<{ key: string }>).map((r) => r.key)).toEqual(['r2']);
    // A clinic with nothing new: its head and no row; a clinic that is not there: nothing at all.
    expect(((await db.query('SELECT head, key FROM coherency_pull($1, 2, 10)', [a])) as Array<Record<string, unknown>>).map((r) => [Number(r['head']), r['key']])).toEqual([[2, null]]);
    expect(await db.query("SELECT * FROM coherency_pull('00000000-0000-4000-8000-0000000000ff', 0, 10)")).toEqual([]);
    expect(await db.query("SELECT token_sha256 FROM coherency_device_credential($1, 'device-0000000001')", [b])).toEqual([{ token_sha256: 'hash-b' }]);
    // The clinic a call sets ends with its statement: the next statement sees no clinic's rows.
    expect(await db.query('SELECT key FROM entities')).toEqual([]);
    // Only the run-time role may call them (not PUBLIC).
    const grants = (await db.query("SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public FROM pg_proc p WHERE p.proname LIKE 'coherency_%' ORDER BY 1")) as Array<{ proname: string; public: boolean }>;
    expect(grants).toEqual([
      { proname: 'coherency_device_credential', public: false },
      { proname: 'coherency_pull', public: false },
    ]);
  });
});
