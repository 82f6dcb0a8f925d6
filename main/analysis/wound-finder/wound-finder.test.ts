/**
 * findWoundInScan with the real wound model (onnxruntime, CPU) on generated scans: part of a
 * limb-sized cylinder (radius 40 mm, 0.5 mm jittered spacing, 0.2 mm noise) coloured with a real
 * FUSeg validation photo laid on it in arc-length coordinates; the ground truth is the points that
 * fall in the photo's expert mask. The photos are ones the model itself segments well in 2D (its
 * own IoU is measured here too), so what these tests check is that rendering, lifting, region
 * selection and the boundary keep that accuracy on the surface.
 * Needs the FUSeg images beside the repository (../shared/datasets/fuseg, see SOURCE.md).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PointCloud } from '../../../common/point-cloud';
import { Grid3, Polygon2, measureWound, pca } from '../measure/index';
import { ModelError, createSegmenter, decodeImage, type DecodedImage, type Segmenter } from '../segmentation/index';
import { WoundFinderError, findWoundInScan, type FindWoundResult, type WoundFinderErrorCode } from './index';
import { makeTexturedCylinder, skinTexture, type TexturedCylinder } from './phantom';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const manifestPath = join(repoRoot, 'native-models', 'wound-seg', 'model.json');
/** The bundled model's name and version, as its manifest states them. */
const bundled = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; version: string };
const dataDir = join(repoRoot, '..', 'shared', 'datasets', 'fuseg', 'train');
const LONG = 120_000;

function fuseg(name: string): { photo: DecodedImage; mask: DecodedImage } {
  return { photo: decodeImage(readFileSync(join(dataDir, 'images', name))), mask: decodeImage(readFileSync(join(dataDir, 'labels', name))) };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union ? inter / union : 1;
}

/** The model's own IoU on the photo against its expert mask (2D, no scan involved). */
async function imageIou(seg: Segmenter, photo: DecodedImage, mask: DecodedImage): Promise<number> {
  const r = await seg.segmentImage(photo.data, photo.width, photo.height);
  const truth = new Uint8Array(r.mask.length);
  const ch = mask.data.length / (mask.width * mask.height);
  for (let k = 0; k < truth.length; k++) truth[k] = mask.data[ch * k]! > 127 ? 1 : 0;
  return iou(r.mask, truth);
}

/** Checks the boundary contract: ≥ 3 finite points, on the surface, closed and simple. */
function expectGoodBoundary(result: FindWoundResult, cloud: PointCloud): void {
  const b = result.boundary;
  const n = b.length / 3;
  expect(n).toBeGreaterThanOrEqual(3);
  expect(b.every(Number.isFinite)).toBe(true);
  // On the surface: every vertex within 2 mm of a scan point.
  const grid = new Grid3(cloud.positions, cloud.count, 2);
  let worst = 0;
  for (let k = 0; k < n; k++) {
    let best = Infinity;
    grid.within(b[3 * k]!, b[3 * k + 1]!, b[3 * k + 2]!, 4, (_i, d2) => {
      if (d2 < best) best = d2;
    });
    worst = Math.max(worst, Math.sqrt(best));
  }
  expect(worst).toBeLessThanOrEqual(2);
  // Closed (first point not repeated, the closing segment is like the others) and simple in its own plane.
  const seg = (i: number, j: number) => Math.hypot(b[3 * i]! - b[3 * j]!, b[3 * i + 1]! - b[3 * j + 1]!, b[3 * i + 2]! - b[3 * j + 2]!);
  let longest = 0;
  for (let k = 0; k + 1 < n; k++) longest = Math.max(longest, seg(k, k + 1));
  expect(seg(n - 1, 0)).toBeLessThanOrEqual(1.5 * longest);
  expect(seg(n - 1, 0)).toBeGreaterThan(0);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const zs = new Float64Array(n);
  for (let k = 0; k < n; k++) [xs[k], ys[k], zs[k]] = [b[3 * k]!, b[3 * k + 1]!, b[3 * k + 2]!];
  const frame = pca(xs, ys, zs, n);
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const d = [xs[k]! - frame.mean[0], ys[k]! - frame.mean[1], zs[k]! - frame.mean[2]];
    u[k] = d[0]! * frame.axes[0][0] + d[1]! * frame.axes[0][1] + d[2]! * frame.axes[0][2];
    v[k] = d[0]! * frame.axes[1][0] + d[1]! * frame.axes[1][1] + d[2]! * frame.axes[1][2];
  }
  expect(new Polygon2(u, v).findSelfIntersection()).toBeNull();
}

async function expectError(promise: Promise<unknown>, code: WoundFinderErrorCode): Promise<WoundFinderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected WoundFinderError ${code}`).toBeInstanceOf(WoundFinderError);
  expect((error as WoundFinderError).code).toBe(code);
  return error as WoundFinderError;
}

let seg: Segmenter;
let wound: ReturnType<typeof fuseg>;
let scan: TexturedCylinder;
let found: FindWoundResult;

beforeAll(async () => {
  seg = await createSegmenter({ manifestPath, providers: ['cpu'] });
  wound = fuseg('0658.png'); // a validation image (native-models/training/split.json)
  scan = makeTexturedCylinder({ photo: wound.photo, mask: wound.mask, mmPerPixel: 0.25, radius: 40, spacing: 0.5, noise: 0.2, seed: 11 });
  found = await findWoundInScan(scan.cloud, seg);
}, LONG);
afterAll(async () => {
  await seg?.dispose();
});

describe('findWoundInScan on a generated limb scan with a real wound photo', () => {
  it('recovers the painted wound points with IoU ≥ 0.9, as well as the model does on the photo itself', async () => {
    const count = scan.painted.reduce((a, b) => a + b, 0);
    expect(count).toBeGreaterThan(1000);
    const scanIou = iou(found.labels, scan.painted);
    expect(scanIou).toBeGreaterThanOrEqual(0.9);
    const photoIou = await imageIou(seg, wound.photo, wound.mask);
    expect(scanIou).toBeGreaterThanOrEqual(photoIou - 0.05);
    expect(found.labels.length).toBe(scan.cloud.count);
    expect(found.woundPointCount).toBe(found.labels.reduce((a, b) => a + b, 0));
    expect(found.provider).toBe('cpu');
    expect(found.model).toEqual({ name: bundled.name, version: bundled.version });
    // No normals in the file: the view comes from PCA, signed toward the side the limb bulges to.
    const [dx, dy, dz] = found.viewDirection;
    expect(dz).toBeLessThan(-0.99);
    expect(Math.hypot(dx, dy, dz)).toBeCloseTo(1, 6);
    expect(found.diagnostics?.viewSource).toBe('convexity');
    for (const t of Object.values(found.timings)) expect(t).toBeGreaterThan(0);
  }, LONG);

  it('returns a closed, simple boundary on the surface that measureWound accepts, with the painted area', () => {
    expectGoodBoundary(found, scan.cloud);
    const m = measureWound(scan.cloud, found.boundary);
    expect(m.diagnostics.outlineMaxOffSurfaceMm).toBeLessThan(1);
    expect(Math.abs(m.area_cm2 / (scan.paintedAreaMm2 / 100) - 1)).toBeLessThan(0.12);
  });

  it('gives the same labels for a rotated and translated copy of the scan', async () => {
    const moved = makeTexturedCylinder({
      photo: wound.photo,
      mask: wound.mask,
      mmPerPixel: 0.25,
      radius: 40,
      spacing: 0.5,
      noise: 0.2,
      seed: 11,
      pose: { rotateDeg: [35, -50, 120], translate: [1200, -350, 80] },
    });
    const r = await findWoundInScan(moved.cloud, seg);
    expect(iou(r.labels, found.labels)).toBeGreaterThanOrEqual(0.95);
    expect(iou(r.labels, moved.painted)).toBeGreaterThanOrEqual(0.9);
    const dot = r.viewDirection.reduce((s, x, i) => s + x * moved.viewDirection[i]!, 0);
    expect(dot).toBeGreaterThan(0.99);
    expectGoodBoundary(r, moved.cloud);
  }, LONG);

  it('never labels the far side of a closed limb, even where it shows the same wound right behind', async () => {
    const tube = makeTexturedCylinder({ photo: wound.photo, mask: wound.mask, mmPerPixel: 0.25, radius: 40, spacing: 0.5, noise: 0.2, seed: 5, closedTube: true });
    const r = await findWoundInScan(tube.cloud, seg, { viewDirection: tube.viewDirection });
    let backLabelled = 0;
    for (let i = 0; i < tube.cloud.count; i++) if (r.labels[i] && tube.back[i]) backLabelled++;
    expect(backLabelled).toBe(0);
    expect(iou(r.labels, tube.painted)).toBeGreaterThanOrEqual(0.9);
    expectGoodBoundary(r, tube.cloud);
    expect(r.diagnostics?.viewSource).toBe('given');
  }, LONG);

  it('recovers a second validation wound photo too (IoU ≥ 0.9)', async () => {
    const other = fuseg('0275.png');
    const s = makeTexturedCylinder({ photo: other.photo, mask: other.mask, mmPerPixel: 0.25, radius: 40, spacing: 0.5, noise: 0.2, seed: 3 });
    const r = await findWoundInScan(s.cloud, seg);
    expect(iou(r.labels, s.painted)).toBeGreaterThanOrEqual(0.9);
    expectGoodBoundary(r, s.cloud);
  }, LONG);

  it('gives the same result in its worker and on the calling thread', async () => {
    const r = await findWoundInScan(scan.cloud, seg, { inProcess: true });
    expect(r.labels).toEqual(found.labels);
    expect(Array.from(r.boundary)).toEqual(Array.from(found.boundary));
  }, LONG);
});

describe('findWoundInScan refusals', () => {
  it('NO_COLOUR for a scan without colours, or with one colour for every point', async () => {
    const plain = makeTexturedCylinder({ photo: wound.photo, mmPerPixel: 0.25, radius: 40, spacing: 1, noise: 0.2, uncoloured: true });
    expect((await expectError(findWoundInScan(plain.cloud, seg), 'NO_COLOUR')).message).toMatch(/no point colours/);
    const flat = { ...plain.cloud, colors: new Uint8Array(3 * plain.cloud.count).fill(255) };
    await expectError(findWoundInScan(flat, seg), 'NO_COLOUR');
  }, LONG);

  it('NO_WOUND_FOUND for a scan of plain skin', async () => {
    const skin = makeTexturedCylinder({ photo: skinTexture(384, 512), mmPerPixel: 0.25, radius: 40, spacing: 0.5, noise: 0.2 });
    const e = await expectError(findWoundInScan(skin.cloud, seg), 'NO_WOUND_FOUND');
    expect(e.message).toMatch(/wound/);
  }, LONG);

  it('TOO_FEW_POINTS for a tiny cloud, INVALID_INPUT for a zero view direction', async () => {
    const tiny = makeTexturedCylinder({ photo: wound.photo, mmPerPixel: 0.25, radius: 40, spacing: 4, noise: 0.2 });
    expect(tiny.cloud.count).toBeLessThan(1000);
    await expectError(findWoundInScan(tiny.cloud, seg), 'TOO_FEW_POINTS');
    await expectError(findWoundInScan(scan.cloud, seg, { viewDirection: [0, 0, 0] }), 'INVALID_INPUT');
  }, LONG);

  it('CANCELLED when the signal fires, before or during the search', async () => {
    const early = new AbortController();
    early.abort();
    await expectError(findWoundInScan(scan.cloud, seg, { signal: early.signal }), 'CANCELLED');
    const late = new AbortController();
    const pending = findWoundInScan(scan.cloud, seg, { signal: late.signal });
    setTimeout(() => late.abort(), 5);
    await expectError(pending, 'CANCELLED');
  }, LONG);

  it('model problems stay ModelErrors (a disposed segmenter)', async () => {
    const gone = await createSegmenter({ manifestPath, providers: ['cpu'], threads: 1 });
    await gone.dispose();
    const error = await findWoundInScan(scan.cloud, gone).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe('DISPOSED');
  }, LONG);
});
