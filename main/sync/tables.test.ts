/**
 * The synced-table registry (common/sync-tables.ts) against a real, fully migrated record: every
 * column of a synced table either syncs or is named local-only, so a column added later cannot
 * silently stay on one workstation or leak to the service.
 */
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { SYNCED_TABLES } from '../../common/sync-tables';
import { createOpsFixture } from '../operations/test-helpers';

describe('synced tables', () => {
  const f = createOpsFixture();
  afterAll(() => f.dispose());

  it.each(SYNCED_TABLES.map((t) => [t.name, t] as const))('%s: every record column is synced or local-only, and every synced column exists', (_name, t) => {
    const columns = f.record.db.all<{ name: string }>(sql.raw(`PRAGMA table_info("${t.name}")`)).map((c) => c.name);
    expect(columns.length).toBeGreaterThan(0);
    const virtual = t.name === 'staff' ? ['roles'] : [];
    const named = new Set([...t.columns, ...(t.localOnly ?? [])]);
    expect(columns.filter((c) => !named.has(c))).toEqual([]);
    expect(t.columns.filter((c) => !columns.includes(c) && !virtual.includes(c))).toEqual([]);
    expect(columns).toContain(t.key);
  });
});
