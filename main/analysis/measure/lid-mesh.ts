import earcut from 'earcut';
import type { Frame } from './frame';
import type { LidSurface } from './lid';
import type { Polygon2 } from './polygon';

/**
 * Triangle mesh of the lid inside the outline, for drawing: the outline polygon (parameter plane)
 * is triangulated by ear clipping, each triangle is split uniformly into level² smaller ones so the
 * mesh follows the lid's curvature, and every vertex is lifted onto the lid and into world space.
 * Vertices on shared edges are merged, so the mesh is watertight inside the outline.
 */
export function buildLidMesh(lid: LidSurface, poly: Polygon2, frame: Frame, maxTriangles = 8_000): { positions: Float32Array; indices: Uint32Array } {
  const flat = new Float64Array(2 * poly.n);
  for (let i = 0; i < poly.n; i++) {
    flat[2 * i] = poly.xs[i]!;
    flat[2 * i + 1] = poly.ys[i]!;
  }
  const tris = earcut(flat);
  const nTri = tris.length / 3;
  const level = Math.max(1, Math.min(16, Math.floor(Math.sqrt(maxTriangles / Math.max(1, nTri)))));
  // Shared lattice points are merged by their position quantised to 2⁻²⁴ of the outline's extent.
  const q = 2 ** 24 / Math.max(poly.maxX - poly.minX, poly.maxY - poly.minY, 1e-9);
  const keyToIndex = new Map<number, number>();
  const uv: number[] = [];
  const indices: number[] = [];
  const vertex = (u: number, v: number): number => {
    const key = Math.round((u - poly.minX) * q) * 2 ** 26 + Math.round((v - poly.minY) * q);
    let idx = keyToIndex.get(key);
    if (idx === undefined) {
      idx = uv.length / 2;
      uv.push(u, v);
      keyToIndex.set(key, idx);
    }
    return idx;
  };
  for (let t = 0; t < nTri; t++) {
    const a = tris[3 * t]!;
    const b = tris[3 * t + 1]!;
    const c = tris[3 * t + 2]!;
    const ax = flat[2 * a]!;
    const ay = flat[2 * a + 1]!;
    const bx = flat[2 * b]!;
    const by = flat[2 * b + 1]!;
    const cx = flat[2 * c]!;
    const cy = flat[2 * c + 1]!;
    // Barycentric lattice point (i, j): A + i/L·(B − A) + j/L·(C − A).
    const at = (i: number, j: number): number => vertex(ax + ((bx - ax) * i + (cx - ax) * j) / level, ay + ((by - ay) * i + (cy - ay) * j) / level);
    for (let j = 0; j < level; j++) {
      for (let i = 0; i + j < level; i++) {
        const p0 = at(i, j);
        const p1 = at(i + 1, j);
        const p2 = at(i, j + 1);
        indices.push(p0, p1, p2);
        if (i + j + 1 < level) indices.push(p1, at(i + 1, j + 1), p2);
      }
    }
  }
  const count = uv.length / 2;
  const positions = new Float32Array(3 * count);
  const { origin, e1, e2, n } = frame;
  for (let k = 0; k < count; k++) {
    const u = uv[2 * k]!;
    const v = uv[2 * k + 1]!;
    const w = lid.height(u, v);
    for (let d = 0; d < 3; d++) positions[3 * k + d] = origin[d]! + u * e1[d]! + v * e2[d]! + w * n[d]!;
  }
  return { positions, indices: Uint32Array.from(indices) };
}
