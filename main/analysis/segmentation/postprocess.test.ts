import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest';
import { flipPlanes, labelComponents, postprocessMask, predictMap } from './postprocess';

describe('flipPlanes', () => {
  const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // 2 planes of 2 × 3
  it('mirrors each plane horizontally, vertically or both, and back', () => {
    expect([...flipPlanes(src, 2, 2, 3, 'h')]).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10]);
    expect([...flipPlanes(src, 2, 2, 3, 'v')]).toEqual([4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9]);
    expect([...flipPlanes(src, 2, 2, 3, 'hv')]).toEqual([6, 5, 4, 3, 2, 1, 12, 11, 10, 9, 8, 7]);
    for (const v of ['h', 'v', 'hv'] as const) expect([...flipPlanes(flipPlanes(src, 2, 2, 3, v), 2, 2, 3, v)]).toEqual([...src]);
  });
});

describe('predictMap (test-time flips)', () => {
  // A "model" that is not mirror-symmetric: its output is the input's first plane plus a ramp in x.
  const h = 2;
  const w = 3;
  const run = async (input: Float32Array) => {
    const map = new Float32Array(h * w);
    for (let i = 0; i < map.length; i++) map[i] = input[i]! + (i % w);
    return { map, height: h, width: w };
  };
  const input = Float32Array.from([1, 2, 3, 4, 5, 6]);

  it('one pass is the model alone; two average the mirrored pass mirrored back', async () => {
    expect([...(await predictMap(run, input, [1, 1, h, w], 1)).map]).toEqual([1, 3, 5, 4, 6, 8]);
    // mirrored pass: ramp 0,1,2 lands on x = 2,1,0 once mirrored back → ramp contributes 1 everywhere
    expect([...(await predictMap(run, input, [1, 1, h, w], 2)).map]).toEqual([2, 3, 4, 5, 6, 7]);
    expect([...(await predictMap(run, input, [1, 1, h, w], 4)).map]).toEqual([2, 3, 4, 5, 6, 7]);
  });
});

describe('postprocessMask', () => {
  const W = 10;
  const H = 10;
  const blank = () => ({ mask: new Uint8Array(W * H), prob: new Float32Array(W * H) });
  const set = (m: Uint8Array, p: Float32Array, x: number, y: number, v: number) => {
    p[y * W + x] = v;
    if (v > 0.5) m[y * W + x] = 255;
  };

  it('8-connected labelling', () => {
    const on = new Set([0, 11, 22, 9]);
    const { sizes } = labelComponents((i) => on.has(i), W, H);
    expect(sizes.slice(1).sort()).toEqual([1, 3]);
  });

  it('drops components under the size share and keeps larger ones', () => {
    const { mask, prob } = blank();
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) set(mask, prob, x, y, 0.9); // 9 px
    set(mask, prob, 8, 8, 0.9); // 1 px
    const out = postprocessMask(mask, prob, W, H, { flips: 1, minComponentFraction: 0.05, fallbackThreshold: 0 });
    expect(out.reduce((a, b) => a + (b > 0 ? 1 : 0), 0)).toBe(9);
    expect(out[8 * W + 8]).toBe(0);
    expect(mask[8 * W + 8]).toBe(255); // the input is not changed
  });

  it('when nothing passes, keeps the most probable component above the fallback threshold', () => {
    const { mask, prob } = blank();
    set(mask, prob, 1, 1, 0.3);
    set(mask, prob, 2, 1, 0.25);
    set(mask, prob, 7, 7, 0.45); // the most probable pixel, with a neighbour
    set(mask, prob, 7, 8, 0.2);
    const out = postprocessMask(mask, prob, W, H, { flips: 1, minComponentFraction: 0, fallbackThreshold: 0.15 });
    expect([...out.keys()].filter((i) => out[i]! > 0)).toEqual([7 * W + 7, 8 * W + 7]);
    const off = postprocessMask(mask, prob, W, H, { flips: 1, minComponentFraction: 0, fallbackThreshold: 0 });
    expect(off.every((v) => v === 0)).toBe(true);
  });

  it('a mask that keeps a component is not touched by the fallback', () => {
    const { mask, prob } = blank();
    set(mask, prob, 5, 5, 0.9);
    set(mask, prob, 1, 1, 0.4);
    let asked = 0;
    const out = postprocessMask(mask, () => (asked++, prob), W, H, { flips: 1, minComponentFraction: 0, fallbackThreshold: 0.1 });
    expect([...out.keys()].filter((i) => out[i]! > 0)).toEqual([55]);
    expect(asked).toBe(0); // the probabilities are only computed for the fallback
  });
});

describe('manifest postprocess block', () => {
  const base = {
    name: 'm', version: '1', file: 'm.onnx', sha256: 'a'.repeat(64), threshold: 0.5, licence: 'x',
    input: { shape: [1, 3, 8, 8], dtype: 'float32', layout: 'NCHW', mean: [0, 0, 0], std: [1, 1, 1] },
    output: { meaning: 'logits' },
  };
  it('accepts 1, 2 or 4 flips and refuses anything else by name', () => {
    expect(parseManifest(JSON.stringify({ ...base, postprocess: { flips: 4, minComponentFraction: 0.0005, fallbackThreshold: 0.1 } })).postprocess?.flips).toBe(4);
    expect(parseManifest(JSON.stringify(base)).postprocess).toBeUndefined();
    expect(() => parseManifest(JSON.stringify({ ...base, postprocess: { flips: 3 } }))).toThrow(/postprocess/);
    expect(() => parseManifest(JSON.stringify({ ...base, postprocess: { flips: 2, spin: true } }))).toThrow(/postprocess/);
  });
});
