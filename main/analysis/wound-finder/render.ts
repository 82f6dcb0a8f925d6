/**
 * Orthographic splat rendering of a coloured point cloud along its view frame, for the wound
 * model: each point is a disc about its spacing wide; a z-buffer pass keeps only the front
 * surface, a second pass averages the colours of the points on that surface per pixel, small
 * gaps inside the surface are filled from their neighbours, and everything else stays black,
 * which is what the model was trained to treat as background (the FUSeg photos' zero padding).
 */
import { Grid2 } from '../measure/index';
import type { Projected } from './view';

/** Image size bounds (longest side, pixels, before the margin). */
export const MIN_IMAGE_SIDE = 256;
export const MAX_IMAGE_SIDE = 1024;
/** Splat radius as a fraction of the point spacing: discs overlap on a jittered grid. */
const SPLAT_RADIUS = 0.75;
/** Splat radius of the depth pass, wider: no gaps in the front surface's z-buffer. */
const DEPTH_SPLAT_RADIUS = 1.1;
/** Spacing is estimated from this many points' nearest neighbours. */
const SPACING_SAMPLES = 2000;

export interface Rendered {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major, top row first. */
  rgb: Uint8Array<ArrayBuffer>;
  /** Front-surface depth per pixel (+Infinity where nothing was drawn). */
  zbuf: Float32Array;
  /** Pixel size (mm). */
  pixelMm: number;
  /** u of the left edge of pixel column 0, v of the top edge of row 0. */
  u0: number;
  vTop: number;
  splatRadiusPx: number;
  /** Depth margin within which a point counts as on the front surface (mm). */
  visibleToleranceMm: number;
  /** Pixel of each point (−1 for invalid points). */
  pixelOf: Int32Array;
}

/**
 * Median distance from a point to its nearest neighbour on the surface (mm), from an evenly
 * strided sample, through a bucket grid of the projected coordinates (neighbours must also be
 * close in depth, so a surface behind does not count).
 */
export function estimateSpacing(proj: Projected, grid: Grid2): number {
  const count = proj.u.length;
  const stride = Math.max(1, Math.floor(count / SPACING_SAMPLES));
  const d: number[] = [];
  const { u, v, depth } = proj;
  for (let i = 0; i < count; i += stride) {
    const ui = u[i]!;
    if (!Number.isFinite(ui)) continue;
    const vi = v[i]!;
    const zi = depth[i]!;
    let best = Infinity;
    for (let r = grid.cell; r <= 16 * grid.cell; r *= 2) {
      grid.within(ui, vi, r, (j, d2) => {
        if (j === i) return;
        const dz = depth[j]! - zi;
        if (dz * dz > r * r) return;
        const t = d2 + dz * dz;
        if (t < best && t > 0) best = t;
      });
      if (best <= r * r) break;
    }
    if (Number.isFinite(best)) d.push(Math.sqrt(best));
  }
  if (d.length === 0) return NaN;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}

/** A bucket grid of the projected points, cells about two point spacings wide. */
export function projectedGrid(proj: Projected): { grid: Grid2; us: Float64Array; vs: Float64Array } {
  const n = proj.u.length;
  const us = Float64Array.from(proj.u);
  const vs = Float64Array.from(proj.v);
  const area = Math.max((proj.uMax - proj.uMin) * (proj.vMax - proj.vMin), 1e-9);
  const s0 = Math.sqrt(area / Math.max(proj.validCount, 1));
  return { grid: new Grid2(us, vs, n, 2 * s0), us, vs };
}

export function renderScan(proj: Projected, colors: Uint8Array, spacingMm: number): Rendered {
  const count = proj.u.length;
  const extent = Math.max(proj.uMax - proj.uMin, proj.vMax - proj.vMin, 1e-6);
  const pixelMm = Math.min(Math.max(spacingMm, extent / MAX_IMAGE_SIDE), extent / MIN_IMAGE_SIDE);
  const splatRadiusPx = Math.max(0.5, (SPLAT_RADIUS * spacingMm) / pixelMm);
  const margin = Math.ceil(Math.max(splatRadiusPx, (DEPTH_SPLAT_RADIUS * spacingMm) / pixelMm)) + 2;
  const width = Math.ceil((proj.uMax - proj.uMin) / pixelMm) + 1 + 2 * margin;
  const height = Math.ceil((proj.vMax - proj.vMin) / pixelMm) + 1 + 2 * margin;
  const u0 = proj.uMin - margin * pixelMm;
  const vTop = proj.vMax + margin * pixelMm;
  const visibleToleranceMm = Math.max(4 * spacingMm, 2 * pixelMm, 2);
  const blendTolerance = Math.max(1.5 * spacingMm, pixelMm, 0.5);
  const { u, v, depth } = proj;

  const px = new Float32Array(count);
  const py = new Float32Array(count);
  const pixelOf = new Int32Array(count).fill(-1);
  for (let i = 0; i < count; i++) {
    const ui = u[i]!;
    if (!Number.isFinite(ui)) continue;
    const x = (ui - u0) / pixelMm;
    const y = (vTop - v[i]!) / pixelMm;
    px[i] = x;
    py[i] = y;
    pixelOf[i] = Math.floor(y) * width + Math.floor(x);
  }

  const zbuf = new Float32Array(width * height).fill(Infinity);
  const r = splatRadiusPx;
  const r2 = r * r;
  const ri = Math.ceil(r);
  const single = r <= 0.5;
  // The depth pass uses wider splats, so the front surface has no pinholes to see through.
  const rd = Math.max(0.5, (DEPTH_SPLAT_RADIUS * spacingMm) / pixelMm);
  const rd2 = rd * rd;
  const rdi = Math.ceil(rd);
  const singleDepth = rd <= 0.5;
  // Pass 1: nearest depth per pixel.
  for (let i = 0; i < count; i++) {
    const own = pixelOf[i]!;
    if (own < 0) continue;
    const z = depth[i]!;
    if (singleDepth) {
      if (z < zbuf[own]!) zbuf[own] = z;
      continue;
    }
    const cx = px[i]!;
    const cy = py[i]!;
    const ix = Math.floor(cx);
    const iy = Math.floor(cy);
    for (let y = iy - rdi; y <= iy + rdi; y++) {
      const dy = y + 0.5 - cy;
      const row = y * width;
      for (let x = ix - rdi; x <= ix + rdi; x++) {
        const dx = x + 0.5 - cx;
        if (dx * dx + dy * dy > rd2 && !(x === ix && y === iy)) continue;
        const k = row + x;
        if (z < zbuf[k]!) zbuf[k] = z;
      }
    }
  }
  closeSeeThrough(zbuf, width, height, visibleToleranceMm);
  closeSeeThrough(zbuf, width, height, visibleToleranceMm);
  // Pass 2: average the colours of the points on the front surface.
  const acc = new Float32Array(width * height * 3);
  const weight = new Float32Array(width * height);
  for (let i = 0; i < count; i++) {
    const own = pixelOf[i]!;
    if (own < 0) continue;
    const z = depth[i]! - blendTolerance;
    const cr = colors[3 * i]!;
    const cg = colors[3 * i + 1]!;
    const cb = colors[3 * i + 2]!;
    if (single) {
      if (z <= zbuf[own]!) {
        acc[3 * own]! += cr;
        acc[3 * own + 1]! += cg;
        acc[3 * own + 2]! += cb;
        weight[own]! += 1;
      }
      continue;
    }
    const cx = px[i]!;
    const cy = py[i]!;
    const ix = Math.floor(cx);
    const iy = Math.floor(cy);
    for (let y = iy - ri; y <= iy + ri; y++) {
      const dy = y + 0.5 - cy;
      const row = y * width;
      for (let x = ix - ri; x <= ix + ri; x++) {
        const dx = x + 0.5 - cx;
        const d2 = dx * dx + dy * dy;
        if (d2 > r2 && !(x === ix && y === iy)) continue;
        const k = row + x;
        if (z > zbuf[k]!) continue;
        // Nearer the splat's centre counts more, so edges between colours stay sharp.
        const w = 1 - d2 / (r2 + 1);
        acc[3 * k]! += w * cr;
        acc[3 * k + 1]! += w * cg;
        acc[3 * k + 2]! += w * cb;
        weight[k]! += w;
      }
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let k = 0; k < width * height; k++) {
    const w = weight[k]!;
    if (w > 0) {
      rgb[3 * k] = Math.round(acc[3 * k]! / w);
      rgb[3 * k + 1] = Math.round(acc[3 * k + 1]! / w);
      rgb[3 * k + 2] = Math.round(acc[3 * k + 2]! / w);
    }
  }
  fillHoles(rgb, zbuf, weight, width, height);
  return { width, height, rgb, zbuf, pixelMm, u0, vTop, splatRadiusPx, visibleToleranceMm, pixelOf };
}

/**
 * A pixel the front surface's splats missed shows whatever lies behind it (the far side of a
 * limb). Where at least 5 of its 8 neighbours are nearer by more than `tol`, the pixel is such a
 * hole: it takes those neighbours' mean depth, so that nothing behind is drawn or labelled there.
 */
function closeSeeThrough(zbuf: Float32Array, width: number, height: number, tol: number): void {
  const offsets = Int32Array.of(-width - 1, -width, -width + 1, -1, 1, width - 1, width, width + 1);
  const fixes: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const k = y * width + x;
      const z = zbuf[k]!;
      if (z === Infinity) continue;
      let n = 0;
      let sum = 0;
      for (let t = 0; t < 8; t++) {
        const q = zbuf[k + offsets[t]!]!;
        if (q < z - tol) {
          n++;
          sum += q;
        }
      }
      if (n >= 5) fixes.push(k, sum / n);
    }
  }
  for (let f = 0; f < fixes.length; f += 2) zbuf[fixes[f]!] = fixes[f + 1]!;
}

/**
 * Empty pixels with at least 5 of their 8 neighbours drawn take their neighbours' mean colour
 * and nearest depth, three rounds: gaps inside the surface close, its silhouette does not grow.
 */
function fillHoles(rgb: Uint8Array, zbuf: Float32Array, weight: Float32Array, width: number, height: number): void {
  const filled = new Uint8Array(width * height);
  for (let k = 0; k < filled.length; k++) filled[k] = weight[k]! > 0 ? 1 : 0;
  const todo: number[] = [];
  const offsets = Int32Array.of(-width - 1, -width, -width + 1, -1, 1, width - 1, width, width + 1);
  for (let round = 0; round < 3; round++) {
    todo.length = 0;
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        const k = y * width + x;
        if (filled[k]) continue;
        const n =
          filled[k - width - 1]! + filled[k - width]! + filled[k - width + 1]! + filled[k - 1]! + filled[k + 1]! + filled[k + width - 1]! + filled[k + width]! + filled[k + width + 1]!;
        if (n >= 5) todo.push(k);
      }
    }
    if (todo.length === 0) return;
    for (const k of todo) {
      let r = 0;
      let g = 0;
      let b = 0;
      let m = 0;
      let z = Infinity;
      for (let t = 0; t < 8; t++) {
        const q = k + offsets[t]!;
        if (!filled[q]) continue;
        r += rgb[3 * q]!;
        g += rgb[3 * q + 1]!;
        b += rgb[3 * q + 2]!;
        m++;
        if (zbuf[q]! < z) z = zbuf[q]!;
      }
      rgb[3 * k] = Math.round(r / m);
      rgb[3 * k + 1] = Math.round(g / m);
      rgb[3 * k + 2] = Math.round(b / m);
      if (z < zbuf[k]!) zbuf[k] = z;
    }
    // Marked after the round, so each round grows by one pixel at most.
    for (const k of todo) filled[k] = 1;
  }
}
