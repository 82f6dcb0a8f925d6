import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePly, makeCavityPhantom } from '../analysis/measure/phantoms';
import { measureCommand } from './measure.command';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'coherency-measure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 5 cm² cavity on a limb, written as a tablet app would: binary PLY in metres, no unit stated.
const ph = makeCavityPhantom({ surface: 'cylinder', a: 14, b: 500 / (Math.PI * 14), c: 5, radius: 40, spacing: 0.8, noise: 0.2, colored: true });
const scan = join(dir, 'phantom.ply');
writeFileSync(scan, encodePly(ph.cloud, 0.001));
const outlineMetres = Array.from({ length: ph.outline.length / 3 }, (_, i) => [0, 1, 2].map((k) => ph.outline[3 * i + k]! / 1000));
const outlineFile = join(dir, 'outline.json');
writeFileSync(outlineFile, JSON.stringify({ points: outlineMetres }));

async function inProcess(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await measureCommand.run(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('coherency measure', () => {
  it('measures a PLY scan in metres with an outline in the same units, and prints JSON', async () => {
    const r = await inProcess(scan, '--outline', outlineFile, '--json');
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out);
    const t = ph.truth;
    expect(Object.keys(m)).toEqual(expect.arrayContaining(['area_cm2', 'projected_area_cm2', 'perimeter_cm', 'length_cm', 'width_cm', 'max_depth_mm', 'mean_depth_mm', 'volume_cm3', 'raised_volume_cm3', 'tissue_pct']));
    expect(Math.abs(m.area_cm2 / t.area_cm2 - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.perimeter_cm / t.perimeter_cm - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.volume_cm3 / t.volume_cm3 - 1)).toBeLessThan(0.05);
    expect(Math.abs(m.max_depth_mm - t.max_depth_mm)).toBeLessThan(0.5);
    expect(Math.abs(m.tissue_pct.granulation - t.tissue_pct.granulation)).toBeLessThan(5);
  }, 60_000);

  it('takes --units for files that do not state theirs, and --body-axis', async () => {
    const mmScan = join(dir, 'phantom-mm.ply');
    writeFileSync(mmScan, encodePly(ph.cloud));
    const mmOutline = join(dir, 'outline-mm.json');
    writeFileSync(mmOutline, JSON.stringify({ points: outlineMetres.map((p) => p.map((x) => x * 1000)) }));
    const r = await inProcess(mmScan, '--outline', mmOutline, '--units', 'mm', '--body-axis', '1,0,0', '--json');
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out);
    expect(Math.abs(m.area_cm2 / ph.truth.area_cm2 - 1)).toBeLessThan(0.02);
    expect(Math.abs(m.head_to_toe_length_cm / 2.8 - 1)).toBeLessThan(0.05);
  }, 60_000);

  it('prints {error:{code,message}} and exits 2 for an open or off-surface outline', async () => {
    const open = join(dir, 'open.json');
    writeFileSync(open, JSON.stringify({ points: outlineMetres.slice(0, 90) }));
    let r = await inProcess(scan, '--outline', open, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('OUTLINE_OPEN');
    const marked = join(dir, 'marked.json');
    writeFileSync(marked, JSON.stringify({ points: outlineMetres, closed: false }));
    r = await inProcess(scan, '--outline', marked, '--json');
    expect(JSON.parse(r.out).error.code).toBe('OUTLINE_OPEN');
    const off = join(dir, 'off.json');
    writeFileSync(off, JSON.stringify({ points: outlineMetres.map(([x, y, z]) => [x, y, z! + 0.01]) }));
    r = await inProcess(scan, '--outline', off, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'OUTLINE_OFF_SURFACE', message: expect.stringContaining('3 mm') });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"points": [[0, 0]]}');
    r = await inProcess(scan, '--outline', bad, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('INVALID_INPUT');
  }, 60_000);

  it('runs as `coherency measure` (spawned)', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'coherency.mjs'), 'measure', scan, '--outline', outlineFile, '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, COHERENCY_CLI_FROM_SOURCE: '1' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).area_cm2).toBeGreaterThan(4.8);
  }, 60_000);
});
