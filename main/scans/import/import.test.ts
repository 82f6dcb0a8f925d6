import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createScanStore } from '../store/index';
import { createImportService, type NewScanRecord, type ScanRecordPort } from './index';

const SAMPLES = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'samples', 'scans');
const TESTDATA = join(import.meta.dirname, '..', 'formats', 'testdata');
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

  it('a LAS file that breaks the specification is imported, its warnings on the job (from reading on) and on the row', async () => {
    const { rows, service } = setup();
    const bytes = readFileSync(join(TESTDATA, 'las14-pf6-both-warnings.las'));
    const seen: Array<{ phase: string; warnings: number }> = [];
    service.onDidChangeJob((j) => seen.push({ phase: j.phase, warnings: j.warnings.length }));
    const final = await service.wait(service.start({ bytes, fileName: 'export.las', woundId: 'wound-1', capturedAt: 0, actor }).id);
    expect(final.phase).toBe('done');
    const expected = [
      { code: 'LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS', count: 2, message: expect.stringMatching(/2 of 9 points/) },
      { code: 'LAS_RESERVED_CLASSIFICATION', count: 4, message: expect.stringMatching(/codes 8, 12, 23, 63/) },
    ];
    expect(final.warnings).toEqual(expected);
    expect(rows[0]!.warnings).toEqual(expected);
    // Reading is done once the job stores the original: from then on every update carries them.
    expect(seen.filter((s) => s.phase === 'parsing').every((s) => s.warnings === 0)).toBe(true);
    expect(seen.filter((s) => ['storing', 'indexing', 'saving', 'done'].includes(s.phase)).every((s) => s.warnings === 2)).toBe(true);
    // A clean file: none.
    const clean = await service.wait(service.start({ bytes: readFileSync(join(TESTDATA, 'las-clean.las')), fileName: 'clean.las', woundId: 'wound-1', capturedAt: 0, actor }).id);
    expect(clean.warnings).toEqual([]);
    expect(rows[1]!.warnings).toEqual([]);
  });

  it('an invalid E57 that declares no records is refused with the section and byte offset, and stores nothing', async () => {
    const { rootDir, rows, service } = setup();
    const bytes = readFileSync(join(TESTDATA, 'e57-zero-records-bad-section-id.e57'));
    const final = await service.wait(service.start({ bytes, fileName: 'scan.e57', woundId: 'wound-1', capturedAt: 0, actor }).id);
    expect(final.phase).toBe('failed');
    expect(final.error).toMatchObject({ code: 'BAD_HEADER', format: 'e57', offset: 48, message: expect.stringMatching(/\/data3D\/0\/points: CompressedVector section header at byte 48/) });
    expect(rows).toHaveLength(0);
    expect(readdirSync(rootDir)).toEqual([]);
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
