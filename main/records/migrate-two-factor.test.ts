/**
 * The two-factor migration (found by name: other branches add migrations too, and numbers are given
 * at merge): a record one step before it, with staff, gains the authenticator and recovery-code
 * tables, keeps every staff row, and the new tables follow their member (cascade) and refuse a
 * recovery code twice for the same member.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations } from './migrate';
import { createDb, insertRows, migrateTo, tableRows, type TestDb } from './test-helpers';

const migration = loadMigrations().find((m) => m.tag.endsWith('_two-factor'));
if (!migration) throw new Error('no migration named two-factor');
const N = migration.version;

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

describe('two-factor migration', () => {
  it('adds staff_totp and staff_recovery_codes and keeps every staff row', () => {
    db = createDb({ version: N - 1 });
    const ts = { created_at: 1, updated_at: 1 };
    insertRows(db, 'staff', [
      { id: 's1-00000000', username: 'dee', display_name: 'Dee', password_hash: 'scrypt$x', failed_attempts: 2, ...ts },
      { id: 's2-00000000', username: 'ian', display_name: 'Ian', password_hash: 'scrypt$y', ...ts },
    ]);
    insertRows(db, 'staff_roles', [{ staff_id: 's1-00000000', role: 'doctor' }, { staff_id: 's2-00000000', role: 'it-admin' }]);
    expect(() => tableRows(db!, 'staff_totp')).toThrow(/no such table/);

    expect(migrateTo(db, N)).toEqual([N]);
    expect(tableRows(db, 'staff').map((r) => [r.id, r.username, r.failed_attempts])).toEqual([['s1-00000000', 'dee', 2], ['s2-00000000', 'ian', 0]]);
    expect(tableRows(db, 'staff_totp')).toEqual([]);

    insertRows(db, 'staff_totp', [{ staff_id: 's1-00000000', secret: 'JBSWY3DPEHPK3PXP', last_step: 100, ...ts }]);
    insertRows(db, 'staff_recovery_codes', [{ id: 'r1', staff_id: 's1-00000000', code_hash: 'a'.repeat(64), created_at: 1 }]);
    expect(() => insertRows(db!, 'staff_recovery_codes', [{ id: 'r2', staff_id: 's1-00000000', code_hash: 'a'.repeat(64), created_at: 1 }])).toThrow(/UNIQUE/);
    expect(() => insertRows(db!, 'staff_totp', [{ staff_id: 'nobody', secret: 'X', ...ts }])).toThrow(/FOREIGN KEY/);
    db.raw.prepare('DELETE FROM staff WHERE id = ?').run('s1-00000000');
    expect(tableRows(db, 'staff_totp')).toEqual([]);
    expect(tableRows(db, 'staff_recovery_codes')).toEqual([]);
  });
});
