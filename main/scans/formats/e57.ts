/**
 * ASTM E2807 (E57) reader: the Data3D scans of an E57 file as point clouds.
 *
 * Layers, bottom up:
 * - `e57-paged.ts`: file header, CRC-32C checked pages, logical ↔ physical offsets.
 * - `e57-xml.ts`: the XML section as a typed element tree.
 * - `e57-bitpack.ts`: per-field bytestream decoders of the bitPackCodec.
 * - this file: walks each scan's CompressedVector binary section packet by packet, feeds the
 *   decoders, assembles records into a `PointCloud` and exposes pose handling.
 *
 * Positions stay in scan-local coordinates (metres); `mergeE57Scans(file, { applyPose: true })`
 * applies each scan's pose (rotation, then translation). Points whose cartesianInvalidState /
 * sphericalInvalidState is non-zero are left out: 1 (direction only) and 2 (no position) both lack a
 * usable position, which is also how the reference results in shared/samples were produced.
 */
import type { ExtraAttribute, PointCloud } from '../../../common/point-cloud';
import { createFieldDecoder, type FieldDecoder } from './e57-bitpack';
import { E57_HEADER_SIZE, E57PagedFile, e57Error } from './e57-paged';
import { childOf, numberOf, parseE57Xml, stringOf, type E57CompressedVector, type E57Element, type E57Terminal } from './e57-xml';
import { ScanFormatError } from './errors';

export interface E57Pose {
  /** Unit quaternion w, x, y, z. */
  rotation: [number, number, number, number];
  translation: [number, number, number];
}

export interface E57Scan {
  /** Format 'e57', positions in scan-local coordinates, units 'm'. */
  cloud: PointCloud;
  pose: E57Pose | null;
  name?: string;
  guid?: string;
}

export interface E57File {
  version: string;
  scans: E57Scan[];
  /** Number of Image2D entries (images are not decoded). */
  images: number;
  guid?: string;
}

export interface ReadE57Options {
  /** Called with a fraction in [0, 1] as the binary sections are decoded, ending with 1. */
  onProgress?: (fraction: number) => void;
  /** Largest total record count (all scans) accepted before anything is allocated; default 2^31, as the other readers. */
  maxPoints?: number;
}

const DEFAULT_MAX_POINTS = 2 ** 31;
const SECTION_HEADER_SIZE = 32;
const COMPRESSED_VECTOR_SECTION = 1;
const INDEX_PACKET = 0;
const DATA_PACKET = 1;
const EMPTY_PACKET = 2;
const DATA_PACKET_HEADER_SIZE = 6;
const BATCH = 4096;

export function readE57(bytes: Uint8Array, opts: ReadE57Options = {}): E57File {
  try {
    return readE57Unchecked(bytes, opts);
  } catch (err) {
    // Allocation failures for files that pass every size check but still do not fit in memory.
    if (err instanceof RangeError && /allocation failed|invalid (typed )?array (buffer )?length/i.test(err.message)) {
      throw e57Error('TOO_LARGE', 0, `not enough memory to hold the points (${err.message})`);
    }
    throw err;
  }
}

interface ScanPlan {
  element: E57Element;
  index: number;
  points: E57CompressedVector;
  pose: E57Pose | null;
  name?: string;
  guid?: string;
  description?: string;
  sourceDevice?: string;
}

interface Progress {
  total: number;
  done: number;
  last: number;
  report?: (fraction: number) => void;
}

function readE57Unchecked(bytes: Uint8Array, opts: ReadE57Options): E57File {
  const file = new E57PagedFile(bytes);
  const { header } = file;
  const version = `${header.majorVersion}.${header.minorVersion}`;
  const maxPoints = opts.maxPoints ?? DEFAULT_MAX_POINTS;

  // XML section.
  const xmlOffset = header.xmlPhysicalOffset;
  let xmlLogical: number;
  try {
    xmlLogical = file.physicalToLogical(xmlOffset, 'xmlPhysicalOffset');
  } catch (err) {
    if (err instanceof ScanFormatError) throw e57Error('BAD_HEADER', 24, err.message);
    throw err;
  }
  const xmlBytes = file.read(xmlLogical, header.xmlLogicalLength, 'XML section');
  let xmlText: string;
  try {
    xmlText = new TextDecoder('utf-8', { fatal: true }).decode(xmlBytes);
  } catch {
    throw e57Error('BAD_VALUE', xmlOffset, 'XML section is not valid UTF-8');
  }
  const root = parseE57Xml(xmlText, xmlOffset);

  const data3D = childOf(root, 'data3D');
  if (data3D && data3D.type !== 'Vector') throw e57Error('BAD_VALUE', xmlOffset, '/data3D must be a Vector');
  const images2D = childOf(root, 'images2D');
  if (images2D && images2D.type !== 'Vector') throw e57Error('BAD_VALUE', xmlOffset, '/images2D must be a Vector');

  const plans = (data3D?.children ?? []).map((el, index) => planScan(el, index, xmlOffset));
  const totalRecords = plans.reduce((sum, p) => sum + p.points.recordCount, 0);
  if (totalRecords > maxPoints) {
    throw e57Error('TOO_LARGE', xmlOffset, `the file declares ${totalRecords} points, more than the limit of ${maxPoints}`);
  }

  const sourceApp = stringOf(childOf(root, 'e57LibraryVersion'));
  const progress: Progress = { total: 0, done: 0, last: -1, report: opts.onProgress };
  // Every scan's section header is checked, also where the scan declares no records: a scan whose
  // points point at no valid section is a damaged file, not an empty scan.
  const xmlSection = { start: xmlLogical, end: xmlLogical + header.xmlLogicalLength };
  const sections = plans.map((plan) => openSection(file, plan, xmlSection));
  for (const s of sections) if (s) progress.total += s.end - s.dataStart;

  const scans: E57Scan[] = plans.map((plan, i) => {
    const cloud = decodeScan(file, plan, sections[i] ?? null, version, progress);
    if (sourceApp) cloud.sourceApp = sourceApp;
    if (plan.sourceDevice) cloud.sourceDevice = plan.sourceDevice;
    if (plan.description) cloud.comments.push(plan.description);
    const scan: E57Scan = { cloud, pose: plan.pose };
    if (plan.name !== undefined) scan.name = plan.name;
    if (plan.guid !== undefined) scan.guid = plan.guid;
    return scan;
  });
  opts.onProgress?.(1);

  const result: E57File = { version, scans, images: images2D?.type === 'Vector' ? images2D.children.length : 0 };
  const guid = stringOf(childOf(root, 'guid'));
  if (guid !== undefined) result.guid = guid;
  return result;
}

function planScan(el: E57Element, index: number, xmlOffset: number): ScanPlan {
  const fail = (reason: string) => e57Error('BAD_VALUE', xmlOffset, `/data3D/${index}: ${reason}`);
  if (el.type !== 'Structure') throw fail('must be a Structure');
  const points = childOf(el, 'points');
  if (!points || points.type !== 'CompressedVector') throw fail('has no points CompressedVector');
  const plan: ScanPlan = { element: el, index, points, pose: readPose(el, fail) };
  const name = stringOf(childOf(el, 'name'));
  if (name !== undefined) plan.name = name;
  const guid = stringOf(childOf(el, 'guid'));
  if (guid !== undefined) plan.guid = guid;
  const description = stringOf(childOf(el, 'description'));
  if (description) plan.description = description;
  const device = ['sensorVendor', 'sensorModel']
    .map((k) => stringOf(childOf(el, k))?.trim())
    .filter((s): s is string => !!s)
    .join(' ');
  if (device) plan.sourceDevice = device;
  return plan;
}

function readPose(scan: E57Element, fail: (reason: string) => Error): E57Pose | null {
  const pose = childOf(scan, 'pose');
  if (!pose) return null;
  if (pose.type !== 'Structure') throw fail('pose must be a Structure');
  const component = (parent: E57Element, key: string): number => {
    const el = childOf(parent, key);
    if (el === undefined) return 0;
    const v = numberOf(el);
    if (v === undefined || !Number.isFinite(v)) throw fail(`pose ${parent.name}.${key} is not a finite number`);
    return v;
  };
  const rotationEl = childOf(pose, 'rotation');
  let rotation: E57Pose['rotation'] = [1, 0, 0, 0];
  if (rotationEl) {
    if (rotationEl.type !== 'Structure') throw fail('pose rotation must be a Structure');
    if (rotationEl.children.length > 0) {
      rotation = [component(rotationEl, 'w'), component(rotationEl, 'x'), component(rotationEl, 'y'), component(rotationEl, 'z')];
    }
  }
  const translationEl = childOf(pose, 'translation');
  let translation: E57Pose['translation'] = [0, 0, 0];
  if (translationEl) {
    if (translationEl.type !== 'Structure') throw fail('pose translation must be a Structure');
    translation = [component(translationEl, 'x'), component(translationEl, 'y'), component(translationEl, 'z')];
  }
  return { rotation, translation };
}

interface Section {
  /** Physical offset of the section header (for messages). */
  physical: number;
  dataStart: number;
  end: number;
}

/**
 * Reads and checks a scan's CompressedVector section header (ASTM E2807 §9.4: section id 1, seven
 * reserved zero bytes, sectionLogicalLength a multiple of 4, dataPhysicalOffset and
 * indexPhysicalOffset inside the file); offsets returned are logical. Every refusal names the
 * scan, the section header's byte offset and the field.
 */
function openSection(file: E57PagedFile, plan: ScanPlan, xml: { start: number; end: number }): Section {
  const physical = plan.points.fileOffset;
  const where = `/data3D/${plan.index}/points`;
  const bad = (at: number, reason: string) => e57Error('BAD_HEADER', at, `${where}: CompressedVector section header at byte ${physical}: ${reason}`);
  if (physical < E57_HEADER_SIZE) {
    throw e57Error('BAD_HEADER', Math.min(physical, file.header.filePhysicalLength), `${where}: fileOffset ${physical} lies inside the ${E57_HEADER_SIZE}-byte file header, where no CompressedVector section can be`);
  }
  const start = file.physicalToLogical(physical, `${where} fileOffset`);
  const head = file.read(start, SECTION_HEADER_SIZE, `${where} CompressedVector section header`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head[0] !== COMPRESSED_VECTOR_SECTION) throw bad(physical, `section id is ${head[0]}, not 1 (CompressedVector)`);
  for (let i = 1; i < 8; i++) if (head[i] !== 0) throw bad(file.logicalToPhysical(start + i), `reserved byte ${i} is ${head[i]}, not 0`);
  const length = view.getBigUint64(8, true);
  const lengthAt = file.logicalToPhysical(start + 8);
  if (length < BigInt(SECTION_HEADER_SIZE) || BigInt(start) + length > BigInt(file.logicalLength)) {
    throw e57Error('TRUNCATED', lengthAt, `${where}: CompressedVector section header at byte ${physical}: sectionLogicalLength ${length} does not fit in the file`);
  }
  if (length % 4n !== 0n) throw bad(lengthAt, `sectionLogicalLength ${length} is not a multiple of 4`);
  const end = start + Number(length);
  if (start < xml.end && end > xml.start) throw bad(physical, 'the section overlaps the XML section');
  const dataAt = file.logicalToPhysical(start + 16);
  const dataPhysical = view.getBigUint64(16, true);
  const fileLength = BigInt(file.header.filePhysicalLength);
  if (dataPhysical >= fileLength) throw bad(dataAt, `dataPhysicalOffset ${dataPhysical} is past the end of the file`);
  const indexPhysical = view.getBigUint64(24, true);
  if (indexPhysical >= fileLength) throw bad(file.logicalToPhysical(start + 24), `indexPhysicalOffset ${indexPhysical} is past the end of the file`);
  // A scan of no records may have no packets at all (dataPhysicalOffset 0, or the section's end).
  if (plan.points.recordCount === 0 && (dataPhysical === 0n || dataPhysical === BigInt(file.logicalToPhysical(end)))) {
    return { physical, dataStart: end, end };
  }
  const dataStart = file.physicalToLogical(Number(dataPhysical), `${where} dataPhysicalOffset`);
  if (dataStart < start + SECTION_HEADER_SIZE || dataStart >= end) throw bad(dataAt, `dataPhysicalOffset ${dataPhysical} is outside its section`);
  return { physical, dataStart, end };
}

/**
 * A scan that declares no records may hold packets, but none may carry bytes: point data in a
 * section whose scan says it has no records would be lost without a word.
 */
function checkEmptySection(file: E57PagedFile, plan: ScanPlan, section: Section): void {
  for (let offset = section.dataStart; offset < section.end; ) {
    const physical = file.logicalToPhysical(offset);
    if (offset + 4 > section.end) throw e57Error('BAD_VALUE', physical, `/data3D/${plan.index}/points: packet header runs past the end of its section`);
    const head = file.read(offset, 4, 'packet header');
    const type = head[0]!;
    const length = (head[2]! | (head[3]! << 8)) + 1;
    if (offset + length > section.end) throw e57Error('BAD_VALUE', physical, `/data3D/${plan.index}/points: packet of ${length} bytes runs past the end of its section`);
    if (type === DATA_PACKET && length >= DATA_PACKET_HEADER_SIZE) {
      const packet = file.read(offset, length, 'packet');
      const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
      const streams = view.getUint16(4, true);
      let bytes = 0;
      for (let s = 0; s < streams && DATA_PACKET_HEADER_SIZE + 2 * s + 2 <= length; s++) bytes += view.getUint16(DATA_PACKET_HEADER_SIZE + 2 * s, true);
      if (bytes > 0) {
        throw e57Error('COUNT_MISMATCH', physical, `/data3D/${plan.index}/points: recordCount is 0 but the data packet at byte ${physical} holds ${bytes} bytes of point data`);
      }
    } else if (type !== DATA_PACKET && type !== INDEX_PACKET && type !== EMPTY_PACKET) {
      throw e57Error('BAD_VALUE', physical, `/data3D/${plan.index}/points: unknown packet type ${type}`);
    }
    offset += length;
  }
}

interface Field {
  path: string;
  element: E57Terminal;
  decoder: FieldDecoder;
  scratch: Float64Array;
}

/** Terminal fields of a prototype, depth first: the order of the bytestreams in every data packet. */
function prototypeFields(el: E57Element, path: string, out: { path: string; element: E57Terminal }[], fail: (reason: string) => Error): void {
  switch (el.type) {
    case 'Structure':
    case 'Vector':
      el.children.forEach((c, i) => {
        const segment = el.type === 'Vector' ? String(i) : c.name;
        prototypeFields(c, path === '' ? segment : `${path}/${segment}`, out, fail);
      });
      return;
    case 'Integer':
    case 'ScaledInteger':
    case 'Float':
    case 'String':
      out.push({ path, element: el });
      return;
    default:
      throw fail(`prototype field ${path} has type ${el.type}, which cannot be stored per point`);
  }
}

function checkCodecs(codecs: E57Element | undefined, fail: (reason: string) => Error, unsupported: (reason: string) => Error): void {
  if (!codecs) return;
  if (codecs.type !== 'Vector') throw fail('codecs must be a Vector');
  for (const codec of codecs.children) {
    if (codec.type !== 'Structure') throw fail('each codec must be a Structure');
    for (const c of codec.children) {
      if (c.name !== 'inputs' && c.name !== 'bitPackCodec') throw unsupported(`codec ${c.name} (only bitPackCodec is defined by the standard)`);
    }
  }
}

type Limits = [number, number];

/** The range a colour or intensity field spans: the scan's limits, else the field's own bounds, else `fallback`. */
function limitsFor(field: E57Terminal, limits: E57Element | undefined, minKey: string, maxKey: string, fallback: Limits): Limits {
  const lo = numberOf(childOf(limits, minKey));
  const hi = numberOf(childOf(limits, maxKey));
  if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) return [lo, hi];
  if (field.type === 'Integer' || field.type === 'ScaledInteger') {
    const scale = field.type === 'ScaledInteger' ? field.scale : 1;
    const offset = field.type === 'ScaledInteger' ? field.offset : 0;
    const a = Number(field.minimum) * scale + offset;
    const b = Number(field.maximum) * scale + offset;
    const [min, max] = a <= b ? [a, b] : [b, a];
    if (max > min && field.maximum - field.minimum <= 2n ** 32n) return [min, max];
  }
  if (field.type === 'Float' && Math.abs(field.minimum) < 1e30 && Math.abs(field.maximum) < 1e30 && field.maximum > field.minimum) {
    return [field.minimum, field.maximum];
  }
  return fallback;
}

function normalise(v: number, [min, max]: Limits, top: number): number {
  const t = ((v - min) / (max - min)) * top;
  if (!(t > 0)) return 0; // also NaN
  return t >= top ? top : Math.round(t);
}

function decodeScan(file: E57PagedFile, plan: ScanPlan, section: Section | null, version: string, progress: Progress): PointCloud {
  const cv = plan.points;
  const at = plan.points.fileOffset;
  const fail = (reason: string) => e57Error('BAD_VALUE', at, `/data3D/${plan.index}/points: ${reason}`);
  const unsupported = (reason: string) => e57Error('UNSUPPORTED', at, `/data3D/${plan.index}/points: ${reason}`);
  if (!cv.prototype || (cv.prototype.type !== 'Structure' && cv.prototype.type !== 'Vector')) throw fail('needs a prototype Structure');
  checkCodecs(cv.codecs, fail, unsupported);
  const declared: { path: string; element: E57Terminal }[] = [];
  prototypeFields(cv.prototype, '', declared, fail);
  if (declared.length === 0) throw fail('the prototype has no fields');
  const recordCount = cv.recordCount;
  const fields: Field[] = declared.map((d) => ({ ...d, decoder: createFieldDecoder(d.element, recordCount), scratch: new Float64Array(Math.min(BATCH, Math.max(recordCount, 1))) }));
  const byName = new Map<string, Field>();
  for (const f of fields) byName.set(f.path, f);
  const used = new Set<Field>();
  const take = (name: string): Field | undefined => {
    const f = byName.get(name);
    if (f && f.element.type !== 'String') {
      used.add(f);
      return f;
    }
    return undefined;
  };
  const takeNormal = (axis: string): Field | undefined => {
    const f = fields.find((c) => /^(?:[A-Za-z_][\w.-]*:)?normal[XYZ]$/.test(c.path) && c.path.endsWith(`normal${axis}`) && c.element.type !== 'String');
    if (f) used.add(f);
    return f;
  };

  // Roles of the fields.
  const cx = take('cartesianX');
  const cy = take('cartesianY');
  const cz = take('cartesianZ');
  const cartesian = cx && cy && cz ? ([cx, cy, cz] as const) : null;
  let spherical: readonly [Field, Field, Field] | null = null;
  if (!cartesian) {
    const r = take('sphericalRange');
    const az = take('sphericalAzimuth');
    const el = take('sphericalElevation');
    if (r && az && el) spherical = [r, az, el];
  }
  if (!cartesian && !spherical) {
    throw unsupported('points have neither cartesianX/Y/Z nor sphericalRange/Azimuth/Elevation');
  }
  const invalidState = cartesian ? (take('cartesianInvalidState') ?? take('sphericalInvalidState')) : (take('sphericalInvalidState') ?? take('cartesianInvalidState'));
  const red = take('colorRed');
  const green = take('colorGreen');
  const blue = take('colorBlue');
  const colorFields = red && green && blue ? ([red, green, blue] as const) : null;
  const colorInvalid = colorFields ? take('isColorInvalid') : undefined;
  const intensityField = take('intensity');
  const intensityInvalid = intensityField ? take('isIntensityInvalid') : undefined;
  const nx = takeNormal('X');
  const ny = takeNormal('Y');
  const nz = takeNormal('Z');
  const normalFields = nx && ny && nz ? ([nx, ny, nz] as const) : null;

  const colorLimitsEl = childOf(plan.element, 'colorLimits');
  const colorLimits = colorFields
    ? ([
        limitsFor(colorFields[0].element, colorLimitsEl, 'colorRedMinimum', 'colorRedMaximum', [0, 255]),
        limitsFor(colorFields[1].element, colorLimitsEl, 'colorGreenMinimum', 'colorGreenMaximum', [0, 255]),
        limitsFor(colorFields[2].element, colorLimitsEl, 'colorBlueMinimum', 'colorBlueMaximum', [0, 255]),
      ] as const)
    : null;
  const intensityLimits = intensityField
    ? limitsFor(intensityField.element, childOf(plan.element, 'intensityLimits'), 'intensityMinimum', 'intensityMaximum', intensityField.element.type === 'Float' ? [0, 1] : [0, 65535])
    : null;

  // Everything else numeric is kept as an extra attribute.
  const extraFields = fields.filter((f) => !used.has(f) && f.element.type !== 'String');

  // Sizes are checked before anything per point is allocated: the declared count must fit in the
  // bytes the section actually has. A record is counted as at least 1 bit even when every field is
  // constant (0 bits), so that a tiny file cannot declare billions of points that take no space.
  if (section) {
    const minBits = Math.max(1, fields.reduce((s, f) => s + f.decoder.minBitsPerRecord, 0));
    const available = (section.end - section.dataStart) * 8;
    if (recordCount * minBits > available) {
      throw e57Error('COUNT_MISMATCH', section.physical, `recordCount ${recordCount} needs at least ${Math.ceil((recordCount * minBits) / 8)} bytes but the section holds ${section.end - section.dataStart}`);
    }
  }

  const positions = new Float64Array(3 * recordCount);
  const colors = colorFields ? new Uint8Array(3 * recordCount) : undefined;
  const intensity = intensityField ? new Uint16Array(recordCount) : undefined;
  const normals = normalFields ? new Float32Array(3 * recordCount) : undefined;
  const extras = extraFields.map((f) => {
    const el = f.element;
    const int32 = el.type === 'Integer' && el.minimum >= -(2n ** 31n) && el.maximum < 2n ** 31n;
    return { field: f, values: int32 ? new Int32Array(recordCount) : new Float64Array(recordCount) };
  });

  let assembled = 0; // records taken from the decoders
  let valid = 0; // records kept
  const assemble = () => {
    for (;;) {
      let n = BATCH;
      for (const f of fields) n = Math.min(n, f.decoder.pending);
      if (n <= 0) return;
      for (const f of fields) f.decoder.take(f.scratch, n);
      for (let i = 0; i < n; i++) {
        if (invalidState && invalidState.scratch[i] !== 0) continue;
        const k = valid++;
        if (cartesian) {
          positions[3 * k] = cartesian[0].scratch[i]!;
          positions[3 * k + 1] = cartesian[1].scratch[i]!;
          positions[3 * k + 2] = cartesian[2].scratch[i]!;
        } else if (spherical) {
          const r = spherical[0].scratch[i]!;
          const az = spherical[1].scratch[i]!;
          const el = spherical[2].scratch[i]!;
          const h = r * Math.cos(el);
          positions[3 * k] = h * Math.cos(az);
          positions[3 * k + 1] = h * Math.sin(az);
          positions[3 * k + 2] = r * Math.sin(el);
        }
        if (colors && colorFields && colorLimits && !(colorInvalid && colorInvalid.scratch[i] !== 0)) {
          colors[3 * k] = normalise(colorFields[0].scratch[i]!, colorLimits[0], 255);
          colors[3 * k + 1] = normalise(colorFields[1].scratch[i]!, colorLimits[1], 255);
          colors[3 * k + 2] = normalise(colorFields[2].scratch[i]!, colorLimits[2], 255);
        }
        if (intensity && intensityField && intensityLimits && !(intensityInvalid && intensityInvalid.scratch[i] !== 0)) {
          intensity[k] = normalise(intensityField.scratch[i]!, intensityLimits, 65535);
        }
        if (normals && normalFields) {
          normals[3 * k] = normalFields[0].scratch[i]!;
          normals[3 * k + 1] = normalFields[1].scratch[i]!;
          normals[3 * k + 2] = normalFields[2].scratch[i]!;
        }
        for (const e of extras) e.values[k] = e.field.scratch[i]!;
      }
      assembled += n;
    }
  };

  if (section && recordCount > 0) {
    let offset = section.dataStart;
    const allDone = () => fields.every((f) => f.decoder.done);
    while (!allDone() && offset < section.end) {
      const physical = file.logicalToPhysical(offset);
      if (offset + 4 > section.end) throw e57Error('BAD_VALUE', physical, 'packet header runs past the end of its section');
      const head = file.read(offset, 4, 'packet header');
      const type = head[0]!;
      const length = (head[2]! | (head[3]! << 8)) + 1;
      if (offset + length > section.end) {
        throw e57Error('BAD_VALUE', physical, `packet of ${length} bytes runs past the end of its section`);
      }
      const packet = file.read(offset, length, 'packet');
      if (type === DATA_PACKET) {
        if (length < DATA_PACKET_HEADER_SIZE) throw e57Error('BAD_VALUE', physical, `data packet of ${length} bytes is shorter than its header`);
        const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
        const streams = view.getUint16(4, true);
        if (streams !== fields.length) {
          throw e57Error('BAD_VALUE', physical, `data packet has ${streams} bytestreams but the prototype has ${fields.length} fields`);
        }
        let pos = DATA_PACKET_HEADER_SIZE + 2 * streams;
        if (pos > length) throw e57Error('BAD_VALUE', physical, 'data packet bytestream table runs past the packet');
        for (let s = 0; s < streams; s++) {
          const n = view.getUint16(DATA_PACKET_HEADER_SIZE + 2 * s, true);
          if (pos + n > length) throw e57Error('BAD_VALUE', physical, `bytestream ${s} runs past the end of its packet`);
          fields[s]!.decoder.feed(packet.subarray(pos, pos + n));
          pos += n;
        }
        assemble();
      } else if (type !== INDEX_PACKET && type !== EMPTY_PACKET) {
        throw e57Error('BAD_VALUE', physical, `unknown packet type ${type}`);
      }
      offset += length;
      progress.done += length;
      reportProgress(progress);
    }
    assemble();
    if (assembled < recordCount) {
      const short = fields.find((f) => !f.decoder.done) ?? fields[0]!;
      throw e57Error(
        'COUNT_MISMATCH',
        section.physical,
        `recordCount is ${recordCount} but the section holds only ${Math.min(assembled, short.decoder.decoded)} records of field ${short.path}`,
      );
    }
  } else {
    if (section) checkEmptySection(file, plan, section);
    assemble(); // constant-only prototypes and empty scans
  }

  const shrink = <T extends Float64Array | Float32Array | Uint8Array | Uint16Array | Int32Array>(a: T, per: number): T =>
    valid === recordCount ? a : (a.slice(0, valid * per) as T);
  const cloud: PointCloud = {
    format: 'e57',
    version,
    count: valid,
    positions: shrink(positions, 3),
    extras: extras.map((e): ExtraAttribute => ({ name: e.field.path, size: 1, values: shrink(e.values, 1) })),
    units: 'm',
    comments: [],
  };
  if (colors) cloud.colors = shrink(colors, 3);
  if (intensity) cloud.intensity = shrink(intensity, 1);
  if (normals) cloud.normals = shrink(normals, 3);
  return cloud;
}

function reportProgress(p: Progress): void {
  if (!p.report || p.total <= 0) return;
  const fraction = Math.min(1, p.done / p.total);
  if (fraction - p.last >= 0.01) {
    p.last = fraction;
    p.report(fraction);
  }
}

/**
 * All Data3D scans of `file` as one cloud. With `applyPose`, each scan's points (and normals) are
 * rotated by its pose quaternion and then translated; without it, values stay scan-local.
 * Colours, intensity, normals and extra attributes are kept when every non-empty scan has them.
 */
export function mergeE57Scans(file: E57File, opts: { applyPose: boolean }): PointCloud {
  const scans = file.scans;
  const nonEmpty = scans.filter((s) => s.cloud.count > 0);
  const total = nonEmpty.reduce((n, s) => n + s.cloud.count, 0);
  const all = <T>(get: (c: PointCloud) => T | undefined): boolean => nonEmpty.length > 0 && nonEmpty.every((s) => get(s.cloud) !== undefined);

  const positions = new Float64Array(3 * total);
  const colors = all((c) => c.colors) ? new Uint8Array(3 * total) : undefined;
  const intensity = all((c) => c.intensity) ? new Uint16Array(total) : undefined;
  const normals = all((c) => c.normals) ? new Float32Array(3 * total) : undefined;
  const first = nonEmpty[0]?.cloud;
  const extras: ExtraAttribute[] = (first?.extras ?? [])
    .filter((e) =>
      nonEmpty.every((s) => s.cloud.extras.some((o) => o.name === e.name && o.size === e.size && o.values.constructor === e.values.constructor)),
    )
    .map((e) => {
      const Ctor = e.values.constructor as new (n: number) => ExtraAttribute['values'];
      return { name: e.name, size: e.size, values: new Ctor(total * e.size) };
    });

  let base = 0;
  for (const scan of nonEmpty) {
    const c = scan.cloud;
    const n = c.count;
    const pose = opts.applyPose ? scan.pose : null;
    if (pose) {
      const m = rotationMatrix(pose.rotation, scans.indexOf(scan));
      const [tx, ty, tz] = pose.translation;
      for (let i = 0; i < n; i++) {
        const x = c.positions[3 * i]!;
        const y = c.positions[3 * i + 1]!;
        const z = c.positions[3 * i + 2]!;
        const o = 3 * (base + i);
        positions[o] = m[0] * x + m[1] * y + m[2] * z + tx;
        positions[o + 1] = m[3] * x + m[4] * y + m[5] * z + ty;
        positions[o + 2] = m[6] * x + m[7] * y + m[8] * z + tz;
      }
      if (normals && c.normals) {
        for (let i = 0; i < n; i++) {
          const x = c.normals[3 * i]!;
          const y = c.normals[3 * i + 1]!;
          const z = c.normals[3 * i + 2]!;
          const o = 3 * (base + i);
          normals[o] = m[0] * x + m[1] * y + m[2] * z;
          normals[o + 1] = m[3] * x + m[4] * y + m[5] * z;
          normals[o + 2] = m[6] * x + m[7] * y + m[8] * z;
        }
      }
    } else {
      positions.set(c.positions.subarray(0, 3 * n), 3 * base);
      if (normals && c.normals) normals.set(c.normals.subarray(0, 3 * n), 3 * base);
    }
    if (colors && c.colors) colors.set(c.colors.subarray(0, 3 * n), 3 * base);
    if (intensity && c.intensity) intensity.set(c.intensity.subarray(0, n), base);
    for (const e of extras) {
      const src = c.extras.find((o) => o.name === e.name)!;
      e.values.set(src.values.subarray(0, n * e.size) as never, base * e.size);
    }
    base += n;
  }

  const unique = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];
  const cloud: PointCloud = {
    format: 'e57',
    version: file.version,
    count: total,
    positions,
    extras,
    units: 'm',
    comments: unique(scans.flatMap((s) => s.cloud.comments)),
  };
  if (colors) cloud.colors = colors;
  if (intensity) cloud.intensity = intensity;
  if (normals) cloud.normals = normals;
  const apps = unique(scans.map((s) => s.cloud.sourceApp));
  if (apps.length > 0) cloud.sourceApp = apps.join('; ');
  const devices = unique(scans.map((s) => s.cloud.sourceDevice));
  if (devices.length > 0) cloud.sourceDevice = devices.join('; ');
  return cloud;
}

/** Row-major 3×3 rotation matrix of a quaternion (normalised first). */
function rotationMatrix(q: E57Pose['rotation'], scanIndex: number): [number, number, number, number, number, number, number, number, number] {
  const norm = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!Number.isFinite(norm) || norm < 1e-12) {
    // Scan names are free text (they may name a patient), so the message uses the index.
    throw e57Error('BAD_VALUE', 0, `/data3D/${scanIndex} has a pose rotation that is not a quaternion (norm ${norm})`);
  }
  const w = q[0] / norm;
  const x = q[1] / norm;
  const y = q[2] / norm;
  const z = q[3] / norm;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}
