/**
 * The model's mask, back onto the points: a point takes its pixel's label when it is on the
 * front surface there (z-buffer test with a tolerance), so points behind (the far side of a
 * limb) are never labelled. Of the labelled points, the largest region connected over the
 * surface (neighbours within a radius from the point spacing) is kept; its footprint in the
 * image is closed and its holes filled, and every front-surface point in that footprint is wound.
 */
import type { Rendered } from './render';
import type { Projected } from './view';

/** Voxel side of the surface graph, in point spacings. */
const LINK_SPACINGS = 1.5;

export interface Footprint {
  /** Window of the image holding the region (pixels), with a background border. */
  x0: number;
  y0: number;
  w: number;
  h: number;
  /** 1 inside the region (closed, holes filled), w × h. */
  inside: Uint8Array;
}

export interface Lifted {
  /** Per point: on the front surface at its pixel. */
  visible: Uint8Array;
  /** Points the mask marks (before the largest region is chosen). */
  candidateCount: number;
  /** Connected regions among them. */
  regionCount: number;
  /** Points of the largest region. */
  regionPointCount: number;
  labels: Uint8Array<ArrayBuffer>;
  woundPointCount: number;
  footprint: Footprint | null;
}

export function visibleMask(proj: Projected, render: Rendered): Uint8Array {
  const count = proj.depth.length;
  const visible = new Uint8Array(count);
  const tol = render.visibleToleranceMm;
  for (let i = 0; i < count; i++) {
    const k = render.pixelOf[i]!;
    if (k >= 0 && proj.depth[i]! <= render.zbuf[k]! + tol) visible[i] = 1;
  }
  return visible;
}

/**
 * Connected components of `members` (point indexes) over the surface: the points are binned in
 * cubic voxels of side `radius` (in the projected frame, a rigid transform of the cloud's), and
 * two occupied voxels that touch (26-neighbourhood) are linked, so points within `radius` of each
 * other are always in one component and points more than 2√3·radius apart never link directly.
 * O(n) with a hash of the occupied voxels; returns each member's component id and the sizes.
 */
export function connectedRegions(proj: Projected, members: Int32Array, radius: number): { component: Int32Array; sizes: number[] } {
  const n = members.length;
  let x0 = Infinity;
  let y0 = Infinity;
  let z0 = Infinity;
  for (let k = 0; k < n; k++) {
    const i = members[k]!;
    x0 = Math.min(x0, proj.u[i]!);
    y0 = Math.min(y0, proj.v[i]!);
    z0 = Math.min(z0, proj.depth[i]!);
  }
  // Occupied voxels in an open-addressing hash table keyed by their integer coordinates.
  let size = 16;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  const vx = new Int32Array(n);
  const vy = new Int32Array(n);
  const vz = new Int32Array(n);
  let nv = 0;
  const find = (ix: number, iy: number, iz: number): number => {
    let h = (Math.imul(ix, 73856093) ^ Math.imul(iy, 19349663) ^ Math.imul(iz, 83492791)) & mask;
    for (;;) {
      const v = table[h]!;
      if (v === -1 || (vx[v] === ix && vy[v] === iy && vz[v] === iz)) return h;
      h = (h + 1) & mask;
    }
  };
  const voxelOfPoint = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = members[k]!;
    const ix = Math.floor((proj.u[i]! - x0) / radius);
    const iy = Math.floor((proj.v[i]! - y0) / radius);
    const iz = Math.floor((proj.depth[i]! - z0) / radius);
    const h = find(ix, iy, iz);
    if (table[h] === -1) {
      table[h] = nv;
      vx[nv] = ix;
      vy[nv] = iy;
      vz[nv] = iz;
      nv++;
    }
    voxelOfPoint[k] = table[h]!;
  }
  const voxComp = new Int32Array(nv).fill(-1);
  const queue = new Int32Array(nv);
  const voxSizes: number[] = [];
  for (let seed = 0; seed < nv; seed++) {
    if (voxComp[seed] !== -1) continue;
    const id = voxSizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    voxComp[seed] = id;
    while (head < tail) {
      const q = queue[head++]!;
      const qx = vx[q]!;
      const qy = vy[q]!;
      const qz = vz[q]!;
      for (let dz = -1; dz <= 1; dz++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if (dx === 0 && dy === 0 && dz === 0) continue;
            const other = table[find(qx + dx, qy + dy, qz + dz)]!;
            if (other !== -1 && voxComp[other] === -1) {
              voxComp[other] = id;
              queue[tail++] = other;
            }
          }
        }
      }
    }
    voxSizes.push(0);
  }
  const component = new Int32Array(n);
  const sizes = voxSizes;
  for (let k = 0; k < n; k++) {
    const c = voxComp[voxelOfPoint[k]!]!;
    component[k] = c;
    sizes[c]!++;
  }
  return { component, sizes };
}

export function liftMask(proj: Projected, render: Rendered, mask: Uint8Array, spacingMm: number): Lifted {
  const count = proj.depth.length;
  const visible = visibleMask(proj, render);
  const members: number[] = [];
  for (let i = 0; i < count; i++) {
    const k = render.pixelOf[i]!;
    if (visible[i] && mask[k]! > 0) members.push(i);
  }
  const labels = new Uint8Array(count);
  const empty = { visible, candidateCount: members.length, labels, woundPointCount: 0, footprint: null };
  if (members.length === 0) return { ...empty, regionCount: 0, regionPointCount: 0 };
  const idx = Int32Array.from(members);
  const { component, sizes } = connectedRegions(proj, idx, LINK_SPACINGS * spacingMm);
  let best = 0;
  for (let c = 1; c < sizes.length; c++) if (sizes[c]! > sizes[best]!) best = c;

  // Footprint of the kept region in the image.
  const { width } = render;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < idx.length; k++) {
    if (component[k] !== best) continue;
    const p = render.pixelOf[idx[k]!]!;
    const x = p % width;
    const y = (p - x) / width;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const rc = Math.max(1, Math.ceil(render.splatRadiusPx));
  const pad = rc + 2;
  const x0 = minX - pad;
  const y0 = minY - pad;
  const w = maxX - minX + 1 + 2 * pad;
  const h = maxY - minY + 1 + 2 * pad;
  let inside = new Uint8Array(w * h);
  for (let k = 0; k < idx.length; k++) {
    if (component[k] !== best) continue;
    const p = render.pixelOf[idx[k]!]!;
    const x = p % width;
    const y = (p - x) / width;
    inside[(y - y0) * w + (x - x0)] = 1;
  }
  // Closing (square of side 2rc + 1) joins the pixels of neighbouring points; then fill holes.
  inside = erode(dilate(inside, w, h, rc), w, h, rc);
  fillEnclosed(inside, w, h);

  let woundPointCount = 0;
  for (let i = 0; i < count; i++) {
    if (!visible[i]) continue;
    const p = render.pixelOf[i]!;
    const x = (p % width) - x0;
    const y = Math.floor(p / width) - y0;
    if (x < 0 || y < 0 || x >= w || y >= h) continue;
    if (inside[y * w + x]) {
      labels[i] = 1;
      woundPointCount++;
    }
  }
  return {
    visible,
    candidateCount: members.length,
    regionCount: sizes.length,
    regionPointCount: sizes[best]!,
    labels,
    woundPointCount,
    footprint: { x0, y0, w, h, inside },
  };
}

/** Binary dilation by a (2r + 1)² square, separable. */
export function dilate(src: Uint8Array, w: number, h: number, r: number): Uint8Array<ArrayBuffer> {
  return morph(src, w, h, r, 1);
}

/** Binary erosion by a (2r + 1)² square; outside the window counts as background. */
export function erode(src: Uint8Array, w: number, h: number, r: number): Uint8Array<ArrayBuffer> {
  return morph(src, w, h, r, 0);
}

function morph(src: Uint8Array, w: number, h: number, r: number, grow: 0 | 1): Uint8Array<ArrayBuffer> {
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  // Running count of foreground pixels in the window along each row, then each column.
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s = 0;
    for (let x = 0; x < Math.min(r, w); x++) s += src[row + x]!;
    for (let x = 0; x < w; x++) {
      if (x + r < w) s += src[row + x + r]!;
      if (x - r - 1 >= 0) s -= src[row + x - r - 1]!;
      tmp[row + x] = grow ? (s > 0 ? 1 : 0) : s === 2 * r + 1 ? 1 : 0;
    }
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let y = 0; y < Math.min(r, h); y++) s += tmp[y * w + x]!;
    for (let y = 0; y < h; y++) {
      if (y + r < h) s += tmp[(y + r) * w + x]!;
      if (y - r - 1 >= 0) s -= tmp[(y - r - 1) * w + x]!;
      out[y * w + x] = grow ? (s > 0 ? 1 : 0) : s === 2 * r + 1 ? 1 : 0;
    }
  }
  return out;
}

/** Background pixels not 4-connected to the window's border are holes: set them to 1. */
export function fillEnclosed(img: Uint8Array, w: number, h: number): void {
  const outside = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let top = 0;
  const push = (k: number) => {
    if (!img[k] && !outside[k]) {
      outside[k] = 1;
      stack[top++] = k;
    }
  };
  for (let x = 0; x < w; x++) {
    push(x);
    push((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    push(y * w);
    push(y * w + w - 1);
  }
  while (top > 0) {
    const k = stack[--top]!;
    const x = k % w;
    if (x > 0) push(k - 1);
    if (x < w - 1) push(k + 1);
    if (k >= w) push(k - w);
    if (k < w * (h - 1)) push(k + w);
  }
  for (let k = 0; k < w * h; k++) if (!img[k] && !outside[k]) img[k] = 1;
}
