import { afterAll, describe, expect, it } from 'vitest';
import { MeasureError, measureWound } from '../measure/index';
import { makeCavityPhantom } from '../measure/phantoms';
import { createMeasureRunner } from './measure-runner';

const runner = createMeasureRunner();
afterAll(() => runner.dispose());

const ph = makeCavityPhantom({ surface: 'plane', a: 15, b: 10, c: 4, spacing: 1, noise: 0.1, colored: true, seed: 3 });
const outline = Array.from({ length: ph.outline.length / 3 }, (_, i) => [ph.outline[3 * i]!, ph.outline[3 * i + 1]!, ph.outline[3 * i + 2]!] as [number, number, number]);

describe('measure runner (wound-measure worker)', () => {
  it('gives the same figures as measureWound on the calling thread, with the lid and a capped depth overlay', async () => {
    const direct = measureWound(ph.cloud, outline);
    const r = await runner.measure('phantom', ph.cloud, outline, { maxOverlayPoints: 100 });
    expect(r.figures.area_cm2).toBeCloseTo(direct.area_cm2, 9);
    expect(r.figures.volume_cm3).toBeCloseTo(direct.volume_cm3, 9);
    expect(r.figures.max_depth_mm).toBeCloseTo(direct.max_depth_mm, 9);
    expect(r.figures.tissue_pct).not.toBeNull();
    expect(Math.abs(r.figures.area_cm2 / ph.truth.area_cm2 - 1)).toBeLessThan(0.05);
    expect(r.lid.indices.length % 3).toBe(0);
    expect(r.lid.positions.length).toBe(direct.lid.positions.length);
    expect(r.overlay.positions.length / 3).toBe(r.overlay.depthMm.length);
    expect(r.overlay.depthMm.length).toBeLessThanOrEqual(100);
    expect(r.overlay.total).toBeGreaterThan(100);
    expect(r.overlay.max).toBeGreaterThan(2);
    expect(r.perPoint).toBeUndefined();
  });

  it('returns per-point mask and depths on request, and reuses the cloud it holds', async () => {
    const r = await runner.measure('phantom', ph.cloud, outline, { perPoint: true });
    expect(r.perPoint!.insideMask.length).toBe(ph.cloud.count);
    expect(r.perPoint!.depthMm.length).toBe(ph.cloud.count);
    let inside = 0;
    for (const v of r.perPoint!.insideMask) inside += v;
    expect(inside).toBe(r.overlay.total);
  });

  it('a bad outline is a MeasureError with its code, and the worker keeps working', async () => {
    const crossed: [number, number, number][] = [outline[0]!, outline[Math.floor(outline.length / 2)]!, outline[Math.floor(outline.length / 4)]!, outline[Math.floor((3 * outline.length) / 4)]!];
    const error = await runner.measure('phantom', ph.cloud, crossed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeasureError);
    expect((error as MeasureError).code).toBe('OUTLINE_SELF_INTERSECTS');
    const off = await runner.measure('phantom', ph.cloud, outline.map(([x, y, z]) => [x, y, z + 20] as [number, number, number])).catch((e: unknown) => e);
    expect((off as MeasureError).code).toBe('OUTLINE_OFF_SURFACE');
    expect((await runner.measure('phantom', ph.cloud, outline)).figures.area_cm2).toBeGreaterThan(0);
  });
});
