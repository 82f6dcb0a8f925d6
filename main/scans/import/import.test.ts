import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeLas } from '../formats/las-test-writer';
import { createScanStore } from '../store/index';
import { createImportService, type NewScanRecord, type ScanRecordPort } from './index';

const SAMPLES = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'samples', 'scans');
const TESTDATA = join(import.meta.dirname, '..', 'formats', 'testdata');
let counter = 0;
const actor = { id: 'nurse-1', roles: ['nurse'] };
const newId = () => `id${Date.now().toString(36)}${(counter++).toString(36)}x`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(wound: { bodySite: string; dateOfBirth: string | null } = { bodySite: 'whole body survey', dateOfBirth: '1950-01-01' }) {
  const rootDir = mkdtempSync(join(tmpdir(), 'cw-import-'));
  dirs.push(rootDir);
  const store = createScanStore({ rootDir, clinicKey: randomBytes(32) });
  const rows: NewScanRecord[] = [];
  const records: ScanRecordPort = {
    woundContext(id) {
      if (id !== 'wound-1') throw Object.assign(new Error('no such wound'), { code: 'NOT_FOUND' });
      return wound;
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
    // The sample is a room (8.8 m across): accepted here as if a nurse had confirmed it.
    const job = service.start({ bytes, fileName: '808-30.ply', woundId: 'wound-1', capturedAt: Date.UTC(2025, 10, 1), actor, extentCheck: 'accept' });
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
    const job = service.start({ bytes, fileName: 'a.ply', woundId: 'wound-1', capturedAt: 0, actor, extentCheck: 'accept' });
    const off = service.onDidChangeJob((j) => {
      if (j.phase === 'parsing' || j.phase === 'indexing') service.cancel(job.id);
    });
    const final = await service.wait(job.id);
    off();
    expect(final.phase).toBe('cancelled');
    expect(rows).toHaveLength(0);
    expect(readdirSync(rootDir)).toEqual([]);
  });

  it('refuses a capture time in the future or before the patient was born, before any work (issue 21 point 4)', async () => {
    const { rootDir, rows, service } = setup({ bodySite: 'Left heel', dateOfBirth: '1960-05-04' });
    const bytes = patchPly(40);
    const future = await service.wait(service.start({ bytes, fileName: 'a.ply', woundId: 'wound-1', capturedAt: Date.UTC(2030, 0, 1), actor }).id);
    expect(future.phase).toBe('failed');
    expect(future.error).toEqual({ code: 'CAPTURED_IN_FUTURE', message: 'A scan cannot be captured in the future' });
    const unborn = await service.wait(service.start({ bytes, fileName: 'a.ply', woundId: 'wound-1', capturedAt: Date.UTC(1959, 0, 1), actor }).id);
    expect(unborn.error?.code).toBe('CAPTURED_BEFORE_BIRTH');
    // A tablet that sent no usable time (Date.parse of nothing).
    const unknown = await service.wait(service.start({ bytes, fileName: 'a.ply', woundId: 'wound-1', capturedAt: Number.NaN, actor }).id);
    expect(unknown.error).toEqual({ code: 'CAPTURED_INVALID', message: 'Enter when the scan was captured' });
    expect(rows).toHaveLength(0);
    expect(readdirSync(rootDir)).toEqual([]);
    // A plausible scan of a heel wound, captured now, imports without a question.
    const ok = await service.wait(service.start({ bytes, fileName: 'a.ply', woundId: 'wound-1', capturedAt: Date.now(), actor, extentCheck: 'ask' }).id);
    expect(ok.phase).toBe('done');
    expect(ok.warning).toBeNull();
  });

  it('holds a room-sized scan on a heel wound for confirmation before storing anything; confirmed, it imports', async () => {
    const { rootDir, rows, service } = setup({ bodySite: 'Right heel', dateOfBirth: '1946-12-09' });
    const bytes = readFileSync(join(SAMPLES, 'ply', 'dardavesis__808-30.ply'));
    const job = service.start({ bytes, fileName: 'room.ply', woundId: 'wound-1', capturedAt: Date.now() - 60_000, actor, extentCheck: 'ask' });
    const held = await untilPhase(service, job.id, 'confirming');
    expect(held.warning?.code).toBe('EXTENT_TOO_LARGE');
    expect(held.warning?.message).toBe('This scan is 9.8 m × 8.8 m — far larger than a foot (a scan of a wound there is under 40 cm). Check that it is the right file for this wound.');
    expect(held.warning?.sidesMm[1]).toBeCloseTo(8798.4, 0);
    // Nothing of the scan is stored while it waits: only the note that marks an import in progress,
    // so a crash while it waits is cleaned up on the next start.
    const folders = readdirSync(rootDir);
    expect(folders).toHaveLength(1);
    expect(readdirSync(join(rootDir, folders[0]!)).map((n) => n.split('.')[0])).toEqual(['pending']);
    expect(rows).toHaveLength(0);
    expect(service.confirm('no-such-job')).toBe(false);
    expect(service.confirm(job.id)).toBe(true);
    const final = await service.wait(job.id);
    expect(final.phase).toBe('done');
    expect(rows).toHaveLength(1);
    expect(service.confirm(job.id)).toBe(false);
  });

  it('a LAS export that breaks the specification and is far too large for its wound shows its warnings beside the size question; confirmed, the row keeps them', async () => {
    const { rows, service } = setup({ bodySite: 'Right heel', dateOfBirth: '1946-12-09' });
    // Three points 3 m apart (a room, not a heel), the first with return 5 of 4.
    const bytes = makeLas({ pf: 6, points: [{ x: 0, y: 0, z: 0, returnNumber: 5, returns: 4 }, { x: 3, y: 1, z: 0, returnNumber: 1, returns: 1 }, { x: 1, y: 2, z: 0.5, returnNumber: 1, returns: 1 }] });
    const job = service.start({ bytes, fileName: 'room.las', woundId: 'wound-1', capturedAt: Date.now() - 60_000, actor, extentCheck: 'ask' });
    const held = await untilPhase(service, job.id, 'confirming');
    expect(held.warning?.code).toBe('EXTENT_TOO_LARGE');
    const expected = [{ code: 'LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS', count: 1, message: expect.stringMatching(/1 of 3 points/) }];
    expect(held.warnings).toEqual(expected);
    expect(rows).toHaveLength(0);
    expect(service.confirm(job.id)).toBe(true);
    const final = await service.wait(job.id);
    expect(final).toMatchObject({ phase: 'done', warning: { code: 'EXTENT_TOO_LARGE' } });
    expect(final.warnings).toEqual(expected);
    expect(rows[0]!.warnings).toEqual(expected);
  });

  it('a held import that is cancelled stores nothing; without "ask" an implausible scan fails with the reason', async () => {
    const { rootDir, rows, service } = setup({ bodySite: 'Right heel', dateOfBirth: '1946-12-09' });
    const bytes = readFileSync(join(SAMPLES, 'ply', 'dardavesis__808-30.ply'));
    const job = service.start({ bytes, fileName: 'room.ply', woundId: 'wound-1', capturedAt: Date.now(), actor, extentCheck: 'ask' });
    await untilPhase(service, job.id, 'confirming');
    expect(service.cancel(job.id)).toBe(true);
    expect((await service.wait(job.id)).phase).toBe('cancelled');
    const refused = await service.wait(service.start({ bytes, fileName: 'room.ply', woundId: 'wound-1', capturedAt: Date.now(), actor }).id);
    expect(refused.phase).toBe('failed');
    expect(refused.error?.code).toBe('EXTENT_TOO_LARGE');
    expect(refused.error?.message).toMatch(/far larger than a foot/);
    // A scan a few hundred µm across (a file in metres read as mm, say) is implausible too.
    const tiny = await service.wait(service.start({ bytes: patchPly(40, 0.001), fileName: 'tiny.ply', woundId: 'wound-1', capturedAt: Date.now(), actor }).id);
    expect(tiny.error?.code).toBe('EXTENT_TOO_SMALL');
    expect(rows).toHaveLength(0);
    expect(readdirSync(rootDir)).toEqual([]);
  });
});

/** An ASCII PLY of a `side` mm square patch of 20 × 20 points, in millimetres × `scale`. */
function patchPly(side: number, scale = 1): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) lines.push(`${((i * side) / 19) * scale} ${((j * side) / 19) * scale} ${Math.sin(i + j) * scale}`);
  return new TextEncoder().encode(`ply\nformat ascii 1.0\ncomment units mm\nelement vertex ${lines.length}\nproperty float x\nproperty float y\nproperty float z\nend_header\n${lines.join('\n')}\n`);
}

function untilPhase(service: ReturnType<typeof createImportService>, jobId: string, phase: string) {
  return new Promise<NonNullable<ReturnType<typeof service.get>>>((resolve, reject) => {
    const now = service.get(jobId);
    if (now?.phase === phase) return resolve(now);
    const off = service.onDidChangeJob((j) => {
      if (j.id !== jobId) return;
      if (j.phase === phase) {
        off();
        resolve(j);
      } else if (j.finishedAt !== null) {
        off();
        reject(new Error(`job ended in ${j.phase} (${j.error?.code ?? ''})`));
      }
    });
  });
}
