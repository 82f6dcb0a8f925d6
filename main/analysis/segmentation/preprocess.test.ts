import { describe, expect, it } from 'vitest';
import { ModelError } from './errors';
import { axisResize, channelsOf, fromModelOutput, letterbox, toModelInput } from './preprocess';

const input = { shape: [1, 3, 4, 4], colorOrder: 'RGB' as const, scale: 1 / 255, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };

function apply(r: ReturnType<typeof axisResize>, xs: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < r.start.length; i++) {
    let v = 0;
    for (let k = r.start[i]!; k < r.start[i + 1]!; k++) v += r.weight[k]! * xs[r.index[k]!]!;
    out.push(v);
  }
  return out;
}

describe('axisResize (mirrors PyTorch)', () => {
  it('halving is the 2-pixel average (adaptive_avg_pool == bilinear at factor 2)', () => {
    expect(apply(axisResize(4, 2), [1, 3, 5, 9])).toEqual([2, 7]);
  });
  it('shrinking by a non-integer factor uses adaptive pooling bins floor/ceil', () => {
    // 5 → 3: bins [0,2) [1,4) [3,5)
    expect(apply(axisResize(5, 3), [0, 3, 6, 9, 12])).toEqual([1.5, 6, 10.5]);
  });
  it('enlarging is bilinear with half-pixel centres, clamped at the edges', () => {
    // interpolate([0, 4], size=4, align_corners=False) = [0, 1, 3, 4]
    expect(apply(axisResize(2, 4), [0, 4])).toEqual([0, 1, 3, 4]);
  });
  it('same size is the identity', () => {
    expect(apply(axisResize(3, 3), [7, 8, 9])).toEqual([7, 8, 9]);
  });
});

describe('letterbox', () => {
  it('centres the content in a square', () => {
    expect(letterbox(400, 300)).toEqual({ side: 400, offsetX: 0, offsetY: 50 });
    expect(letterbox(3, 8)).toEqual({ side: 8, offsetX: 2, offsetY: 0 });
  });
});

describe('toModelInput / fromModelOutput', () => {
  it('refuses a buffer that is neither RGB nor RGBA', () => {
    expect(() => channelsOf(new Uint8Array(10), 2, 2)).toThrow(ModelError);
    try {
      channelsOf(new Uint8Array(10), 2, 2);
    } catch (e) {
      expect((e as ModelError).code).toBe('IMAGE_INVALID');
    }
  });

  it('normalises, orders planes RGB and treats RGB and RGBA alike', () => {
    const w = 4;
    const h = 4;
    const rgba = new Uint8Array(w * h * 4);
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      rgba.set([255, 51, 0, 7], i * 4);
      rgb.set([255, 51, 0], i * 3);
    }
    const spec = { ...input, mean: [0.5, 0.1, 0] as [number, number, number], std: [0.5, 0.1, 1] as [number, number, number] };
    const a = toModelInput(rgba, w, h, spec);
    const b = toModelInput(rgb, w, h, spec);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[0]).toBeCloseTo(1, 6); // (1 - 0.5) / 0.5
    expect(a[16]).toBeCloseTo(1, 6); // (0.2 - 0.1) / 0.1
    expect(a[32]).toBeCloseTo(0, 6);
  });

  it('pads a non-square image with zeros before normalisation', () => {
    // 4 × 2 white image → 4 × 4 square with rows 0 and 3 padding.
    const rgb = new Uint8Array(4 * 2 * 3).fill(255);
    const t = toModelInput(rgb, 4, 2, input);
    expect(Array.from(t.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(t.slice(4, 12))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(t.slice(12, 16))).toEqual([0, 0, 0, 0]);
  });

  it('maps the output back to the image size and thresholds logits at logit(threshold)', () => {
    // 2 × 2 map, image 4 × 2 (letterboxed into 4 × 4: content rows 1..2)
    const map = new Float32Array([-1, 1, -1, 1]);
    const r = fromModelOutput(map, 2, 2, 4, 2, { meaning: 'logits', threshold: 0.5, withProbability: true });
    expect(r.mask.length).toBe(8);
    expect(Array.from(r.mask)).toEqual([0, 0, 255, 255, 0, 0, 255, 255]);
    expect(r.probability![0]).toBeCloseTo(1 / (1 + Math.exp(1)), 6);
    const p = fromModelOutput(new Float32Array([0.2, 0.8, 0.2, 0.8]), 2, 2, 4, 2, { meaning: 'probability', threshold: 0.7 });
    expect(Array.from(p.mask)).toEqual([0, 0, 0, 255, 0, 0, 0, 255]);
    expect(p.probability).toBeUndefined();
  });
});
