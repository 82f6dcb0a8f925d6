/**
 * PLY reader: ascii, binary_little_endian and binary_big_endian; any element order, any
 * property order and types; list properties with any count type. Only the vertex element
 * becomes points; every other element is read past (and checked for truncation).
 */
import type { ExtraAttribute, LengthUnit, PointCloud } from '../../../common/point-cloud';
import { latin1, parseField, Tokens } from './ascii';
import { ScanFormatError } from './errors';
import { allocate, checkPointLimit, type Limits } from './options';
import { extraArray, readColumn, readScalar, SCALAR_SIZE, type NumberSink, type ScalarType } from './scalar';
import { sourceFromComments, unitsFromComments } from './source';

const TYPES: Record<string, ScalarType> = {
  char: 'int8',
  int8: 'int8',
  uchar: 'uint8',
  uint8: 'uint8',
  short: 'int16',
  int16: 'int16',
  ushort: 'uint16',
  uint16: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  uint32: 'uint32',
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
};

type Encoding = 'ascii' | 'binary_little_endian' | 'binary_big_endian';

interface PlyProperty {
  name: string;
  type: ScalarType;
  /** Set for list properties: the type of the leading item count. */
  countType?: ScalarType;
}

interface PlyElement {
  name: string;
  count: number;
  properties: PlyProperty[];
  /** Bytes per record when no property is a list, else undefined. */
  fixedSize: number | undefined;
}

export interface PlyHeader {
  encoding: Encoding;
  version: string;
  elements: PlyElement[];
  comments: string[];
  objInfo: string[];
  /** Offset of the first body byte (straight after the end_header line terminator). */
  bodyOffset: number;
}

const MAX_HEADER_BYTES = 16 * 1024 * 1024;

export function isPly(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0x70 || bytes[1] !== 0x6c || bytes[2] !== 0x79) return false;
  const c = bytes[3];
  return c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09;
}

export function parsePlyHeader(bytes: Uint8Array): PlyHeader {
  if (!isPly(bytes)) throw new ScanFormatError('BAD_HEADER', 'ply', 0, 'file does not start with "ply"');
  // The terminator of the first line decides how every header line ends; this matters only
  // for end_header, after which a binary body may well start with 0x0A or 0x0D.
  const limit = Math.min(bytes.length, MAX_HEADER_BYTES);
  let firstEnd = 3;
  while (firstEnd < limit && bytes[firstEnd] !== 0x0a && bytes[firstEnd] !== 0x0d) firstEnd++;
  if (firstEnd >= limit) throw new ScanFormatError('TRUNCATED', 'ply', firstEnd, 'header has no end_header line');
  const crOnly = bytes[firstEnd] === 0x0d && bytes[firstEnd + 1] !== 0x0a;
  const eol = crOnly ? 0x0d : 0x0a;

  let encoding: Encoding | undefined;
  let version = '';
  const elements: PlyElement[] = [];
  const comments: string[] = [];
  const objInfo: string[] = [];
  let pos = bytes.indexOf(eol, 3) + 1;
  for (;;) {
    if (pos <= 0 || pos >= limit) {
      throw new ScanFormatError(limit < bytes.length ? 'BAD_HEADER' : 'TRUNCATED', 'ply', Math.min(limit, bytes.length), 'header has no end_header line');
    }
    let end = bytes.indexOf(eol, pos);
    if (end < 0 || end >= limit) end = -1;
    const lineStart = pos;
    if (end < 0) {
      // A header must end with a terminated end_header line.
      throw new ScanFormatError('TRUNCATED', 'ply', bytes.length, 'header has no end_header line');
    }
    const line = latin1(bytes, pos, end).replace(/\r$/, '');
    pos = end + 1;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const words = trimmed.split(/\s+/);
    const keyword = words[0]!;
    switch (keyword) {
      case 'format': {
        const enc = words[1];
        if (words.length !== 3 || (enc !== 'ascii' && enc !== 'binary_little_endian' && enc !== 'binary_big_endian')) {
          throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'format line is not "format ascii|binary_little_endian|binary_big_endian <version>"');
        }
        if (!/^1(\.\d+)?$/.test(words[2]!)) throw new ScanFormatError('UNSUPPORTED', 'ply', lineStart, 'PLY version other than 1.x');
        encoding = enc;
        version = words[2]!;
        break;
      }
      case 'comment':
        comments.push(line.replace(/^\s*comment\s?/, '').trimEnd());
        break;
      case 'obj_info':
        objInfo.push(line.replace(/^\s*obj_info\s?/, '').trimEnd());
        break;
      case 'element': {
        const count = Number(words[2]);
        if (words.length !== 3 || !Number.isSafeInteger(count) || count < 0 || !/^\d+$/.test(words[2]!)) {
          throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'element line is not "element <name> <count>"');
        }
        elements.push({ name: words[1]!, count, properties: [], fixedSize: 0 });
        break;
      }
      case 'property': {
        const element = elements[elements.length - 1];
        if (!element) throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'property before any element');
        if (words[1] === 'list') {
          const countType = TYPES[words[2] ?? ''];
          const itemType = TYPES[words[3] ?? ''];
          if (words.length !== 5 || !countType || !itemType) {
            throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'list property is not "property list <count type> <item type> <name>"');
          }
          if (countType === 'float32' || countType === 'float64') {
            throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'list count type must be an integer type');
          }
          element.properties.push({ name: words[4]!, type: itemType, countType });
          element.fixedSize = undefined;
        } else {
          const type = TYPES[words[1] ?? ''];
          if (words.length !== 3 || !type) throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'property is not "property <type> <name>" with a known type');
          element.properties.push({ name: words[2]!, type });
          if (element.fixedSize !== undefined) element.fixedSize += SCALAR_SIZE[type];
        }
        break;
      }
      case 'end_header':
        if (words.length !== 1) throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'unexpected words after end_header');
        if (!encoding) throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'no format line');
        return { encoding, version, elements, comments, objInfo, bodyOffset: pos };
      default:
        throw new ScanFormatError('BAD_HEADER', 'ply', lineStart, 'unknown header keyword');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Where each vertex property goes.

const enum Kind {
  Skip,
  Position,
  Normal,
  Color,
  Intensity,
  Extra,
}

interface Target {
  kind: Kind;
  /** Component (0..2) for position/normal/colour, index into extras for Extra. */
  index: number;
  scale: number;
}

const POSITION_NAMES: Record<string, number> = { x: 0, y: 1, z: 2 };
const NORMAL_NAMES: Record<string, number> = { nx: 0, ny: 1, nz: 2, normal_x: 0, normal_y: 1, normal_z: 2 };
const COLOR_NAMES: Record<string, number> = { red: 0, green: 1, blue: 2, r: 0, g: 1, b: 2, diffuse_red: 0, diffuse_green: 1, diffuse_blue: 2 };

interface VertexSinks {
  positions: Float64Array;
  normals: Float32Array | undefined;
  colors: Uint8Array | undefined;
  colorWriter: Uint8ClampedArray | undefined;
  intensity: Uint16Array | undefined;
  extras: ExtraAttribute[];
  targets: Target[];
}

function colorScale(type: ScalarType): number {
  if (type === 'float32' || type === 'float64') return 255;
  if (type === 'uint16' || type === 'int16') return 1 / 257;
  if (type === 'uint32' || type === 'int32') return 1 / 16843009;
  return 1;
}

function planVertex(element: PlyElement, offset: number): VertexSinks {
  const { count } = element;
  const seen = new Set<string>();
  const targets: Target[] = [];
  let hasPosition = false;
  let hasNormals = false;
  let hasColors = false;
  let hasIntensity = false;
  const extras: ExtraAttribute[] = [];
  for (const p of element.properties) {
    const name = p.name.toLowerCase();
    const first = !seen.has(name);
    seen.add(name);
    if (p.countType) targets.push({ kind: Kind.Skip, index: 0, scale: 1 });
    else if (first && name in POSITION_NAMES) {
      hasPosition = true;
      targets.push({ kind: Kind.Position, index: POSITION_NAMES[name]!, scale: 1 });
    } else if (first && name in NORMAL_NAMES) {
      hasNormals = true;
      targets.push({ kind: Kind.Normal, index: NORMAL_NAMES[name]!, scale: 1 });
    } else if (first && name in COLOR_NAMES) {
      hasColors = true;
      targets.push({ kind: Kind.Color, index: COLOR_NAMES[name]!, scale: colorScale(p.type) });
    } else if (first && name === 'intensity' && SCALAR_SIZE[p.type] <= 2 && p.type !== 'int8' && p.type !== 'int16') {
      hasIntensity = true;
      targets.push({ kind: Kind.Intensity, index: 0, scale: 1 });
    } else {
      targets.push({ kind: Kind.Extra, index: extras.length, scale: 1 });
      extras.push({ name: p.name, size: 1, values: allocateExtra(p.type, count, offset) });
    }
  }
  if (!hasPosition) throw new ScanFormatError('BAD_HEADER', 'ply', offset, 'vertex element has no x, y or z property');
  const colors = hasColors ? allocate(Uint8Array, count * 3, 'ply', offset) : undefined;
  return {
    positions: allocate(Float64Array, count * 3, 'ply', offset),
    normals: hasNormals ? allocate(Float32Array, count * 3, 'ply', offset) : undefined,
    colors,
    colorWriter: colors ? new Uint8ClampedArray(colors.buffer, colors.byteOffset, colors.length) : undefined,
    intensity: hasIntensity ? allocate(Uint16Array, count, 'ply', offset) : undefined,
    extras,
    targets,
  };
}

function allocateExtra(type: ScalarType, count: number, offset: number): ExtraAttribute['values'] {
  try {
    return extraArray(type, count);
  } catch (error) {
    if (error instanceof RangeError) throw new ScanFormatError('TOO_LARGE', 'ply', offset, 'cannot allocate the vertex arrays');
    throw error;
  }
}

/** The array and layout a target writes into. */
function sinkOf(s: VertexSinks, t: Target): { out: NumberSink; stride: number; offset: number } | undefined {
  switch (t.kind) {
    case Kind.Position:
      return { out: s.positions, stride: 3, offset: t.index };
    case Kind.Normal:
      return { out: s.normals!, stride: 3, offset: t.index };
    case Kind.Color:
      return { out: s.colorWriter!, stride: 3, offset: t.index };
    case Kind.Intensity:
      return { out: s.intensity!, stride: 1, offset: 0 };
    case Kind.Extra:
      return { out: s.extras[t.index]!.values, stride: 1, offset: 0 };
    case Kind.Skip:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

export function readPly(bytes: Uint8Array, limits: Limits): PointCloud {
  const header = parsePlyHeader(bytes);
  const vertexIndex = header.elements.findIndex((e) => e.name === 'vertex' || e.name === 'vertices' || e.name === 'point');
  if (vertexIndex < 0) throw new ScanFormatError('BAD_HEADER', 'ply', 0, 'no vertex element');
  const vertex = header.elements[vertexIndex]!;
  checkPointLimit(vertex.count, limits, 'ply', 0);

  let sinks: VertexSinks;
  if (header.encoding === 'ascii') sinks = readAscii(bytes, header, vertexIndex, limits);
  else sinks = readBinary(bytes, header, vertexIndex, limits);

  const allComments = [...header.comments, ...header.objInfo];
  const source = sourceFromComments(allComments);
  const units: LengthUnit = unitsFromComments(allComments) ?? 'unknown';
  const cloud: PointCloud = {
    format: 'ply',
    version: header.version,
    count: vertex.count,
    positions: sinks.positions,
    extras: sinks.extras,
    units,
    comments: allComments,
  };
  if (sinks.colors) cloud.colors = sinks.colors;
  if (sinks.normals) cloud.normals = sinks.normals;
  if (sinks.intensity) cloud.intensity = sinks.intensity;
  if (source.app) cloud.sourceApp = source.app;
  if (source.device) cloud.sourceDevice = source.device;
  limits.progress(1);
  return cloud;
}

// --- binary ----------------------------------------------------------------------------------

function readBinary(bytes: Uint8Array, header: PlyHeader, vertexIndex: number, limits: Limits): VertexSinks {
  const le = header.encoding === 'binary_little_endian';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = header.bodyOffset;
  for (let e = 0; e < vertexIndex; e++) pos = skipBinaryElement(dv, pos, header.elements[e]!, le);

  const vertex = header.elements[vertexIndex]!;
  const start = pos;
  if (vertex.fixedSize !== undefined) {
    const needed = vertex.count * vertex.fixedSize;
    if (needed > bytes.length - start) {
      throw new ScanFormatError('TRUNCATED', 'ply', bytes.length, `vertex element needs ${needed} bytes from byte ${start}, the file ends first`);
    }
  } else if (vertex.count > bytes.length - start) {
    throw new ScanFormatError('TRUNCATED', 'ply', bytes.length, `vertex element of ${vertex.count} records starts at byte ${start}, the file ends first`);
  }
  const sinks = planVertex(vertex, start);

  if (vertex.fixedSize !== undefined) {
    let offset = 0;
    const n = vertex.properties.length;
    for (let k = 0; k < n; k++) {
      const p = vertex.properties[k]!;
      const sink = sinkOf(sinks, sinks.targets[k]!);
      if (sink) readColumn(dv, start + offset, vertex.fixedSize, vertex.count, p.type, le, sink.out, sink.stride, sink.offset, sinks.targets[k]!.scale);
      offset += SCALAR_SIZE[p.type];
      limits.progress(((k + 1) / n) * 0.95);
    }
    pos = start + vertex.count * vertex.fixedSize;
  } else {
    pos = readBinaryRecords(dv, start, vertex, le, sinks, limits);
  }

  for (let e = vertexIndex + 1; e < header.elements.length; e++) pos = skipBinaryElement(dv, pos, header.elements[e]!, le);
  return sinks;
}

/** Vertex records that contain a list property: walk them one by one. */
function readBinaryRecords(dv: DataView, start: number, element: PlyElement, le: boolean, sinks: VertexSinks, limits: Limits): number {
  let pos = start;
  const length = dv.byteLength;
  const props = element.properties;
  const outs = sinks.targets.map((t) => sinkOf(sinks, t));
  for (let i = 0; i < element.count; i++) {
    for (let k = 0; k < props.length; k++) {
      const p = props[k]!;
      if (p.countType) {
        pos = skipList(dv, pos, p, le);
        continue;
      }
      const size = SCALAR_SIZE[p.type];
      if (pos + size > length) throw truncatedIn(element, length);
      const sink = outs[k];
      if (sink) sink.out[sink.offset + i * sink.stride] = readScalar(dv, pos, p.type, le) * sinks.targets[k]!.scale;
      pos += size;
    }
    if ((i & 0xffff) === 0xffff) limits.progress((i / element.count) * 0.95);
  }
  return pos;
}

function skipList(dv: DataView, pos: number, p: PlyProperty, le: boolean): number {
  const countSize = SCALAR_SIZE[p.countType!];
  if (pos + countSize > dv.byteLength) throw new ScanFormatError('TRUNCATED', 'ply', dv.byteLength, `list property "${p.name}" runs past the end of the file`);
  const n = readScalar(dv, pos, p.countType!, le);
  if (n < 0) throw new ScanFormatError('BAD_VALUE', 'ply', pos, `list property "${p.name}" has a negative item count`);
  const next = pos + countSize + n * SCALAR_SIZE[p.type];
  if (next > dv.byteLength) throw new ScanFormatError('TRUNCATED', 'ply', dv.byteLength, `list property "${p.name}" runs past the end of the file`);
  return next;
}

function truncatedIn(element: PlyElement, length: number): ScanFormatError {
  return new ScanFormatError('TRUNCATED', 'ply', length, `element "${element.name}" runs past the end of the file`);
}

function skipBinaryElement(dv: DataView, pos: number, element: PlyElement, le: boolean): number {
  if (element.fixedSize !== undefined) {
    const next = pos + element.count * element.fixedSize;
    if (next > dv.byteLength) throw truncatedIn(element, dv.byteLength);
    return next;
  }
  for (let i = 0; i < element.count; i++) {
    for (const p of element.properties) {
      if (p.countType) pos = skipList(dv, pos, p, le);
      else {
        pos += SCALAR_SIZE[p.type];
        if (pos > dv.byteLength) throw truncatedIn(element, dv.byteLength);
      }
    }
  }
  return pos;
}

// --- ascii -----------------------------------------------------------------------------------

function readAscii(bytes: Uint8Array, header: PlyHeader, vertexIndex: number, limits: Limits): VertexSinks {
  const tokens = new Tokens(bytes, header.bodyOffset);
  for (let e = 0; e < vertexIndex; e++) skipAsciiElement(tokens, header.elements[e]!);

  const vertex = header.elements[vertexIndex]!;
  // Every value takes at least one character and one separator: refuse impossible counts
  // before allocating for them.
  const scalarCount = vertex.properties.length;
  if (vertex.count * scalarCount * 2 - 1 > bytes.length - tokens.pos) {
    throw new ScanFormatError('TRUNCATED', 'ply', bytes.length, `vertex element declares ${vertex.count} records, the file is too short for them`);
  }
  const sinks = planVertex(vertex, tokens.pos);
  const outs = sinks.targets.map((t) => sinkOf(sinks, t));
  const props = vertex.properties;
  const count = vertex.count;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < props.length; k++) {
      const p = props[k]!;
      if (p.countType) {
        skipAsciiList(tokens, p, vertex);
        continue;
      }
      const value = nextValue(tokens, vertex, p);
      const sink = outs[k];
      if (sink) sink.out[sink.offset + i * sink.stride] = value * sinks.targets[k]!.scale;
    }
    if ((i & 0xffff) === 0xffff) limits.progress((i / count) * 0.95);
  }
  for (let e = vertexIndex + 1; e < header.elements.length; e++) skipAsciiElement(tokens, header.elements[e]!);
  return sinks;
}

function nextValue(tokens: Tokens, element: PlyElement, p: PlyProperty): number {
  if (!tokens.next()) throw new ScanFormatError('TRUNCATED', 'ply', tokens.pos, `element "${element.name}" ends early (property "${p.name}")`);
  const value = parseField(tokens.bytes, tokens.start, tokens.end);
  if (value === undefined) throw new ScanFormatError('BAD_VALUE', 'ply', tokens.start, `property "${p.name}" of element "${element.name}" is not a number`);
  return value;
}

function skipAsciiList(tokens: Tokens, p: PlyProperty, element: PlyElement): void {
  const n = nextValue(tokens, element, p);
  if (!Number.isInteger(n) || n < 0) throw new ScanFormatError('BAD_VALUE', 'ply', tokens.start, `list property "${p.name}" has an invalid item count`);
  for (let j = 0; j < n; j++) nextValue(tokens, element, p);
}

function skipAsciiElement(tokens: Tokens, element: PlyElement): void {
  if (element.properties.length === 0) return;
  for (let i = 0; i < element.count; i++) {
    for (const p of element.properties) {
      if (p.countType) skipAsciiList(tokens, p, element);
      else nextValue(tokens, element, p);
    }
  }
}
