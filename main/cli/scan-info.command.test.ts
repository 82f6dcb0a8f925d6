import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanInfoCommand } from './scan-info.command';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const samples = join(root, '..', 'shared', 'samples', 'scans');
const testdata = join(root, 'main', 'scans', 'formats', 'testdata');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'coherency.mjs'), 'scan-info', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, COHERENCY_CLI_FROM_SOURCE: '1' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function inProcess(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await scanInfoCommand.run(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('coherency scan-info (spawned)', () => {
  it('prints the summary of a LAS file as JSON and exits 0', () => {
    const r = cli(join(samples, 'las', 'pdal__autzen.las'), '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info).toMatchObject({ format: 'las', version: '1.2', points: 106, units: 'ft', attributes: ['xyz', 'intensity', 'classification', 'gps_time'] });
    expect(info.bbox.min).toHaveLength(3);
    expect(info.centroid).toHaveLength(3);
  }, 60_000);

  it('prints a typed error as JSON and exits 2 for a malformed file', () => {
    const r = cli(join(samples, 'pts', 'meshlab__chameleon4k.pts'), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({
      error: { code: 'UNSUPPORTED', format: 'pts', offset: 0, message: expect.stringMatching(/Expe\/PointSet/) },
    });
  }, 60_000);

  it('reads E57 in scan coordinates (pose not applied)', () => {
    const r = cli(join(samples, 'e57', 'pye57__translationWithoutRotation.e57'), '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info).toMatchObject({ format: 'e57', points: 4 });
    expect(info.centroid[0]).toBeCloseTo(0.5, 9);
    expect(info.bbox.max[2]).toBeCloseTo(0, 9);
  }, 60_000);
});

describe('coherency scan-info (in process)', () => {
  it('gives null bbox and centroid for 0 points', async () => {
    const r = await inProcess(join(samples, 'ply', 'trimesh__ply_empty_ascii.ply'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ format: 'ply', version: '1.0', points: 0, attributes: ['xyz', 'normals'], bbox: null, centroid: null, units: 'unknown', warnings: [] });
  });

  it('lists LAS records that break the specification as warnings: [{code, message, count}]', async () => {
    const r = await inProcess(join(testdata, 'las14-pf6-both-warnings.las'), '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.points).toBe(9);
    expect(info.warnings).toEqual([
      { code: 'LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS', count: 2, message: 'return number is greater than the number of returns in 2 of 9 points' },
      { code: 'LAS_RESERVED_CLASSIFICATION', count: 4, message: 'classification codes 8, 12, 23, 63 are reserved in the ASPRS table for point format 6 (LAS 1.4): 4 of 9 points' },
    ]);
    const plain = await inProcess(join(testdata, 'las-return-number-above-returns.las'));
    expect(plain.out).toMatch(/^warning {5}return number is greater than the number of returns in 3 of 10 points \[LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS\]$/m);
    expect(JSON.parse((await inProcess(join(testdata, 'las-clean.las'), '--json')).out).warnings).toEqual([]);
  });

  it('names the section and byte offset of an invalid E57, and the line of a text file that is not a point list', async () => {
    const e57 = await inProcess(join(testdata, 'e57-zero-records-offset-in-file-header.e57'), '--json');
    expect(e57.code).toBe(2);
    expect(JSON.parse(e57.out)).toEqual({ error: { code: 'BAD_HEADER', format: 'e57', offset: 0, message: expect.stringMatching(/^E57 at byte 0: \/data3D\/0\/points: fileOffset 0 lies inside/) } });
    const grid = await inProcess(join(testdata, 'xyz-utf16le-ragged-rows.xyz'), '--json');
    expect(grid.code).toBe(2);
    expect(JSON.parse(grid.out).error).toMatchObject({ code: 'BAD_VALUE', format: 'xyz', offset: 66, line: 3 });
    const plain = await inProcess(join(testdata, 'xyz-esri-grid.xyz'));
    expect(plain.err).toBe('scan-info: cannot read the file: XYZ at byte 0 (line 1): an ESRI ASCII grid header: a raster of values, not a list of points [UNSUPPORTED]');
  });

  it('prints a readable summary without --json', async () => {
    const r = await inProcess(join(samples, 'ply', 'trimesh__fuze.ply'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^format {6}PLY 1\.0$/m);
    expect(r.out).toMatch(/^points {6}502$/m);
    expect(r.out).toMatch(/^attributes {2}xyz, rgb, alpha$/m);
    expect(r.out).toMatch(/^bbox {8}min \(.+\) {2}max \(.+\)$/m);
    expect(r.out).toMatch(/^software {4}VCGLIB$/m);
    const empty = await inProcess(join(samples, 'obj', 'pdal__no_vertex.obj'));
    expect(empty.out).toMatch(/bbox {8}none \(no points\)/);
  });

  it('names points left out for non-finite coordinates, and the device a LAS file names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-info-'));
    try {
      writeFileSync(join(dir, 'a.xyz'), 'nan 0 0\n1 2 3\n');
      const r = await inProcess(join(dir, 'a.xyz'));
      expect(r.out).toMatch(/^points {6}2$/m);
      expect(r.out).toMatch(/^non-finite {2}1 points left out of bbox and centroid$/m);
      expect(r.out).toMatch(/^centroid {4}\(1, 2, 3\)$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const las = await inProcess(join(samples, 'las', 'pdal__1.2_2.las'));
    expect(las.out).toMatch(/^device {6}\S/m);
  });

  it('reports a malformed file on stderr without --json, exit 2', async () => {
    const r = await inProcess(join(samples, 'obj', 'assimp__malformed2.obj'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^scan-info: cannot read the file: OBJ at byte \d+: /);
  });

  it('exits 1 for a missing file without echoing its path, and for bad usage', async () => {
    const missing = await inProcess('/nonexistent/patient-name.ply', '--json');
    expect(missing.code).toBe(1);
    expect(missing.out).not.toMatch(/patient-name/);
    expect(JSON.parse(missing.out).error.message).toMatch(/ENOENT/);
    const plain = await inProcess('/nonexistent/patient-name.ply');
    expect(plain.err).toBe('scan-info: cannot open the file (ENOENT)');
    expect((await inProcess()).code).toBe(1);
    expect((await inProcess('a', 'b')).code).toBe(1);
  });
});
