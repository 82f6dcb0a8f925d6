/**
 * "Inside the wound outline, give or take a margin" for points of a scan: the outline (a closed
 * 3D polyline on the skin) is projected along the skin's normal onto its plane and rasterised
 * there (scanline fill, then a chamfer distance transform for the margin), so each point's test
 * is a projection and one table look-up. Points far above or below the skin (the other side of a
 * limb) are never inside.
 */
import { cross, dot, normalize, type Vec3 } from './rigid';

export interface OutlineMask {
  centre: Vec3;
  /** Unit normal of the plane the outline was rasterised on. */
  normal: Vec3;
  /** Radius of the outline around its centre (largest in-plane distance of a vertex, mm). */
  radius: number;
  /** Inside the outline, or within `margin` mm of it, and within `depthLimit` of its plane. */
  contains(x: number, y: number, z: number): boolean;
  /** In-plane coordinates of the outline's vertices (for its principal axis). */
  uv: Float64Array;
  e1: Vec3;
  e2: Vec3;
}

/** Plane of the outline's vertices: centroid and the smallest principal axis (sign arbitrary). */
export function outlinePlane(outline: readonly Vec3[]): { centre: Vec3; normal: Vec3 } {
  const n = outline.length;
  const c: Vec3 = [0, 0, 0];
  for (const p of outline) for (let k = 0; k < 3; k++) c[k]! += p[k]! / n;
  // Smallest axis of the covariance by power iteration on (trace·I − C) (its largest axis).
  const C = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const p of outline) {
    const d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
    for (let r = 0; r < 3; r++) for (let s = 0; s < 3; s++) C[3 * r + s]! += d[r]! * d[s]!;
  }
  const tr = C[0]! + C[4]! + C[8]!;
  const M = C.map((v, i) => (i % 4 === 0 ? tr - v : -v));
  let v: Vec3 = [0.3, 0.2, 1];
  for (let it = 0; it < 200; it++) v = normalize([M[0]! * v[0] + M[1]! * v[1] + M[2]! * v[2], M[3]! * v[0] + M[4]! * v[1] + M[5]! * v[2], M[6]! * v[0] + M[7]! * v[1] + M[8]! * v[2]]);
  return { centre: c, normal: v };
}

export function createOutlineMask(outline: readonly Vec3[], normalIn: Vec3, margin: number, depthLimit: number): OutlineMask {
  const normal = normalize(normalIn);
  const { centre } = outlinePlane(outline);
  const hint: Vec3 = Math.abs(normal[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const e1 = normalize(cross(hint, normal));
  const e2 = cross(normal, e1);
  const n = outline.length;
  const uv = new Float64Array(2 * n);
  let radius = 0;
  let u0 = Infinity;
  let v0 = Infinity;
  let u1 = -Infinity;
  let v1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const d: Vec3 = [outline[i]![0] - centre[0], outline[i]![1] - centre[1], outline[i]![2] - centre[2]];
    const u = dot(d, e1);
    const v = dot(d, e2);
    uv[2 * i] = u;
    uv[2 * i + 1] = v;
    radius = Math.max(radius, Math.hypot(u, v));
    u0 = Math.min(u0, u);
    u1 = Math.max(u1, u);
    v0 = Math.min(v0, v);
    v1 = Math.max(v1, v);
  }
  // Raster of about 400 cells across, covering the outline and its margin.
  const cell = Math.max(0.1, Math.max(u1 - u0, v1 - v0, 1) / 400);
  const pad = Math.ceil(margin / cell) + 2;
  const gu0 = u0 - pad * cell;
  const gv0 = v0 - pad * cell;
  const nu = Math.ceil((u1 - u0) / cell) + 2 * pad + 1;
  const nv = Math.ceil((v1 - v0) / cell) + 2 * pad + 1;
  const dist = new Float32Array(nu * nv).fill(Infinity);
  // Scanline fill (even-odd) at each row's centre.
  const crossings: number[] = [];
  for (let j = 0; j < nv; j++) {
    const y = gv0 + (j + 0.5) * cell;
    crossings.length = 0;
    for (let i = 0; i < n; i++) {
      const k = (i + 1) % n;
      const ya = uv[2 * i + 1]!;
      const yb = uv[2 * k + 1]!;
      if (ya > y !== yb > y) crossings.push(uv[2 * i]! + ((y - ya) / (yb - ya)) * (uv[2 * k]! - uv[2 * i]!));
    }
    crossings.sort((a, b) => a - b);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      const from = Math.max(0, Math.ceil((crossings[c]! - gu0) / cell - 0.5));
      const to = Math.min(nu - 1, Math.floor((crossings[c + 1]! - gu0) / cell - 0.5));
      for (let i = from; i <= to; i++) dist[i + nu * j] = 0;
    }
  }
  // Vertices and edges themselves count as inside (a thin outline still masks its line).
  for (let i = 0; i < n; i++) {
    const k = (i + 1) % n;
    const steps = Math.ceil(Math.hypot(uv[2 * k]! - uv[2 * i]!, uv[2 * k + 1]! - uv[2 * i + 1]!) / (cell / 2)) + 1;
    for (let s = 0; s <= steps; s++) {
      const u = uv[2 * i]! + ((uv[2 * k]! - uv[2 * i]!) * s) / steps;
      const v = uv[2 * i + 1]! + ((uv[2 * k + 1]! - uv[2 * i + 1]!) * s) / steps;
      dist[Math.floor((u - gu0) / cell) + nu * Math.floor((v - gv0) / cell)] = 0;
    }
  }
  // Chamfer (3-4) distance transform, two passes, in cells.
  const a = 1;
  const b = Math.SQRT2;
  for (let j = 0; j < nv; j++) {
    for (let i = 0; i < nu; i++) {
      const o = i + nu * j;
      let d = dist[o]!;
      if (i > 0) d = Math.min(d, dist[o - 1]! + a);
      if (j > 0) {
        d = Math.min(d, dist[o - nu]! + a);
        if (i > 0) d = Math.min(d, dist[o - nu - 1]! + b);
        if (i < nu - 1) d = Math.min(d, dist[o - nu + 1]! + b);
      }
      dist[o] = d;
    }
  }
  for (let j = nv - 1; j >= 0; j--) {
    for (let i = nu - 1; i >= 0; i--) {
      const o = i + nu * j;
      let d = dist[o]!;
      if (i < nu - 1) d = Math.min(d, dist[o + 1]! + a);
      if (j < nv - 1) {
        d = Math.min(d, dist[o + nu]! + a);
        if (i < nu - 1) d = Math.min(d, dist[o + nu + 1]! + b);
        if (i > 0) d = Math.min(d, dist[o + nu - 1]! + b);
      }
      dist[o] = d;
    }
  }
  const within = margin / cell;
  return {
    centre,
    normal,
    radius,
    uv,
    e1,
    e2,
    contains(x, y, z) {
      const dx = x - centre[0];
      const dy = y - centre[1];
      const dz = z - centre[2];
      const w = dx * normal[0] + dy * normal[1] + dz * normal[2];
      if (Math.abs(w) > depthLimit) return false;
      const i = Math.floor((dx * e1[0] + dy * e1[1] + dz * e1[2] - gu0) / cell);
      const j = Math.floor((dx * e2[0] + dy * e2[1] + dz * e2[2] - gv0) / cell);
      if (i < 0 || j < 0 || i >= nu || j >= nv) return false;
      return dist[i + nu * j]! <= within;
    },
  };
}
