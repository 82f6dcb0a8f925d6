/**
 * Image ⇄ model tensor, mirroring `native-models/training/train.py` exactly:
 *
 *   letterbox to a square of side S = max(w, h) (content centred, zero padded) → resize each axis
 *   to the model input (area average when shrinking, bilinear with half-pixel centres when
 *   enlarging, i.e. PyTorch's adaptive_avg_pool / interpolate(align_corners=False)) → scale,
 *   mean/std → NCHW float32.
 *
 * and back: the model's output map is resized to S × S by the same rule, the letterboxed content
 * is cut out, and a pixel is wound where the value passes the manifest's threshold.
 * For the 512 × 512 training images that is a 2 × 2 average to 256 and bilinear 256 → 512.
 */
import { ModelError } from './errors';
import type { ModelManifest } from './manifest';

/** One axis of a separable resize: output i = Σ weight[k] · input[index[k]], k in [start[i], start[i+1]). */
export interface AxisResize {
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

export function axisResize(srcLen: number, dstLen: number): AxisResize {
  const start = new Int32Array(dstLen + 1);
  const index: number[] = [];
  const weight: number[] = [];
  if (dstLen === srcLen) {
    for (let i = 0; i < dstLen; i++) {
      start[i] = i;
      index.push(i);
      weight.push(1);
    }
  } else if (dstLen < srcLen) {
    // adaptive average pooling: bins [floor(i·S/D), ceil((i+1)·S/D))
    for (let i = 0; i < dstLen; i++) {
      start[i] = index.length;
      const a = Math.floor((i * srcLen) / dstLen);
      const b = Math.ceil(((i + 1) * srcLen) / dstLen);
      for (let s = a; s < b; s++) {
        index.push(s);
        weight.push(1 / (b - a));
      }
    }
  } else {
    // bilinear, align_corners = false
    const scale = srcLen / dstLen;
    for (let i = 0; i < dstLen; i++) {
      start[i] = index.length;
      const src = Math.max((i + 0.5) * scale - 0.5, 0);
      const i0 = Math.min(Math.floor(src), srcLen - 1);
      const i1 = Math.min(i0 + 1, srcLen - 1);
      const l1 = src - i0;
      index.push(i0, i1);
      weight.push(1 - l1, l1);
    }
  }
  start[dstLen] = index.length;
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

export interface Letterbox {
  side: number;
  offsetX: number;
  offsetY: number;
}

export function letterbox(width: number, height: number): Letterbox {
  const side = Math.max(width, height);
  return { side, offsetX: Math.floor((side - width) / 2), offsetY: Math.floor((side - height) / 2) };
}

export type PixelArray = Uint8Array | Uint8ClampedArray;

/** 3 (RGB) or 4 (RGBA) channels, from the buffer length; IMAGE_INVALID when it fits neither. */
export function channelsOf(pixels: PixelArray, width: number, height: number): 3 | 4 {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ModelError('IMAGE_INVALID', `image size ${width} × ${height} is not valid`);
  }
  if (pixels.length === width * height * 4) return 4;
  if (pixels.length === width * height * 3) return 3;
  throw new ModelError('IMAGE_INVALID', `pixel buffer of ${pixels.length} bytes is neither RGB nor RGBA for ${width} × ${height}`);
}

type InputSpec = Pick<ModelManifest['input'], 'shape' | 'colorOrder' | 'scale' | 'mean' | 'std'>;

/** RGB(A) 8-bit pixels → the model's [1, 3, H, W] float32 input. */
export function toModelInput(pixels: PixelArray, width: number, height: number, input: InputSpec): Float32Array {
  const channels = channelsOf(pixels, width, height);
  const outH = input.shape[2]!;
  const outW = input.shape[3]!;
  const box = letterbox(width, height);
  const rx = axisResize(box.side, outW);
  const ry = axisResize(box.side, outH);

  // Horizontal pass: each image row → outW columns (padding columns contribute zero).
  const rows = new Float64Array(height * outW * 3);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * channels;
    const rowOut = y * outW * 3;
    for (let j = 0; j < outW; j++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = rx.start[j]!; k < rx.start[j + 1]!; k++) {
        const x = rx.index[k]! - box.offsetX;
        if (x < 0 || x >= width) continue;
        const w = rx.weight[k]!;
        const p = rowIn + x * channels;
        r += w * pixels[p]!;
        g += w * pixels[p + 1]!;
        b += w * pixels[p + 2]!;
      }
      rows[rowOut + j * 3] = r;
      rows[rowOut + j * 3 + 1] = g;
      rows[rowOut + j * 3 + 2] = b;
    }
  }

  // Vertical pass and normalisation, written planar (NCHW).
  const plane = outH * outW;
  const out = new Float32Array(3 * plane);
  const order = input.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const acc = new Float64Array(outW * 3);
  for (let i = 0; i < outH; i++) {
    acc.fill(0);
    for (let k = ry.start[i]!; k < ry.start[i + 1]!; k++) {
      const y = ry.index[k]! - box.offsetY;
      if (y < 0 || y >= height) continue;
      const w = ry.weight[k]!;
      const base = y * outW * 3;
      for (let q = 0; q < outW * 3; q++) acc[q]! += w * rows[base + q]!;
    }
    for (let c = 0; c < 3; c++) {
      const src = order[c]!;
      const mean = input.mean[c]!;
      const std = input.std[c]!;
      const dst = c * plane + i * outW;
      for (let j = 0; j < outW; j++) out[dst + j] = (acc[j * 3 + src]! * input.scale - mean) / std;
    }
  }
  return out;
}

export interface MaskResult {
  /** 0 or 255 per pixel, width × height. */
  mask: Uint8Array<ArrayBuffer>;
  /** Wound probability per pixel when asked for. */
  probability?: Float32Array<ArrayBuffer>;
}

/**
 * The model's single-channel output map (mapH × mapW) → a mask at the image size.
 * `meaning` says whether the map holds logits or probabilities; values are resized before the
 * sigmoid, as in training.
 */
export function fromModelOutput(
  map: Float32Array,
  mapH: number,
  mapW: number,
  width: number,
  height: number,
  opts: { meaning: 'logits' | 'probability'; threshold: number; withProbability?: boolean },
): MaskResult {
  if (map.length !== mapH * mapW) throw new ModelError('INTERNAL', `model output has ${map.length} values, expected ${mapH} × ${mapW}`);
  const box = letterbox(width, height);
  const ry = axisResize(mapH, box.side);
  const rx = axisResize(mapW, box.side);

  // Vertical pass for the content rows only.
  const cols = new Float64Array(height * mapW);
  for (let y = 0; y < height; y++) {
    const i = y + box.offsetY;
    const dst = y * mapW;
    for (let k = ry.start[i]!; k < ry.start[i + 1]!; k++) {
      const w = ry.weight[k]!;
      const src = ry.index[k]! * mapW;
      for (let j = 0; j < mapW; j++) cols[dst + j]! += w * map[src + j]!;
    }
  }
  const cut = opts.meaning === 'logits' ? Math.log(opts.threshold / (1 - opts.threshold)) : opts.threshold;
  const mask = new Uint8Array(width * height);
  const probability = opts.withProbability ? new Float32Array(width * height) : undefined;
  // Each output column has at most two contributors when enlarging (the usual case) and a bin of
  // them when shrinking: flatten to (i0, i1, w0, w1) when possible for a tight loop.
  let twoTap = true;
  for (let x = 0; x < width && twoTap; x++) twoTap = rx.start[x + box.offsetX + 1]! - rx.start[x + box.offsetX]! <= 2;
  const i0 = new Int32Array(width);
  const i1 = new Int32Array(width);
  const w0 = new Float64Array(width);
  const w1 = new Float64Array(width);
  if (twoTap) {
    for (let x = 0; x < width; x++) {
      const k = rx.start[x + box.offsetX]!;
      const n = rx.start[x + box.offsetX + 1]! - k;
      i0[x] = rx.index[k]!;
      w0[x] = rx.weight[k]!;
      i1[x] = n === 2 ? rx.index[k + 1]! : i0[x]!;
      w1[x] = n === 2 ? rx.weight[k + 1]! : 0;
    }
  }
  const row = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const base = y * mapW;
    if (twoTap) {
      for (let x = 0; x < width; x++) row[x] = w0[x]! * cols[base + i0[x]!]! + w1[x]! * cols[base + i1[x]!]!;
    } else {
      for (let x = 0; x < width; x++) {
        const j = x + box.offsetX;
        let v = 0;
        for (let k = rx.start[j]!; k < rx.start[j + 1]!; k++) v += rx.weight[k]! * cols[base + rx.index[k]!]!;
        row[x] = v;
      }
    }
    const out = y * width;
    // Compared in float32, as the PyTorch reference does.
    for (let x = 0; x < width; x++) mask[out + x] = Math.fround(row[x]!) > cut ? 255 : 0;
    if (probability) {
      for (let x = 0; x < width; x++) {
        const v = Math.fround(row[x]!);
        probability[out + x] = opts.meaning === 'logits' ? 1 / (1 + Math.exp(-v)) : v;
      }
    }
  }
  return probability ? { mask, probability } : { mask };
}
