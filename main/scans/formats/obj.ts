/**
 * Wavefront OBJ as a point cloud: every `v x y z [w] [r g b]` line is a point (the raw vertex
 * count, as CloudCompare reports it). Faces, lines and point elements are not points, but
 * their vertex references are checked, so that a damaged file is refused.
 */
import type { PointCloud } from '../../../common/point-cloud';
import { CH_CR, CH_HASH, CH_LF, CH_SLASH, CH_SPACE, CH_TAB, latin1, parseField } from './ascii';
import { PointBuilder } from './builder';
import { ScanFormatError } from './errors';
import type { Limits } from './options';

const MAX_VALUES = 16;

/** Element keywords and the fewest vertex references each needs. */
const ELEMENT_MIN_REFS: Record<string, number> = { f: 3, fo: 3, l: 2, p: 1 };

export function readObj(bytes: Uint8Array, limits: Limits): PointCloud {
  const values = new Float64Array(MAX_VALUES);
  const len = bytes.length;
  const comments: string[] = [];

  // Vertex colours: present when the first vertex has them; 0..1 unless the first vertices say otherwise.
  let hasColors = false;
  let colorScale = 255;
  {
    let seen = 0;
    let max = 0;
    for (let pos = 0; pos < len && seen < 1000; ) {
      const { start, end, next } = line(bytes, pos);
      pos = next;
      if (end - start < 2 || bytes[start] !== 0x76 || !isBlank(bytes[start + 1]!)) continue;
      const n = numbers(bytes, start + 1, end, values);
      if (seen === 0) hasColors = n >= 6;
      if (hasColors && n >= 6) for (let k = 3; k < 6; k++) max = Math.max(max, values[n === 7 ? k + 1 : k]!);
      seen++;
    }
    if (max > 1) colorScale = 1;
  }

  const builder = new PointBuilder({ colors: hasColors, intensity: false, normals: false, extraNames: [] }, len / 24, limits.maxPoints, 'obj');
  let maxRef = 0;
  let maxRefOffset = 0;
  let lines = 0;
  for (let pos = 0; pos < len; ) {
    const { start, end, next } = line(bytes, pos);
    pos = next;
    if ((++lines & 0xffff) === 0) limits.progress(pos / len);
    if (start === end) continue;
    if (bytes[start] === CH_HASH) {
      if (comments.length < 100) comments.push(latin1(bytes, start + 1, Math.min(end, start + 500)).trim());
      continue;
    }
    let k = start;
    while (k < end && !isBlank(bytes[k]!)) k++;
    const keyword = latin1(bytes, start, Math.min(k, start + 16));
    if (keyword === 'v') {
      const n = numbers(bytes, k, end, values);
      if (n < 3) throw new ScanFormatError('BAD_VALUE', 'obj', start, n === -1 ? 'vertex line has a value that is not a number' : 'vertex line has fewer than 3 coordinates');
      const i = builder.add(start);
      builder.positions[i * 3] = values[0]!;
      builder.positions[i * 3 + 1] = values[1]!;
      builder.positions[i * 3 + 2] = values[2]!;
      if (hasColors && n >= 6) {
        // "v x y z r g b", or "v x y z w r g b" with the optional weight.
        const c = n === 7 ? 4 : 3;
        builder.colors![i * 3] = values[c]! * colorScale;
        builder.colors![i * 3 + 1] = values[c + 1]! * colorScale;
        builder.colors![i * 3 + 2] = values[c + 2]! * colorScale;
      }
    } else if (keyword in ELEMENT_MIN_REFS) {
      const refs = checkRefs(bytes, k, end, builder.count);
      if (refs.count < ELEMENT_MIN_REFS[keyword]!) {
        throw new ScanFormatError('BAD_VALUE', 'obj', start, `"${keyword}" element has ${refs.count} vertex references, at least ${ELEMENT_MIN_REFS[keyword]} needed`);
      }
      if (refs.max > maxRef) {
        maxRef = refs.max;
        maxRefOffset = start;
      }
    }
    // Every other statement (vn, vt, o, g, s, usemtl, mtllib, curves, …) is not point data.
  }
  if (maxRef > builder.count) {
    throw new ScanFormatError('BAD_VALUE', 'obj', maxRefOffset, `element refers to vertex ${maxRef}, the file has ${builder.count}`);
  }

  const built = builder.finish();
  const cloud: PointCloud = {
    format: 'obj',
    version: '',
    count: built.count,
    positions: built.positions,
    extras: [],
    units: 'unknown',
    comments,
  };
  if (built.colors) cloud.colors = built.colors;
  limits.progress(1);
  return cloud;
}

function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_CR || c === 11 || c === 12;
}

function line(bytes: Uint8Array, pos: number): { start: number; end: number; next: number } {
  let e = bytes.indexOf(CH_LF, pos);
  if (e < 0) e = bytes.length;
  let end = e;
  while (end > pos && isBlank(bytes[end - 1]!)) end--;
  let start = pos;
  while (start < end && isBlank(bytes[start]!)) start++;
  return { start, end, next: e + 1 };
}

/** Parses the blank-separated numbers in [pos, end) into `out`; -1 when one is not a number. */
function numbers(bytes: Uint8Array, pos: number, end: number, out: Float64Array): number {
  let n = 0;
  let i = pos;
  while (i < end) {
    while (i < end && isBlank(bytes[i]!)) i++;
    if (i >= end) break;
    const s = i;
    while (i < end && !isBlank(bytes[i]!)) i++;
    if (bytes[s] === CH_HASH) break;
    const v = parseField(bytes, s, i);
    if (v === undefined) return -1;
    if (n < out.length) out[n] = v;
    n++;
  }
  return n;
}

/** Checks "i", "i/t", "i//n", "i/t/n" references; returns how many and the largest positive index. */
function checkRefs(bytes: Uint8Array, pos: number, end: number, vertices: number): { count: number; max: number } {
  let count = 0;
  let max = 0;
  let i = pos;
  while (i < end) {
    while (i < end && isBlank(bytes[i]!)) i++;
    if (i >= end || bytes[i] === CH_HASH) break;
    const s = i;
    while (i < end && !isBlank(bytes[i]!) && bytes[i] !== CH_SLASH) i++;
    const v = parseField(bytes, s, i);
    while (i < end && !isBlank(bytes[i]!)) i++;
    if (v === undefined || !Number.isInteger(v) || v === 0) {
      throw new ScanFormatError('BAD_VALUE', 'obj', s, 'vertex reference is not a non-zero integer');
    }
    if (v < 0 && -v > vertices) throw new ScanFormatError('BAD_VALUE', 'obj', s, 'relative vertex reference points before the first vertex');
    if (v > max) max = v;
    count++;
  }
  return { count, max };
}
