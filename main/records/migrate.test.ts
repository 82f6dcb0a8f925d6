/** Signal-style migration tests: migrate to N−1, insert old-shape rows, migrate to N, assert. */
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, insertRows, logger, migrateTo, tableRows, type TestDb } from './test-helpers';
import { loadMigrations, migrate, schemaVersion } from './migrate';
import { DbFromFutureError } from './errors';
import { createScansRepository } from './repositories/scans';

const migrations = loadMigrations();
const LATEST = migrations.length;

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

const columns = (t: TestDb, table: string): string[] => (t.raw.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
const indexes = (t: TestDb, table: string): string[] => (t.raw.prepare(`SELECT name FROM pragma_index_list(?)`).pluck().all(table) as string[]);

describe('migrations', () => {
  it('are numbered 0000… in journal order, each with SQL', () => {
    expect(LATEST).toBeGreaterThanOrEqual(2);
    migrations.forEach((m, i) => {
      expect(m.version).toBe(i + 1);
      expect(m.tag.startsWith(String(i).padStart(4, '0'))).toBe(true);
      expect(m.statements.length).toBeGreaterThan(0);
    });
  });

  it('replay the whole chain from an empty file', () => {
    db = createDb();
    expect(schemaVersion(db.raw)).toBe(LATEST);
    const tables = db.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      [
        'annotations', 'appointments', 'assessments', 'audit_head', 'audit_log', 'clinic', 'devices', 'invoice_lines', 'invoices', 'patients', 'payments',
        // The FTS5 patient search index and its shadow tables (patient-search-trigram).
        'patient_search', 'patient_search_config', 'patient_search_content', 'patient_search_data', 'patient_search_docsize', 'patient_search_idx',
        'purchase_order_lines', 'purchase_orders', 'scans', 'settings', 'staff', 'staff_roles', 'stock_items', 'stock_movements', 'sync_outbox', 'sync_state', 'wound_baselines', 'wounds',
        // clinic operations
        'appointment_series', 'appointment_types', 'claims', 'clinician_profiles', 'command_log', 'coverages', 'credit_note_lines', 'credit_notes', 'leave_blocks',
        'number_sequences', 'prescription_orders', 'reminder_preferences', 'reminders', 'rooms', 'service_codes', 'stock_lot_balances', 'stock_lots', 'sync_device',
        // sync
        'sync_apply', 'sync_capture', 'sync_connection', 'sync_overwrites',
        // patient supply orders
        'patient_order_lines', 'patient_order_returns', 'patient_orders', 'stock_reservations',
        // two-step sign-in
        'staff_recovery_codes', 'staff_totp',
      ].sort(),
    );
    expect(db.raw.pragma('foreign_key_check')).toEqual([]);
    expect(db.record.integrityCheck()).toEqual({ ok: true });
  });

  it('is a no-op when up to date, and refuses a newer file', () => {
    db = createDb();
    expect(migrate(db.raw, { file: db.file, logger })).toEqual([]);
    db.raw.pragma(`user_version = ${LATEST + 1}`);
    expect(() => migrate(db!.raw, { file: db!.file, logger })).toThrow(DbFromFutureError);
  });

  it('rolls a failing step back completely', () => {
    db = createDb({ version: 1 });
    const broken = [...migrations.slice(0, 1), { ...migrations[1]!, statements: [...migrations[1]!.statements, 'CREATE TABLE wounds (x)'] }];
    expect(() => migrate(db!.raw, { file: db!.file, logger, migrations: broken })).toThrow(/schema 2 failed/);
    expect(schemaVersion(db.raw)).toBe(1);
    expect(columns(db, 'wounds')).not.toContain('laterality');
  });

  it('0001 wound laterality + audit entity index: old wounds keep their data, laterality is NULL', () => {
    db = createDb({ version: 1 });
    const now = 1_700_000_000_000;
    insertRows(db, 'patients', [
      { id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: now, updated_at: now },
    ]);
    insertRows(db, 'wounds', [
      { id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', etiology: 'pressure_injury', pressure_stage: '2', status: 'open', created_at: now, updated_at: now },
    ]);
    insertRows(db, 'audit_log', [{ seq: 1, actor_id: 'a', actor_role: 'nurse', action: 'wound.create', entity: 'wound', entity_id: 'w1-00000000', at: now, prev_hash: '0', hash: '1' }]);
    expect(columns(db, 'wounds')).not.toContain('laterality');
    expect(indexes(db, 'audit_log')).not.toContain('audit_log_entity_idx');

    expect(migrateTo(db, 2)).toEqual([2]);

    expect(tableRows(db, 'wounds')).toEqual([
      { id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', laterality: null, etiology: 'pressure_injury', pressure_stage: '2', onset_date: null, status: 'open', created_at: now, updated_at: now },
    ]);
    insertRows(db, 'wounds', [{ id: 'w2-00000000', patient_id: 'p1-00000000', body_site: 'shin', laterality: 'left', etiology: 'venous_leg_ulcer', status: 'open', created_at: now, updated_at: now }]);
    expect(tableRows(db, 'wounds').map((w) => w.laterality)).toEqual([null, 'left']);
    expect(indexes(db, 'audit_log')).toContain('audit_log_entity_idx');
    expect(tableRows(db, 'audit_log')).toHaveLength(1);
  });

  it('0002 assessment figures: an old assessment keeps its figures; the new columns are NULL and outline units mm', () => {
    db = createDb({ version: 2 });
    const now = 1_700_000_000_000;
    insertRows(db, 'patients', [
      { id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: now, updated_at: now },
    ]);
    insertRows(db, 'wounds', [{ id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', etiology: 'surgical', status: 'open', created_at: now, updated_at: now }]);
    insertRows(db, 'assessments', [{ id: 'a1-00000000', wound_id: 'w1-00000000', measured_at: now, area_mm2: 425, volume_mm3: 1320, method: 'manual', created_at: now, updated_at: now }]);
    expect(columns(db, 'assessments')).not.toContain('projected_area_mm2');

    expect(migrateTo(db, 3)).toEqual([3]);

    const [row] = tableRows(db, 'assessments');
    expect(row).toMatchObject({ id: 'a1-00000000', area_mm2: 425, volume_mm3: 1320, method: 'manual', projected_area_mm2: null, raised_volume_mm3: null, head_to_toe_length_mm: null, width_across_mm: null, tissue_unavailable_reason: null, outline_units: 'mm' });
  });

  it('scan-warnings: a scan imported before keeps its row and reads as having no warnings; new rows keep theirs', () => {
    // Found by name, not number: other branches add migrations too, and they are renumbered at merge.
    const index = migrations.findIndex((m) => m.tag.endsWith('_scan-warnings'));
    expect(index).toBeGreaterThan(0);
    const version = index + 1;
    db = createDb({ version: version - 1 });
    const now = 1_700_000_000_000;
    insertRows(db, 'patients', [
      { id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: now, updated_at: now },
    ]);
    insertRows(db, 'wounds', [{ id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', etiology: 'surgical', status: 'open', created_at: now, updated_at: now }]);
    const oldScan = {
      id: 's1-00000000', wound_id: 'w1-00000000', captured_at: now, format: 'las', point_count: 1000, bbox_json: '{"min":[0,0,0],"max":[1,1,1]}', attributes_json: '["position"]',
      sha256: 'b'.repeat(64), raw_file_id: 'original.las', octree_file_id: 'metadata.json', status: 'ready', created_at: now, updated_at: now,
    };
    insertRows(db, 'scans', [oldScan]);
    expect(columns(db, 'scans')).not.toContain('warnings_json');

    expect(migrateTo(db, version)).toEqual([version]);

    expect(tableRows(db, 'scans')).toEqual([{ ...oldScan, source_app: null, source_device_id: null, warnings_json: '[]' }]);
    const warnings = [{ code: 'LAS_RESERVED_CLASSIFICATION', message: 'classification code 11 is reserved', count: 5 }];
    insertRows(db, 'scans', [{ ...oldScan, id: 's2-00000000', warnings_json: JSON.stringify(warnings) }]);
    // Through the repository, at the newest schema: the old scan has none, the new one its own.
    migrateTo(db, LATEST);
    const repo = createScansRepository(db.record);
    const actor = { id: 'n1', roles: ['nurse' as const] };
    expect(repo.get('s1-00000000', actor)?.warnings).toEqual([]);
    expect(repo.get('s2-00000000', actor)?.warnings).toEqual(warnings);
  });

  it('assessment void, request id, tissue map, details, sign-off comment: an old assessment takes its scan\'s capture time as its clinical date, keeps its save time, and gets empty new columns', () => {
    // Found by name: other branches add migrations too and the numbers change at merge.
    const n = migrations.findIndex((m) => m.tag.endsWith('_assessment-void-request-tissue-details-signoff')) + 1;
    expect(n).toBeGreaterThan(1);
    db = createDb({ version: n - 1 });
    const captured = Date.UTC(2025, 10, 8, 9, 30); // 8 November
    const saved = Date.UTC(2025, 11, 6, 15, 0); // measured and saved on 6 December
    insertRows(db, 'patients', [
      { id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: saved, updated_at: saved },
    ]);
    insertRows(db, 'wounds', [{ id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', etiology: 'surgical', status: 'open', created_at: saved, updated_at: saved }]);
    insertRows(db, 'scans', [{ id: 's1-00000000', wound_id: 'w1-00000000', captured_at: captured, format: 'ply', point_count: 10, bbox_json: '{}', sha256: 'a'.repeat(64), created_at: saved, updated_at: saved }]);
    insertRows(db, 'assessments', [
      { id: 'a1-00000000', wound_id: 'w1-00000000', scan_id: 's1-00000000', measured_at: saved, area_mm2: 425, tissue_json: '{"granulation":1,"slough":0,"eschar":0,"epithelium":0}', method: 'manual', created_at: saved, updated_at: saved },
      { id: 'a2-00000000', wound_id: 'w1-00000000', scan_id: null, measured_at: saved - 1000, area_mm2: 300, method: 'manual', created_at: saved - 1000, updated_at: saved - 1000 },
    ]);
    expect(columns(db, 'assessments')).not.toContain('voided_at');

    expect(migrateTo(db, n)).toEqual([n]);

    const [withScan, withoutScan] = tableRows(db, 'assessments');
    expect(withScan).toMatchObject({ id: 'a1-00000000', measured_at: captured, created_at: saved, area_mm2: 425, tissue_json: '{"granulation":1,"slough":0,"eschar":0,"epithelium":0}' });
    expect(withoutScan).toMatchObject({ id: 'a2-00000000', measured_at: saved - 1000, created_at: saved - 1000 });
    for (const row of [withScan!, withoutScan!]) {
      expect(row).toMatchObject({ tissue_confirmed_json: null, tissue_paint_json: null, body_axis_json: null, details_json: null, request_id: null, sign_off_comment: null, voided_at: null, voided_by: null, void_reason: null });
    }
    // One assessment per save request: a second row with the same request id is refused; rows without one are not.
    const row = (id: string, requestId: string | null) => ({ id, wound_id: 'w1-00000000', scan_id: 's1-00000000', measured_at: captured, method: 'manual', request_id: requestId, created_at: saved, updated_at: saved });
    insertRows(db, 'assessments', [row('a3-00000000', '7f0c1a52-0000-4000-8000-000000000001'), row('a4-00000000', null), row('a5-00000000', null)]);
    expect(() => insertRows(db!, 'assessments', [row('a6-00000000', '7f0c1a52-0000-4000-8000-000000000001')])).toThrow(/UNIQUE/);
    expect(db.raw.pragma('foreign_key_check')).toEqual([]);
  });

  /** The schema version a migration brings, found by its name (numbers move as branches merge). */
  const versionOf = (name: string): number => {
    const m = migrations.find((x) => x.tag.endsWith(`_${name}`));
    if (!m) throw new Error(`no migration named ${name}`);
    return m.version;
  };

  it('assessment-amendments-wound-baselines: old assessments are version 1 amending nothing; baselines can be picked', () => {
    const n = versionOf('assessment-amendments-wound-baselines');
    db = createDb({ version: n - 1 });
    const now = 1_700_000_000_000;
    insertRows(db, 'patients', [
      { id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: now, updated_at: now },
    ]);
    insertRows(db, 'wounds', [{ id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', etiology: 'diabetic_foot_ulcer', status: 'open', created_at: now, updated_at: now }]);
    insertRows(db, 'assessments', [
      { id: 'a1-00000000', wound_id: 'w1-00000000', measured_at: now, area_mm2: 425, method: 'manual', signed_off_at: now + 1, created_at: now, updated_at: now },
      { id: 'a2-00000000', wound_id: 'w1-00000000', measured_at: now + 7, area_mm2: 300, method: 'manual', created_at: now, updated_at: now },
    ]);
    expect(columns(db, 'assessments')).not.toContain('amends_id');

    expect(migrateTo(db, n)).toEqual([n]);

    expect(tableRows(db, 'assessments').map((r) => [r.id, r.area_mm2, r.version, r.amends_id, r.amendment_reason])).toEqual([
      ['a1-00000000', 425, 1, null, null],
      ['a2-00000000', 300, 1, null, null],
    ]);
    expect(indexes(db, 'assessments')).toContain('assessments_amends_idx');
    insertRows(db, 'wound_baselines', [{ wound_id: 'w1-00000000', assessment_id: 'a2-00000000', picked_at: now }]);
    expect(tableRows(db, 'wound_baselines')).toEqual([{ wound_id: 'w1-00000000', assessment_id: 'a2-00000000', picked_by: null, picked_at: now }]);
    expect(db.raw.pragma('foreign_key_check')).toEqual([]);
  });

  it('signed-assessments-immutable: rows signed off before it are immutable after it; unsigned ones still change', () => {
    const n = versionOf('signed-assessments-immutable');
    db = createDb({ version: n - 1 });
    const now = 1_700_000_000_000;
    insertRows(db, 'patients', [
      { id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: now, updated_at: now },
    ]);
    insertRows(db, 'wounds', [{ id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', etiology: 'surgical', status: 'open', created_at: now, updated_at: now }]);
    insertRows(db, 'assessments', [
      { id: 'a1-00000000', wound_id: 'w1-00000000', measured_at: now, area_mm2: 425, method: 'manual', signed_off_at: now + 1, created_at: now, updated_at: now },
      { id: 'a2-00000000', wound_id: 'w1-00000000', measured_at: now, area_mm2: 300, method: 'manual', created_at: now, updated_at: now },
    ]);
    db.raw.prepare("UPDATE assessments SET area_mm2 = 426 WHERE id = 'a1-00000000'").run(); // not yet protected

    expect(migrateTo(db, n)).toEqual([n]);

    expect(() => db!.raw.prepare("UPDATE assessments SET area_mm2 = 1 WHERE id = 'a1-00000000'").run()).toThrow(/ASSESSMENT_SIGNED/);
    expect(() => db!.raw.prepare("DELETE FROM assessments WHERE id = 'a1-00000000'").run()).toThrow(/ASSESSMENT_SIGNED/);
    db.raw.prepare("UPDATE assessments SET area_mm2 = 301 WHERE id = 'a2-00000000'").run();
    expect(tableRows(db, 'assessments').map((r) => r.area_mm2)).toEqual([426, 301]);
  });

  it('patient-search-trigram: existing patients are found by any part of their name or MRN; triggers keep the index in step', () => {
    // Found by name, not number: other branches add migrations and the numbers change at merge.
    const n = migrations.findIndex((m) => m.tag.endsWith('_patient-search-trigram')) + 1;
    expect(n).toBeGreaterThan(1);
    db = createDb({ version: n - 1 });
    const now = 1_700_000_000_000;
    insertRows(db, 'patients', [
      { id: 'p1-00000000', mrn: 'MRN-00421', given_name: 'Thị', family_name: 'Nguyễn', given_key: 'thi', family_key: 'nguyen', date_of_birth: '1950-01-01', sex: 'female', created_at: now, updated_at: now },
      { id: 'p2-00000000', mrn: 'B-77', given_name: 'Grace', family_name: 'Hopper', given_key: 'grace', family_key: 'hopper', date_of_birth: '1906-12-09', sex: 'female', created_at: now, updated_at: now },
    ]);
    expect(db.raw.prepare("SELECT name FROM sqlite_master WHERE name = 'patient_search'").all()).toEqual([]);

    expect(migrateTo(db, n)).toEqual([n]);

    const find = (q: string) => db!.raw.prepare('SELECT patient_id FROM patient_search WHERE patient_search MATCH ? ORDER BY patient_id').pluck().all(q);
    expect(find('"guy"')).toEqual(['p1-00000000']);
    expect(find('"0042"')).toEqual(['p1-00000000']);
    expect(find('"oppe"')).toEqual(['p2-00000000']);
    expect(tableRows(db, 'patients')).toHaveLength(2);
    // Rows written after the migration (by any writer) are indexed by the triggers.
    insertRows(db, 'patients', [{ id: 'p3-00000000', mrn: 'C-1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: now, updated_at: now }]);
    expect(find('"velac"')).toEqual(['p3-00000000']);
    db.raw.prepare("UPDATE patients SET family_key = 'byron' WHERE id = 'p3-00000000'").run();
    expect(find('"velac"')).toEqual([]);
    expect(find('"byro"')).toEqual(['p3-00000000']);
    db.raw.prepare("DELETE FROM patients WHERE id = 'p2-00000000'").run();
    expect(find('"oppe"')).toEqual([]);
    expect(db.raw.prepare("SELECT count(*) FROM patient_search").pluck().get()).toBe(2);
  });

  it('audit-actor-and-time-indexes: existing audit rows stay; the staff and date filters get their indexes', () => {
    const n = migrations.findIndex((m) => m.tag.endsWith('_audit-actor-and-time-indexes')) + 1;
    expect(n).toBeGreaterThan(1);
    db = createDb({ version: n - 1 });
    insertRows(db, 'audit_log', [{ seq: 1, actor_id: 'a', actor_role: 'nurse', action: 'patient.read', entity: 'patient', entity_id: 'p1', at: 1_700_000_000_000, prev_hash: '0', hash: '1' }]);
    expect(indexes(db, 'audit_log')).not.toContain('audit_log_actor_idx');
    expect(migrateTo(db, n)).toEqual([n]);
    expect(indexes(db, 'audit_log')).toEqual(expect.arrayContaining(['audit_log_actor_idx', 'audit_log_at_idx', 'audit_log_entity_idx']));
    expect(tableRows(db, 'audit_log')).toEqual([expect.objectContaining({ seq: 1, actor_id: 'a', at: 1_700_000_000_000 })]);
  });

  it('each migration N applies on top of a populated N−1', () => {
    // Generic guard for every migration (including future ones): a clinic at N−1 with rows in
    // every table migrates to N without losing a row.
    for (let n = 1; n <= LATEST; n++) {
      const t = createDb({ version: n - 1 === 0 ? 1 : n - 1 });
      try {
        if (n === 1) {
          expect(schemaVersion(t.raw)).toBe(1);
          continue;
        }
        const now = Date.now();
        insertRows(t, 'patients', [{ id: 'p-000000001', mrn: 'M', given_name: 'G', family_name: 'F', given_key: 'g', family_key: 'f', date_of_birth: '2000-01-01', sex: 'unknown', created_at: now, updated_at: now }]);
        const before = Object.fromEntries(['patients', 'clinic', 'staff'].map((table) => [table, tableRows(t, table).length]));
        migrateTo(t, n);
        expect(schemaVersion(t.raw)).toBe(n);
        for (const [table, count] of Object.entries(before)) expect(tableRows(t, table)).toHaveLength(count);
        expect(t.raw.pragma('foreign_key_check')).toEqual([]);
      } finally {
        t.dispose();
      }
    }
  });
});
