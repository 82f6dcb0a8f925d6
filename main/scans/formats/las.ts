/**
 * LAS 1.0–1.4 (point formats 0–10) and LAZ. Uncompressed records are read column by column
 * straight from the file; LAZ is decompressed by laz-perf (LASzip in WASM) in batches into a
 * scratch buffer that the same column readers then walk.
 */
import type { ExtraAttribute, PointCloud, ScanWarning, VariableLengthRecord } from '../../../common/point-cloud';
import { latin1 } from './ascii';
import { ScanFormatError, type ScanErrorFormat } from './errors';
import { lasUnits, parseGeoKeys, type GeoVlrs } from './las-georef';
import { discardLazPerf, lazPerf, type LasZipInstance, type LazPerfModule } from './laz-perf';
import { allocate, checkPointLimit, type Limits } from './options';
import { readColumn, SCALAR_SIZE, type NumberSink, type ScalarType } from './scalar';

/** Bytes of the standard fields of each point data record format. */
const CORE_LENGTH = [20, 28, 26, 34, 57, 63, 30, 36, 38, 59, 67] as const;
const HEADER_MIN = 227;

export interface LasHeader {
  versionMajor: number;
  versionMinor: number;
  headerSize: number;
  pointOffset: number;
  vlrCount: number;
  pointFormat: number;
  compressed: boolean;
  recordLength: number;
  count: number;
  scale: [number, number, number];
  offset: [number, number, number];
  systemId: string;
  software: string;
  evlrStart: number;
  evlrCount: number;
}

export function isLas(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x4c && bytes[1] === 0x41 && bytes[2] === 0x53 && bytes[3] === 0x46;
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return latin1(bytes, start, end).trim();
}

export function parseLasHeader(bytes: Uint8Array, limits: Limits): LasHeader {
  const fmt = (h: { compressed: boolean }): ScanErrorFormat => (h.compressed ? 'laz' : 'las');
  if (!isLas(bytes)) throw new ScanFormatError('BAD_HEADER', 'las', 0, 'file does not start with "LASF"');
  if (bytes.length < HEADER_MIN) throw new ScanFormatError('TRUNCATED', 'las', bytes.length, 'file is shorter than the 227-byte public header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawFormat = dv.getUint8(104);
  const compressed = (rawFormat & 0xc0) !== 0;
  const format = fmt({ compressed });
  const versionMajor = dv.getUint8(24);
  const versionMinor = dv.getUint8(25);
  if (versionMajor !== 1 || versionMinor > 4) throw new ScanFormatError('UNSUPPORTED', format, 24, `LAS version ${versionMajor}.${versionMinor} is not 1.0–1.4`);
  const headerSize = dv.getUint16(94, true);
  const minimum = versionMinor >= 4 ? 375 : versionMinor === 3 ? 235 : HEADER_MIN;
  if (headerSize < minimum) throw new ScanFormatError('BAD_HEADER', format, 94, `header size ${headerSize} is below the ${minimum} bytes of LAS 1.${versionMinor}`);
  if (headerSize > bytes.length) throw new ScanFormatError('TRUNCATED', format, bytes.length, `header size ${headerSize} runs past the end of the file`);
  const pointOffset = dv.getUint32(96, true);
  if (pointOffset < headerSize) throw new ScanFormatError('BAD_HEADER', format, 96, 'offset to point data is inside the header');
  const pointFormat = rawFormat & 0x3f;
  if (pointFormat > 10) throw new ScanFormatError('UNSUPPORTED', format, 104, `point data record format ${pointFormat}`);
  if (versionMinor < 4 && pointFormat > 5) throw new ScanFormatError('BAD_HEADER', format, 104, `point format ${pointFormat} needs LAS 1.4`);
  const recordLength = dv.getUint16(105, true);
  if (recordLength < CORE_LENGTH[pointFormat]!) {
    throw new ScanFormatError('BAD_HEADER', format, 105, `record length ${recordLength} is shorter than point format ${pointFormat} (${CORE_LENGTH[pointFormat]} bytes)`);
  }
  let count = dv.getUint32(107, true);
  let evlrStart = 0;
  let evlrCount = 0;
  if (versionMinor >= 4) {
    const wide = dv.getBigUint64(247, true);
    if (wide > BigInt(Number.MAX_SAFE_INTEGER)) throw new ScanFormatError('TOO_LARGE', format, 247, 'point count does not fit in 53 bits');
    if (wide !== 0n) count = Number(wide);
    const start = dv.getBigUint64(235, true);
    evlrCount = dv.getUint32(243, true);
    if (evlrCount > 0) {
      if (start > BigInt(bytes.length)) throw new ScanFormatError('TRUNCATED', format, 235, 'first EVLR starts past the end of the file');
      evlrStart = Number(start);
    }
  }
  checkPointLimit(count, limits, format, versionMinor >= 4 ? 247 : 107);
  const scale: [number, number, number] = [dv.getFloat64(131, true), dv.getFloat64(139, true), dv.getFloat64(147, true)];
  const offset: [number, number, number] = [dv.getFloat64(155, true), dv.getFloat64(163, true), dv.getFloat64(171, true)];
  for (let k = 0; k < 3; k++) {
    if (!Number.isFinite(scale[k]) || scale[k] === 0) throw new ScanFormatError('BAD_HEADER', format, 131 + 8 * k, 'scale factor is zero or not finite');
    if (!Number.isFinite(offset[k])) throw new ScanFormatError('BAD_HEADER', format, 155 + 8 * k, 'offset is not finite');
  }
  if (!compressed && count > 0) {
    const end = pointOffset + count * recordLength;
    if (end > bytes.length) throw new ScanFormatError('TRUNCATED', format, bytes.length, `${count} point records of ${recordLength} bytes from byte ${pointOffset} run past the end of the file`);
  }
  if (compressed && count > 0 && pointOffset >= bytes.length) throw new ScanFormatError('TRUNCATED', format, bytes.length, 'compressed point data starts past the end of the file');
  return {
    versionMajor,
    versionMinor,
    headerSize,
    pointOffset,
    vlrCount: dv.getUint32(100, true),
    pointFormat,
    compressed,
    recordLength,
    count,
    scale,
    offset,
    systemId: cString(bytes, 26, 32),
    software: cString(bytes, 58, 32),
    evlrStart,
    evlrCount,
  };
}

interface ParsedVlr extends VariableLengthRecord {
  /** Byte offset of the payload. */
  dataOffset: number;
}

function parseVlrs(bytes: Uint8Array, h: LasHeader): ParsedVlr[] {
  const format: ScanErrorFormat = h.compressed ? 'laz' : 'las';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ParsedVlr[] = [];
  let pos = h.headerSize;
  for (let k = 0; k < h.vlrCount; k++) {
    if (pos + 54 > bytes.length) throw new ScanFormatError('TRUNCATED', format, bytes.length, `VLR ${k} of ${h.vlrCount} runs past the end of the file`);
    if (pos + 54 > h.pointOffset) throw new ScanFormatError('BAD_HEADER', format, pos, `VLR ${k} of ${h.vlrCount} runs into the point data`);
    const length = dv.getUint16(pos + 20, true);
    const dataOffset = pos + 54;
    if (dataOffset + length > bytes.length) throw new ScanFormatError('TRUNCATED', format, bytes.length, `VLR ${k} of ${h.vlrCount} runs past the end of the file`);
    if (dataOffset + length > h.pointOffset) throw new ScanFormatError('BAD_HEADER', format, pos, `VLR ${k} of ${h.vlrCount} runs into the point data`);
    out.push({
      userId: cString(bytes, pos + 2, 16),
      recordId: dv.getUint16(pos + 18, true),
      description: cString(bytes, pos + 22, 32),
      length,
      extended: false,
      dataOffset,
    });
    pos = dataOffset + length;
  }
  pos = h.evlrStart;
  for (let k = 0; k < h.evlrCount; k++) {
    if (pos + 60 > bytes.length) throw new ScanFormatError('TRUNCATED', format, bytes.length, `EVLR ${k} of ${h.evlrCount} runs past the end of the file`);
    const wide = dv.getBigUint64(pos + 20, true);
    const dataOffset = pos + 60;
    if (wide > BigInt(bytes.length - dataOffset)) throw new ScanFormatError('TRUNCATED', format, bytes.length, `EVLR ${k} of ${h.evlrCount} runs past the end of the file`);
    const length = Number(wide);
    out.push({
      userId: cString(bytes, pos + 2, 16),
      recordId: dv.getUint16(pos + 18, true),
      description: cString(bytes, pos + 28, 32),
      length,
      extended: true,
      dataOffset,
    });
    pos = dataOffset + length;
  }
  return out;
}

// --- extra bytes -------------------------------------------------------------------------------

interface ExtraField {
  attribute: ExtraAttribute;
  /** Offset of the field inside the record. */
  at: number;
  type: ScalarType | 'uint64' | 'int64' | 'raw';
  components: number;
  scale: number[];
  offset: number[];
}

const EXTRA_TYPES: Array<ScalarType | 'uint64' | 'int64'> = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64', 'float32', 'float64'];

function planExtras(bytes: Uint8Array, h: LasHeader, vlrs: ParsedVlr[], format: ScanErrorFormat): ExtraField[] {
  const core = CORE_LENGTH[h.pointFormat]!;
  const available = h.recordLength - core;
  if (available === 0) return [];
  const fields: ExtraField[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const descriptor = vlrs.find((v) => v.userId === 'LASF_Spec' && v.recordId === 4);
  let used = 0;
  if (descriptor) {
    const n = Math.floor(descriptor.length / 192);
    for (let k = 0; k < n; k++) {
      const p = descriptor.dataOffset + k * 192;
      const dataType = dv.getUint8(p + 2);
      const options = dv.getUint8(p + 3);
      const name = cString(bytes, p + 4, 32) || `extra_${k}`;
      let type: ExtraField['type'];
      let components = 1;
      let size: number;
      if (dataType === 0) {
        type = 'raw';
        components = options;
        size = options;
      } else if (dataType <= 30) {
        type = EXTRA_TYPES[(dataType - 1) % 10]!;
        components = dataType <= 10 ? 1 : dataType <= 20 ? 2 : 3;
        size = components * (type === 'uint64' || type === 'int64' ? 8 : SCALAR_SIZE[type]);
      } else {
        throw new ScanFormatError('BAD_VALUE', format, p + 2, `extra bytes descriptor ${k} has unknown data type ${dataType}`);
      }
      if (size === 0) continue;
      if (used + size > available) break;
      const scaled = (options & 0x18) !== 0;
      const scale = [0, 1, 2].map((c) => (options & 0x08 ? dv.getFloat64(p + 112 + 8 * c, true) : 1));
      const offset = [0, 1, 2].map((c) => (options & 0x10 ? dv.getFloat64(p + 136 + 8 * c, true) : 0));
      const length = h.count * components;
      let values: ExtraAttribute['values'];
      if (type === 'raw') values = allocate(Uint8Array, length, format, p);
      else if (scaled || type === 'uint64' || type === 'int64') values = allocate(Float64Array, length, format, p);
      else values = extraFor(type, length, format, p);
      fields.push({ attribute: { name, size: components, values }, at: core + used, type, components, scale, offset });
      used += size;
    }
  }
  if (used < available) {
    const rest = available - used;
    fields.push({
      attribute: { name: 'extra_bytes', size: rest, values: allocate(Uint8Array, h.count * rest, format, h.pointOffset) },
      at: core + used,
      type: 'raw',
      components: rest,
      scale: [1],
      offset: [0],
    });
  }
  return fields;
}

function extraFor(type: ScalarType, length: number, format: ScanErrorFormat, at: number): ExtraAttribute['values'] {
  switch (type) {
    case 'uint8':
      return allocate(Uint8Array, length, format, at);
    case 'int8':
      return allocate(Int8Array, length, format, at);
    case 'uint16':
      return allocate(Uint16Array, length, format, at);
    case 'int16':
      return allocate(Int16Array, length, format, at);
    case 'uint32':
      return allocate(Uint32Array, length, format, at);
    case 'int32':
      return allocate(Int32Array, length, format, at);
    case 'float32':
      return allocate(Float32Array, length, format, at);
    case 'float64':
      return allocate(Float64Array, length, format, at);
  }
}

// --- records -----------------------------------------------------------------------------------

interface Sinks {
  positions: Float64Array;
  intensity: Uint16Array;
  classification: Uint8Array;
  /** Tallies of what breaks the specification but can still be read (see lasWarnings). */
  checks: LasChecks;
  gpsTime: Float64Array | undefined;
  rgb16: Uint16Array | undefined;
  nir: Uint16Array | undefined;
  extras: ExtraField[];
}

function gpsOffset(pf: number): number | undefined {
  if (pf === 1 || pf === 3 || pf === 4 || pf === 5) return 20;
  if (pf >= 6) return 22;
  return undefined;
}

function rgbOffset(pf: number): number | undefined {
  if (pf === 2) return 20;
  if (pf === 3 || pf === 5) return 28;
  if (pf === 7 || pf === 8 || pf === 10) return 30;
  return undefined;
}

/** Reads `n` records starting at byte `start` of `dv` into point indices [first, first + n). */
function readRecords(dv: DataView, start: number, n: number, first: number, h: LasHeader, s: Sinks): void {
  const stride = h.recordLength;
  const pf = h.pointFormat;
  const pos = s.positions;
  for (let c = 0; c < 3; c++) {
    const sc = h.scale[c]!;
    const of = h.offset[c]!;
    let p = start + 4 * c;
    const end = (first + n) * 3;
    for (let o = first * 3 + c; o < end; o += 3, p += stride) pos[o] = dv.getInt32(p, true) * sc + of;
  }
  readColumn(dv, start + 12, stride, n, 'uint16', true, s.intensity, 1, first);
  readReturnsAndClasses(dv, start, stride, n, first, pf, s.classification, s.checks);
  const gps = gpsOffset(pf);
  if (gps !== undefined && s.gpsTime) readColumn(dv, start + gps, stride, n, 'float64', true, s.gpsTime, 1, first);
  const rgb = rgbOffset(pf);
  if (rgb !== undefined && s.rgb16) {
    for (let c = 0; c < 3; c++) readColumn(dv, start + rgb + 2 * c, stride, n, 'uint16', true, s.rgb16, 3, first * 3 + c);
  }
  if (s.nir) readColumn(dv, start + 36, stride, n, 'uint16', true, s.nir, 1, first);
  for (const f of s.extras) readExtra(dv, start, n, first, stride, f);
}

/**
 * The return byte and the classification of each record, in one pass: the classification goes
 * into the cloud, and both are checked against the specification (return number above the
 * number of returns; codes the point format's table reserves, counted per code).
 */
function readReturnsAndClasses(dv: DataView, start: number, stride: number, n: number, first: number, pf: number, cls: Uint8Array, checks: LasChecks): void {
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
  const reserved = checks.reserved;
  const classes = checks.classes;
  let above = 0;
  let p = start + 14;
  const end = first + n;
  if (pf < 6) {
    // Byte 14: return number (bits 0–2), number of returns (3–5); byte 15: class (0–4) and flags.
    for (let i = first; i < end; i++, p += stride) {
      const returns = bytes[p]!;
      const c = bytes[p + 1]! & 0x1f;
      cls[i] = c;
      if (reserved[c] !== 0) classes[c]!++;
      if ((returns & 7) > ((returns >>> 3) & 7)) above++;
    }
  } else {
    // Byte 14: return number (bits 0–3), number of returns (4–7); byte 16: the class byte.
    for (let i = first; i < end; i++, p += stride) {
      const returns = bytes[p]!;
      const c = bytes[p + 2]!;
      cls[i] = c;
      if (reserved[c] !== 0) classes[c]!++;
      if ((returns & 15) > returns >>> 4) above++;
    }
  }
  checks.returnAboveReturns += above;
}

export interface LasChecks {
  /** Records whose return number is greater than their number of returns. */
  returnAboveReturns: number;
  /** 1 for each classification code the point format's table reserves (see isReservedClass). */
  reserved: Uint8Array;
  /** How many records have each reserved classification code. */
  classes: Uint32Array;
}

export function lasChecks(h: Pick<LasHeader, 'pointFormat' | 'versionMinor'>): LasChecks {
  const reserved = new Uint8Array(256);
  for (let code = 0; code < 256; code++) reserved[code] = isReservedClass(code, h.pointFormat, h.versionMinor) ? 1 : 0;
  return { returnAboveReturns: 0, reserved, classes: new Uint32Array(256) };
}

/**
 * Classification codes the ASPRS table of the point format reserves. Formats 0–5 (LAS 1.1–1.4):
 * 0–9 and 12 are defined, 10, 11 and 13–31 reserved. Formats 6–10 (LAS 1.4 R15): 0–7, 9–11 and
 * 13–22 defined, 8 and 12 (now flags) and 23–63 reserved, 64–255 user-definable. LAS 1.0 has no
 * standard table: its codes are the data provider's.
 */
export function isReservedClass(code: number, pointFormat: number, versionMinor: number): boolean {
  if (pointFormat < 6) return versionMinor >= 1 && (code === 10 || code === 11 || (code >= 13 && code <= 31));
  return code === 8 || code === 12 || (code >= 23 && code <= 63);
}

const MAX_CODES_NAMED = 8;

/** The checks' findings as warnings; none for a file that keeps to the specification. */
export function lasWarnings(checks: LasChecks, h: Pick<LasHeader, 'pointFormat' | 'versionMinor' | 'count'>): ScanWarning[] {
  const warnings: ScanWarning[] = [];
  const of = `of ${h.count.toLocaleString('en-US')} points`;
  if (checks.returnAboveReturns > 0) {
    const n = checks.returnAboveReturns;
    warnings.push({
      code: 'LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS',
      count: n,
      message: `return number is greater than the number of returns in ${n.toLocaleString('en-US')} ${of}`,
    });
  }
  const reserved: number[] = [];
  let count = 0;
  for (let code = 0; code < 256; code++) {
    const k = checks.classes[code]!;
    if (k > 0 && checks.reserved[code] !== 0) {
      reserved.push(code);
      count += k;
    }
  }
  if (count > 0) {
    const named = reserved.slice(0, MAX_CODES_NAMED).join(', ') + (reserved.length > MAX_CODES_NAMED ? ', …' : '');
    warnings.push({
      code: 'LAS_RESERVED_CLASSIFICATION',
      count,
      message: `classification ${reserved.length === 1 ? 'code' : 'codes'} ${named} ${reserved.length === 1 ? 'is' : 'are'} reserved in the ASPRS table for point format ${h.pointFormat} (LAS 1.${h.versionMinor}): ${count.toLocaleString('en-US')} ${of}`,
    });
  }
  return warnings;
}

function readExtra(dv: DataView, start: number, n: number, first: number, stride: number, f: ExtraField): void {
  const out = f.attribute.values as NumberSink;
  const k = f.components;
  if (f.type === 'raw') {
    for (let c = 0; c < k; c++) readColumn(dv, start + f.at + c, stride, n, 'uint8', true, out, k, first * k + c);
    return;
  }
  const size = f.type === 'uint64' || f.type === 'int64' ? 8 : SCALAR_SIZE[f.type];
  for (let c = 0; c < k; c++) {
    const at = start + f.at + c * size;
    const scale = f.scale[c] ?? 1;
    const offset = f.offset[c] ?? 0;
    if (f.type === 'uint64' || f.type === 'int64') {
      const signed = f.type === 'int64';
      let p = at;
      for (let i = first; i < first + n; i++, p += stride) {
        const hi = signed ? dv.getInt32(p + 4, true) : dv.getUint32(p + 4, true);
        out[i * k + c] = (hi * 4294967296 + dv.getUint32(p, true)) * scale + offset;
      }
    } else {
      readColumn(dv, at, stride, n, f.type, true, out, k, first * k + c, scale);
      if (offset !== 0) for (let i = first; i < first + n; i++) out[i * k + c] = out[i * k + c]! + offset;
    }
  }
}

// --- the reader ----------------------------------------------------------------------------------

export async function readLas(bytes: Uint8Array, limits: Limits): Promise<PointCloud> {
  const h = parseLasHeader(bytes, limits);
  const format: ScanErrorFormat = h.compressed ? 'laz' : 'las';
  const vlrs = parseVlrs(bytes, h);

  const geo: GeoVlrs = {};
  for (const v of vlrs) {
    if (v.userId !== 'LASF_Projection') continue;
    const data = bytes.subarray(v.dataOffset, v.dataOffset + v.length);
    if (v.recordId === 34735) geo.geoKeys = { data, offset: v.dataOffset };
    else if (v.recordId === 34736) geo.geoDoubleLength = v.length;
    else if (v.recordId === 34737) geo.geoAsciiLength = v.length;
    else if (v.recordId === 2112) geo.wkt = latin1(data, 0, data.length).replace(/\0+$/, '');
  }
  const keys = parseGeoKeys(geo, format);
  const units = lasUnits(geo, keys);

  if (h.compressed && !vlrs.some((v) => v.userId === 'laszip encoded' && v.recordId === 22204)) {
    throw new ScanFormatError('BAD_HEADER', format, 104, 'point format is marked compressed but there is no LASzip VLR');
  }

  const count = h.count;
  const pf = h.pointFormat;
  const sinks: Sinks = {
    positions: allocate(Float64Array, count * 3, format, h.pointOffset),
    intensity: allocate(Uint16Array, count, format, h.pointOffset),
    classification: allocate(Uint8Array, count, format, h.pointOffset),
    checks: lasChecks(h),
    gpsTime: gpsOffset(pf) !== undefined ? allocate(Float64Array, count, format, h.pointOffset) : undefined,
    rgb16: rgbOffset(pf) !== undefined ? allocate(Uint16Array, count * 3, format, h.pointOffset) : undefined,
    nir: pf === 8 || pf === 10 ? allocate(Uint16Array, count, format, h.pointOffset) : undefined,
    extras: planExtras(bytes, h, vlrs, format),
  };

  if (count > 0) {
    if (h.compressed) await decompress(bytes, h, sinks, limits);
    else {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const batch = 1 << 20;
      for (let first = 0; first < count; first += batch) {
        const n = Math.min(batch, count - first);
        readRecords(dv, h.pointOffset + first * h.recordLength, n, first, h, sinks);
        limits.progress((first + n) / count);
      }
    }
  }

  const extras: ExtraAttribute[] = [];
  if (sinks.gpsTime) extras.push({ name: 'gps_time', size: 1, values: sinks.gpsTime });
  if (sinks.nir) extras.push({ name: 'nir', size: 1, values: sinks.nir });
  for (const f of sinks.extras) extras.push(f.attribute);

  const comments = [h.systemId, h.software].filter((s) => s.length > 0);
  const cloud: PointCloud = {
    format,
    version: `${h.versionMajor}.${h.versionMinor}`,
    count,
    positions: sinks.positions,
    intensity: sinks.intensity,
    classification: sinks.classification,
    extras,
    units,
    comments,
    vlrs: vlrs.map(({ userId, recordId, description, length, extended }) => ({ userId, recordId, description, length, extended })),
  };
  if (sinks.rgb16) cloud.colors = rgbTo8Bit(sinks.rgb16);
  const warnings = lasWarnings(sinks.checks, h);
  if (warnings.length > 0) cloud.warnings = warnings;
  if (h.software) cloud.sourceApp = h.software;
  if (h.systemId) cloud.sourceDevice = h.systemId;
  limits.progress(1);
  return cloud;
}

/**
 * LAS colour is 16-bit, but many writers store 8-bit values in it. When no value exceeds 255
 * the values are taken as they are; otherwise the high byte is kept.
 */
export function rgbTo8Bit(rgb: Uint16Array): Uint8Array {
  let max = 0;
  for (let i = 0; i < rgb.length; i++) if (rgb[i]! > max) max = rgb[i]!;
  const out = new Uint8Array(rgb.length);
  if (max <= 255) out.set(rgb);
  else for (let i = 0; i < rgb.length; i++) out[i] = rgb[i]! >>> 8;
  return out;
}

const LAZ_BATCH = 16384;

async function decompress(bytes: Uint8Array, h: LasHeader, sinks: Sinks, limits: Limits): Promise<void> {
  let module: LazPerfModule;
  try {
    module = await lazPerf();
  } catch {
    throw new ScanFormatError('UNSUPPORTED', 'laz', 0, 'the LAZ decompressor (laz-perf) could not be loaded');
  }
  const filePointer = module._malloc(bytes.length);
  const scratch = module._malloc(LAZ_BATCH * h.recordLength);
  if (filePointer === 0 || scratch === 0) {
    if (filePointer) module._free(filePointer);
    if (scratch) module._free(scratch);
    throw new ScanFormatError('TOO_LARGE', 'laz', 0, 'not enough decompressor memory for this file');
  }
  let reader: LasZipInstance | undefined;
  let done = 0;
  let failed = false;
  try {
    module.HEAPU8.set(bytes, filePointer);
    reader = new module.LASZip();
    reader.open(filePointer, bytes.length);
    if (reader.getPointLength() !== h.recordLength) {
      throw new ScanFormatError('BAD_HEADER', 'laz', 105, 'the LASzip record length disagrees with the header');
    }
    while (done < h.count) {
      const n = Math.min(LAZ_BATCH, h.count - done);
      for (let j = 0; j < n; j++) reader.getPoint(scratch + j * h.recordLength);
      // HEAPU8 may have been replaced if the heap grew: take a fresh view each batch.
      const heap = module.HEAPU8;
      readRecords(new DataView(heap.buffer, heap.byteOffset, heap.byteLength), scratch, n, done, h, sinks);
      done += n;
      limits.progress(done / h.count);
    }
  } catch (error) {
    failed = true;
    if (error instanceof ScanFormatError) throw error;
    throw new ScanFormatError('BAD_VALUE', 'laz', h.pointOffset, `compressed point data is corrupt or truncated (failed at point ${done} of ${h.count})`);
  } finally {
    if (failed) discardLazPerf();
    else {
      reader?.delete();
      module._free(scratch);
      module._free(filePointer);
    }
  }
}
