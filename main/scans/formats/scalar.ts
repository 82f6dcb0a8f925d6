/** Binary scalar types shared by the PLY and LAS readers, and column readers over a DataView. */
import type { ExtraAttribute } from '../../../common/point-cloud';

export type ScalarType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export const SCALAR_SIZE: Record<ScalarType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

export type ExtraValues = ExtraAttribute['values'];

export function extraArray(type: ScalarType, length: number): ExtraValues {
  switch (type) {
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
  }
}

export function readScalar(dv: DataView, offset: number, type: ScalarType, le: boolean): number {
  switch (type) {
    case 'int8':
      return dv.getInt8(offset);
    case 'uint8':
      return dv.getUint8(offset);
    case 'int16':
      return dv.getInt16(offset, le);
    case 'uint16':
      return dv.getUint16(offset, le);
    case 'int32':
      return dv.getInt32(offset, le);
    case 'uint32':
      return dv.getUint32(offset, le);
    case 'float32':
      return dv.getFloat32(offset, le);
    case 'float64':
      return dv.getFloat64(offset, le);
  }
}

/** Any typed array we write numbers into. */
export type NumberSink = { [index: number]: number; readonly length: number };

/**
 * Copies one fixed-offset field of `count` records (`stride` bytes apart, first at `start`) into
 * `out[outOffset + i * outStride]`, multiplied by `scale`. One tight loop per type so that V8
 * keeps each monomorphic.
 */
export function readColumn(
  dv: DataView,
  start: number,
  stride: number,
  count: number,
  type: ScalarType,
  le: boolean,
  out: NumberSink,
  outStride: number,
  outOffset: number,
  scale = 1,
): void {
  let p = start;
  let o = outOffset;
  const end = outOffset + count * outStride;
  if (scale === 1) {
    switch (type) {
      case 'float32':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getFloat32(p, le);
        return;
      case 'float64':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getFloat64(p, le);
        return;
      case 'uint8':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getUint8(p);
        return;
      case 'int8':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getInt8(p);
        return;
      case 'uint16':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getUint16(p, le);
        return;
      case 'int16':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getInt16(p, le);
        return;
      case 'uint32':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getUint32(p, le);
        return;
      case 'int32':
        for (; o < end; o += outStride, p += stride) out[o] = dv.getInt32(p, le);
        return;
    }
  }
  for (; o < end; o += outStride, p += stride) out[o] = readScalar(dv, p, type, le) * scale;
}
