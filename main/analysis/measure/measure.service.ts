import type { PointCloud } from '../../../common/point-cloud';
import { MeasureError } from './errors';
import { longestChordAlong, longestExtent, lidPathLength } from './extent';
import { dot, flipFrame, frameFrom, normalize, pca, type Frame, type Vec3 } from './frame';
import { fitLidRobust, footPoint, lidGeometry, median, type FootPoint, type LidSurface } from './lid';
import { buildLidMesh } from './lid-mesh';
import { Polygon2 } from './polygon';
import { Grid2, Grid3 } from './spatial-grid';
import { ESCHAR, EPITHELIUM, GRANULATION, SLOUGH, classifyRgb } from './tissue';
import type { MeasureOptions, TissueMix, TissuePaintStroke, WoundMeasurement } from './types';

/**
 * Wound measurement from a point cloud and a closed outline drawn on it (both in millimetres), in
 * six stages that `measureWound` runs top to bottom:
 *
 * 1. validate: the outline (enough points, closed, finite, not crossing itself) and the cloud;
 *    work relative to the outline's centroid.
 * 2. gather: the scan points in a box around the outline are copied out and bucketed; nothing else
 *    of a large scan is touched. Every outline vertex must lie within OFF_SURFACE_LIMIT_MM of them.
 * 3. frame: the best-fit plane of the healthy skin just outside the outline: a rough fit of that
 *    band in the outline's own plane down-weights outliers, the band's weighted PCA gives the plane.
 * 4. lid: the band fitted again in that plane, robustly (IRLS, Huber then Tukey), with a
 *    polynomial height field (degree up to 4, chosen by BIC; 2 when the band is small); the
 *    outline's foot points on the lid bound the opening.
 * 5. bed: wound points are scan points whose foot point on the lid falls inside the opening, that
 *    are not isolated strays and are connected to the rim through each other (which leaves out the
 *    far side of a limb or another body part behind the wound). The lid is oriented out of the body
 *    (scanner normals, an outward hint, or the side most of the bed is not on). Depth of each wound
 *    point = distance below the lid along its normal; the bed depth is interpolated over a fine grid
 *    of the lid's parameter plane (≈20 000 cells, boundary cells weighted by their 8×8 sub-sampled
 *    coverage) by local weighted quadratic least squares, and integrated with the exact volume
 *    element of normal offsets from a curved lid:
 *      V = ∫∫ (d + H d² + K d³/3) J du dv,  J = √(1 + f_u² + f_v²),
 *    so a cavity laid along a limb (cylinder) integrates exactly, not as if it were flat. Each grid
 *    cell also takes the tissue class of the nearest coloured wound point.
 * 6. figures: perimeter and extents along the lid, tissue percentages of the opening area (so uneven
 *    sampling does not bias them), the lid mesh, and the result in clinical units. The automatic mix
 *    counts the colours' classes; the confirmed mix the classes after the nurse's paint strokes.
 */

/** Outline vertices farther than this from the scanned surface make the outline invalid. */
export const OFF_SURFACE_LIMIT_MM = 3;
/** Target number of integration cells in the opening's bounding box. */
const TARGET_CELLS = 20_000;
/** Number of arcs the outline is split into to check the skin band surrounds it. */
const COVERAGE_ARCS = 12;
/** Share of the opening that may lack bed points before the measurement is refused. */
const MAX_UNCOVERED_FRACTION = 0.1;
/** Highest polynomial degree of the lid (chosen by BIC up to this). */
const MAX_LID_DEGREE = 4;
/** Most skin-band points used to fit the lid. */
const MAX_BAND_FIT = 3000;

interface Candidates {
  /** Index of each candidate in the cloud. */
  index: Int32Array;
  /** Positions relative to the outline centroid (mm), interleaved. */
  xyz: Float64Array;
  count: number;
}

interface LocalCoords {
  u: Float64Array;
  v: Float64Array;
  w: Float64Array;
}

export function measureWound(cloud: PointCloud, outline: Float64Array | number[][], opts: MeasureOptions = {}): WoundMeasurement {
  const drawn = validate(cloud, outline, opts);
  const near = gather(cloud, drawn);
  const skin = frame(drawn, near);
  const lid = fitLid(drawn, near, skin);
  const bed = measureBed(cloud, drawn, near, lid, opts);
  return figures(cloud, drawn, near, bed, opts);
}

// ---- validate: the outline and the cloud are usable; work relative to the outline's centroid. ----

/** The outline as drawn, relative to its centroid (scans may carry large, georeferenced coordinates). */
interface DrawnOutline {
  /** Vertex count. */
  n: number;
  centroid: Vec3;
  /** Vertices relative to `centroid` (mm), interleaved. */
  ol: Float64Array;
  diameter: number;
}

function validate(cloud: PointCloud, outline: Float64Array | number[][], opts: MeasureOptions): DrawnOutline {
  validateCloud(cloud);
  const outlineWorld = normaliseOutline(outline, opts.closed);
  const n = outlineWorld.length / 3;
  const centroid: Vec3 = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) centroid[d]! += outlineWorld[3 * i + d]! / n;
  const ol = new Float64Array(outlineWorld.length);
  for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) ol[3 * i + d] = outlineWorld[3 * i + d]! - centroid[d]!;
  return { n, centroid, ol, diameter: outlineDiameter(ol, n) };
}

// ---- gather: scan points near the outline, bucketed; the outline must lie on them. ----

interface NearOutline {
  cand: Candidates;
  grid: Grid3;
  /** Point spacing of the scan around the wound (mm). */
  spacing: number;
  /** How far around the outline points were gathered (mm). */
  margin: number;
  /** Gap between the outline and the skin band the lid is fitted to (mm). */
  gap: number;
  /** Radius within which wound points are connected to each other (mm). */
  linkRadius: number;
  offSurface: { max: number; countOff: number };
}

/** Width of the skin band around an opening of `area` mm². */
const bandWidthFor = (area: number, spacing: number): number => Math.max(4 * spacing, Math.min(10, Math.max(6, 0.4 * Math.sqrt(area))));

function gather(cloud: PointCloud, { n, centroid, ol, diameter }: DrawnOutline): NearOutline {
  let margin = Math.min(Math.max(40, diameter), 150);
  let cand = collectCandidates(cloud, centroid, ol, n, margin);
  if (cand.count < 3) throw new MeasureError('OUTLINE_OFF_SURFACE', `The outline is not on the scan: only ${cand.count} scan points lie within ${margin.toFixed(0)} mm of it.`);
  // A first spacing sizes the box (it must hold the skin band); a second is taken from the final box.
  const firstSpacing = estimateSpacing(new Grid3(cand.xyz, cand.count, 2), cand, ol, n);
  const gap = Math.max(0.75, 0.5 * firstSpacing);
  const needMargin = gap + bandWidthFor(diameter * diameter, firstSpacing) + 6 * firstSpacing;
  if (needMargin > margin) {
    margin = needMargin;
    cand = collectCandidates(cloud, centroid, ol, n, margin);
  }
  const linkRadius = Math.max(3 * firstSpacing, 2);
  const grid = new Grid3(cand.xyz, cand.count, linkRadius);
  const spacing = estimateSpacing(grid, cand, ol, n);

  const offSurface = outlineOffSurface(grid, cand, ol, n, spacing);
  if (offSurface.max > OFF_SURFACE_LIMIT_MM) {
    throw new MeasureError(
      'OUTLINE_OFF_SURFACE',
      `${offSurface.countOff} of ${n} outline points lie more than ${OFF_SURFACE_LIMIT_MM} mm from the scanned surface (farthest ${fmt(offSurface.max)} mm). Redraw the outline on the scan.`,
    );
  }
  return { cand, grid, spacing, margin, gap, linkRadius, offSurface };
}

// ---- frame: the best-fit plane of the healthy skin around the outline. ----

interface SkinFrame {
  /** u, v span the skin band's best-fit plane; n is its normal (not yet oriented out of the body). */
  frame: Frame;
  band: { gap: number; width: number };
}

/**
 * A first frame from the outline itself; the skin band is fitted roughly in it so that outliers
 * get low weights; the band's weighted PCA then gives the plane of the skin.
 */
function frame({ n, ol }: DrawnOutline, { cand, spacing, gap }: NearOutline): SkinFrame {
  const olx = new Float64Array(n);
  const oly = new Float64Array(n);
  const olz = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    olx[i] = ol[3 * i]!;
    oly[i] = ol[3 * i + 1]!;
    olz[i] = ol[3 * i + 2]!;
  }
  const outlinePca = pca(olx, oly, olz, n);
  const first = frameFrom([0, 0, 0], outlinePca.axes[2], outlinePca.axes[0]);
  const outlinePoly = projectOutline(ol, n, first);
  checkPolygon(outlinePoly, 'in the plane of the outline');
  const band = { gap, width: bandWidthFor(Math.abs(outlinePoly.signedArea()), spacing) };

  const rough = fitBand(toLocal(cand, first), cand.xyz, cand.count, outlinePoly, ol, band, true);
  const bx = new Float64Array(rough.count);
  const by = new Float64Array(rough.count);
  const bz = new Float64Array(rough.count);
  for (let k = 0; k < rough.count; k++) {
    const i = rough.members[k]!;
    bx[k] = cand.xyz[3 * i]!;
    by[k] = cand.xyz[3 * i + 1]!;
    bz[k] = cand.xyz[3 * i + 2]!;
  }
  const bandPca = pca(bx, by, bz, rough.count, rough.robust.weights);
  let normal = bandPca.axes[2];
  if (dot(normal, first.n) < 0) normal = [-normal[0], -normal[1], -normal[2]];
  return { frame: frameFrom([0, 0, 0], normal, first.e1), band };
}

// ---- lid: the skin band fitted in that frame, and the opening it spans. ----

interface LidSpan {
  frame: Frame;
  lid: LidSurface;
  fit: BandFit;
  /** Candidates in the frame's coordinates. */
  local: LocalCoords;
  /** The outline projected on the frame's plane. */
  outlinePoly: Polygon2;
  /** The outline's foot points on the lid, and the opening they bound in the lid's parameter plane. */
  footU: Float64Array;
  footV: Float64Array;
  opening: Polygon2;
}

function fitLid({ n, ol }: DrawnOutline, { cand }: NearOutline, { frame, band }: SkinFrame): LidSpan {
  const outlinePoly = projectOutline(ol, n, frame);
  checkPolygon(outlinePoly, 'in the plane of the surrounding skin');
  const local = toLocal(cand, frame);
  const fit = fitBand(local, cand.xyz, cand.count, outlinePoly, ol, band, false);
  const lid = fit.robust.lid;

  const fp: FootPoint = { u: 0, v: 0, t: 0 };
  const footU = new Float64Array(n);
  const footV = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [u, v, w] = toFrame(frame, ol[3 * i]!, ol[3 * i + 1]!, ol[3 * i + 2]!);
    if (!footPoint(lid, u, v, w, fp)) throw new MeasureError('OUTLINE_OFF_SURFACE', 'An outline point cannot be projected onto the fitted skin surface.');
    footU[i] = fp.u;
    footV[i] = fp.v;
  }
  const opening = new Polygon2(footU, footV);
  checkPolygon(opening, 'on the lid');
  return { frame, lid, fit, local, outlinePoly, footU, footV, opening };
}

// ---- bed: the wound's points, which side is out of the body, and the bed integrated over the opening. ----

interface Bed {
  /** The lid and opening, oriented so that the lid's normal points out of the body. */
  span: LidSpan;
  orientation: WoundMeasurement['diagnostics']['orientation'];
  woundPointCount: number;
  excludedPointCount: number;
  perPointDepthMm: Float32Array;
  insideMask: Uint8Array;
  /** Tissue class of each cloud point in the wound after the nurse's paint (-1 elsewhere or without colour). */
  perPointTissue: Int8Array;
  integral: BedIntegral;
}

function measureBed(cloud: PointCloud, drawn: DrawnOutline, near: NearOutline, lid: LidSpan, opts: MeasureOptions): Bed {
  const points = woundPoints(drawn, near, lid);
  const { span, orientation } = orient(cloud, drawn, near, lid, points, opts);
  const samples = bedSamples(cloud, drawn, near, span, points, opts);
  const integral = integrate(near, span, samples, coloursOf(cloud) !== undefined);
  return { span, orientation, woundPointCount: points.woundIdx.length, excludedPointCount: points.excluded, perPointDepthMm: samples.perPointDepthMm, insideMask: samples.insideMask, perPointTissue: samples.perPointTissue, integral };
}

/** Candidates whose foot point on the lid falls inside the opening, not isolated, connected to the rim. */
interface WoundPoints {
  woundIdx: number[];
  excluded: number;
  /** Per candidate: foot point on the lid (u, v) and signed distance along the lid's normal (t). */
  footU: Float64Array;
  footV: Float64Array;
  t: Float64Array;
}

function woundPoints({ diameter }: DrawnOutline, { cand, grid, spacing, margin, linkRadius }: NearOutline, { lid, local, opening }: LidSpan): WoundPoints {
  const depthAllowance = margin;
  const fp: FootPoint = { u: 0, v: 0, t: 0 };
  const inside = new Uint8Array(cand.count);
  const candFootU = new Float64Array(cand.count);
  const candFootV = new Float64Array(cand.count);
  const candT = new Float64Array(cand.count);
  const reach = 0.3 * diameter + 5 * spacing + 2;
  for (let i = 0; i < cand.count; i++) {
    const u = local.u[i]!;
    const v = local.v[i]!;
    if (u < opening.minX - reach || u > opening.maxX + reach || v < opening.minY - reach || v > opening.maxY + reach) continue;
    const w = local.w[i]!;
    const off = Math.abs(w - lid.height(u, v));
    if (off > depthAllowance) continue;
    // The foot point moves sideways by less than the distance to the lid: points farther than
    // that outside the outline cannot belong to the wound.
    if (!opening.contains(u, v) && opening.distanceToBoundary(u, v, off + spacing) === Infinity) continue;
    if (!footPoint(lid, u, v, w, fp)) continue;
    if (!opening.contains(fp.u, fp.v)) continue;
    inside[i] = 1;
    candFootU[i] = fp.u;
    candFootV[i] = fp.v;
    candT[i] = fp.t;
  }
  const wound = connectedWound(grid, cand, inside, candFootU, candFootV, candT, opening, linkRadius);
  let excluded = 0;
  for (let i = 0; i < cand.count; i++) if (inside[i] && !wound[i]) excluded++;
  const woundIdx: number[] = [];
  for (let i = 0; i < cand.count; i++) if (wound[i]) woundIdx.push(i);
  if (woundIdx.length < 3) throw new MeasureError('BED_TOO_SPARSE', `Only ${woundIdx.length} scan points of the wound bed lie inside the outline.`);
  return { woundIdx, excluded, footU: candFootU, footV: candFootV, t: candT };
}

/**
 * Which side of the lid is out of the body: the scanner's normals when the cloud has them, else
 * the caller's outward hint, else the side most of the bed is not on (wounds are cavities far more
 * often than mounds). Flipping negates the wound points' v and t in place and returns the flipped
 * lid and opening.
 */
function orient(cloud: PointCloud, { n, ol }: DrawnOutline, { cand }: NearOutline, span: LidSpan, points: WoundPoints, opts: MeasureOptions): { span: LidSpan; orientation: Bed['orientation'] } {
  const { frame, fit } = span;
  let orientation: Bed['orientation'] = 'cavity-majority';
  let flip = false;
  if (cloud.normals && cloud.normals.length >= 3 * cloud.count) {
    let s = 0;
    for (let k = 0; k < fit.count; k++) {
      const ci = cand.index[fit.members[k]!]!;
      s += fit.robust.weights[k]! * (cloud.normals[3 * ci]! * frame.n[0] + cloud.normals[3 * ci + 1]! * frame.n[1] + cloud.normals[3 * ci + 2]! * frame.n[2]);
    }
    if (s !== 0 && Number.isFinite(s)) {
      orientation = 'normals';
      flip = s < 0;
    }
  }
  if (orientation === 'cavity-majority' && opts.outward) {
    const o = opts.outward;
    if (!o.every(Number.isFinite) || Math.hypot(...o) === 0) throw new MeasureError('INVALID_INPUT', 'The outward direction must be a finite, non-zero vector.');
    orientation = 'outward-hint';
    flip = dot(o, frame.n) < 0;
  }
  if (orientation === 'cavity-majority') {
    let s = 0;
    for (const i of points.woundIdx) s += points.t[i]!;
    flip = s > 0; // most of the bed above the lid along +n: n points into the body
  }
  if (!flip) return { span, orientation };
  const flipped = flipFrame(frame);
  for (let i = 0; i < cand.count; i++) {
    points.footV[i] = -points.footV[i]!;
    points.t[i] = -points.t[i]!;
  }
  const footV = span.footV;
  for (let i = 0; i < n; i++) footV[i] = -footV[i]!;
  return {
    span: { ...span, frame: flipped, lid: span.lid.flipped(), footV, opening: new Polygon2(span.footU, footV), outlinePoly: projectOutline(ol, n, flipped) },
    orientation,
  };
}

/** The bed's depth samples (wound points plus the rim: the outline lies on the surface) and per-point results. */
interface BedSamples {
  woundCount: number;
  grid: Grid2;
  depth: Float64Array;
  /** Tissue class of each wound sample after the nurse's paint (-1 for rim samples or without colour). */
  tissueClass: Int8Array;
  /** The same from the colours alone. */
  tissueClassAuto: Int8Array;
  perPointDepthMm: Float32Array;
  insideMask: Uint8Array;
  perPointTissue: Int8Array;
}

function bedSamples(cloud: PointCloud, { n, ol, centroid }: DrawnOutline, { cand, grid: candGrid, spacing }: NearOutline, { frame, lid }: LidSpan, points: WoundPoints, opts: MeasureOptions): BedSamples {
  const { woundIdx } = points;
  const rim = rimSamples(ol, n, frame, lid, spacing);
  const nBed = woundIdx.length + rim.count;
  const bedU = new Float64Array(nBed);
  const bedV = new Float64Array(nBed);
  const bedD = new Float64Array(nBed);
  const bedClass = new Int8Array(nBed).fill(-1);
  const colors = coloursOf(cloud);
  const perPointDepthMm = new Float32Array(cloud.count).fill(Number.NaN);
  const insideMask = new Uint8Array(cloud.count);
  for (let k = 0; k < woundIdx.length; k++) {
    const i = woundIdx[k]!;
    bedU[k] = points.footU[i]!;
    bedV[k] = points.footV[i]!;
    bedD[k] = -points.t[i]!;
    const ci = cand.index[i]!;
    perPointDepthMm[ci] = -points.t[i]!;
    insideMask[ci] = 1;
    if (colors) bedClass[k] = classifyRgb(colors[3 * ci]!, colors[3 * ci + 1]!, colors[3 * ci + 2]!);
  }
  const bedClassAuto = bedClass.slice();
  if (colors && opts.tissuePaint && opts.tissuePaint.length > 0) paintTissue(opts.tissuePaint, candGrid, cand, woundIdx, centroid, bedClass);
  const perPointTissue = new Int8Array(cloud.count).fill(-1);
  if (colors) for (let k = 0; k < woundIdx.length; k++) perPointTissue[cand.index[woundIdx[k]!]!] = bedClass[k]!;
  for (let k = 0; k < rim.count; k++) {
    bedU[woundIdx.length + k] = rim.u[k]!;
    bedV[woundIdx.length + k] = rim.v[k]!;
    bedD[woundIdx.length + k] = rim.d[k]!;
  }
  const grid = new Grid2(bedU, bedV, nBed, Math.max(2.5 * spacing, 0.5));
  return { woundCount: woundIdx.length, grid, depth: bedD, tissueClass: bedClass, tissueClassAuto: bedClassAuto, perPointDepthMm, insideMask, perPointTissue };
}

/** Integrals over the opening, on a grid of the lid's parameter plane. */
interface BedIntegral {
  area: number;
  volume: number;
  raised: number;
  depthIntegral: number;
  maxDepth: number;
  /** Largest area element of the lid (the extents' search bound). */
  maxJac: number;
  /** Opening area by tissue class, after the nurse's paint. */
  tissueArea: number[];
  /** Opening area by tissue class from the colours alone. */
  tissueAreaAuto: number[];
  /** Integration cell side (mm). */
  h: number;
}

function integrate({ spacing }: NearOutline, { lid, opening }: LidSpan, bed: BedSamples, coloured: boolean): BedIntegral {
  const bedGrid = bed.grid;
  const fine = new BedInterpolator(bedGrid, bed.depth, 2 * spacing);
  const bw = opening.maxX - opening.minX;
  const bh = opening.maxY - opening.minY;
  const h = Math.max(Math.sqrt((bw * bh) / TARGET_CELLS), 0.02);
  const nx = Math.ceil(bw / h);
  const ny = Math.ceil(bh / h);
  const geo = { jac: 1, H: 0, K: 0, f: 0 };
  const coverRadius = Math.max(3 * spacing, 2);
  const tissueArea = [0, 0, 0, 0];
  const tissueAreaAuto = [0, 0, 0, 0];
  let area = 0;
  let volume = 0;
  let raised = 0;
  let depthIntegral = 0;
  let uncovered = 0;
  let maxJac = 1;
  // Cells kept for the maximum-depth search.
  const cellU: number[] = [];
  const cellV: number[] = [];
  const cellIx: number[] = [];
  const cellIy: number[] = [];
  const isWoundSample = (k: number): boolean => k < bed.woundCount;
  const sub = 8;
  for (let iy = 0; iy < ny; iy++) {
    for (let ix0 = 0; ix0 < nx; ix0++) {
      // Serpentine order keeps consecutive queries next to each other for the TIN walk.
      const ix = iy % 2 === 0 ? ix0 : nx - 1 - ix0;
      const cu = opening.minX + (ix + 0.5) * h;
      const cv = opening.minY + (iy + 0.5) * h;
      let frac: number;
      let qu = cu;
      let qv = cv;
      if (opening.distanceToBoundary(cu, cv, 0.7072 * h) === Infinity) {
        if (!opening.contains(cu, cv)) continue;
        frac = 1;
      } else {
        let hits = 0;
        let su = 0;
        let sv = 0;
        for (let a = 0; a < sub; a++) {
          for (let b = 0; b < sub; b++) {
            const pu = cu + ((a + 0.5) / sub - 0.5) * h;
            const pv = cv + ((b + 0.5) / sub - 0.5) * h;
            if (opening.contains(pu, pv)) {
              hits++;
              su += pu;
              sv += pv;
            }
          }
        }
        if (hits === 0) continue;
        frac = hits / (sub * sub);
        qu = su / hits;
        qv = sv / hits;
      }
      lidGeometry(lid, qu, qv, geo);
      if (geo.jac > maxJac) maxJac = geo.jac;
      const dA = frac * h * h * geo.jac;
      area += dA;
      const d = fine.depthAt(qu, qv);
      // Coverage (a bed sample close by) and tissue (the class of the nearest bed point) in one query.
      const nearest = bedGrid.nearest(qu, qv, coverRadius, isWoundSample);
      if (nearest < 0) uncovered += dA;
      const column = d + geo.H * d * d + (geo.K * d * d * d) / 3;
      if (d > 0) {
        volume += column * dA;
        depthIntegral += d * dA;
      } else {
        raised -= column * dA;
      }
      cellU.push(qu);
      cellV.push(qv);
      cellIx.push(ix);
      cellIy.push(iy);
      if (coloured) {
        const k = nearest >= 0 ? nearest : bedGrid.nearest(qu, qv, Infinity, isWoundSample);
        if (k >= 0) {
          tissueArea[bed.tissueClass[k]!]! += dA;
          tissueAreaAuto[bed.tissueClassAuto[k]!]! += dA;
        }
      }
    }
  }
  // Wider for wider wounds: their floors are flatter and offer more independent noisy cells.
  const smoothRadius = Math.max(2.5 * spacing, 2, 0.15 * Math.sqrt(area));
  const maxDepth = deepestSmoothed(cellIx, cellIy, cellU, cellV, h, new BedInterpolator(bedGrid, bed.depth, smoothRadius), smoothRadius);
  if (!(area > 0)) throw new MeasureError('OUTLINE_DEGENERATE', 'The outline encloses no area on the lid.');
  if (uncovered > MAX_UNCOVERED_FRACTION * area) {
    throw new MeasureError(
      'BED_TOO_SPARSE',
      `${Math.round((100 * uncovered) / area)}% of the wound opening has no scan points of the wound bed within ${fmt(coverRadius)} mm; rescan the wound.`,
    );
  }
  return { area, volume, raised, depthIntegral, maxDepth, maxJac, tissueArea, tissueAreaAuto, h };
}

// ---- figures: lengths along the lid, tissue mix, the lid mesh, and the result in clinical units. ----

function figures(cloud: PointCloud, { n, centroid }: DrawnOutline, near: NearOutline, bed: Bed, opts: MeasureOptions): WoundMeasurement {
  const { frame, lid, fit, opening, outlinePoly, footU, footV } = bed.span;
  const { area, volume, raised, depthIntegral, maxDepth, maxJac, tissueArea, tissueAreaAuto, h } = bed.integral;
  let perimeter = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    perimeter += lidPathLength(lid, footU[i]!, footV[i]!, footU[j]!, footV[j]!, 8);
  }
  const longest = longestExtent(lid, opening, maxJac * 1.001);
  const width = longestChordAlong(lid, opening, -longest.dirV, longest.dirU);
  let headToToe: number | undefined;
  let across: number | undefined;
  if (opts.bodyAxis !== undefined) {
    const ax = opts.bodyAxis;
    if (!Array.isArray(ax) || ax.length !== 3 || !ax.every(Number.isFinite) || Math.hypot(...ax) === 0) {
      throw new MeasureError('BODY_AXIS_INVALID', 'The body axis must be three finite numbers, not all zero.');
    }
    const a = normalize(ax);
    const du = dot(a, frame.e1);
    const dv = dot(a, frame.e2);
    if (Math.hypot(du, dv) < 0.2) throw new MeasureError('BODY_AXIS_INVALID', 'The body axis points (almost) straight out of the skin at the wound; it must run along the skin.');
    headToToe = longestChordAlong(lid, opening, du, dv);
    across = longestChordAlong(lid, opening, -dv, du);
  }

  let tissue: TissueMix | null = null;
  let tissueConfirmed: TissueMix | null = null;
  let tissueReason: string | undefined;
  const mix = (areas: number[]): TissueMix => {
    const total = areas.reduce((s, x) => s + x, 0);
    const pct = (k: number): number => (100 * areas[k]!) / total;
    return { granulation: pct(GRANULATION), slough: pct(SLOUGH), eschar: pct(ESCHAR), epithelium: pct(EPITHELIUM) };
  };
  const colors = coloursOf(cloud);
  if (!colors) tissueReason = 'The scan has no colour, so tissue types cannot be told apart.';
  else {
    const total = tissueArea.reduce((s, x) => s + x, 0);
    if (total > 0) {
      tissue = mix(tissueAreaAuto);
      tissueConfirmed = mix(tissueArea);
    } else tissueReason = 'No coloured wound-bed points lie inside the outline.';
  }

  const worldFrame: Frame = { ...frame, origin: centroid };
  const mesh = buildLidMesh(lid, opening, worldFrame);
  const result: WoundMeasurement = {
    area_cm2: area / 100,
    projected_area_cm2: Math.abs(outlinePoly.signedArea()) / 100,
    perimeter_cm: perimeter / 10,
    length_cm: longest.length / 10,
    width_cm: width / 10,
    max_depth_mm: Math.max(0, maxDepth),
    mean_depth_mm: depthIntegral / area,
    volume_cm3: volume / 1000,
    raised_volume_cm3: raised / 1000,
    tissue_pct: tissue,
    tissue_confirmed_pct: tissueConfirmed,
    perPointTissue: bed.perPointTissue,
    lid: {
      positions: mesh.positions,
      indices: mesh.indices,
      origin: centroid,
      axisU: frame.e1,
      axisV: frame.e2,
      normal: frame.n,
      degree: lid.degree,
      terms: lid.terms,
      coefficients: Array.from(lid.coef),
      scaleMm: lid.scale,
      residualSigmaMm: fit.robust.sigma,
      bandPointCount: fit.total,
    },
    perPointDepthMm: bed.perPointDepthMm,
    insideMask: bed.insideMask,
    diagnostics: {
      pointSpacingMm: near.spacing,
      woundPointCount: bed.woundPointCount,
      excludedPointCount: bed.excludedPointCount,
      gridCellMm: h,
      orientation: bed.orientation,
      outlineMaxOffSurfaceMm: near.offSurface.max,
    },
  };
  if (tissueReason !== undefined) result.tissue_unavailable_reason = tissueReason;
  if (headToToe !== undefined && across !== undefined) {
    result.head_to_toe_length_cm = headToToe / 10;
    result.width_across_cm = across / 10;
  }
  for (const [k, v] of Object.entries(result)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new MeasureError('BED_TOO_SPARSE', `The measurement could not be completed (${k} is not finite).`);
  }
  return result;
}

/** The cloud's colours when every point has one. */
function coloursOf(cloud: PointCloud): Uint8Array | undefined {
  return cloud.colors && cloud.colors.length >= 3 * cloud.count ? cloud.colors : undefined;
}

function fmt(x: number): string {
  return x.toFixed(1);
}

function validateCloud(cloud: PointCloud): void {
  if (!cloud || !(cloud.positions instanceof Float64Array)) throw new MeasureError('INVALID_INPUT', 'The point cloud has no positions.');
  if (!Number.isInteger(cloud.count) || cloud.count < 3 || cloud.positions.length < 3 * cloud.count) {
    throw new MeasureError('INVALID_INPUT', `The point cloud has too few points (${cloud.count}).`);
  }
}

/**
 * Outline as interleaved xyz without a repeated closing point or repeated consecutive points.
 * An outline is open when it is marked so, or when its closing gap is more than 5 times its
 * median segment (and more than 2 mm): a closed loop drawn by hand or by the segmentation model
 * has a closing segment like its others.
 */
export function normaliseOutline(outline: Float64Array | number[][], closed?: boolean): Float64Array {
  let flat: number[];
  if (outline instanceof Float64Array) {
    if (outline.length % 3 !== 0) throw new MeasureError('INVALID_INPUT', 'Outline coordinates must come in x, y, z triples.');
    flat = Array.from(outline);
  } else if (Array.isArray(outline)) {
    flat = [];
    for (const p of outline) {
      if (!Array.isArray(p) || p.length !== 3) throw new MeasureError('INVALID_INPUT', 'Each outline point must be [x, y, z].');
      flat.push(p[0]!, p[1]!, p[2]!);
    }
  } else throw new MeasureError('INVALID_INPUT', 'The outline must be a Float64Array or an array of [x, y, z] points.');
  if (!flat.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new MeasureError('INVALID_INPUT', 'The outline has coordinates that are not finite numbers.');
  const pts: number[] = [];
  const n0 = flat.length / 3;
  for (let i = 0; i < n0; i++) {
    const m = pts.length / 3;
    if (m > 0 && flat[3 * i] === pts[3 * m - 3] && flat[3 * i + 1] === pts[3 * m - 2] && flat[3 * i + 2] === pts[3 * m - 1]) continue;
    pts.push(flat[3 * i]!, flat[3 * i + 1]!, flat[3 * i + 2]!);
  }
  let n = pts.length / 3;
  if (n > 1 && pts[0] === pts[3 * n - 3] && pts[1] === pts[3 * n - 2] && pts[2] === pts[3 * n - 1]) {
    pts.length -= 3;
    n--;
  }
  if (n < 3) throw new MeasureError('OUTLINE_TOO_FEW_POINTS', `The outline needs at least 3 distinct points; it has ${n}.`);
  if (closed === false) throw new MeasureError('OUTLINE_OPEN', 'The outline is marked open; the wound must be enclosed by a closed outline.');
  const seg: number[] = [];
  for (let i = 0; i + 1 < n; i++) seg.push(Math.hypot(pts[3 * i + 3]! - pts[3 * i]!, pts[3 * i + 4]! - pts[3 * i + 1]!, pts[3 * i + 5]! - pts[3 * i + 2]!));
  const closing = Math.hypot(pts[0]! - pts[3 * n - 3]!, pts[1]! - pts[3 * n - 2]!, pts[2]! - pts[3 * n - 1]!);
  const med = median(Float64Array.from(seg));
  if (closing > 5 * med && closing > 2) {
    throw new MeasureError(
      'OUTLINE_OPEN',
      `The outline is not closed: its last point is ${fmt(closing)} mm from its first, ${(closing / med).toFixed(0)} times its typical segment (${fmt(med)} mm).`,
    );
  }
  return Float64Array.from(pts);
}

function outlineDiameter(ol: Float64Array, n: number): number {
  let best = 0;
  const stride = Math.max(1, Math.floor(n / 400));
  for (let i = 0; i < n; i += stride) {
    for (let j = i + stride; j < n; j += stride) {
      best = Math.max(best, (ol[3 * i]! - ol[3 * j]!) ** 2 + (ol[3 * i + 1]! - ol[3 * j + 1]!) ** 2 + (ol[3 * i + 2]! - ol[3 * j + 2]!) ** 2);
    }
  }
  return Math.sqrt(best);
}

/** Points of the cloud inside the outline's bounding box grown by `margin` on every side: one pass. */
function collectCandidates(cloud: PointCloud, c: Vec3, ol: Float64Array, n: number, margin: number): Candidates {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d]!, ol[3 * i + d]! + c[d]! - margin);
      hi[d] = Math.max(hi[d]!, ol[3 * i + d]! + c[d]! + margin);
    }
  }
  const [x0, y0, z0] = lo as Vec3;
  const [x1, y1, z1] = hi as Vec3;
  const P = cloud.positions;
  const picked = new Int32Array(cloud.count);
  let m = 0;
  for (let i = 0, e = cloud.count; i < e; i++) {
    const x = P[3 * i]!;
    if (x < x0 || x > x1) continue;
    const y = P[3 * i + 1]!;
    if (y < y0 || y > y1) continue;
    const z = P[3 * i + 2]!;
    if (z < z0 || z > z1) continue;
    picked[m++] = i;
  }
  const index = picked.slice(0, m);
  const xyz = new Float64Array(3 * m);
  for (let k = 0; k < m; k++) {
    const i = index[k]!;
    xyz[3 * k] = P[3 * i]! - c[0];
    xyz[3 * k + 1] = P[3 * i + 1]! - c[1];
    xyz[3 * k + 2] = P[3 * i + 2]! - c[2];
  }
  return { index, xyz, count: m };
}

/** Median nearest-neighbour distance of the scan points closest to the outline vertices. */
function estimateSpacing(grid: Grid3, cand: Candidates, ol: Float64Array, n: number): number {
  const idx = new Int32Array(4);
  const d2 = new Float64Array(4);
  const found: number[] = [];
  const stride = Math.max(1, Math.floor(n / 200));
  for (let i = 0; i < n; i += stride) {
    if (grid.kNearest(ol[3 * i]!, ol[3 * i + 1]!, ol[3 * i + 2]!, 1, Infinity, idx, d2) < 1) continue;
    const q = idx[0]!;
    const k = grid.kNearest(cand.xyz[3 * q]!, cand.xyz[3 * q + 1]!, cand.xyz[3 * q + 2]!, 4, Infinity, idx, d2, q);
    for (let j = 0; j < k; j++) {
      if (d2[j]! > 1e-12) {
        found.push(Math.sqrt(d2[j]!));
        break;
      }
    }
  }
  const s = median(Float64Array.from(found));
  return Math.max(s, 0.05);
}

/**
 * Distance of each outline vertex from the scanned surface: the distance to the nearest scan
 * point, or, where the scan is sparser than the limit, to the plane of its nearest neighbours.
 */
function outlineOffSurface(grid: Grid3, cand: Candidates, ol: Float64Array, n: number, spacing: number): { max: number; countOff: number } {
  const k = 8;
  const idx = new Int32Array(k);
  const d2 = new Float64Array(k);
  const xs = new Float64Array(k);
  const ys = new Float64Array(k);
  const zs = new Float64Array(k);
  let max = 0;
  let countOff = 0;
  for (let i = 0; i < n; i++) {
    const px = ol[3 * i]!;
    const py = ol[3 * i + 1]!;
    const pz = ol[3 * i + 2]!;
    const found = grid.kNearest(px, py, pz, k, Math.max(4 * OFF_SURFACE_LIMIT_MM, 6 * spacing), idx, d2);
    let dist = found > 0 ? Math.sqrt(d2[0]!) : Infinity;
    if (dist > OFF_SURFACE_LIMIT_MM && dist <= 2.5 * spacing && found >= 3) {
      for (let j = 0; j < found; j++) {
        xs[j] = cand.xyz[3 * idx[j]!]!;
        ys[j] = cand.xyz[3 * idx[j]! + 1]!;
        zs[j] = cand.xyz[3 * idx[j]! + 2]!;
      }
      const local = pca(xs, ys, zs, found);
      const nrm = local.axes[2];
      dist = Math.min(dist, Math.abs((px - local.mean[0]) * nrm[0] + (py - local.mean[1]) * nrm[1] + (pz - local.mean[2]) * nrm[2]));
    }
    if (dist > OFF_SURFACE_LIMIT_MM) countOff++;
    max = Math.max(max, dist);
  }
  return { max, countOff };
}

function toFrame(f: Frame, x: number, y: number, z: number): Vec3 {
  return [x * f.e1[0] + y * f.e1[1] + z * f.e1[2], x * f.e2[0] + y * f.e2[1] + z * f.e2[2], x * f.n[0] + y * f.n[1] + z * f.n[2]];
}

function toLocal(cand: Candidates, f: Frame): LocalCoords {
  const u = new Float64Array(cand.count);
  const v = new Float64Array(cand.count);
  const w = new Float64Array(cand.count);
  const p = cand.xyz;
  for (let i = 0; i < cand.count; i++) {
    const x = p[3 * i]!;
    const y = p[3 * i + 1]!;
    const z = p[3 * i + 2]!;
    u[i] = x * f.e1[0] + y * f.e1[1] + z * f.e1[2];
    v[i] = x * f.e2[0] + y * f.e2[1] + z * f.e2[2];
    w[i] = x * f.n[0] + y * f.n[1] + z * f.n[2];
  }
  return { u, v, w };
}

function projectOutline(ol: Float64Array, n: number, f: Frame): Polygon2 {
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [u, v] = toFrame(f, ol[3 * i]!, ol[3 * i + 1]!, ol[3 * i + 2]!);
    xs[i] = u;
    ys[i] = v;
  }
  return new Polygon2(xs, ys);
}

function checkPolygon(poly: Polygon2, where: string): void {
  const hit = poly.findSelfIntersection();
  if (hit) throw new MeasureError('OUTLINE_SELF_INTERSECTS', `The outline crosses itself ${where} (segments ${hit[0] + 1} and ${hit[1] + 1}); draw a simple closed loop.`);
  const a = Math.abs(poly.signedArea());
  const w = poly.maxX - poly.minX;
  const h = poly.maxY - poly.minY;
  if (!(a > 0.01 * w * h) || a < 0.5) throw new MeasureError('OUTLINE_DEGENERATE', `The outline encloses almost no area (${a.toFixed(2)} mm²).`);
}

interface BandFit {
  robust: ReturnType<typeof fitLidRobust>;
  /** Candidate indices of the band points used in the fit, matching robust.weights. */
  members: Int32Array;
  count: number;
  /** All band points found (before any subsampling). */
  total: number;
}

/**
 * Selects the skin band (outside the outline in the frame's plane, between `gap` and
 * `gap + width` from it in 3D, which leaves out the far side of a limb), checks it surrounds the
 * outline, and fits the lid to it (`rough`: a quadratic only, for the first pass).
 */
function fitBand(local: LocalCoords, xyz: Float64Array, count: number, poly: Polygon2, ol: Float64Array, band: { gap: number; width: number }, rough: boolean): BandFit {
  const n = poly.n;
  // Outline arcs of equal length, for the coverage check.
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    cum[i + 1] = cum[i]! + Math.hypot(ol[3 * j]! - ol[3 * i]!, ol[3 * j + 1]! - ol[3 * i + 1]!, ol[3 * j + 2]! - ol[3 * i + 2]!);
  }
  // A band point counts for the twelfth of the outline its nearest outline point lies in (by arc
  // length), so a long edge of a hand-drawn outline spreads over every twelfth it spans.
  const arcAt = (edge: number, t: number): number => Math.min(COVERAGE_ARCS - 1, Math.floor((COVERAGE_ARCS * (cum[edge]! + t * (cum[edge + 1]! - cum[edge]!))) / cum[n]!));
  const arcCount = new Int32Array(COVERAGE_ARCS);
  const outer = band.gap + band.width;
  const hit = { edge: 0, t: 0 };
  const members: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = local.u[i]!;
    const v = local.v[i]!;
    if (u < poly.minX - outer || u > poly.maxX + outer || v < poly.minY - outer || v > poly.maxY + outer) continue;
    if (poly.contains(u, v)) continue;
    const d = poly.distanceToBoundary(u, v, outer, hit);
    if (d === Infinity) continue;
    // The band's width is measured in 3D (to the 2D-nearest outline segment), so that where the
    // skin falls away steeply (the side of a limb) the band does not reach round it.
    const d3 = segmentDistance3(xyz, i, ol, hit.edge, (hit.edge + 1) % n);
    if (d3 < band.gap || d3 > outer) continue;
    members.push(i);
    arcCount[arcAt(hit.edge, hit.t)]!++;
  }
  const total = members.length;
  let minArc = Infinity;
  for (let a = 0; a < COVERAGE_ARCS; a++) minArc = Math.min(minArc, arcCount[a]!);
  // Every twelfth of the outline needs skin beside it: at least 3 points and a quarter of what a
  // typical twelfth has, or the lid there would be extrapolated rather than fitted.
  const typicalArc = median(Float64Array.from(arcCount));
  const arcFloor = Math.max(3, 0.25 * typicalArc);
  if (total < 24 || minArc < arcFloor) {
    throw new MeasureError(
      'LID_TOO_SPARSE',
      minArc < arcFloor
        ? `The scan has (almost) no healthy skin along part of the outline (${minArc} points within ${fmt(outer)} mm of one twelfth of it); the lid cannot be fitted. Scan more of the skin around the wound.`
        : `Only ${total} scan points of healthy skin lie within ${fmt(outer)} mm around the outline; at least 24 are needed to fit the lid.`,
    );
  }
  // More than MAX_BAND_FIT points add nothing to the lid's precision (σ/√n is already tiny) but
  // cost time: keep an even subsample (candidates are in scan order, so a stride spreads evenly).
  const stride = Math.ceil(total / MAX_BAND_FIT);
  const kept = stride > 1 ? members.filter((_, k) => k % stride === 0) : members;
  const m = kept.length;
  const bu = new Float64Array(m);
  const bv = new Float64Array(m);
  const bwv = new Float64Array(m);
  let scale = 0;
  for (let k = 0; k < m; k++) {
    const i = kept[k]!;
    bu[k] = local.u[i]!;
    bv[k] = local.v[i]!;
    bwv[k] = local.w[i]!;
    scale = Math.max(scale, Math.hypot(bu[k]!, bv[k]!));
  }
  // Degree by the Bayesian information criterion: the skin's own shape decides whether curvature
  // terms are worth their noise (each extra term adds variance where the lid spans the hole). The
  // richest model is fitted robustly first; its weights (strays at zero) are reused for the others.
  let maxDegree = 1;
  for (let degree = 2; degree <= (rough ? 2 : MAX_LID_DEGREE); degree++) {
    if (m < 10 * (((degree + 1) * (degree + 2)) / 2) || (degree >= 4 && minArc < 8)) break;
    maxDegree = degree;
  }
  const richest = fitLidRobust(bu, bv, bwv, m, maxDegree, scale);
  const fits = [richest];
  for (let degree = 1; degree < maxDegree && !rough; degree++) fits.push(fitLidRobust(bu, bv, bwv, m, degree, scale, richest.weights));
  const chosen = chooseByBic(fits, bu, bv, bwv, m);
  const robust = chosen === richest ? richest : fitLidRobust(bu, bv, bwv, m, chosen.lid.degree, scale);
  return { robust, members: Int32Array.from(kept), count: m, total };
}

/**
 * BIC with a loss that is quadratic up to 3σ (σ of the richest model) and constant beyond, so the
 * stray points every model rejects do not decide between them.
 */
function chooseByBic(fits: ReturnType<typeof fitLidRobust>[], us: Float64Array, vs: Float64Array, ws: Float64Array, n: number): ReturnType<typeof fitLidRobust> {
  const clip = (3 * fits[fits.length - 1]!.sigma) ** 2;
  let best = fits[0]!;
  let bestBic = Infinity;
  for (const fit of fits) {
    let rss = 0;
    for (let i = 0; i < n; i++) rss += Math.min(clip, (ws[i]! - fit.lid.height(us[i]!, vs[i]!)) ** 2);
    const bic = n * Math.log(rss / n) + fit.lid.coef.length * Math.log(n);
    if (bic < bestBic) {
      bestBic = bic;
      best = fit;
    }
  }
  return best;
}

function segmentDistance3(xyz: Float64Array, i: number, ol: Float64Array, a: number, b: number): number {
  const px = xyz[3 * i]! - ol[3 * a]!;
  const py = xyz[3 * i + 1]! - ol[3 * a + 1]!;
  const pz = xyz[3 * i + 2]! - ol[3 * a + 2]!;
  const ex = ol[3 * b]! - ol[3 * a]!;
  const ey = ol[3 * b + 1]! - ol[3 * a + 1]!;
  const ez = ol[3 * b + 2]! - ol[3 * a + 2]!;
  const l2 = ex * ex + ey * ey + ez * ez;
  let t = l2 > 0 ? (px * ex + py * ey + pz * ez) / l2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - t * ex, py - t * ey, pz - t * ez);
}

/**
 * Wound points: inside points that are not isolated (at least two scan neighbours within the
 * link radius) and are reachable from the rim through inside points at most one link radius apart.
 */
function connectedWound(
  grid: Grid3,
  cand: Candidates,
  inside: Uint8Array,
  footU: Float64Array,
  footV: Float64Array,
  t: Float64Array,
  opening: Polygon2,
  link: number,
): Uint8Array {
  const n = cand.count;
  const ok = new Uint8Array(n);
  const p = cand.xyz;
  for (let i = 0; i < n; i++) {
    if (!inside[i]) continue;
    let neighbours = 0;
    grid.within(p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!, link, (j) => {
      if (j !== i) neighbours++;
    });
    if (neighbours >= 2) ok[i] = 1;
  }
  const reached = new Uint8Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (ok[i] && Math.abs(t[i]!) <= link && opening.distanceToBoundary(footU[i]!, footV[i]!, link) <= link) {
      reached[i] = 1;
      queue[tail++] = i;
    }
  }
  while (head < tail) {
    const i = queue[head++]!;
    grid.within(p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!, link, (j) => {
      if (ok[j] && !reached[j]) {
        reached[j] = 1;
        queue[tail++] = j;
      }
    });
  }
  return reached;
}

/** The outline densified to about half the point spacing, as bed samples (depth of the rim below the lid). */
function rimSamples(ol: Float64Array, n: number, frame: Frame, lid: LidSurface, spacing: number): { u: Float64Array; v: Float64Array; d: Float64Array; count: number } {
  const u: number[] = [];
  const v: number[] = [];
  const d: number[] = [];
  const fp: FootPoint = { u: 0, v: 0, t: 0 };
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const len = Math.hypot(ol[3 * j]! - ol[3 * i]!, ol[3 * j + 1]! - ol[3 * i + 1]!, ol[3 * j + 2]! - ol[3 * i + 2]!);
    const steps = Math.max(1, Math.ceil(len / (0.5 * spacing)));
    for (let s = 0; s < steps; s++) {
      const r = s / steps;
      const x = ol[3 * i]! + r * (ol[3 * j]! - ol[3 * i]!);
      const y = ol[3 * i + 1]! + r * (ol[3 * j + 1]! - ol[3 * i + 1]!);
      const z = ol[3 * i + 2]! + r * (ol[3 * j + 2]! - ol[3 * i + 2]!);
      const [pu, pv, pw] = toFrame(frame, x, y, z);
      if (!footPoint(lid, pu, pv, pw, fp)) continue;
      u.push(fp.u);
      v.push(fp.v);
      d.push(-fp.t);
    }
  }
  return { u: Float64Array.from(u), v: Float64Array.from(v), d: Float64Array.from(d), count: u.length };
}

/**
 * Maximum depth with scanner noise averaged out. The extreme of an interpolant through noisy
 * samples is biased deep by the noise, so the smoothing fit (radius ≥ 2 mm) is evaluated on a
 * lattice of the integration cells about half its radius apart, then on every cell around the
 * deepest lattice point, and the largest value is taken.
 */
function deepestSmoothed(cellIx: number[], cellIy: number[], cellU: number[], cellV: number[], h: number, smooth: BedInterpolator, radius: number): number {
  const stride = Math.max(1, Math.round((0.5 * radius) / h));
  let best = -Infinity;
  let bestU = 0;
  let bestV = 0;
  for (let k = 0; k < cellU.length; k++) {
    if (cellIx[k]! % stride !== 0 || cellIy[k]! % stride !== 0) continue;
    const d = smooth.depthAt(cellU[k]!, cellV[k]!);
    if (d > best) {
      best = d;
      bestU = cellU[k]!;
      bestV = cellV[k]!;
    }
  }
  if (best === -Infinity) return 0;
  const reach = stride * h;
  const fineStride = Math.max(1, Math.round(stride / 4));
  for (let k = 0; k < cellU.length; k++) {
    if (Math.abs(cellU[k]! - bestU) > reach || Math.abs(cellV[k]! - bestV) > reach) continue;
    if (cellIx[k]! % fineStride !== 0 || cellIy[k]! % fineStride !== 0) continue;
    best = Math.max(best, smooth.depthAt(cellU[k]!, cellV[k]!));
  }
  return best;
}

/**
 * Bed depth at any point of the opening: weighted least-squares quadratic d(u, v) through the bed
 * samples within a radius (Wendland weights (1 − r²/R²)²), which reproduces any quadratic bed
 * exactly and averages scanner noise over ~20 points; falls back to a plane, then to a wider
 * radius, then to the nearest sample.
 */
class BedInterpolator {
  private readonly ata = new Float64Array(36);
  private readonly atb = new Float64Array(6);
  private readonly idx: Int32Array = new Int32Array(1024);
  private readonly dd: Float64Array = new Float64Array(1024);
  private readonly b = new Float64Array(6);
  private readonly y = new Float64Array(6);
  private readonly x = new Float64Array(6);

  constructor(
    private readonly grid: Grid2,
    private readonly depth: Float64Array,
    private readonly radius: number,
  ) {}

  depthAt(u: number, v: number): number {
    let r = this.radius;
    for (let attempt = 0; attempt < 4; attempt++, r *= 1.6) {
      const m = this.gather(u, v, r);
      if (m >= 12) {
        const x = this.solve(u, v, r, m, 6);
        if (x !== null) return x;
      }
      if (m >= 4) {
        const x = this.solve(u, v, r, m, 3);
        if (x !== null) return x;
      }
    }
    const k = this.grid.nearest(u, v, Infinity);
    return k >= 0 ? this.depth[k]! : 0;
  }

  private gather(u: number, v: number, r: number): number {
    let m = 0;
    const cap = this.idx.length;
    this.grid.within(u, v, r, (i, d2) => {
      if (m < cap) {
        this.idx[m] = i;
        this.dd[m] = d2;
        m++;
      }
    });
    return m;
  }

  private solve(u: number, v: number, r: number, m: number, p: number): number | null {
    const ata = this.ata;
    const atb = this.atb;
    ata.fill(0);
    atb.fill(0);
    const xs = this.grid.xs;
    const ys = this.grid.ys;
    const b = this.b;
    const r2 = r * r;
    for (let k = 0; k < m; k++) {
      const i = this.idx[k]!;
      const q = 1 - this.dd[k]! / r2;
      const w = q * q + 1e-6;
      const x = (xs[i]! - u) / r;
      const y = (ys[i]! - v) / r;
      b[0] = 1;
      b[1] = x;
      b[2] = y;
      b[3] = x * x;
      b[4] = x * y;
      b[5] = y * y;
      for (let a = 0; a < p; a++) {
        const wa = w * b[a]!;
        atb[a]! += wa * this.depth[i]!;
        for (let c = a; c < p; c++) ata[a * 6 + c]! += wa * b[c]!;
      }
    }
    // In-place Cholesky (upper triangle) with a conditioning check.
    let maxDiag = 0;
    for (let a = 0; a < p; a++) maxDiag = Math.max(maxDiag, ata[a * 6 + a]!);
    for (let a = 0; a < p; a++) {
      let s = ata[a * 6 + a]!;
      for (let k = 0; k < a; k++) s -= ata[k * 6 + a]! ** 2;
      if (!(s > 1e-6 * maxDiag)) return null;
      const l = Math.sqrt(s);
      ata[a * 6 + a] = l;
      for (let c = a + 1; c < p; c++) {
        let t = ata[a * 6 + c]!;
        for (let k = 0; k < a; k++) t -= ata[k * 6 + a]! * ata[k * 6 + c]!;
        ata[a * 6 + c] = t / l;
      }
    }
    // Solve Rᵀ y = atb, R x = y; only x[0] (the value at (u, v)) is needed but all are solved.
    const y = this.y;
    for (let a = 0; a < p; a++) {
      let s = atb[a]!;
      for (let k = 0; k < a; k++) s -= ata[k * 6 + a]! * y[k]!;
      y[a] = s / ata[a * 6 + a]!;
    }
    const x = this.x;
    for (let a = p - 1; a >= 0; a--) {
      let s = y[a]!;
      for (let k = a + 1; k < p; k++) s -= ata[a * 6 + k]! * x[k]!;
      x[a] = s / ata[a * 6 + a]!;
    }
    return x[0]!;
  }
}

/** Most paint strokes one measurement applies (a long drag makes a few hundred). */
export const MAX_TISSUE_PAINT_STROKES = 2000;

/** The nurse's tissue paint: wound points within a stroke's radius take its class, later strokes winning. */
function paintTissue(strokes: TissuePaintStroke[], grid: Grid3, cand: Candidates, woundIdx: number[], centroid: Vec3, bedClass: Int8Array): void {
  if (strokes.length > MAX_TISSUE_PAINT_STROKES) throw new MeasureError('INVALID_INPUT', `At most ${MAX_TISSUE_PAINT_STROKES} tissue paint strokes can be applied.`);
  const bedOf = new Int32Array(cand.count).fill(-1);
  woundIdx.forEach((i, k) => (bedOf[i] = k));
  for (const s of strokes) {
    if (!Number.isInteger(s.tissue) || s.tissue < 0 || s.tissue > 3 || !(s.radiusMm > 0) || !Number.isFinite(s.radiusMm) || !s.centre.every(Number.isFinite)) {
      throw new MeasureError('INVALID_INPUT', 'A tissue paint stroke needs a tissue class, a centre on the scan and a positive radius.');
    }
    grid.within(s.centre[0] - centroid[0], s.centre[1] - centroid[1], s.centre[2] - centroid[2], s.radiusMm, (i) => {
      const k = bedOf[i]!;
      if (k >= 0) bedClass[k] = s.tissue;
    });
  }
}
