/**
 * What the runtime does around the model's forward pass, chosen on the validation split
 * (tools/wound-eval/evaluate.ts --sweep; figures in MODEL_CARD.md):
 *
 *  - test-time flips: the input is also run mirrored (horizontally, then vertically, then both),
 *    each output is mirrored back, and the logits are averaged;
 *  - small components (under `minComponentFraction` of the image, 8-connected) are dropped;
 *  - when nothing is left, the most probable component above `fallbackThreshold` is kept, so a
 *    small or faint wound is not reported as "no wound found".
 *
 * A manifest without a `postprocess` block gets none of this (one pass, the threshold alone).
 */
import { z } from 'zod';
import type { InferenceOutput } from './session';

export const FLIP_VARIANTS = ['none', 'h', 'v', 'hv'] as const;
export type FlipVariant = (typeof FLIP_VARIANTS)[number];

export const postprocessSchema = z
  .object({
    /** Forward passes: 1 (none), 2 (+ horizontal mirror) or 4 (+ vertical, + both). */
    flips: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(1),
    /** Components smaller than this share of the image's pixels are dropped (0: keep all). */
    minComponentFraction: z.number().min(0).lt(1).default(0),
    /** When nothing passes the threshold, keep the most probable component above this (0: off). */
    fallbackThreshold: z.number().min(0).lt(1).default(0),
  })
  .strict();
export type Postprocess = z.infer<typeof postprocessSchema>;

export const DEFAULT_POSTPROCESS: Postprocess = { flips: 1, minComponentFraction: 0, fallbackThreshold: 0 };

export function flipVariants(n: number): FlipVariant[] {
  return FLIP_VARIANTS.slice(0, n);
}

/** Mirrors an NCHW (or single-plane) float map in place of a copy: planes × h × w. */
export function flipPlanes(src: Float32Array, planes: number, h: number, w: number, variant: FlipVariant): Float32Array {
  if (variant === 'none') return src;
  const fx = variant === 'h' || variant === 'hv';
  const fy = variant === 'v' || variant === 'hv';
  const out = new Float32Array(src.length);
  for (let c = 0; c < planes; c++) {
    const base = c * h * w;
    for (let y = 0; y < h; y++) {
      const sy = fy ? h - 1 - y : y;
      const dst = base + y * w;
      const row = base + sy * w;
      if (fx) for (let x = 0; x < w; x++) out[dst + x] = src[row + w - 1 - x]!;
      else out.set(src.subarray(row, row + w), dst);
    }
  }
  return out;
}

/**
 * The model's output map for one prepared [1, C, H, W] input, averaged over the flips asked for
 * (a count from the manifest, or the exact variants).
 */
export async function predictMap(
  run: (input: Float32Array) => Promise<InferenceOutput>,
  input: Float32Array,
  shape: readonly number[],
  flips: number | readonly FlipVariant[],
): Promise<InferenceOutput> {
  const variants = typeof flips === 'number' ? flipVariants(flips) : flips;
  const [, c, h, w] = shape as [number, number, number, number];
  let sum: Float32Array | undefined;
  let outH = 0;
  let outW = 0;
  for (const v of variants) {
    const out = await run(flipPlanes(input, c, h, w, v));
    outH = out.height;
    outW = out.width;
    const back = flipPlanes(out.map, 1, outH, outW, v);
    if (variants.length === 1) return { map: back === out.map ? out.map : back, height: outH, width: outW };
    if (!sum) sum = new Float32Array(back.length);
    for (let i = 0; i < back.length; i++) sum[i]! += back[i]!;
  }
  if (!sum) throw new Error('predictMap needs at least one flip variant');
  for (let i = 0; i < sum.length; i++) sum[i]! /= variants.length;
  return { map: sum, height: outH, width: outW };
}

/** 8-connected components of `on`; labels 1..n in a width × height Int32Array, 0 for off. */
export function labelComponents(on: (i: number) => boolean, width: number, height: number): { labels: Int32Array; sizes: number[] } {
  const labels = new Int32Array(width * height);
  const sizes: number[] = [0];
  const stack: number[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (labels[start] !== 0 || !on(start)) continue;
    const id = sizes.length;
    let size = 0;
    labels[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      size++;
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width || (dx === 0 && dy === 0)) continue;
          const j = ny * width + nx;
          if (labels[j] === 0 && on(j)) {
            labels[j] = id;
            stack.push(j);
          }
        }
      }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

/**
 * Applies the size filter and the fallback to a thresholded 0/255 mask. `probability` gives the
 * per-pixel probability the mask came from; it is only asked for when the fallback runs (a
 * 12-megapixel photo's probabilities cost more than the rest of the clean-up).
 * Returns a copy of the mask, unchanged when both are off.
 */
export function postprocessMask(mask: Uint8Array, probability: Float32Array | (() => Float32Array), width: number, height: number, pp: Postprocess): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(mask);
  if (pp.minComponentFraction <= 0 && pp.fallbackThreshold <= 0) return out;
  let kept = 0;
  if (pp.minComponentFraction > 0) {
    const minSize = pp.minComponentFraction * width * height;
    const { labels, sizes } = labelComponents((i) => mask[i]! > 0, width, height);
    for (let i = 0; i < out.length; i++) {
      const l = labels[i]!;
      if (l !== 0 && sizes[l]! < minSize) out[i] = 0;
      else if (l !== 0) kept++;
    }
  } else {
    for (let i = 0; i < out.length; i++) if (out[i]! > 0) kept++;
  }
  if (kept > 0 || pp.fallbackThreshold <= 0) return out;
  // Nothing left: the component above the lower threshold that holds the most probable pixel.
  const prob = typeof probability === 'function' ? probability() : probability;
  const { labels } = labelComponents((i) => prob[i]! > pp.fallbackThreshold, width, height);
  let best = 0;
  let bestP = -1;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && prob[i]! > bestP) {
      bestP = prob[i]!;
      best = labels[i]!;
    }
  }
  if (best !== 0) for (let i = 0; i < out.length; i++) if (labels[i] === best) out[i] = 255;
  return out;
}
