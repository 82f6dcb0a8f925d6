import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCavityPhantom, rotationMatrix, type CavitySpec } from '../../analysis/test-phantoms';
import { readPointCloudFile, toMillimetres } from '../../scans/index';
import { compareScans } from './compare';
import { registerScans, type ScanForRegistration } from './register';
import { apply, compose, rotationAngleDeg, type Rigid, type Vec3 } from './rigid';

const toScan = (positions: Float64Array, outline: Float64Array | null): ScanForRegistration => ({
  positions,
  count: positions.length / 3,
  outline: outline ? Array.from({ length: outline.length / 3 }, (_, i) => [outline[3 * i]!, outline[3 * i + 1]!, outline[3 * i + 2]!] as Vec3) : null,
});

const poseTransform = (rotateDeg: Vec3, translate: Vec3): Rigid => ({ r: rotationMatrix(rotateDeg), t: translate });

/** Rotation (degrees) and translation at `at` (mm) left over when the estimate undoes the true pose. */
function residualError(estimate: Rigid, truePose: Rigid, at: Vec3 = [0, 0, 0]): { deg: number; mm: number } {
  const left = compose(estimate, truePose);
  const p = apply(left, at[0], at[1], at[2]) as Vec3;
  return { deg: rotationAngleDeg(left.r), mm: Math.hypot(p[0] - at[0], p[1] - at[1], p[2] - at[2]) };
}

/** Poses up to the limits: 15° and 30 mm. */
const POSES: { rotateDeg: Vec3; translate: Vec3 }[] = [
  { rotateDeg: [9, -7, 9], translate: [18, -21, 9] },
  { rotateDeg: [-4, 12, -7], translate: [-25, 10, -12] },
  { rotateDeg: [0, 0, 15], translate: [0, 30, 0] },
];

/** Median of the true signed distance (later noise-free wound points → earlier noise-free surface). */
function trueMedianChange(earlierSpec: CavitySpec, laterSpec: CavitySpec): number {
  const dense = makeCavityPhantom({ ...earlierSpec, spacing: 0.12, noise: 0, seed: 99 });
  const truth = makeCavityPhantom({ ...laterSpec, noise: 0, pose: undefined });
  // Brute-force nearest dense point in a 2D bucket grid (x, y), ±1.5 mm around each point.
  const cell = 0.5;
  const buckets = new Map<string, number[]>();
  const D = dense.cloud.positions;
  for (let i = 0; i < dense.cloud.count; i++) {
    const key = `${Math.floor(D[3 * i]! / cell)},${Math.floor(D[3 * i + 1]! / cell)}`;
    (buckets.get(key) ?? buckets.set(key, []).get(key)!).push(i);
  }
  const P = truth.cloud.positions;
  const changes: number[] = [];
  for (let i = 0; i < truth.cloud.count; i++) {
    const [x, y, z] = [P[3 * i]!, P[3 * i + 1]!, P[3 * i + 2]!];
    if ((x / laterSpec.a) ** 2 + (y / laterSpec.b) ** 2 >= 1) continue;
    let best = Infinity;
    let bestZ = 0;
    const ix = Math.floor(x / cell);
    const iy = Math.floor(y / cell);
    for (let dx = -6; dx <= 6; dx++) {
      for (let dy = -6; dy <= 6; dy++) {
        for (const j of buckets.get(`${ix + dx},${iy + dy}`) ?? []) {
          const d = (D[3 * j]! - x) ** 2 + (D[3 * j + 1]! - y) ** 2 + (D[3 * j + 2]! - z) ** 2;
          if (d < best) {
            best = d;
            bestZ = D[3 * j + 2]!;
          }
        }
      }
    }
    changes.push(Math.sign(z - bestZ) * Math.sqrt(best));
  }
  changes.sort((a, b) => a - b);
  return changes[Math.floor(changes.length / 2)]!;
}

describe('registration of a later scan onto an earlier one', () => {
  const relief = { amplitude: 2, wavelength: 28 };
  const earlierSpec: CavitySpec = { surface: 'plane', a: 14, b: 9, c: 6, spacing: 0.5, noise: 0.1, margin: 26, relief, seed: 3 };

  for (const [k, pose] of POSES.entries()) {
    it(`recovers a known pose (${pose.rotateDeg.join('/')}°, ${pose.translate.join('/')} mm) within 0.5° and 0.5 mm, and a bed raised by 1.5 mm within 0.3 mm`, () => {
      const laterSpec: CavitySpec = { ...earlierSpec, seed: 10 + k, bedRaise: 1.5, pose };
      const earlier = makeCavityPhantom(earlierSpec);
      const later = makeCavityPhantom(laterSpec);
      const result = compareScans(toScan(earlier.cloud.positions, earlier.outline), toScan(later.cloud.positions, later.outline));
      const error = residualError(result.registration.transform, poseTransform(pose.rotateDeg, pose.translate));
      expect(error.deg, 'rotation error (°)').toBeLessThan(0.5);
      expect(error.mm, 'translation error at the wound (mm)').toBeLessThan(0.5);
      expect(result.registration.warnings).toEqual([]);
      expect(result.registration.rmsMm).toBeLessThan(0.3);
      const truth = trueMedianChange(earlierSpec, laterSpec);
      expect(truth).toBeGreaterThan(1); // the raise, less where the bowl's slope tilts the distance
      expect(Math.abs(result.change.laterWound!.medianMm - truth), `median change ${result.change.laterWound!.medianMm} vs ${truth}`).toBeLessThan(0.3);
      expect(result.change.laterWound!.filledShare).toBeGreaterThan(0.5);
    });
  }

  it('registers on the skin only: a bed that filled in over a large share of the scan does not pull the scans together', () => {
    // Without leaving the wound out, the raised bed drags the later scan outward (0.17 mm here) and
    // the change reads smaller than it is; trimming alone does not catch a change this subtle.
    const large: CavitySpec = { surface: 'plane', a: 22, b: 15, c: 5, spacing: 0.5, noise: 0.1, margin: 14, relief, seed: 3 };
    const pose = POSES[0]!;
    const filled: CavitySpec = { ...large, seed: 12, bedRaise: 0.8, pose };
    const earlier = makeCavityPhantom(large);
    const later = makeCavityPhantom(filled);
    const result = compareScans(toScan(earlier.cloud.positions, earlier.outline), toScan(later.cloud.positions, later.outline));
    const error = residualError(result.registration.transform, poseTransform(pose.rotateDeg, pose.translate));
    expect(error.mm).toBeLessThan(0.1);
    expect(Math.abs(result.change.laterWound!.medianMm - trueMedianChange(large, filled))).toBeLessThan(0.1);
  });

  it('a wound that deepened reads negative, and the skin around it does not change', () => {
    const deeper: CavitySpec = { ...earlierSpec, c: 8, seed: 21, pose: POSES[0]! };
    const earlier = makeCavityPhantom(earlierSpec);
    const later = makeCavityPhantom(deeper);
    const result = compareScans(toScan(earlier.cloud.positions, earlier.outline), toScan(later.cloud.positions, later.outline));
    const truth = trueMedianChange(earlierSpec, deeper);
    expect(truth).toBeLessThan(-1);
    expect(Math.abs(result.change.laterWound!.medianMm - truth)).toBeLessThan(0.3);
    expect(result.change.laterWound!.deeperShare).toBeGreaterThan(0.5);
  });

  it('registers on a limb (cylinder) whose wound got smaller, starting from the wound frames', () => {
    const limb: CavitySpec = { surface: 'cylinder', radius: 45, a: 16, b: 10, c: 5, spacing: 0.6, noise: 0.15, margin: 30, relief, seed: 5 };
    const pose = POSES[1]!;
    const earlier = makeCavityPhantom(limb);
    const later = makeCavityPhantom({ ...limb, a: 12, b: 7, seed: 6, pose });
    const result = registerScans(toScan(earlier.cloud.positions, earlier.outline), toScan(later.cloud.positions, later.outline));
    const error = residualError(result.transform, poseTransform(pose.rotateDeg, pose.translate));
    expect(error.deg).toBeLessThan(0.5);
    expect(error.mm).toBeLessThan(0.5);
    expect(result.start).toBe('wound-frames');
    expect(result.timings.map((t) => t.stage).join('; ')).toMatch(/refinement/);
  });

  it('warns when the skin cannot pin the scans down (a featureless plane slides) or the scans do not overlap', () => {
    const flat: CavitySpec = { surface: 'plane', a: 14, b: 9, c: 6, spacing: 0.6, noise: 0.1, margin: 20, seed: 3 };
    const earlier = makeCavityPhantom(flat);
    const later = makeCavityPhantom({ ...flat, seed: 4, pose: POSES[2]! });
    const sliding = registerScans(toScan(earlier.cloud.positions, earlier.outline), toScan(later.cloud.positions, later.outline));
    expect(sliding.warnings).toContain('sliding');
    expect(sliding.unconstrained).toBeGreaterThanOrEqual(2);

    // Another wound altogether: a different shape of skin, far off.
    const other = makeCavityPhantom({ ...earlierSpec, relief: { amplitude: 3, wavelength: 17 }, seed: 8, pose: { rotateDeg: [0, 40, 0], translate: [0, 0, 0] } });
    const poor = registerScans(toScan(makeCavityPhantom(earlierSpec).cloud.positions, makeCavityPhantom(earlierSpec).outline), toScan(other.cloud.positions, other.outline));
    expect(poor.warnings).toContain('poor-fit');
  });

  it('a real sample scan (iPad LiDAR) registered to a transformed copy of itself: RMS at its noise level', async () => {
    const file = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'samples', 'scans', 'ply', 'dardavesis__808-30.ply');
    const cloud = toMillimetres(await readPointCloudFile(file));
    const pose = poseTransform([6, -9, 10], [140, -220, 90]);
    // The copy, moved about the scan's centre.
    const c: Vec3 = [0, 0, 0];
    for (let i = 0; i < cloud.count; i++) for (let a = 0; a < 3; a++) c[a]! += cloud.positions[3 * i + a]! / cloud.count;
    const moved = new Float64Array(cloud.positions.length);
    const about: Rigid = compose(pose, { r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: [-c[0], -c[1], -c[2]] });
    const toCentre: Rigid = { r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), t: c };
    const T = compose(toCentre, about);
    for (let i = 0; i < cloud.count; i++) apply(T, cloud.positions[3 * i]!, cloud.positions[3 * i + 1]!, cloud.positions[3 * i + 2]!, moved, 3 * i);
    const result = registerScans({ positions: cloud.positions, count: cloud.count, outline: null }, { positions: moved, count: cloud.count, outline: null });
    const error = residualError(result.transform, T, c);
    expect(error.deg).toBeLessThan(0.5);
    expect(error.mm).toBeLessThan(0.5 * result.voxelMm); // a room-sized scan: voxels of centimetres
    // "At the noise level": the copy's points sit on the earlier scan's local planes as its own do.
    expect(result.rmsMm / result.noiseMm).toBeGreaterThan(0.5);
    expect(result.rmsMm / result.noiseMm).toBeLessThan(1.3);
    expect(result.warnings).toEqual(['no-outlines']);
  });
});
