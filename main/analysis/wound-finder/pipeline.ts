/**
 * The CPU part of finding a wound in a scan, in two steps around the model (which runs in the
 * segmentation service's own worker):
 *
 *   prepareScan(cloud)        view frame, projection, point spacing, splat render → RGB image
 *   finishScan(prep, mask)    lift the mask onto the points, keep the largest region on the
 *                             surface, fill holes, trace and lift its boundary
 *
 * Plain functions over typed arrays, O(n) in the number of points; `wound-find.worker.ts`
 * runs them off the main thread. Coordinates are millimetres.
 */
import type { Grid2 } from '../measure/index';
import { outerBoundary } from './contour';
import { WoundFinderError } from './errors';
import { liftMask, type Footprint } from './lift';
import { estimateSpacing, projectedGrid, renderScan, type Rendered } from './render';
import { chooseViewFrame, projectCloud, type CloudArrays, type Projected, type ViewFrame } from './view';

/** Fewer points than this cannot be a scan of a wound and its surroundings. */
export const MIN_POINTS = 1000;
/** A kept region needs at least this many points to be reported as a wound. */
export const MIN_WOUND_POINTS = 20;
/** Boundary vertices are about this many pixels apart (and at most this many in all). */
const BOUNDARY_STEP_PX = 2;
const MAX_BOUNDARY_POINTS = 1000;

export interface ScanInput extends CloudArrays {
  colors: Uint8Array | undefined;
  viewDirection?: readonly number[] | undefined;
}

export interface PreparedScan {
  frame: ViewFrame;
  proj: Projected;
  grid: Grid2;
  spacingMm: number;
  render: Rendered;
  renderMs: number;
}

export interface FinishedScan {
  labels: Uint8Array<ArrayBuffer>;
  woundPointCount: number;
  boundary: Float64Array<ArrayBuffer>;
  liftMs: number;
  diagnostics: {
    candidatePoints: number;
    regionCount: number;
    regionPointCount: number;
    boundaryPoints: number;
  };
}

export function checkInput(input: ScanInput): void {
  const { positions, count, colors } = input;
  if (!Number.isInteger(count) || count < 0 || positions.length < 3 * count) {
    throw new WoundFinderError('INVALID_INPUT', `The scan's positions (${positions.length} values) do not hold ${count} points.`);
  }
  if (count < MIN_POINTS) throw new WoundFinderError('TOO_FEW_POINTS', `The scan has ${count} points; finding a wound needs at least ${MIN_POINTS}.`);
  if (!colors) throw new WoundFinderError('NO_COLOUR', 'The scan has no point colours; the wound model needs a colour image of the surface.');
  if (colors.length < 3 * count) throw new WoundFinderError('NO_COLOUR', `The scan's colours (${colors.length} values) do not cover its ${count} points.`);
  // Files without colour often store one constant value for every point.
  let varies = false;
  for (let i = 3; i < 3 * count && !varies; i += 3) varies = colors[i] !== colors[0] || colors[i + 1] !== colors[1] || colors[i + 2] !== colors[2];
  if (!varies) throw new WoundFinderError('NO_COLOUR', 'Every point of the scan has the same colour: the scan carries no colour image of the surface.');
}

export function prepareScan(input: ScanInput): PreparedScan {
  const t0 = performance.now();
  checkInput(input);
  const frame = chooseViewFrame(input, input.viewDirection);
  const proj = projectCloud(input, frame);
  if (proj.validCount < MIN_POINTS) {
    throw new WoundFinderError('TOO_FEW_POINTS', `Only ${proj.validCount} of the scan's points have finite coordinates; finding a wound needs at least ${MIN_POINTS}.`);
  }
  const { grid } = projectedGrid(proj);
  const spacingMm = estimateSpacing(proj, grid);
  if (!(spacingMm > 0)) throw new WoundFinderError('TOO_FEW_POINTS', 'The scan\'s points do not form a surface (no point has a neighbour).');
  const render = renderScan(proj, input.colors!, spacingMm);
  return { frame, proj, grid, spacingMm, render, renderMs: performance.now() - t0 };
}

export function finishScan(prep: PreparedScan, mask: Uint8Array): FinishedScan {
  const t0 = performance.now();
  const { render, proj } = prep;
  if (mask.length !== render.width * render.height) {
    throw new WoundFinderError('INVALID_INPUT', `The mask has ${mask.length} pixels, the image ${render.width} × ${render.height}.`);
  }
  const lifted = liftMask(proj, render, mask, prep.spacingMm);
  if (lifted.candidateCount === 0) throw new WoundFinderError('NO_WOUND_FOUND', 'The model found no wound in the scan\'s colour image.');
  if (!lifted.footprint || lifted.woundPointCount < MIN_WOUND_POINTS) {
    throw new WoundFinderError(
      'NO_WOUND_FOUND',
      `The largest wound region the model found on the surface has ${lifted.regionPointCount} points; at least ${MIN_WOUND_POINTS} are needed.`,
    );
  }
  const boundary = traceBoundary(prep, lifted.footprint, lifted.visible);
  if (!boundary) throw new WoundFinderError('NO_WOUND_FOUND', 'The wound region found is too small to outline.');
  return {
    labels: lifted.labels,
    woundPointCount: lifted.woundPointCount,
    boundary,
    liftMs: performance.now() - t0,
    diagnostics: {
      candidatePoints: lifted.candidateCount,
      regionCount: lifted.regionCount,
      regionPointCount: lifted.regionPointCount,
      boundaryPoints: boundary.length / 3,
    },
  };
}

/** Outline of the footprint in the image, each vertex lifted onto the front surface. Cloud coordinates. */
function traceBoundary(prep: PreparedScan, fp: Footprint, visible: Uint8Array): Float64Array<ArrayBuffer> | null {
  const { render, proj, grid, frame, spacingMm } = prep;
  let area = 0;
  for (const v of fp.inside) area += v;
  // Perimeter of a disc of that area, over the vertex budget, bounds the step from below.
  const step = Math.max(BOUNDARY_STEP_PX, (2 * Math.sqrt(Math.PI * area)) / MAX_BOUNDARY_POINTS);
  const loop = outerBoundary(fp.inside, fp.w, fp.h, step);
  if (!loop || loop.xs.length < 3) return null;
  const n = loop.xs.length;
  const out = new Float64Array(3 * n);
  const p = render.pixelMm;
  const radius0 = Math.max(1.5 * spacingMm, p);
  const [ox, oy, oz] = frame.origin;
  for (let k = 0; k < n; k++) {
    const u = render.u0 + (loop.xs[k]! + fp.x0 + 0.5) * p;
    const v = render.vTop - (loop.ys[k]! + fp.y0 + 0.5) * p;
    const depth = surfaceDepth(proj, grid, visible, u, v, radius0);
    const z = Number.isFinite(depth) ? depth : render.zbuf[Math.floor(loop.ys[k]! + fp.y0) * render.width + Math.floor(loop.xs[k]! + fp.x0)]!;
    out[3 * k] = ox + u * frame.e1[0] + v * frame.e2[0] + z * frame.d[0];
    out[3 * k + 1] = oy + u * frame.e1[1] + v * frame.e2[1] + z * frame.d[1];
    out[3 * k + 2] = oz + u * frame.e1[2] + v * frame.e2[2] + z * frame.d[2];
  }
  return out;
}

/**
 * Depth of the front surface at (u, v): a weighted least-squares plane through the visible
 * points around it (Gaussian weights), their weighted mean when too few; the radius grows
 * until points are found. NaN when there are none within 8 radii.
 */
function surfaceDepth(proj: Projected, grid: Grid2, visible: Uint8Array, u: number, v: number, radius0: number): number {
  for (let r = radius0; r <= 8 * radius0; r *= 2) {
    let sw = 0;
    let su = 0;
    let sv = 0;
    let sz = 0;
    let suu = 0;
    let suv = 0;
    let svv = 0;
    let suz = 0;
    let svz = 0;
    let m = 0;
    const s2 = (r * r) / 2;
    grid.within(u, v, r, (i, d2) => {
      if (!visible[i]) return;
      const w = Math.exp(-d2 / s2);
      const du = proj.u[i]! - u;
      const dv = proj.v[i]! - v;
      const z = proj.depth[i]!;
      sw += w;
      su += w * du;
      sv += w * dv;
      sz += w * z;
      suu += w * du * du;
      suv += w * du * dv;
      svv += w * dv * dv;
      suz += w * du * z;
      svz += w * dv * z;
      m++;
    });
    if (m === 0) continue;
    const mean = sz / sw;
    if (m < 6) return mean;
    // Centred normal equations for z = a + b·du + c·dv; a is the depth at (u, v).
    const mu = su / sw;
    const mv = sv / sw;
    const cuu = suu / sw - mu * mu;
    const cuv = suv / sw - mu * mv;
    const cvv = svv / sw - mv * mv;
    const cuz = suz / sw - mu * mean;
    const cvz = svz / sw - mv * mean;
    const det = cuu * cvv - cuv * cuv;
    if (!(det > 1e-12 * (cuu + cvv) ** 2)) return mean;
    const b = (cuz * cvv - cvz * cuv) / det;
    const c = (cvz * cuu - cuz * cuv) / det;
    return mean - b * mu - c * mv;
  }
  return NaN;
}
