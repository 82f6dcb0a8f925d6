/** Summary numbers and unit conversion over a PointCloud. */
import type { Bounds3, LengthUnit, PointCloud } from '../../../common/point-cloud';

export interface CloudStats {
  count: number;
  /** Over the points with finite coordinates; null when there are none. */
  bbox: Bounds3 | null;
  centroid: [number, number, number] | null;
  /** How many points have a NaN or infinite coordinate (left out of bbox and centroid). */
  nonFinite: number;
}

/** Count, bounding box and centroid in double precision (Neumaier-compensated sums). */
export function computeStats(cloud: Pick<PointCloud, 'count' | 'positions'>): CloudStats {
  const p = cloud.positions;
  let minX = Infinity, minY = Infinity, minZ = Infinity;
  let maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  let sx = 0, sy = 0, sz = 0;
  let cx = 0, cy = 0, cz = 0;
  let used = 0;
  for (let i = 0; i < cloud.count; i++) {
    const x = p[i * 3]!;
    const y = p[i * 3 + 1]!;
    const z = p[i * 3 + 2]!;
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) continue;
    used++;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    if (z < minZ) minZ = z;
    if (z > maxZ) maxZ = z;
    let t = sx + x;
    cx += Math.abs(sx) >= Math.abs(x) ? sx - t + x : x - t + sx;
    sx = t;
    t = sy + y;
    cy += Math.abs(sy) >= Math.abs(y) ? sy - t + y : y - t + sy;
    sy = t;
    t = sz + z;
    cz += Math.abs(sz) >= Math.abs(z) ? sz - t + z : z - t + sz;
    sz = t;
  }
  if (used === 0) return { count: cloud.count, bbox: null, centroid: null, nonFinite: cloud.count };
  const min: [number, number, number] = [minX, minY, minZ];
  const max: [number, number, number] = [maxX, maxY, maxZ];
  const centroid: [number, number, number] = [(sx + cx) / used, (sy + cy) / used, (sz + cz) / used];
  return { count: cloud.count, bbox: { min, max }, centroid, nonFinite: cloud.count - used };
}

export const MILLIMETRES_PER_UNIT: Record<Exclude<LengthUnit, 'unknown'>, number> = {
  m: 1000,
  cm: 10,
  mm: 1,
  ft: 304.8,
  'us-ft': 1200000 / 3937,
  in: 25.4,
};

/**
 * A copy of the cloud with positions in millimetres. Files that do not state a unit (PLY, XYZ,
 * OBJ from tablet apps) are taken to be in `assume`, metres by default: that is what LiDAR
 * capture apps write. The positions are in shared memory, so the octree writer's workers read
 * them in place (its passes over the whole cloud then run on every core).
 */
export function toMillimetres(cloud: PointCloud, options: { assume?: Exclude<LengthUnit, 'unknown'> } = {}): PointCloud {
  const unit = cloud.units === 'unknown' ? (options.assume ?? 'm') : cloud.units;
  const factor = MILLIMETRES_PER_UNIT[unit];
  const positions = new Float64Array(new SharedArrayBuffer(cloud.count * 3 * Float64Array.BYTES_PER_ELEMENT));
  const source = cloud.positions;
  for (let i = 0; i < positions.length; i++) positions[i] = source[i]! * factor;
  return { ...cloud, positions, units: 'mm' };
}
