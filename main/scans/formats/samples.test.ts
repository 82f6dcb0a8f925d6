/**
 * Every file of the shared sample corpus (`../shared/samples/scans` beside the repository)
 * against the values in its expected.json: point count, bbox and centroid within the stated
 * tolerances, and a typed error with the manifest's reason for the files marked as errors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeStats } from './stats';
import { ScanFormatError, type ScanErrorCode } from './errors';
import { readPointCloud } from './read';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const samples = join(repoRoot, '..', 'shared', 'samples', 'scans');

interface Row {
  file: string;
  format: string;
  expect: 'ok' | 'error';
  points: number | null;
  bbox: { min: number[]; max: number[] } | null;
  centroid: number[] | null;
  tolerance: { relative: number; absolute: number };
  note: string;
}

/** The reason each `expect: "error"` row's note gives, as the code and words our error must carry. */
const EXPECTED_ERRORS: Record<string, { code: ScanErrorCode; format: string; reason: RegExp }> = {
  // "bad GeoTIFF keys VLR": the GeoKeyDirectory declares 8 keys, 4 of them all-zero.
  'las/pdal__bad-geotiff-keys.las': { code: 'BAD_VALUE', format: 'las', reason: /GeoKeyDirectory key \d+ has the invalid key id 0/ },
  // "binary Expe/PointSet file under a .pts name ... never hang".
  'pts/meshlab__chameleon4k.pts': { code: 'UNSUPPORTED', format: 'pts', reason: /Expe\/PointSet/ },
  // "empty "f" line".
  'obj/assimp__malformed2.obj': { code: 'BAD_VALUE', format: 'obj', reason: /"f" element has 0 vertex references/ },
};

const rows: Row[] = existsSync(join(samples, 'expected.json')) ? (JSON.parse(readFileSync(join(samples, 'expected.json'), 'utf8')) as Row[]) : [];

function close(actual: number, expected: number, tolerance: Row['tolerance']): boolean {
  return Math.abs(actual - expected) <= tolerance.absolute + tolerance.relative * Math.abs(expected);
}

describe('shared sample corpus', () => {
  it('is present beside the repository', () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  for (const row of rows) {
    it(`${row.file} (${row.expect})`, async () => {
      const bytes = readFileSync(join(samples, row.file));
      const fileName = row.file.split('/').pop()!;
      if (row.expect === 'error') {
        const expected = EXPECTED_ERRORS[row.file];
        expect(expected, `no expected reason recorded for ${row.file}: read its note and add one`).toBeDefined();
        const error = await readPointCloud(bytes, { fileName }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ScanFormatError);
        const e = error as ScanFormatError;
        expect(e.code).toBe(expected!.code);
        expect(e.format).toBe(expected!.format);
        expect(e.message).toMatch(expected!.reason);
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThanOrEqual(bytes.length);
        return;
      }
      const cloud = await readPointCloud(bytes, { fileName });
      expect(cloud.format).toBe(row.format);
      expect(cloud.count).toBe(row.points);
      expect(cloud.positions.length).toBe(cloud.count * 3);
      const stats = computeStats(cloud);
      if (row.points === 0) {
        expect(stats.bbox).toBeNull();
        return;
      }
      if (row.bbox) {
        for (const side of ['min', 'max'] as const) {
          row.bbox[side].forEach((v, k) => expect(close(stats.bbox![side][k]!, v, row.tolerance), `${side}[${k}] ${stats.bbox![side][k]} vs ${v}`).toBe(true));
        }
      }
      if (row.centroid) {
        row.centroid.forEach((v, k) => expect(close(stats.centroid![k]!, v, row.tolerance), `centroid[${k}] ${stats.centroid![k]} vs ${v}`).toBe(true));
      }
    });
  }
});
