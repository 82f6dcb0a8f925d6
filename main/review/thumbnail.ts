/**
 * A small picture of a scan for the review's timeline: the scan seen straight down onto the wound
 * (along the skin's normal at the outline; without an outline, along the scan's thinnest axis),
 * orthographic, in the scan's own colours (grey shaded by height without colour), the outline drawn
 * in cyan. Rendered on the CPU with a depth buffer (the nearest point to the viewer wins a pixel),
 * encoded as PNG.
 */
import { PNG } from 'pngjs';
import type { PointCloud } from '../../common/point-cloud';
import { outlinePlane } from './registration/outline-mask';
import { cross, normalize, symmetricEigenvalues, symmetricEigenvector, type Vec3 } from './registration/rigid';

export const THUMBNAIL_WIDTH = 200;
export const THUMBNAIL_HEIGHT = 150;
const OUTLINE_RGB = [0, 229, 255];
const BACKGROUND = [24, 24, 27];

/** The view: centre, the direction looked along (−n), and the half-height of the picture (mm). */
function viewOf(cloud: PointCloud, outline: Vec3[] | null): { centre: Vec3; n: Vec3; halfHeight: number } {
  const P = cloud.positions;
  const step = Math.max(1, Math.floor(cloud.count / 50_000));
  if (outline && outline.length >= 3) {
    const plane = outlinePlane(outline);
    let radius = 0;
    for (const p of outline) radius = Math.max(radius, Math.hypot(p[0] - plane.centre[0], p[1] - plane.centre[1], p[2] - plane.centre[2]));
    // Look from outside: the wound bed (points near the centre) lies below the outline's plane.
    let below = 0;
    for (let i = 0; i < cloud.count; i += step) {
      const dx = P[3 * i]! - plane.centre[0];
      const dy = P[3 * i + 1]! - plane.centre[1];
      const dz = P[3 * i + 2]! - plane.centre[2];
      if (dx * dx + dy * dy + dz * dz > radius * radius) continue;
      below += dx * plane.normal[0] + dy * plane.normal[1] + dz * plane.normal[2] < 0 ? 1 : -1;
    }
    const n = below >= 0 ? plane.normal : ([-plane.normal[0], -plane.normal[1], -plane.normal[2]] as Vec3);
    return { centre: plane.centre, n, halfHeight: Math.max(15, 2.2 * radius) };
  }
  const c: Vec3 = [0, 0, 0];
  let k = 0;
  for (let i = 0; i < cloud.count; i += step, k++) for (let a = 0; a < 3; a++) c[a]! += P[3 * i + a]!;
  for (let a = 0; a < 3; a++) c[a]! /= Math.max(1, k);
  const m = [0, 0, 0, 0, 0, 0];
  let extent = 0;
  for (let i = 0; i < cloud.count; i += step) {
    const d = [P[3 * i]! - c[0], P[3 * i + 1]! - c[1], P[3 * i + 2]! - c[2]] as const;
    m[0]! += d[0] * d[0];
    m[1]! += d[0] * d[1];
    m[2]! += d[0] * d[2];
    m[3]! += d[1] * d[1];
    m[4]! += d[1] * d[2];
    m[5]! += d[2] * d[2];
    extent = Math.max(extent, Math.hypot(d[0], d[1], d[2]));
  }
  const [l0] = symmetricEigenvalues(m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!);
  const v = new Float64Array(3);
  symmetricEigenvector(m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, l0, v);
  const n = normalize([v[0]!, v[1]!, v[2]!]);
  return { centre: c, n: n[2] < 0 ? [-n[0], -n[1], -n[2]] : n, halfHeight: Math.max(1, extent * 0.8) };
}

export function renderThumbnail(cloud: PointCloud, outline: Vec3[] | null): Buffer {
  const W = THUMBNAIL_WIDTH;
  const H = THUMBNAIL_HEIGHT;
  const { centre, n, halfHeight } = viewOf(cloud, outline);
  const hint: Vec3 = Math.abs(n[2]) < 0.9 ? [0, 0, 1] : [0, 1, 0];
  const up = normalize([hint[0] - n[0] * (hint[0] * n[0] + hint[1] * n[1] + hint[2] * n[2]), hint[1] - n[1] * (hint[0] * n[0] + hint[1] * n[1] + hint[2] * n[2]), hint[2] - n[2] * (hint[0] * n[0] + hint[1] * n[1] + hint[2] * n[2])]);
  const right = cross(up, n);
  const mmPerPx = (2 * halfHeight) / H;
  const depth = new Float32Array(W * H).fill(-Infinity);
  const rgb = new Uint8Array(3 * W * H);
  const P = cloud.positions;
  const C = cloud.colors;
  let wMin = Infinity;
  let wMax = -Infinity;
  const ws = C ? null : new Float32Array(W * H);
  for (let i = 0; i < cloud.count; i++) {
    const dx = P[3 * i]! - centre[0];
    const dy = P[3 * i + 1]! - centre[1];
    const dz = P[3 * i + 2]! - centre[2];
    const px = Math.floor(W / 2 + (dx * right[0] + dy * right[1] + dz * right[2]) / mmPerPx);
    const py = Math.floor(H / 2 - (dx * up[0] + dy * up[1] + dz * up[2]) / mmPerPx);
    if (px < 0 || py < 0 || px >= W - 1 || py >= H - 1) continue;
    const w = dx * n[0] + dy * n[1] + dz * n[2];
    // A 2 × 2 splat closes the gaps between points at this scale.
    for (let oy = 0; oy < 2; oy++) {
      for (let ox = 0; ox < 2; ox++) {
        const o = px + ox + W * (py + oy);
        if (w <= depth[o]!) continue;
        depth[o] = w;
        if (C) {
          rgb[3 * o] = C[3 * i]!;
          rgb[3 * o + 1] = C[3 * i + 1]!;
          rgb[3 * o + 2] = C[3 * i + 2]!;
        } else ws![o] = w;
      }
    }
    if (w < wMin) wMin = w;
    if (w > wMax) wMax = w;
  }
  const png = new PNG({ width: W, height: H });
  for (let o = 0; o < W * H; o++) {
    const empty = depth[o] === -Infinity;
    const shade = ws && !empty ? Math.round(70 + (185 * (ws[o]! - wMin)) / Math.max(1e-6, wMax - wMin)) : 0;
    png.data[4 * o] = empty ? BACKGROUND[0]! : ws ? shade : rgb[3 * o]!;
    png.data[4 * o + 1] = empty ? BACKGROUND[1]! : ws ? shade : rgb[3 * o + 1]!;
    png.data[4 * o + 2] = empty ? BACKGROUND[2]! : ws ? shade : rgb[3 * o + 2]!;
    png.data[4 * o + 3] = 255;
  }
  if (outline && outline.length >= 2) {
    const toPx = (p: Vec3): [number, number] => {
      const d = [p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]] as const;
      return [W / 2 + (d[0] * right[0] + d[1] * right[1] + d[2] * right[2]) / mmPerPx, H / 2 - (d[0] * up[0] + d[1] * up[1] + d[2] * up[2]) / mmPerPx];
    };
    for (let k = 0; k < outline.length; k++) {
      const [x0, y0] = toPx(outline[k]!);
      const [x1, y1] = toPx(outline[(k + 1) % outline.length]!);
      const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2) + 1;
      for (let s = 0; s <= steps; s++) {
        const x = Math.round(x0 + ((x1 - x0) * s) / steps);
        const y = Math.round(y0 + ((y1 - y0) * s) / steps);
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        png.data.set(OUTLINE_RGB, 4 * (x + W * y));
      }
    }
  }
  return PNG.sync.write(png);
}
