import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../analysis/test-phantoms';
import { createOutlineMask } from './outline-mask';
import { apply, compose, invert, rotationAngleDeg, rotationFromVector, symmetricEigenvalues, symmetricEigenvector, type Rigid, type Vec3 } from './rigid';
import { buildVoxels } from './voxels';

describe('registration geometry', () => {
  it('voxel nearest-neighbour search finds the same centroid as a brute-force search', () => {
    const rand = mulberry32(7);
    const n = 20_000;
    const P = Float64Array.from({ length: 3 * n }, (_, i) => (i % 3 === 2 ? 5 * Math.sin(i) : 100 * rand()));
    const voxels = buildVoxels(P, n, 1.5);
    const out = new Float64Array(1);
    for (let q = 0; q < 300; q++) {
      const [x, y, z] = [110 * rand() - 5, 110 * rand() - 5, 16 * rand() - 8];
      const got = voxels.nearest(x, y, z, 6, out);
      let best = -1;
      let bestD2 = 36;
      for (let k = 0; k < voxels.count; k++) {
        const d2 = (voxels.centroid[3 * k]! - x) ** 2 + (voxels.centroid[3 * k + 1]! - y) ** 2 + (voxels.centroid[3 * k + 2]! - z) ** 2;
        if (d2 < bestD2) {
          bestD2 = d2;
          best = k;
        }
      }
      expect(got).toBe(best);
      if (best >= 0) expect(out[0]).toBeCloseTo(bestD2, 9);
    }
  });

  it('local planes: a tilted noisy plane gives its normal and its noise', () => {
    const rand = mulberry32(3);
    const n = 50_000;
    const normal: Vec3 = [0.2, -0.3, 0.932737905];
    const P = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const u = 60 * rand();
      const v = 60 * rand();
      const g = Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
      const w = 0.1 * g;
      // A basis of the plane: e1 ⟂ n, e2 = n × e1.
      P[3 * i] = u * 0.977802414 + v * 0 + w * normal[0];
      P[3 * i + 1] = u * 0.063944463 + v * 0.958333 + w * normal[1];
      P[3 * i + 2] = u * -0.199404 + v * 0.285714 + w * normal[2];
    }
    const voxels = buildVoxels(P, n, 2);
    const e1: Vec3 = [0.977802414, 0.063944463, -0.199404];
    const e2: Vec3 = [0, 0.958333, 0.285714];
    const nn: Vec3 = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const len = Math.hypot(...nn);
    let worst = 0;
    const sigmas: number[] = [];
    for (let k = 0; k < voxels.count; k++) {
      if (voxels.pointCount[k]! < 5) continue;
      const c = Math.abs(voxels.normal[3 * k]! * nn[0] + voxels.normal[3 * k + 1]! * nn[1] + voxels.normal[3 * k + 2]! * nn[2]) / len;
      worst = Math.max(worst, Math.acos(Math.min(1, c)));
      sigmas.push(voxels.planeSigma[k]!);
    }
    expect((worst * 180) / Math.PI).toBeLessThan(10);
    sigmas.sort((a, b) => a - b);
    expect(sigmas[sigmas.length >> 1]).toBeGreaterThan(0.08);
    expect(sigmas[sigmas.length >> 1]).toBeLessThan(0.11);
  });

  it('closed-form eigenvalues and eigenvectors of symmetric 3×3 matrices', () => {
    const rand = mulberry32(11);
    for (let t = 0; t < 200; t++) {
      const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => 10 * rand() - 5);
      const values = symmetricEigenvalues(a!, b!, c!, d!, e!, f!);
      expect(values[0]).toBeLessThanOrEqual(values[1]);
      expect(values[1]).toBeLessThanOrEqual(values[2]);
      for (const l of values) {
        const v = new Float64Array(3);
        symmetricEigenvector(a!, b!, c!, d!, e!, f!, l, v);
        const Av = [a! * v[0]! + b! * v[1]! + c! * v[2]!, b! * v[0]! + d! * v[1]! + e! * v[2]!, c! * v[0]! + e! * v[1]! + f! * v[2]!];
        for (let k = 0; k < 3; k++) expect(Av[k]!).toBeCloseTo(l * v[k]!, 6);
      }
    }
    // Repeated and all-zero eigenvalues (points that coincide) do not give NaN.
    expect(symmetricEigenvalues(0, 0, 0, 0, 0, 0)).toEqual([0, 0, 0]);
    expect(symmetricEigenvalues(2, 0, 0, 2, 0, 2)).toEqual([2, 2, 2]);
  });

  it('rigid transforms compose and invert', () => {
    const A: Rigid = { r: rotationFromVector(0.1, -0.2, 0.3), t: [1, 2, 3] };
    const B: Rigid = { r: rotationFromVector(-0.3, 0.05, 0.2), t: [-4, 0.5, 2] };
    const p: Vec3 = [3, -1, 7];
    const ab = apply(compose(A, B), ...p) as Vec3;
    const bThenA = apply(A, ...(apply(B, ...p) as Vec3)) as Vec3;
    for (let k = 0; k < 3; k++) expect(ab[k]).toBeCloseTo(bThenA[k]!, 12);
    const back = compose(invert(A), A);
    expect(rotationAngleDeg(back.r)).toBeLessThan(1e-5); // acos near 1 resolves ~1e-6°
    expect(Math.hypot(...back.t)).toBeLessThan(1e-12);
    expect(rotationAngleDeg(rotationFromVector(0, 0, Math.PI / 6))).toBeCloseTo(30, 9);
  });

  it('the outline mask holds the inside of a drawn outline and its margin, not the far side of a limb', () => {
    // A 20 × 10 mm ellipse on the plane z = 0.
    const outline: Vec3[] = Array.from({ length: 64 }, (_, k) => [10 * Math.cos((2 * Math.PI * k) / 64), 5 * Math.sin((2 * Math.PI * k) / 64), 0]);
    const mask = createOutlineMask(outline, [0, 0, 1], 2, 15);
    expect(mask.contains(0, 0, -4)).toBe(true);
    expect(mask.contains(9.5, 0, 0)).toBe(true);
    expect(mask.contains(11.8, 0, 0)).toBe(true); // within the 2 mm margin
    expect(mask.contains(12.4, 0, 0)).toBe(false);
    expect(mask.contains(0, 6.8, 0)).toBe(true);
    expect(mask.contains(0, 7.4, 0)).toBe(false);
    expect(mask.contains(0, 0, -40)).toBe(false); // the other side of a limb
    expect(mask.radius).toBeCloseTo(10, 6);
  });
});
