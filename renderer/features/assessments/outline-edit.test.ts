import { describe, expect, it } from 'vitest';
import type { Vec3Tuple } from '../../../common/assessments';
import { EMPTY_DOC, dragRadius, dragVertex, historyReducer, initialHistory, sharpestTurn, simplifyOutline, type EditDoc, type History, type HistoryAction } from './outline-edit';

/** A circle of `n` vertices, radius `r` mm, in the z = 0 plane. */
const circle = (n: number, r = 15): Vec3Tuple[] => Array.from({ length: n }, (_, k) => [r * Math.cos((2 * Math.PI * k) / n), r * Math.sin((2 * Math.PI * k) / n), 0]);

const run = (h: History, ...actions: HistoryAction[]) => actions.reduce(historyReducer, h);
const withOutline = (outline: Vec3Tuple[]): EditDoc => ({ ...EMPTY_DOC, outline });

/** Shoelace area of the outline's xy projection. */
const areaXY = (o: Vec3Tuple[]) => Math.abs(o.reduce((s, v, k) => s + v[0] * o[(k + 1) % o.length]![1] - o[(k + 1) % o.length]![0] * v[1], 0)) / 2;

describe('edit history', () => {
  it('undoes and redoes every kind of edit, in order', () => {
    const a = withOutline([[0, 0, 0]]);
    const b = withOutline([[0, 0, 0], [1, 0, 0]]);
    const model: EditDoc = { ...withOutline(circle(40)), method: 'automatic', modelVersion: 'wound-seg-unet 1.1.0' };
    let h = run(initialHistory(), { type: 'commit', doc: a }, { type: 'commit', doc: b }, { type: 'commit', doc: model }, { type: 'commit', doc: EMPTY_DOC });
    expect(h.present).toBe(EMPTY_DOC);
    h = run(h, { type: 'undo' });
    expect(h.present).toBe(model);
    h = run(h, { type: 'undo' }, { type: 'undo' });
    expect(h.present).toBe(a);
    h = run(h, { type: 'redo' });
    expect(h.present).toBe(b);
    // A new edit after undo drops the redo branch.
    const c = withOutline([[5, 5, 5]]);
    h = run(h, { type: 'commit', doc: c });
    expect(h.future).toEqual([]);
    expect(run(h, { type: 'redo' }).present).toBe(c);
    expect(run(h, { type: 'undo' }).present).toBe(b);
  });

  it('a drag of many pointer moves is one undo step back to where it started', () => {
    const start = withOutline(circle(12));
    let h = initialHistory(start);
    for (let step = 1; step <= 20; step++) h = historyReducer(h, { type: 'preview', doc: withOutline(dragVertex(start.outline, 3, [20 + step, 10, 0], 8).outline) });
    h = historyReducer(h, { type: 'settle' });
    expect(h.past).toEqual([start]);
    expect(h.present.outline[3]).toEqual([40, 10, 0]);
    h = historyReducer(h, { type: 'undo' });
    expect(h.present).toBe(start);
    // Undo in the middle of a gesture settles it first, then undoes it.
    h = run(initialHistory(start), { type: 'preview', doc: withOutline([[1, 1, 1]]) }, { type: 'undo' });
    expect(h.present).toBe(start);
    // A gesture that changed nothing leaves no step.
    h = run(initialHistory(start), { type: 'preview', doc: start }, { type: 'settle' });
    expect(h.past).toEqual([]);
  });

  it('reset starts again with nothing to undo', () => {
    const h = run(initialHistory(), { type: 'commit', doc: withOutline([[0, 0, 0]]) }, { type: 'reset', doc: EMPTY_DOC });
    expect(h).toEqual(initialHistory(EMPTY_DOC));
  });
});

describe('dragging a vertex', () => {
  it('on the model’s dense outline bends it instead of pulling a spike (the issue’s 4 cm spike)', () => {
    const dense = circle(284, 15);
    const target: Vec3Tuple = [15 + 40, 0, 0]; // 4 cm outward
    // Moving only the vertex: a spike, two edges folding back on each other.
    const naive = dense.map((v, k): Vec3Tuple => (k === 0 ? target : v));
    expect(sharpestTurn(naive)).toBeGreaterThan(170);
    const { outline, moved } = dragVertex(dense, 0, target, dragRadius(dense, 40));
    expect(outline[0]).toEqual(target);
    expect(moved.length).toBeGreaterThan(20);
    expect(sharpestTurn(outline)).toBeLessThan(20);
    // The bulge adds area on the dragged side, it does not collapse the rest.
    expect(areaXY(outline)).toBeGreaterThan(areaXY(dense));
  });

  it('on a sparse drawn outline a short drag moves just the vertex', () => {
    const sparse = circle(8, 15);
    const { outline, moved } = dragVertex(sparse, 2, [0, 18, 0], dragRadius(sparse, 3));
    expect(moved).toEqual([2]);
    expect(outline.filter((v, k) => v !== sparse[k])).toEqual([[0, 18, 0]]);
  });

  it('spreads about one and a half times the drag, never more than a quarter of the outline', () => {
    const dense = circle(284, 15);
    const perimeter = 2 * Math.PI * 15;
    expect(dragRadius(dense, 4)).toBeCloseTo(6, 1);
    expect(dragRadius(dense, 100)).toBeCloseTo(perimeter / 4, 0);
    expect(dragRadius([[0, 0, 0]], 5)).toBe(0);
  });
});

describe('simplifying the model outline', () => {
  it('keeps the shape with the number of points asked for', () => {
    // An ellipse with a notch: the notch survives, the smooth arcs lose points.
    const dense: Vec3Tuple[] = Array.from({ length: 300 }, (_, k) => {
      const t = (2 * Math.PI * k) / 300;
      const notch = k >= 140 && k <= 160 ? 6 * Math.sin((Math.PI * (k - 140)) / 20) : 0;
      return [(20 - notch) * Math.cos(t), 12 * Math.sin(t), 0];
    });
    const simple = simplifyOutline(dense, 40);
    expect(simple).toHaveLength(40);
    expect(Math.abs(areaXY(simple) / areaXY(dense) - 1)).toBeLessThan(0.02);
    expect(simple.every((v) => dense.includes(v))).toBe(true);
    // The notch is kept: a point near its deepest one.
    expect(Math.min(...simple.map((v) => Math.hypot(v[0] + 14, v[1])))).toBeLessThan(1);
    expect(simplifyOutline(dense, 500)).toBe(dense);
    expect(simplifyOutline(dense, 1)).toHaveLength(3);
  });
});
