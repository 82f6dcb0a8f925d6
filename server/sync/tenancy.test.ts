/**
 * One clinic never sees another, twice over (README "Tenancy"):
 * 1. every procedure a device may call, given clinic A's credential and clinic B's ids, returns
 *    nothing of B and changes nothing of B (the router walk fails for a procedure this misses);
 * 2. raw SQL with clinic A set — the "forgotten where" — returns no B row from any tenant table,
 *    and with no clinic set returns nothing at all; writes into B are refused by the policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DIRECTORY_CHANGE } from '../../common/commands';
import { serviceRouter } from '../api/index';
import { appCode, startTestService, type TestService } from '../app/test-services';
import { execute } from '../db/database';
import { testDatabaseKinds } from '../db/test-databases';
import { appointmentRow, bookArgsFor, id, insert, mutation, patientRow, staffRow, update } from './test-rows';

const TENANT_TABLES = ['clinics', 'devices', 'mutations', 'entities', 'entity_keys', 'balances', 'sequences', 'reminder_jobs'];

describe.each(testDatabaseKinds())('tenancy on %s', (kind) => {
  let s: TestService;
  let A: { clinicId: string; token: string };
  let B: { clinicId: string; token: string; appt: string; patient: string; staff: string };
  beforeAll(async () => {
    s = await startTestService(kind);
    const a = await s.clinic('Clinic A', ['ws-tenant-a1']);
    const b = await s.clinic('Clinic B', ['ws-tenant-b1']);
    A = { clinicId: a.clinicId, token: a.tokens['ws-tenant-a1']! };
    const [appt, patient, staff] = [id(), id(), id()];
    B = { clinicId: b.clinicId, token: b.tokens['ws-tenant-b1']!, appt, patient, staff };
    const pushed = await s.caller(B.token).sync.push({
      mutations: [
        mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('staff', staffRow(staff, ['manager'])), insert('patients', patientRow(patient, 'B-0001'))]),
        mutation(2, 'bookings.book', bookArgsFor(appt, patient, staff), staff, [insert('appointments', appointmentRow(appt, patient, staff, 1_800_000_000_000))]),
        mutation(
          3,
          'bookings.setReminderPreference',
          { patientId: patient, optOut: false },
          staff,
          [insert('reminders', { id: id(), appointment_id: appt, patient_id: patient, channel: 'email', recipient: 'b@example.org', send_at: 1, message: 'Reminder', status: 'queued', sent_at: null, created_at: 1, updated_at: 1 })],
        ),
      ],
    });
    expect(pushed.results.every((r) => r.status === 'applied')).toBe(true);
  });
  afterAll(() => s.dispose());

  const deviceProcedures = ['sync.push', 'sync.pull', 'sync.status', 'sync.rotate', 'sync.row', 'sync.mutation'];

  it('covers every procedure a device may call', () => {
    const all = Object.keys(serviceRouter._def.procedures).filter((p) => p.startsWith('sync.'));
    expect(all.sort()).toEqual([...deviceProcedures].sort());
  });

  it("A's credential on B's ids: nothing of B comes back, nothing of B changes", async () => {
    const a = s.caller(A.token);
    const b = s.caller(B.token);
    const before = await b.sync.row({ table: 'appointments', key: B.appt });
    // sync.row / sync.mutation: B's keys and B's mutation ids find nothing.
    expect(await a.sync.row({ table: 'appointments', key: B.appt })).toBeNull();
    expect(await a.sync.row({ table: 'patients', key: B.patient })).toBeNull();
    expect(await a.sync.mutation({ mutationId: 2 })).toBeNull();
    // sync.pull: A's stream holds none of B's rows, from any cursor.
    const pulled = await a.sync.pull({ cursor: null, limit: 1000 });
    expect(pulled.changes.filter((c) => [B.appt, B.patient, B.staff].includes(c.key))).toEqual([]);
    expect((await a.sync.pull({ cursor: 'v1.0', limit: 1000, minVersion: 0 })).changes).toEqual(pulled.changes);
    // sync.status: A's clinic only.
    expect(await a.sync.status()).toMatchObject({ clinicId: A.clinicId });
    // sync.push: an update of B's appointment and a booking for B's patient are refused (not found), B's row is unchanged.
    const out = await a.sync.push({
      mutations: [
        mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('staff', staffRow(B.staff, ['manager']))]),
        mutation(2, 'bookings.cancel', { appointmentId: B.appt, reason: 'x' }, B.staff, [update('appointments', before!.row!, { status: 'cancelled' })]),
        mutation(3, 'bookings.book', bookArgsFor(id(), B.patient, B.staff), B.staff, [insert('appointments', appointmentRow(id(), B.patient, B.staff, 1))]),
      ],
    });
    expect(out.results.map((r) => r.code ?? r.status)).toEqual(['applied', 'NOT_FOUND', 'NOT_FOUND']);
    expect(await b.sync.row({ table: 'appointments', key: B.appt })).toEqual(before);
    // A staff row with B's staff id now exists in A, but it is A's own row: B's is untouched.
    expect((await b.sync.pull({ cursor: null, limit: 1000 })).changes.filter((c) => c.table === 'staff')).toHaveLength(1);
    // sync.rotate: changes A's own credential only (B's token still works).
    await a.sync.rotate({ nextSecretSha256: 'a'.repeat(64) });
    expect(await b.sync.status()).toMatchObject({ clinicId: B.clinicId });
    // A token naming B's clinic with A's device and secret is not B's credential.
    const [, , dev, secret] = A.token.split('.');
    expect(appCode(await s.caller(`cw1.${B.clinicId}.${dev}.${secret}`).sync.status().catch((e: unknown) => e))).toBe('UNAUTHENTICATED');
  });

  it("raw SQL under A's setting returns no B row from any tenant table; with none set, nothing; writes into B are refused", async () => {
    const db = s.db.database;
    for (const table of TENANT_TABLES) {
      const col = table === 'clinics' ? 'id' : 'clinic_id';
      const underA = await db.tenant(A.clinicId, (tx) => execute<{ n: string | number }>(tx, sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE ${sql.identifier(col)} = ${B.clinicId}`));
      expect(Number(underA[0]!.n), table).toBe(0);
      const everything = await db.tenant(A.clinicId, (tx) => execute<{ c: string }>(tx, sql`SELECT DISTINCT ${sql.identifier(col)}::text AS c FROM ${sql.identifier(table)}`));
      expect(everything.every((r) => r.c === A.clinicId), table).toBe(true);
      const none = await db.unscoped((tx) => execute<{ n: string | number }>(tx, sql`SELECT count(*) AS n FROM ${sql.identifier(table)}`));
      expect(Number(none[0]!.n), table).toBe(0);
    }
    const underB = await db.tenant(B.clinicId, (tx) => execute<{ n: string | number }>(tx, sql`SELECT count(*) AS n FROM entities`));
    expect(Number(underB[0]!.n)).toBeGreaterThan(0);
    await expect(db.tenant(A.clinicId, (tx) => tx.execute(sql`INSERT INTO entities (clinic_id, tbl, key, data, version, updated_at) VALUES (${B.clinicId}, 'patients', 'x', '{}', 1, 1)`))).rejects.toThrow();
    const changed = await db.tenant(A.clinicId, (tx) => execute<{ key: string }>(tx, sql`UPDATE entities SET data = '{}' WHERE clinic_id = ${B.clinicId} RETURNING key`));
    expect(changed).toEqual([]);
    if (s.db.superuser) {
      // Looked at as the superuser (which bypasses RLS): B's rows are all there and unchanged.
      const rows = (await s.db.superuser('SELECT count(*) AS n FROM entities WHERE clinic_id = $1 AND data = $2', [B.clinicId, '{}'])) as Array<{ n: string }>;
      expect(Number(rows[0]!.n)).toBe(0);
    }
  });
});
