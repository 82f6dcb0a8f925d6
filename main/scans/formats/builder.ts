/**
 * Growable point arrays for formats without a trustworthy count (XYZ, PTS, OBJ): start from an
 * estimate, grow by half when full, trim at the end.
 */
import type { ExtraAttribute } from '../../../common/point-cloud';
import { allocate } from './options';
import { ScanFormatError, type ScanErrorFormat } from './errors';

export interface BuilderLayout {
  colors: boolean;
  intensity: boolean;
  normals: boolean;
  extraNames: string[];
}

export interface BuiltArrays {
  count: number;
  positions: Float64Array;
  colors?: Uint8Array;
  intensity?: Uint16Array;
  normals?: Float32Array;
  extras: ExtraAttribute[];
}

export class PointBuilder {
  count = 0;
  private capacity: number;
  positions: Float64Array;
  colors: Uint8ClampedArray | undefined;
  intensity: Uint16Array | undefined;
  normals: Float32Array | undefined;
  extras: Float64Array[];

  constructor(
    private readonly layout: BuilderLayout,
    estimate: number,
    private readonly maxPoints: number,
    private readonly format: ScanErrorFormat,
  ) {
    this.capacity = Math.max(16, Math.min(Math.ceil(estimate), maxPoints));
    this.positions = allocate(Float64Array, this.capacity * 3, format, 0);
    this.colors = layout.colors ? allocate(Uint8ClampedArray, this.capacity * 3, format, 0) : undefined;
    this.intensity = layout.intensity ? allocate(Uint16Array, this.capacity, format, 0) : undefined;
    this.normals = layout.normals ? allocate(Float32Array, this.capacity * 3, format, 0) : undefined;
    this.extras = layout.extraNames.map(() => allocate(Float64Array, this.capacity, format, 0));
  }

  /** Makes room for one more point and returns its index. */
  add(offset: number): number {
    if (this.count === this.capacity) this.grow(offset);
    return this.count++;
  }

  private grow(offset: number): void {
    if (this.capacity >= this.maxPoints) {
      throw new ScanFormatError('TOO_LARGE', this.format, offset, `more than the limit of ${this.maxPoints} points`);
    }
    const next = Math.min(this.maxPoints, Math.ceil(this.capacity * 1.5) + 16);
    const f = this.format;
    this.positions = copyInto(allocate(Float64Array, next * 3, f, offset), this.positions);
    if (this.colors) this.colors = copyInto(allocate(Uint8ClampedArray, next * 3, f, offset), this.colors);
    if (this.intensity) this.intensity = copyInto(allocate(Uint16Array, next, f, offset), this.intensity);
    if (this.normals) this.normals = copyInto(allocate(Float32Array, next * 3, f, offset), this.normals);
    this.extras = this.extras.map((e) => copyInto(allocate(Float64Array, next, f, offset), e));
    this.capacity = next;
  }

  /** The arrays cut to the points added (copied only when that saves memory). */
  finish(): BuiltArrays {
    const n = this.count;
    const out: BuiltArrays = { count: n, positions: trim(this.positions, n * 3), extras: [] };
    if (this.colors) {
      const c = trim(this.colors, n * 3);
      out.colors = new Uint8Array(c.buffer, c.byteOffset, c.length);
    }
    if (this.intensity) out.intensity = trim(this.intensity, n);
    if (this.normals) out.normals = trim(this.normals, n * 3);
    out.extras = this.extras.map((values, k) => ({ name: this.layout.extraNames[k]!, size: 1, values: trim(values, n) }));
    return out;
  }
}

type Growable = Float64Array | Float32Array | Uint16Array | Uint8ClampedArray;

function copyInto<T extends Growable>(target: T, source: T): T {
  target.set(source as never);
  return target;
}

function trim<T extends Growable>(array: T, length: number): T {
  if (array.length === length) return array;
  // A copy costs a moment of double memory; keep the slack instead when it is small.
  if (array.length - length <= array.length / 16) return array.subarray(0, length) as T;
  return array.slice(0, length) as T;
}
