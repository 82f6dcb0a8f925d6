/** The annotations migration (Signal style): migrate to N−1, insert old-shape rows, migrate to N, assert. */
import { afterEach, expect, it } from 'vitest';
import { createDb, insertRows, migrateTo, tableRows, type TestDb } from '../records/test-helpers';
import { loadMigrations } from '../records/index';

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

it('annotation measures, request id and undo: an old annotation keeps its geometry and note, the new columns are NULL, a request id is used once', () => {
  // Found by name: other branches add migrations too and the numbers change at merge.
  const n = loadMigrations().findIndex((m) => m.tag.endsWith('_annotation-kinds-measures-undo')) + 1;
  expect(n).toBeGreaterThan(1);
  db = createDb({ version: n - 1 });
  const t = Date.UTC(2025, 10, 8, 9, 30);
  insertRows(db, 'patients', [{ id: 'p1-00000000', mrn: 'M1', given_name: 'Ada', family_name: 'Lovelace', given_key: 'ada', family_key: 'lovelace', date_of_birth: '1815-12-10', sex: 'female', created_at: t, updated_at: t }]);
  insertRows(db, 'wounds', [{ id: 'w1-00000000', patient_id: 'p1-00000000', body_site: 'heel', etiology: 'surgical', status: 'open', created_at: t, updated_at: t }]);
  insertRows(db, 'scans', [{ id: 's1-00000000', wound_id: 'w1-00000000', captured_at: t, format: 'ply', point_count: 10, bbox_json: '{}', sha256: 'a'.repeat(64), created_at: t, updated_at: t }]);
  insertRows(db, 'annotations', [{ id: 'n1-00000000', scan_id: 's1-00000000', kind: 'marker', geometry_json: '{"kind":"marker","point":[1,2,3],"note":"x"}', text: 'x', created_at: t, updated_at: t }]);

  expect(migrateTo(db, n)).toEqual([n]);

  expect(tableRows(db, 'annotations')).toEqual([
    expect.objectContaining({ id: 'n1-00000000', kind: 'marker', geometry_json: '{"kind":"marker","point":[1,2,3],"note":"x"}', text: 'x', measure_json: null, request_id: null, updated_by: null, deleted_at: null, deleted_by: null }),
  ]);
  const row = (id: string, requestId: string | null) => ({ id, scan_id: 's1-00000000', kind: 'ruler', geometry_json: '{}', request_id: requestId, created_at: t, updated_at: t });
  insertRows(db, 'annotations', [row('n2-00000000', '7f0c1a52-0000-4000-8000-000000000001'), row('n3-00000000', null), row('n4-00000000', null)]);
  expect(() => insertRows(db!, 'annotations', [row('n5-00000000', '7f0c1a52-0000-4000-8000-000000000001')])).toThrow(/UNIQUE/);
  expect(db.raw.pragma('foreign_key_check')).toEqual([]);
});
