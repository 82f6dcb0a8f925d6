/**
 * Registration of a later scan of a wound onto an earlier one, on the healthy skin around it:
 *
 *  1. Region: the points within a few wound radii of each scan's outline (the skin near the wound is
 *     what should not have moved; a limb far away may be posed differently).
 *  2. Frames: each scan's wound frame — the outline's centre, the skin's outward normal (the plane of
 *     a ring of skin around the outline, turned so that the wound bed lies below it) and the
 *     outline's long axis.
 *  3. Starts: the scans' own coordinate frames (identity), the wound frames matched at twelve turns
 *     about the normal (an outline's long axis has no sign, and a round wound has no long axis), and,
 *     without outlines, the principal axes of the two regions. Each start gets a short ICP on coarse
 *     voxels; the best trimmed score wins.
 *  4. Skin: the points outside *both* outlines (each scan's own, and the other's carried over by the
 *     coarse alignment), with a margin: the wound bed changed, the skin did not.
 *  5. Refinement: trimmed point-to-plane ICP (icp.ts) on fine voxels of that skin.
 *  6. Quality: the RMS of the later scan's own skin points from the earlier scan's local planes,
 *     the share of them that overlap, against the earlier scan's own noise (the scatter of its
 *     points about the same planes); warnings when the fit is poor, the overlap small, or the skin
 *     left a sliding direction unconstrained.
 *
 * All lengths in millimetres; both clouds in their own coordinates. The result maps the later scan
 * into the earlier scan's coordinates.
 */
import { icpPointToPlane, type IcpResult } from './icp';
import { createOutlineMask, outlinePlane, type OutlineMask } from './outline-mask';
import { apply, compose, cross, dot, frameToWorld, identity, invert, normalize, rotate, rotationFromVector, symmetricEigenvalues, symmetricEigenvector, type Rigid, type Vec3 } from './rigid';
import { buildVoxels, type Voxels } from './voxels';

export interface ScanForRegistration {
  positions: Float64Array;
  count: number;
  /** The wound outline on this scan (its own coordinates, mm), when it has an assessment. */
  outline: Vec3[] | null;
}

export type RegistrationStage = 'preparing' | 'aligning' | 'refining' | 'checking';

export type RegistrationWarning = 'poor-fit' | 'low-overlap' | 'sliding' | 'no-outlines';

export interface WoundFrame {
  centre: Vec3;
  /** Out of the body. */
  outward: Vec3;
  axis: Vec3;
  /** Radius of the outline around its centre (mm); 0 without one. */
  radius: number;
  /** False when nothing decided which side is outward (no cavity below the outline). */
  outwardKnown: boolean;
}

export interface RegistrationResult {
  /** Later scan → earlier scan coordinates. */
  transform: Rigid;
  rmsMm: number;
  /** Share of the later scan's skin that found the earlier skin (0–1). */
  overlap: number;
  /** The earlier scan's own scatter about its local planes (mm): the floor the RMS can reach. */
  noiseMm: number;
  iterations: number;
  /** Sliding directions the skin left to the starting frames (0 when it pins all six). */
  unconstrained: number;
  warnings: RegistrationWarning[];
  start: 'scan-frames' | 'wound-frames' | 'principal-axes';
  /** The earlier scan's wound frame (its coordinates). */
  earlierFrame: WoundFrame;
  /** The later scan's outline carried into the earlier scan's coordinates, for the change map. */
  regionRadiusMm: number;
  voxelMm: number;
  timings: { stage: string; ms: number }[];
  /** Masks of each scan's wound (own outline ∪ the other's carried over), in its own coordinates. */
  laterWound: (x: number, y: number, z: number) => boolean;
  earlierWound: (x: number, y: number, z: number) => boolean;
  /** Points of the earlier scan in its region (for the change map). */
  earlierRegion: Voxels;
}

export interface RegistrationOptions {
  onProgress?(stage: RegistrationStage, fraction: number): void;
  /** Most later-skin samples the fine ICP moves. */
  maxSamples?: number;
}

const TURNS = 12;
const COARSE_SAMPLES = 1500;
const COARSE_ITERATIONS = 12;
/** Iterations every start gets before the best few go on. */
const SCREEN_ITERATIONS = 3;
const FINALISTS = 3;

/** A stride subsample of voxel centroids (or any interleaved xyz), at most `max` points. */
function subsample(xyz: Float64Array, count: number, max: number): { xyz: Float64Array; count: number } {
  if (count <= max) return { xyz: xyz.subarray(0, 3 * count), count };
  const out = new Float64Array(3 * max);
  for (let k = 0; k < max; k++) {
    const i = Math.floor((k * count) / max);
    out[3 * k] = xyz[3 * i]!;
    out[3 * k + 1] = xyz[3 * i + 1]!;
    out[3 * k + 2] = xyz[3 * i + 2]!;
  }
  return { xyz: out, count: max };
}

/** Plane through weighted points (centroid and smallest axis) from interleaved xyz of `count` points picked by `use`. */
function planeOf(xyz: Float64Array, count: number, use: (k: number) => boolean): { centre: Vec3; normal: Vec3; n: number } | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sz = 0;
  for (let k = 0; k < count; k++) {
    if (!use(k)) continue;
    n++;
    sx += xyz[3 * k]!;
    sy += xyz[3 * k + 1]!;
    sz += xyz[3 * k + 2]!;
  }
  if (n < 3) return null;
  const c: Vec3 = [sx / n, sy / n, sz / n];
  let a = 0;
  let b = 0;
  let cc = 0;
  let d = 0;
  let e = 0;
  let f = 0;
  for (let k = 0; k < count; k++) {
    if (!use(k)) continue;
    const dx = xyz[3 * k]! - c[0];
    const dy = xyz[3 * k + 1]! - c[1];
    const dz = xyz[3 * k + 2]! - c[2];
    a += dx * dx;
    b += dx * dy;
    cc += dx * dz;
    d += dy * dy;
    e += dy * dz;
    f += dz * dz;
  }
  const [l0] = symmetricEigenvalues(a, b, cc, d, e, f);
  const v = new Float64Array(3);
  symmetricEigenvector(a, b, cc, d, e, f, l0, v);
  return { centre: c, normal: [v[0]!, v[1]!, v[2]!], n };
}

/** Principal axes of interleaved xyz (largest first), as a right-handed frame at the centroid. */
function principalFrame(xyz: Float64Array, count: number): Rigid {
  const all = planeOf(xyz, count, () => true);
  if (!all) return identity();
  let a = 0;
  let b = 0;
  let cc = 0;
  let d = 0;
  let e = 0;
  let f = 0;
  for (let k = 0; k < count; k++) {
    const dx = xyz[3 * k]! - all.centre[0];
    const dy = xyz[3 * k + 1]! - all.centre[1];
    const dz = xyz[3 * k + 2]! - all.centre[2];
    a += dx * dx;
    b += dx * dy;
    cc += dx * dz;
    d += dy * dy;
    e += dy * dz;
    f += dz * dz;
  }
  const [, , l2] = symmetricEigenvalues(a, b, cc, d, e, f);
  const v = new Float64Array(3);
  symmetricEigenvector(a, b, cc, d, e, f, l2, v);
  const n = normalize(all.normal);
  let e1 = normalize([v[0]!, v[1]!, v[2]!]);
  e1 = normalize([e1[0] - n[0] * dot(e1, n), e1[1] - n[1] * dot(e1, n), e1[2] - n[2] * dot(e1, n)]);
  return frameToWorld(all.centre, e1, cross(n, e1), n);
}

/** Most points of a scan's region the registration works on (a stride subsample beyond it). */
export const MAX_REGION_POINTS = 250_000;

/** The part of a scan near its wound, as a compact subsample, with its wound frame. */
interface Region {
  xyz: Float64Array;
  count: number;
  frame: WoundFrame;
  /** The scan's own outline, with the margin. */
  ownMask: OutlineMask | null;
  /** Per region point: 1 inside `ownMask`. */
  ownWound: Uint8Array;
  /** Points of the scan in the region before subsampling. */
  regionPoints: number;
}

/** Region radius around a wound of radius r: three radii and a centimetre, at least 30 and at most 150 mm. */
export const regionFor = (radius: number): number => Math.min(150, Math.max(30, 3 * radius + 10));
/** Skin this close to an outline is left out too: its edge moves as the wound heals. */
export const marginFor = (radius: number): number => Math.max(2, 0.15 * radius);

/** The points within `radius` of `centre` (all when null), every `stride`-th once there are more than `max`. */
function extract(scan: ScanForRegistration, centre: Vec3 | null, radius: number, max: number): { xyz: Float64Array; count: number; inside: number } {
  const P = scan.positions;
  const r2 = radius * radius;
  const within = (i: number) => !centre || (P[3 * i]! - centre[0]) ** 2 + (P[3 * i + 1]! - centre[1]) ** 2 + (P[3 * i + 2]! - centre[2]) ** 2 <= r2;
  let inside = 0;
  for (let i = 0; i < scan.count; i++) if (within(i)) inside++;
  const stride = Math.max(1, Math.ceil(inside / max));
  const xyz = new Float64Array(3 * Math.ceil(inside / stride));
  let seen = 0;
  let k = 0;
  for (let i = 0; i < scan.count; i++) {
    if (!within(i)) continue;
    if (seen++ % stride !== 0) continue;
    xyz[3 * k] = P[3 * i]!;
    xyz[3 * k + 1] = P[3 * i + 1]!;
    xyz[3 * k + 2] = P[3 * i + 2]!;
    k++;
  }
  return { xyz: xyz.subarray(0, 3 * k), count: k, inside };
}

/** Half the diagonal of the points' box. */
function boxRadius(xyz: Float64Array, count: number): number {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a]!, xyz[3 * i + a]!);
      hi[a] = Math.max(hi[a]!, xyz[3 * i + a]!);
    }
  }
  return Math.max(1, Math.hypot(hi[0]! - lo[0]!, hi[1]! - lo[1]!, hi[2]! - lo[2]!) / 2);
}

/** Radius of an outline about its centre, in its own plane (0 without one). */
function outlineRadius(outline: Vec3[] | null): number {
  return outline && outline.length >= 3 ? createOutlineMask(outline, outlinePlane(outline).normal, 0, Infinity).radius : 0;
}

/** Area the region's points cover: voxels of a fiftieth of the region that hold points, times their face. */
function regionArea(xyz: Float64Array, count: number, regionRadius: number): number {
  const probe = buildVoxels(xyz, count, (2 * regionRadius) / 50, undefined, { planes: false });
  return Math.max(1, probe.count * probe.size * probe.size);
}

/** The region of a scan, and the wound frame in it (see the file's comment, steps 1–2). */
function prepareRegion(scan: ScanForRegistration, regionRadius: number, voxel: (area: number, points: number, radius: number) => number): Region & { voxel: number } {
  const hasOutline = !!scan.outline && scan.outline.length >= 3;
  const plane = hasOutline ? outlinePlane(scan.outline!) : null;
  const part = extract(scan, plane ? plane.centre : null, regionRadius, MAX_REGION_POINTS);
  const area = regionArea(part.xyz, part.count, plane ? regionRadius : boxRadius(part.xyz, part.count));
  const radius = outlineRadius(scan.outline);
  const v = voxel(area, part.count, radius);
  const ownWound = new Uint8Array(part.count);
  if (!plane) {
    const pf = principalFrame(part.xyz, part.count);
    const frame: WoundFrame = { centre: [...pf.t], outward: [pf.r[2]!, pf.r[5]!, pf.r[8]!], axis: [pf.r[0]!, pf.r[3]!, pf.r[6]!], radius: 0, outwardKnown: false };
    return { ...part, regionPoints: part.inside, frame, ownMask: null, ownWound, voxel: v };
  }
  const outline = scan.outline!;
  const c = plane.centre;
  const margin = marginFor(radius);
  const rough = createOutlineMask(outline, plane.normal, margin, Infinity);
  // The skin's plane: a ring of skin around the outline (coarse voxels), outside it.
  const coarse = buildVoxels(part.xyz, part.count, Math.max(v * 2, radius / 15), undefined, { planes: false });
  const ringOuter = radius * 1.8 + 8;
  const inRing = (k: number) => {
    const x = coarse.centroid[3 * k]!;
    const y = coarse.centroid[3 * k + 1]!;
    const z = coarse.centroid[3 * k + 2]!;
    return (x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2 <= ringOuter * ringOuter && !rough.contains(x, y, z);
  };
  const ring = planeOf(coarse.centroid, coarse.count, inRing) ?? { normal: plane.normal };
  let outward = normalize(ring.normal);
  // Outward: the wound bed (inside the outline) lies below its rim more than above it. The rim (the
  // outline's own vertices, drawn on the skin) is the zero: on a limb the ring's centroid lies
  // below the wound.
  const depth = Math.max(15, 2 * radius);
  const mask = createOutlineMask(outline, outward, 0, depth);
  let rim = 0;
  for (const p of outline) rim += ((p[0] - c[0]) * outward[0] + (p[1] - c[1]) * outward[1] + (p[2] - c[2]) * outward[2]) / outline.length;
  let below = 0;
  let above = 0;
  for (let k = 0; k < coarse.count; k++) {
    const x = coarse.centroid[3 * k]!;
    const y = coarse.centroid[3 * k + 1]!;
    const z = coarse.centroid[3 * k + 2]!;
    if (!mask.contains(x, y, z)) continue;
    const w = (x - c[0]) * outward[0] + (y - c[1]) * outward[1] + (z - c[2]) * outward[2] - rim;
    if (w < 0) below -= w * coarse.pointCount[k]!;
    else above += w * coarse.pointCount[k]!;
  }
  const total = below + above;
  const outwardKnown = total > 0 && Math.abs(below - above) > 0.2 * total;
  if (above > below) outward = [-outward[0], -outward[1], -outward[2]];
  const ownMask = createOutlineMask(outline, outward, margin, depth);
  for (let i = 0; i < part.count; i++) ownWound[i] = ownMask.contains(part.xyz[3 * i]!, part.xyz[3 * i + 1]!, part.xyz[3 * i + 2]!) ? 1 : 0;
  // The outline's long axis in the skin's plane (second moments of its projected vertices).
  let suu = 0;
  let suv = 0;
  let svv = 0;
  for (let i = 0; i < ownMask.uv.length; i += 2) {
    suu += ownMask.uv[i]! ** 2;
    suv += ownMask.uv[i]! * ownMask.uv[i + 1]!;
    svv += ownMask.uv[i + 1]! ** 2;
  }
  const angle = 0.5 * Math.atan2(2 * suv, suu - svv);
  const axis = normalize([
    Math.cos(angle) * ownMask.e1[0] + Math.sin(angle) * ownMask.e2[0],
    Math.cos(angle) * ownMask.e1[1] + Math.sin(angle) * ownMask.e2[1],
    Math.cos(angle) * ownMask.e1[2] + Math.sin(angle) * ownMask.e2[2],
  ]);
  return { ...part, regionPoints: part.inside, frame: { centre: ownMask.centre, outward, axis, radius, outwardKnown }, ownMask, ownWound, voxel: v };
}

function transformOutline(T: Rigid, outline: Vec3[]): Vec3[] {
  return outline.map((p) => apply(T, p[0], p[1], p[2]) as Vec3);
}

/** Per region point: 1 on skin (outside its own outline and outside the other's carried over). */
function skinLabels(region: Region, other: OutlineMask | null): Uint8Array {
  const skin = new Uint8Array(region.count);
  const P = region.xyz;
  for (let i = 0; i < region.count; i++) skin[i] = region.ownWound[i] || (other && other.contains(P[3 * i]!, P[3 * i + 1]!, P[3 * i + 2]!)) ? 0 : 1;
  return skin;
}

export function registerScans(earlier: ScanForRegistration, later: ScanForRegistration, options: RegistrationOptions = {}): RegistrationResult {
  const timings: { stage: string; ms: number }[] = [];
  let mark = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings.push({ stage, ms: now - mark });
    mark = now;
  };
  const progress = options.onProgress ?? (() => undefined);
  progress('preparing', 0);

  // ---- 1–2: regions and wound frames. ----
  const radius = Math.max(outlineRadius(earlier.outline), outlineRadius(later.outline));
  const regionRadius = regionFor(radius);
  // Voxels: at least 1.5 point spacings (a plane per voxel needs a few points), no more than about
  // 40,000 over the region, and no finer than a sixtieth of the wound.
  const voxelOf = (area: number, points: number, r: number) => Math.max(1.5 * Math.sqrt(area / Math.max(1, points)), Math.sqrt(area / 40_000), 0.3, r / 60);
  const E = prepareRegion(earlier, regionRadius, voxelOf);
  progress('preparing', 0.4);
  const L = prepareRegion(later, regionRadius, voxelOf);
  const voxel = Math.max(E.voxel, L.voxel);
  progress('preparing', 0.8);
  const coarseSize = voxel * 2.5;
  const eCoarse = buildVoxels(E.xyz, E.count, coarseSize, skinLabels(E, null));
  const lCoarse = buildVoxels(L.xyz, L.count, coarseSize, skinLabels(L, null), { planes: false });
  lap(`regions (${E.regionPoints} and ${L.regionPoints} points), frames and coarse voxels`);

  // ---- 3: starts. ----
  type Start = { kind: RegistrationResult['start']; T: Rigid };
  const starts: Start[] = [{ kind: 'scan-frames', T: identity() }];
  if (E.ownMask && L.ownMask) {
    const fe = frameToWorld(E.frame.centre, E.frame.axis, cross(E.frame.outward, E.frame.axis), E.frame.outward);
    const signs = L.frame.outwardKnown && E.frame.outwardKnown ? [1] : [1, -1];
    for (const sign of signs) {
      const n = sign > 0 ? L.frame.outward : ([-L.frame.outward[0], -L.frame.outward[1], -L.frame.outward[2]] as Vec3);
      const fl = frameToWorld(L.frame.centre, L.frame.axis, cross(n, L.frame.axis), n);
      for (let k = 0; k < TURNS; k++) {
        const turn: Rigid = { r: rotationFromVector(0, 0, (2 * Math.PI * k) / TURNS), t: [0, 0, 0] };
        starts.push({ kind: 'wound-frames', T: compose(fe, compose(turn, invert(fl))) });
      }
    }
  } else {
    const pe = principalFrame(eCoarse.centroid, eCoarse.count);
    const pl = principalFrame(lCoarse.centroid, lCoarse.count);
    for (const [a, b] of [[1, 1], [-1, -1], [1, -1], [-1, 1]] as const) {
      const flip: Rigid = { r: Float64Array.from([a, 0, 0, 0, b, 0, 0, 0, a * b]), t: [0, 0, 0] };
      starts.push({ kind: 'principal-axes', T: compose(pe, compose(flip, invert(pl))) });
    }
  }
  const coarseSource = subsample(lCoarse.centroid, lCoarse.count, COARSE_SAMPLES);
  const centreE = E.frame.centre;
  // Rotations are scaled by the skin's spread about the centre, so that the 6×6 system weighs a
  // degree and a millimetre alike where the skin is.
  let spread = 0;
  for (let k = 0; k < eCoarse.count; k++) spread += (eCoarse.centroid[3 * k]! - centreE[0]) ** 2 + (eCoarse.centroid[3 * k + 1]! - centreE[1]) ** 2 + (eCoarse.centroid[3 * k + 2]! - centreE[2]) ** 2;
  const scale = Math.max(1, Math.sqrt(spread / Math.max(1, eCoarse.count)));
  // Every start gets a few coarse iterations; the most promising few go on to converge.
  const coarseOptions = { maxDistance: 4 * coarseSize, minOverlap: 0.3, centre: centreE, scale };
  const screened = starts.map((start, k) => {
    const icp = icpPointToPlane(coarseSource.xyz, coarseSource.count, eCoarse, start.T, { ...coarseOptions, maxIterations: SCREEN_ITERATIONS });
    progress('aligning', (0.5 * (k + 1)) / starts.length);
    return { start, icp };
  });
  const finalists = screened.sort((a, b) => a.icp.score - b.icp.score).slice(0, FINALISTS);
  let best: { start: Start; icp: IcpResult } | null = null;
  finalists.forEach(({ start, icp: screen }, k) => {
    const icp = icpPointToPlane(coarseSource.xyz, coarseSource.count, eCoarse, screen.transform, { ...coarseOptions, maxIterations: COARSE_ITERATIONS });
    if (!best || icp.score < best.icp.score) best = { start, icp };
    progress('aligning', 0.5 + (0.5 * (k + 1)) / finalists.length);
  });
  const chosen = best!;
  lap(`starts (${starts.length}, coarse ICP)`);

  // ---- 4: skin outside both outlines. ----
  const coarseT = chosen.icp.transform;
  const depth = Math.max(15, 2 * radius);
  const margin = marginFor(radius);
  const laterInEarlier = later.outline && L.ownMask ? createOutlineMask(transformOutline(coarseT, later.outline), E.frame.outward, margin, depth) : null;
  const earlierInLater = earlier.outline && E.ownMask ? createOutlineMask(transformOutline(invert(coarseT), earlier.outline), rotate(invert(coarseT), E.frame.outward), margin, depth) : null;
  const earlierWound = (x: number, y: number, z: number) => (E.ownMask?.contains(x, y, z) ?? false) || (laterInEarlier?.contains(x, y, z) ?? false);
  const laterWound = (x: number, y: number, z: number) => (L.ownMask?.contains(x, y, z) ?? false) || (earlierInLater?.contains(x, y, z) ?? false);
  const eSkin = buildVoxels(E.xyz, E.count, voxel, skinLabels(E, laterInEarlier));
  const lSkinLabels = skinLabels(L, earlierInLater);
  const lSkin = buildVoxels(L.xyz, L.count, voxel, lSkinLabels, { planes: false });
  lap('skin voxels (outside both outlines)');

  // ---- 5: refinement. ----
  const fineSource = subsample(lSkin.centroid, lSkin.count, options.maxSamples ?? 40_000);
  const maxIterations = 40;
  const fine = icpPointToPlane(fineSource.xyz, fineSource.count, eSkin, coarseT, {
    maxIterations,
    maxDistance: Math.max(4 * voxel, Math.min(3 * chosen.icp.rmsMm + 2 * coarseSize, 4 * coarseSize)),
    minOverlap: 0.3,
    centre: centreE,
    scale,
    onIteration: (i) => progress('refining', i / maxIterations),
  });
  lap(`refinement (${fine.iterations} iterations, ${fineSource.count} samples)`);

  // ---- 6: quality, on the later scan's own skin points. ----
  progress('checking', 0);
  const T = fine.transform;
  const d2 = new Float64Array(1);
  const moved = new Float64Array(3);
  const residuals: number[] = [];
  let tried = 0;
  const stride = Math.max(1, Math.floor(L.count / 60_000));
  const reach = Math.max(2 * voxel, 5 * fine.rmsMm);
  const Q = L.xyz;
  for (let i = 0; i < L.count; i += stride) {
    if (!lSkinLabels[i]) continue;
    tried++;
    apply(T, Q[3 * i]!, Q[3 * i + 1]!, Q[3 * i + 2]!, moved);
    const j = eSkin.nearest(moved[0]!, moved[1]!, moved[2]!, reach, d2);
    if (j < 0 || !Number.isFinite(eSkin.planeSigma[j]!)) continue;
    residuals.push((moved[0]! - eSkin.planeOrigin[3 * j]!) * eSkin.normal[3 * j]! + (moved[1]! - eSkin.planeOrigin[3 * j + 1]!) * eSkin.normal[3 * j + 1]! + (moved[2]! - eSkin.planeOrigin[3 * j + 2]!) * eSkin.normal[3 * j + 2]!);
  }
  // The same trimming the refinement settled on: the overlapping share, nearest first.
  residuals.sort((a, b) => Math.abs(a) - Math.abs(b));
  const kept = residuals.slice(0, Math.max(1, Math.round(Math.min(1, fine.overlap / Math.max(1e-9, residuals.length / Math.max(1, tried))) * residuals.length)));
  const rmsMm = Math.sqrt(kept.reduce((s, r) => s + r * r, 0) / kept.length);
  const overlap = tried ? residuals.length / tried : 0;
  const sigmas = Array.from(eSkin.planeSigma).filter(Number.isFinite).sort((a, b) => a - b);
  const noiseMm = sigmas.length ? sigmas[Math.floor(sigmas.length / 2)]! : 0;
  const warnings: RegistrationWarning[] = [];
  if (!E.ownMask || !L.ownMask) warnings.push('no-outlines');
  if (!(rmsMm <= 2 * noiseMm + 0.3)) warnings.push('poor-fit');
  if (Math.min(overlap, fine.overlap) < 0.5) warnings.push('low-overlap');
  if (fine.unconstrained > 0) warnings.push('sliding');
  const earlierRegion = buildVoxels(E.xyz, E.count, voxel);
  lap('quality and earlier region');
  progress('checking', 1);

  return {
    transform: T,
    rmsMm,
    overlap: Math.min(overlap, 1),
    noiseMm,
    iterations: fine.iterations,
    unconstrained: fine.unconstrained,
    warnings,
    start: chosen.start.kind,
    earlierFrame: E.frame,
    regionRadiusMm: regionRadius,
    voxelMm: voxel,
    timings,
    laterWound,
    earlierWound,
    earlierRegion,
  };
}
