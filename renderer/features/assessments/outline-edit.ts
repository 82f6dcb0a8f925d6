/**
 * Editing an assessment on a scan, as plain functions the panel and its tests share:
 * - an undo/redo history of the whole edit (outline, method, model, head point, tissue paint), in
 *   which a drag or a paint stroke is one step however many pointer moves it took;
 * - dragging a vertex that takes its neighbours along with a smooth falloff, so one drag bends the
 *   outline instead of pulling a spike out of it;
 * - simplifying an outline (the model's has hundreds of vertices) to a number of points a nurse
 *   can edit, keeping the shape (Visvalingam–Whyatt: drop the vertex that spans the least area).
 */
import type { AssessmentMethod, TissuePaintStroke, Vec3Tuple } from '../../../common/assessments';

export interface EditDoc {
  outline: Vec3Tuple[];
  method: AssessmentMethod;
  modelVersion: string | null;
  /** A point towards the patient's head (the body axis runs from the outline's centre to it). */
  head: Vec3Tuple | null;
  tissuePaint: TissuePaintStroke[];
}

export const EMPTY_DOC: EditDoc = { outline: [], method: 'manual', modelVersion: null, head: null, tissuePaint: [] };

export interface History {
  past: EditDoc[];
  present: EditDoc;
  future: EditDoc[];
  /** The document as it was when a drag or stroke began (null outside one). */
  gestureStart: EditDoc | null;
}

/** Most undo steps kept. */
export const MAX_UNDO = 200;

export type HistoryAction =
  | { type: 'commit'; doc: EditDoc }
  /** A step of a gesture: shown at once, one undo step when it settles. */
  | { type: 'preview'; doc: EditDoc }
  | { type: 'settle' }
  | { type: 'undo' }
  | { type: 'redo' }
  /** A new starting point (after a save, or a saved assessment shown): no undo past it. */
  | { type: 'reset'; doc: EditDoc };

export const initialHistory = (doc: EditDoc = EMPTY_DOC): History => ({ past: [], present: doc, future: [], gestureStart: null });

export function historyReducer(h: History, action: HistoryAction): History {
  switch (action.type) {
    case 'commit': {
      const base = h.gestureStart ?? h.present;
      if (action.doc === base) return { ...h, present: base, gestureStart: null };
      return { past: [...h.past, base].slice(-MAX_UNDO), present: action.doc, future: [], gestureStart: null };
    }
    case 'preview':
      return { ...h, present: action.doc, gestureStart: h.gestureStart ?? h.present };
    case 'settle':
      if (!h.gestureStart) return h;
      if (h.gestureStart === h.present) return { ...h, gestureStart: null };
      return { past: [...h.past, h.gestureStart].slice(-MAX_UNDO), present: h.present, future: [], gestureStart: null };
    case 'undo': {
      const settled = h.gestureStart ? historyReducer(h, { type: 'settle' }) : h;
      const previous = settled.past[settled.past.length - 1];
      if (!previous) return settled;
      return { past: settled.past.slice(0, -1), present: previous, future: [settled.present, ...settled.future], gestureStart: null };
    }
    case 'redo': {
      const next = h.future[0];
      if (!next || h.gestureStart) return h;
      return { past: [...h.past, h.present], present: next, future: h.future.slice(1), gestureStart: null };
    }
    case 'reset':
      return initialHistory(action.doc);
  }
}

/** The method after an edit of the outline: a model's outline that a person changed is "edited". */
export const editedMethod = (m: AssessmentMethod): AssessmentMethod => (m === 'automatic' ? 'edited' : m);

const dist = (a: Vec3Tuple, b: Vec3Tuple) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Arc length along the closed outline from vertex `i` to every vertex (the shorter way round). */
function arcDistances(outline: Vec3Tuple[], i: number): number[] {
  const n = outline.length;
  const edge = outline.map((v, k) => dist(v, outline[(k + 1) % n]!));
  const total = edge.reduce((s, e) => s + e, 0);
  const out = new Array<number>(n).fill(0);
  let s = 0;
  for (let step = 1; step < n; step++) {
    s += edge[(i + step - 1) % n]!;
    out[(i + step) % n] = Math.min(s, total - s);
  }
  return out;
}

/**
 * Moves vertex `index` to `target`; vertices within `radiusMm` of it along the outline follow with
 * a cosine falloff (all the way at the vertex, not at all at the radius). Returns the new outline
 * and the indices of the vertices that moved (the caller puts the followers back on the surface).
 */
export function dragVertex(outline: Vec3Tuple[], index: number, target: Vec3Tuple, radiusMm: number): { outline: Vec3Tuple[]; moved: number[] } {
  const from = outline[index];
  if (!from) return { outline, moved: [] };
  const d: Vec3Tuple = [target[0] - from[0], target[1] - from[1], target[2] - from[2]];
  const arc = outline.length >= 3 && radiusMm > 0 ? arcDistances(outline, index) : outline.map((_, k) => (k === index ? 0 : Infinity));
  const moved: number[] = [];
  const next = outline.map((v, k): Vec3Tuple => {
    if (k === index) return target;
    const s = arc[k]!;
    if (!(s < radiusMm)) return v;
    const w = 0.5 * (1 + Math.cos((Math.PI * s) / radiusMm));
    if (w < 1e-3) return v;
    moved.push(k);
    return [v[0] + w * d[0], v[1] + w * d[1], v[2] + w * d[2]];
  });
  moved.push(index);
  return { outline: next, moved };
}

/**
 * How far along the outline a drag of `dragMm` spreads: one and a half times the drag, at most a
 * quarter of the outline. On a sparse drawn outline a short drag reaches no neighbour and moves
 * just the vertex; a long one bends its neighbours too.
 */
export function dragRadius(outline: Vec3Tuple[], dragMm: number): number {
  const n = outline.length;
  if (n < 3) return 0;
  let total = 0;
  for (let k = 0; k < n; k++) total += dist(outline[k]!, outline[(k + 1) % n]!);
  return Math.min(1.5 * dragMm, total / 4);
}

/** Largest turn (degrees) between consecutive edges of a closed outline: 180 is a spike. */
export function sharpestTurn(outline: Vec3Tuple[]): number {
  const n = outline.length;
  let worst = 0;
  for (let k = 0; k < n; k++) {
    const a = outline[(k + n - 1) % n]!;
    const b = outline[k]!;
    const c = outline[(k + 1) % n]!;
    const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const v = [c[0] - b[0], c[1] - b[1], c[2] - b[2]];
    const lu = Math.hypot(u[0]!, u[1]!, u[2]!);
    const lv = Math.hypot(v[0]!, v[1]!, v[2]!);
    if (lu === 0 || lv === 0) continue;
    const cos = (u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!) / (lu * lv);
    worst = Math.max(worst, (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI);
  }
  return worst;
}

/** Area of the triangle a–b–c in 3D. */
function triangleArea(a: Vec3Tuple, b: Vec3Tuple, c: Vec3Tuple): number {
  const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]] as const;
  const v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]] as const;
  return 0.5 * Math.hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);
}

/** Fewest points an outline is simplified to, and most. */
export const MIN_SIMPLIFIED_POINTS = 8;
export const MAX_SIMPLIFIED_POINTS = 200;
/** The model's outline is simplified to this many points when it arrives. */
export const DEFAULT_OUTLINE_POINTS = 40;

/** The closed outline with at most `count` vertices, dropping the least significant first (Visvalingam–Whyatt). */
export function simplifyOutline(outline: Vec3Tuple[], count: number): Vec3Tuple[] {
  const target = Math.max(3, Math.round(count));
  if (outline.length <= target) return outline;
  const n = outline.length;
  const prev = Array.from({ length: n }, (_, k) => (k + n - 1) % n);
  const next = Array.from({ length: n }, (_, k) => (k + 1) % n);
  const alive = new Uint8Array(n).fill(1);
  const area = outline.map((v, k) => triangleArea(outline[prev[k]!]!, v, outline[next[k]!]!));
  let left = n;
  // n is at most a few thousand: a linear scan per removal is fast enough and keeps this simple.
  while (left > target) {
    let best = -1;
    for (let k = 0; k < n; k++) if (alive[k] && (best < 0 || area[k]! < area[best]!)) best = k;
    alive[best] = 0;
    left--;
    const p = prev[best]!;
    const q = next[best]!;
    next[p] = q;
    prev[q] = p;
    // A neighbour's area never drops below the removed one's (the usual monotonic fix).
    area[p] = Math.max(area[best]!, triangleArea(outline[prev[p]!]!, outline[p]!, outline[next[p]!]!));
    area[q] = Math.max(area[best]!, triangleArea(outline[prev[q]!]!, outline[q]!, outline[next[q]!]!));
  }
  return outline.filter((_, k) => alive[k]);
}

/** The mean of the outline's vertices, or null for fewer than 3. */
export function centroid(outline: Vec3Tuple[]): Vec3Tuple | null {
  if (outline.length < 3) return null;
  const c: Vec3Tuple = [0, 0, 0];
  for (const v of outline) for (let a = 0; a < 3; a++) c[a] = c[a]! + v[a]! / outline.length;
  return c;
}
