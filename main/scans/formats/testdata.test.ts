/**
 * Issue 20's kinds of third-party file, one example each (testdata/, made by testdata/files.ts):
 * invalid E57 structure is refused naming the section and byte offset; text that is not a point
 * list is refused naming the line; UTF-16 and UTF-8-with-BOM text reads to the same points as its
 * UTF-8 twin; LAS records that break the specification are read and their warnings counted. Each
 * file goes through `readPointCloud` in process and through the parse worker the import uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PointCloud } from '../../../common/point-cloud';
import { ScanFormatError } from './errors';
import { parseInWorker } from './parse-in-worker';
import { readPointCloud } from './read';
import { readerTestReadme, READER_TEST_FILES, type ReaderTestFile } from './testdata/files';

const dir = join(import.meta.dirname, 'testdata');
const onDisk = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

async function outcome(file: ReaderTestFile, read: (bytes: Uint8Array, fileName: string) => Promise<PointCloud>): Promise<PointCloud | ScanFormatError> {
  return read(onDisk(file.name), file.name).catch((error: unknown) => {
    if (error instanceof ScanFormatError) return error;
    throw error;
  });
}

function expectOutcome(file: ReaderTestFile, result: PointCloud | ScanFormatError): void {
  const e = file.expect;
  if ('refused' in e) {
    expect(result, `${file.name} should be refused`).toBeInstanceOf(ScanFormatError);
    const error = result as ScanFormatError;
    expect({ code: error.code, format: error.format, offset: error.offset, line: error.line }).toEqual({ code: e.refused.code, format: e.refused.format, offset: e.refused.offset, line: e.refused.line });
    expect(error.reason).toMatch(e.refused.reason);
    expect(error.message).toContain(`at byte ${e.refused.offset}`);
    if (e.refused.line !== undefined) expect(error.message).toContain(`(line ${e.refused.line})`);
    return;
  }
  expect(result, result instanceof ScanFormatError ? result.message : '').not.toBeInstanceOf(ScanFormatError);
  const cloud = result as PointCloud;
  expect(cloud.count).toBe(e.points);
  expect(cloud.positions.length).toBe(3 * e.points);
  const warnings = cloud.warnings ?? [];
  expect(warnings.map((w) => ({ code: w.code, count: w.count }))).toEqual((e.warnings ?? []).map((w) => ({ code: w.code, count: w.count })));
  (e.warnings ?? []).forEach((w, k) => expect(warnings[k]!.message).toMatch(w.reason));
}

describe('reader test files (issue 20)', () => {
  it('are exactly what testdata/files.ts makes, README included (regenerate with testdata/write.ts)', () => {
    for (const file of READER_TEST_FILES) expect(Buffer.from(onDisk(file.name)).equals(Buffer.from(file.bytes())), file.name).toBe(true);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(readerTestReadme());
  });

  it('cover every kind the issue names', () => {
    const kinds = new Set(READER_TEST_FILES.map((f) => f.point));
    expect([...kinds].sort()).toEqual([1, 2, 3, 4]);
    const refusedE57 = READER_TEST_FILES.filter((f) => f.point === 1 && 'refused' in f.expect);
    expect(refusedE57.some((f) => /bad-section-id/.test(f.name)) && refusedE57.some((f) => /zero-records-offset/.test(f.name))).toBe(true);
    const twins = READER_TEST_FILES.filter((f) => 'twinOf' in f.expect && f.expect.twinOf);
    for (const ext of ['obj', 'xyz', 'pts']) for (const enc of ['utf16le', 'utf16be', 'utf8-bom']) expect(twins.map((f) => f.name)).toContain(`${ext}-${enc}.${ext}`);
  });

  for (const file of READER_TEST_FILES) {
    it(`${file.name}: ${file.what}`, async () => {
      expectOutcome(file, await outcome(file, (bytes, fileName) => readPointCloud(bytes, { fileName })));
    });
  }

  it('UTF-16 and BOM files read to exactly the points, colours and intensities of their UTF-8 twins', async () => {
    let compared = 0;
    for (const file of READER_TEST_FILES) {
      if ('refused' in file.expect || !file.expect.twinOf) continue;
      const cloud = await readPointCloud(onDisk(file.name), { fileName: file.name });
      const twin = await readPointCloud(onDisk(file.expect.twinOf), { fileName: file.expect.twinOf });
      expect(cloud.format).toBe(twin.format);
      expect([...cloud.positions]).toEqual([...twin.positions]);
      expect(cloud.colors && [...cloud.colors]).toEqual(twin.colors && [...twin.colors]);
      expect(cloud.intensity && [...cloud.intensity]).toEqual(twin.intensity && [...twin.intensity]);
      expect(cloud.comments).toEqual(twin.comments);
      expect(twin.colors ?? twin.intensity).toBeDefined();
      compared++;
    }
    expect(compared).toBe(9);
  });

  it('the parse worker the import uses gives the same outcome, warnings and line numbers included', { timeout: 120_000 }, async () => {
    const picked = READER_TEST_FILES.filter((f) => ['e57-zero-records-bad-section-id.e57', 'xyz-utf16le-ragged-rows.xyz', 'obj-utf16be.obj', 'las14-pf6-both-warnings.las'].includes(f.name));
    expect(picked).toHaveLength(4);
    for (const file of picked) expectOutcome(file, await outcome(file, (bytes, fileName) => parseInWorker(bytes, { fileName })));
  });
});
