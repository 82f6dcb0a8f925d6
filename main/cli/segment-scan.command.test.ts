/**
 * `coherency segment-scan` on generated scans written as a tablet app would (binary PLY in metres,
 * no unit stated), with the real model. Needs the FUSeg images (../shared/datasets/fuseg).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePly } from '../analysis/measure/phantoms';
import { decodeImage } from '../analysis/segmentation/index';
import { makeTexturedCylinder } from '../analysis/wound-finder/phantom';
import { segmentScanCommand } from './segment-scan.command';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = join(root, '..', 'shared', 'datasets', 'fuseg', 'train');
const dir = mkdtempSync(join(tmpdir(), 'coherency-segment-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LONG = 120_000;

const photo = decodeImage(readFileSync(join(dataDir, 'images', '0658.png')));
const mask = decodeImage(readFileSync(join(dataDir, 'labels', '0658.png')));
const ph = makeTexturedCylinder({ photo, mask, mmPerPixel: 0.25, radius: 40, spacing: 0.5, noise: 0.2, seed: 4, pose: { rotateDeg: [10, 20, 30], translate: [250, 40, -900] } });
const scan = join(dir, 'limb.ply');
writeFileSync(scan, encodePly(ph.cloud, 0.001));
const painted = ph.painted.reduce((a, b) => a + b, 0);

async function inProcess(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await segmentScanCommand.run(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('coherency segment-scan', () => {
  it("prints the wound's point count and its boundary in the file's coordinates and units, and the provider", async () => {
    const r = await inProcess(scan, '--json', '--providers', 'cpu');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.points).toBe(ph.cloud.count);
    expect(Math.abs(s.wound_points / painted - 1)).toBeLessThan(0.1);
    expect(s.provider).toBe('cpu');
    const bundled = JSON.parse(readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native-models', 'wound-seg', 'model.json'), 'utf8')) as { name: string; version: string };
    expect(s.model).toEqual({ name: bundled.name, version: bundled.version });
    expect(s.units).toBe('m');
    expect(Object.keys(s.timings)).toEqual(['renderMs', 'inferenceMs', 'liftMs', 'totalMs']);
    expect(s.boundary.length).toBeGreaterThanOrEqual(3);
    // Metres, on the moved limb: every vertex within 2 mm of the cylinder's surface (radius 40 mm).
    const inv = (p: number[]) => p.map((x) => x * 1000);
    const near = (q: number[]) => {
      let best = Infinity;
      const pos = ph.cloud.positions;
      for (let i = 0; i < ph.cloud.count; i += 1) {
        const d = (pos[3 * i]! - q[0]!) ** 2 + (pos[3 * i + 1]! - q[1]!) ** 2 + (pos[3 * i + 2]! - q[2]!) ** 2;
        if (d < best) best = d;
      }
      return Math.sqrt(best);
    };
    for (const p of s.boundary.filter((_: unknown, k: number) => k % 10 === 0)) expect(near(inv(p))).toBeLessThan(2);
  }, LONG);

  it('{error:{code,message}} and exit 2 for a scan without colour, a missing model, a missing file', async () => {
    const plain = join(dir, 'plain.ply');
    writeFileSync(plain, encodePly({ ...ph.cloud, colors: undefined }, 0.001));
    let r = await inProcess(plain, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('NO_COLOUR');
    r = await inProcess(scan, '--json', '--model', join(dir, 'nowhere', 'model.json'));
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('MODEL_MISSING');
    r = await inProcess(join(dir, 'absent.ply'), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'IO' });
    expect(r.out).not.toContain('absent.ply');
    r = await inProcess(scan, '--json', '--view', '0,0');
    expect(r.code).toBe(1);
  }, LONG);

  it('runs as `coherency segment-scan` (spawned)', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'coherency.mjs'), 'segment-scan', scan, '--json', '--units', 'm'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, COHERENCY_CLI_FROM_SOURCE: '1' },
      timeout: 100_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.wound_points).toBeGreaterThan(0.9 * painted);
    expect(typeof s.provider).toBe('string');
  }, LONG);
});
