/**
 * The wound finder's geometry without the model: contours, morphology, surface regions, and the
 * render → lift round trip with a perfect mask (the painted points' own pixels), which must come
 * back as the painted points and never reach the far side of a closed limb.
 */
import { describe, expect, it } from 'vitest';
import { Polygon2 } from '../measure/index';
import { contourLoops, loopArea, outerBoundary } from './contour';
import { connectedRegions, dilate, erode, fillEnclosed } from './lift';
import { finishScan, prepareScan } from './pipeline';
import { makeTexturedCylinder, type Texture } from './phantom';
import type { Projected } from './view';

function disc(w: number, h: number, cx: number, cy: number, r: number, hole = 0): Uint8Array {
  const img = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const d = Math.hypot(x - cx, y - cy);
    if (d <= r && d >= hole) img[y * w + x] = 1;
  }
  return img;
}

describe('contours', () => {
  it('traces a disc as one simple loop of the right area, and a ring as two', () => {
    const loops = contourLoops(disc(64, 64, 32, 32, 20), 64, 64);
    expect(loops).toHaveLength(1);
    expect(Math.abs(loopArea(loops[0]!.xs, loops[0]!.ys)) / (Math.PI * 400)).toBeCloseTo(1, 1);
    expect(new Polygon2(loops[0]!.xs, loops[0]!.ys).findSelfIntersection()).toBeNull();
    expect(contourLoops(disc(64, 64, 32, 32, 20, 8), 64, 64)).toHaveLength(2);
  });

  it('keeps diagonal pixels connected (one loop) and stays simple after smoothing', () => {
    const w = 8;
    const img = new Uint8Array(w * w);
    img[2 * w + 2] = img[3 * w + 3] = img[4 * w + 4] = 1;
    expect(contourLoops(img, w, w)).toHaveLength(1);
    const b = outerBoundary(disc(80, 60, 40, 30, 22), 80, 60, 2)!;
    expect(b.xs.length).toBeGreaterThan(40);
    expect(new Polygon2(b.xs, b.ys).findSelfIntersection()).toBeNull();
    expect(Math.abs(loopArea(b.xs, b.ys)) / (Math.PI * 22 * 22)).toBeCloseTo(1, 1);
  });

  it('closes gaps and fills holes', () => {
    const ring = disc(40, 40, 20, 20, 12, 5);
    fillEnclosed(ring, 40, 40);
    expect(ring.reduce((a, b) => a + b, 0)).toBe(disc(40, 40, 20, 20, 12).reduce((a, b) => a + b, 0));
    const dotted = new Uint8Array(30 * 30);
    for (let y = 5; y < 25; y += 2) for (let x = 5; x < 25; x += 2) dotted[y * 30 + x] = 1;
    const closed = erode(dilate(dotted, 30, 30, 1), 30, 30, 1);
    expect(contourLoops(closed, 30, 30)).toHaveLength(1);
  });
});

describe('surface regions', () => {
  it('links points within the radius and separates layers farther apart', () => {
    // Two parallel 10 × 10 sheets, 1 mm spacing, 5 mm apart in depth.
    const n = 200;
    const u = new Float32Array(n);
    const v = new Float32Array(n);
    const depth = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      u[i] = i % 10;
      v[i] = Math.floor(i / 10) % 10;
      depth[i] = i < 100 ? 0 : 5;
    }
    const proj: Projected = { u, v, depth, validCount: n, uMin: 0, uMax: 9, vMin: 0, vMax: 9 };
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const r = connectedRegions(proj, all, 1.5);
    expect(r.sizes).toEqual([100, 100]);
    expect(new Set(r.component.subarray(0, 100)).size).toBe(1);
  });
});

describe('render and lift without the model', () => {
  /** A red disc on skin, and its mask: the render needs colours, the lift test uses the mask itself. */
  const w = 300;
  const h = 360;
  const photo: Texture = { width: w, height: h, data: new Uint8Array(w * h * 4) };
  const mask: Texture = { width: w, height: h, data: new Uint8Array(w * h * 4) };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = 4 * (y * w + x);
    const wound = Math.hypot(x - 130, y - 170) < 50;
    photo.data.set(wound ? [190, 40, 50, 255] : [205, 160, 140, 255], o);
    mask.data[o] = wound ? 255 : 0;
  }

  it('a perfect mask lifts back to the painted points, none on the far side, with the boundary on the surface', () => {
    const tube = makeTexturedCylinder({ photo, mask, mmPerPixel: 0.3, radius: 40, spacing: 0.6, noise: 0.2, seed: 2, closedTube: true });
    const prep = prepareScan({ positions: tube.cloud.positions, count: tube.cloud.count, colors: tube.cloud.colors, viewDirection: tube.viewDirection });
    const perfect = new Uint8Array(prep.render.width * prep.render.height);
    for (let i = 0; i < tube.cloud.count; i++) if (tube.painted[i]) perfect[prep.render.pixelOf[i]!] = 255;
    const done = finishScan(prep, perfect);
    let inter = 0;
    let union = 0;
    let back = 0;
    for (let i = 0; i < tube.cloud.count; i++) {
      if (done.labels[i] && tube.painted[i]) inter++;
      if (done.labels[i] || tube.painted[i]) union++;
      if (done.labels[i] && tube.back[i]) back++;
    }
    expect(inter / union).toBeGreaterThan(0.97);
    expect(back).toBe(0);
    // Radius 15 mm painted disc at 40 mm: every boundary vertex on the cylinder, about 15 mm from the centre.
    const b = done.boundary;
    for (let k = 0; k < b.length / 3; k++) {
      expect(Math.abs(Math.hypot(b[3 * k + 1]!, b[3 * k + 2]!) - 40)).toBeLessThan(0.6);
    }
  });
});
