/**
 * A voxel grid over part of a scan, holding per voxel the point count, centroid and second
 * moments of the points in it. From the moments of a voxel and its 26 neighbours comes the local
 * plane (centroid and normal: the smallest axis of the covariance) and the points' scatter about
 * it, with no per-point neighbour search: one pass over the points, then 27 look-ups per voxel.
 *
 * The voxels' centroids are the samples ICP moves; the planes are what it aligns them to; the
 * grid itself is the nearest-neighbour index (one voxel per cell, searched in growing shells).
 */
import { symmetricEigenvalues, symmetricEigenvector } from './rigid';

/** Most cells the dense cell → voxel table may have; a larger box gets bigger voxels. */
const MAX_CELLS = 6_000_000;

export interface Voxels {
  /** Edge of a voxel (mm). */
  size: number;
  count: number;
  /** Centroid of the points in each voxel, xyz interleaved. */
  centroid: Float64Array;
  pointCount: Int32Array;
  /** The local plane of the voxel and its neighbours: a point on it and its unit normal (unoriented). */
  planeOrigin: Float64Array;
  normal: Float64Array;
  /** RMS distance of the neighbourhood's points from that plane (mm): noise plus curvature. */
  planeSigma: Float32Array;
  /** Nearest voxel centroid to (x, y, z) within `maxDist`, or −1; its squared distance in `out[0]`. */
  nearest(x: number, y: number, z: number, maxDist: number, out: Float64Array): number;
  /** The voxel whose cell holds (x, y, z), or −1. */
  voxelAt(x: number, y: number, z: number): number;
}

/**
 * Voxels of the points `positions[3i..3i+2]` whose `include[i]` is non-zero (all when omitted).
 * `size` may grow so that the box of the points needs at most MAX_CELLS cells. With
 * `planes: false` only centroids and counts are filled (no local planes: a third of the work).
 */
export function buildVoxels(positions: Float64Array, count: number, size: number, include?: Uint8Array, options: { planes?: boolean } = {}): Voxels {
  let x0 = Infinity;
  let y0 = Infinity;
  let z0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let z1 = -Infinity;
  let taken = 0;
  for (let i = 0; i < count; i++) {
    if (include && !include[i]) continue;
    taken++;
    const x = positions[3 * i]!;
    const y = positions[3 * i + 1]!;
    const z = positions[3 * i + 2]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  if (taken === 0) x0 = y0 = z0 = x1 = y1 = z1 = 0;
  let v = size;
  const cellsFor = (s: number) => (Math.floor((x1 - x0) / s) + 4) * (Math.floor((y1 - y0) / s) + 4) * (Math.floor((z1 - z0) / s) + 4);
  while (cellsFor(v) > MAX_CELLS) v *= 1.25;
  // At least one empty cell of border on every side (1.5 cells before the first point, whatever the
  // rounding), so that the 27-neighbourhood never leaves the table.
  const ox = x0 - 1.5 * v;
  const oy = y0 - 1.5 * v;
  const oz = z0 - 1.5 * v;
  const nx = Math.floor((x1 - x0) / v) + 4;
  const ny = Math.floor((y1 - y0) / v) + 4;
  const nz = Math.floor((z1 - z0) / v) + 4;
  const cellToVoxel = new Int32Array(nx * ny * nz).fill(-1);
  const cellOf = (x: number, y: number, z: number): number => {
    const ix = Math.floor((x - ox) / v);
    const iy = Math.floor((y - oy) / v);
    const iz = Math.floor((z - oz) / v);
    if (ix < 0 || iy < 0 || iz < 0 || ix >= nx || iy >= ny || iz >= nz) return -1;
    return ix + nx * (iy + ny * iz);
  };

  // First pass: which cells are used; second: moments (about the box origin, for precision).
  let nVox = 0;
  const pointVoxel = new Int32Array(count).fill(-1);
  let voxelCell = new Int32Array(Math.max(16, Math.min(count, 1 << 16)));
  for (let i = 0; i < count; i++) {
    if (include && !include[i]) continue;
    const c = cellOf(positions[3 * i]!, positions[3 * i + 1]!, positions[3 * i + 2]!);
    if (c < 0) continue;
    let k = cellToVoxel[c]!;
    if (k < 0) {
      k = cellToVoxel[c] = nVox++;
      if (k >= voxelCell.length) {
        const grown = new Int32Array(2 * voxelCell.length);
        grown.set(voxelCell);
        voxelCell = grown;
      }
      voxelCell[k] = c;
    }
    pointVoxel[i] = k;
  }
  const m = new Float64Array(10 * nVox); // n, sx, sy, sz, sxx, sxy, sxz, syy, syz, szz
  for (let i = 0; i < count; i++) {
    const k = pointVoxel[i]!;
    if (k < 0) continue;
    const x = positions[3 * i]! - ox;
    const y = positions[3 * i + 1]! - oy;
    const z = positions[3 * i + 2]! - oz;
    const o = 10 * k;
    m[o]! += 1;
    m[o + 1]! += x;
    m[o + 2]! += y;
    m[o + 3]! += z;
    m[o + 4]! += x * x;
    m[o + 5]! += x * y;
    m[o + 6]! += x * z;
    m[o + 7]! += y * y;
    m[o + 8]! += y * z;
    m[o + 9]! += z * z;
  }
  const centroid = new Float64Array(3 * nVox);
  const pointCount = new Int32Array(nVox);
  for (let k = 0; k < nVox; k++) {
    const n = m[10 * k]!;
    pointCount[k] = n;
    centroid[3 * k] = m[10 * k + 1]! / n + ox;
    centroid[3 * k + 1] = m[10 * k + 2]! / n + oy;
    centroid[3 * k + 2] = m[10 * k + 3]! / n + oz;
  }

  const planeOrigin = new Float64Array(3 * nVox);
  const normal = new Float64Array(3 * nVox);
  const planeSigma = new Float32Array(nVox);
  const acc = new Float64Array(10);
  const strideY = nx;
  const strideZ = nx * ny;
  for (let k = 0; k < (options.planes === false ? 0 : nVox); k++) {
    acc.fill(0);
    const c = voxelCell[k]!;
    for (let dz = -1; dz <= 1; dz++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const j = cellToVoxel[c + dx + dy * strideY + dz * strideZ]!;
          if (j < 0) continue;
          for (let q = 0; q < 10; q++) acc[q]! += m[10 * j + q]!;
        }
      }
    }
    const n = acc[0]!;
    const mx = acc[1]! / n;
    const my = acc[2]! / n;
    const mz = acc[3]! / n;
    const cxx = acc[4]! / n - mx * mx;
    const cxy = acc[5]! / n - mx * my;
    const cxz = acc[6]! / n - mx * mz;
    const cyy = acc[7]! / n - my * my;
    const cyz = acc[8]! / n - my * mz;
    const czz = acc[9]! / n - mz * mz;
    planeOrigin[3 * k] = mx + ox;
    planeOrigin[3 * k + 1] = my + oy;
    planeOrigin[3 * k + 2] = mz + oz;
    if (n < 3) {
      normal[3 * k + 2] = 1;
      planeSigma[k] = Infinity;
      continue;
    }
    const [l0] = symmetricEigenvalues(cxx, cxy, cxz, cyy, cyz, czz);
    symmetricEigenvector(cxx, cxy, cxz, cyy, cyz, czz, l0, normal, 3 * k);
    planeSigma[k] = Math.sqrt(Math.max(0, l0));
  }

  return {
    size: v,
    count: nVox,
    centroid,
    pointCount,
    planeOrigin,
    normal,
    planeSigma,
    voxelAt(x, y, z) {
      const c = cellOf(x, y, z);
      return c < 0 ? -1 : cellToVoxel[c]!;
    },
    nearest(x, y, z, maxDist, out) {
      const ix = Math.floor((x - ox) / v);
      const iy = Math.floor((y - oy) / v);
      const iz = Math.floor((z - oz) / v);
      const maxRing = Math.ceil(maxDist / v);
      let best = -1;
      let bestD2 = maxDist * maxDist;
      for (let ring = 0; ring <= maxRing; ring++) {
        // Every point in this ring is at least (ring − 1)·v away: stop once the best is nearer.
        if (best >= 0 && bestD2 <= ((ring - 1) * v) ** 2) break;
        const zA = Math.max(0, iz - ring);
        const zB = Math.min(nz - 1, iz + ring);
        const yA = Math.max(0, iy - ring);
        const yB = Math.min(ny - 1, iy + ring);
        const xA = Math.max(0, ix - ring);
        const xB = Math.min(nx - 1, ix + ring);
        for (let cz = zA; cz <= zB; cz++) {
          const onZ = cz === iz - ring || cz === iz + ring;
          for (let cy = yA; cy <= yB; cy++) {
            const row = nx * (cy + ny * cz);
            // On the shell's y or z faces every cell is new; inside it only the two x faces are.
            const full = onZ || cy === iy - ring || cy === iy + ring;
            const stepX = full || ring === 0 ? 1 : 2 * ring;
            for (let cx = full ? xA : ix - ring; cx <= (full ? xB : ix + ring); cx += stepX) {
              if (cx < 0 || cx >= nx) continue;
              const j = cellToVoxel[row + cx]!;
              if (j < 0) continue;
              const dx = centroid[3 * j]! - x;
              const dy = centroid[3 * j + 1]! - y;
              const dz = centroid[3 * j + 2]! - z;
              const d2 = dx * dx + dy * dy + dz * dz;
              if (d2 < bestD2) {
                bestD2 = d2;
                best = j;
              }
            }
          }
        }
      }
      out[0] = bestD2;
      return best;
    },
  };
}
