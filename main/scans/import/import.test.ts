import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createScanStore } from '../store/index';
import { createImportService, type NewScanRecord, type ScanRecordPort } from './index';

const SAMPLES = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'samples', 'scans');
let counter = 0;
const actor = { id: 'nurse-1', roles: ['nurse'] };
const newId = () => `id${Date.now().toString(36)}${(counter++).toString(36)}x`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const rootDir = mkdtempSync(join(tmpdir(), 'cw-import-'));
  dirs.push(rootDir);
  const store = createScanStore({ rootDir, clinicKey: randomBytes(32) });
  const rows: NewScanRecord[] = [];
  const records: ScanRecordPort = {
    assertWoundExists(id) {
      if (id !== 'wound-1') throw Object.assign(new Error('no such wound'), { code: 'NOT_FOUND' });
    },
    insertScan: (row) => void rows.push(row),
  };
  const service = createImportService({ store, records, newId });
  return { rootDir, store, rows, service };
}

describe('import jobs', () => {
  it('imports a sample PLY: original and octree stored encrypted, one scan row, progress to 100 %', async () => {
    const { store, rows, service } = setup();
    const bytes = readFileSync(join(SAMPLES, 'ply', 'dardavesis__808-30.ply'));
    const phases: string[] = [];
    const progress: number[] = [];
    service.onDidChangeJob((j) => {
      phases.push(j.phase);
      progress.push(j.progress);
    });
    const job = service.start({ bytes, fileName: '808-30.ply', woundId: 'wound-1', capturedAt: Date.UTC(2026, 10, 1), actor });
    const final = await service.wait(job.id);
    expect(final.error).toBeNull();
    expect(final.phase).toBe('done');
    expect(phases).toEqual(expect.arrayContaining(['hashing', 'parsing', 'storing', 'indexing', 'saving', 'done']));
    expect(progress.at(-1)).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]! - 1e-9);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.pointCount).toBe(195_576);
    expect(row.format).toBe('ply');
    expect(row.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(row.attributes).toContain('rgb');
    // Metres in the file, millimetres in the record: x spans 7.118 m … 15.916 m.
    expect(row.bbox.min[0]).toBeCloseTo(7117.919, 2);
    expect(row.bbox.max[0]).toBeCloseTo(15916.358, 2);
    expect(await store.list(row.id)).toEqual(['hierarchy.bin', 'metadata.json', 'octree.bin', 'original.ply']);
    expect((await store.readAll(row.id, 'original.ply')).equals(bytes)).toBe(true);
    const metadata = JSON.parse((await store.readAll(row.id, 'metadata.json')).toString('utf8')) as { points: number };
    expect(metadata.points).toBe(195_576);
  });

  it('a corrupt file ends in a typed error naming format and offset, and stores nothing', async () => {
    const { rootDir, rows, service } = setup();
    const bytes = readFileSync(join(SAMPLES, 'ply', 'dardavesis__808-30.ply')).subarray(0, 5000);
    const final = await service.wait(service.start({ bytes, fileName: 'cut.ply', woundId: 'wound-1', capturedAt: 0, actor }).id);
    expect(final.phase).toBe('failed');
    expect(final.error?.code).toBe('TRUNCATED');
    expect(final.error?.format).toBe('ply');
    expect(typeof final.error?.offset).toBe('number');
    expect(rows).toHaveLength(0);
    expect(readdirSync(rootDir)).toEqual([]);
  });

  it('refuses an unknown wound before doing any work', async () => {
    const { rootDir, service } = setup();
    const final = await service.wait(service.start({ bytes: new Uint8Array(10), fileName: 'x.ply', woundId: 'nope', capturedAt: 0, actor }).id);
    expect(final.phase).toBe('failed');
    expect(final.error?.code).toBe('NOT_FOUND');
    expect(readdirSync(rootDir)).toEqual([]);
  });

  it('cancels a running import and removes what it stored', async () => {
    const { rootDir, rows, service } = setup();
    const bytes = readFileSync(join(SAMPLES, 'ply', 'dardavesis__808-30.ply'));
    const job = service.start({ bytes, fileName: 'a.ply', woundId: 'wound-1', capturedAt: 0, actor });
    const off = service.onDidChangeJob((j) => {
      if (j.phase === 'parsing' || j.phase === 'indexing') service.cancel(job.id);
    });
    const final = await service.wait(job.id);
    off();
    expect(final.phase).toBe('cancelled');
    expect(rows).toHaveLength(0);
    expect(readdirSync(rootDir)).toEqual([]);
  });
});
