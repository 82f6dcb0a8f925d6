/**
 * `readPointCloud`: decides the format from the content (the file name only breaks ties) and
 * hands the bytes to that format's reader.
 */
import type { PointCloud, ScanFormat } from '../../../common/point-cloud';
import { looksBinary } from './ascii';
import { mergeE57Scans, readE57 } from './e57';
import { decodeMarkedText, describeEncoding, errorInFile } from './encoding';
import { ScanFormatError, type DetectedKind } from './errors';
import { isLas, readLas } from './las';
import { readObj } from './obj';
import { limitsOf, type Limits, type ReadOptions } from './options';
import { isPly, readPly } from './ply';
import { readText } from './text';

export interface ReadPointCloudOptions extends ReadOptions {
  /** E57 only: apply each scan's pose before merging. Default false (the file's own scan coordinates). */
  applyE57Pose?: boolean;
}

const E57_MAGIC = 'ASTM-E57';
const EXPE_MAGIC = '[Expe/PointSet';
const OBJ_KEYWORDS = new Set(['v', 'vn', 'vt', 'vp', 'f', 'o', 'g', 's', 'l', 'p', 'usemtl', 'mtllib', 'cstype', 'deg', 'curv', 'curv2', 'surf']);

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function extensionOf(fileName: string | undefined): string {
  const base = (fileName ?? '').split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

const at = (bytes: Uint8Array, offset: number, text: string) => startsWith(bytes.subarray(offset), text);

/**
 * Files of other kinds that land in a scan import (a nurse picks the photo the tablet took beside
 * the scan, a referral PDF, …), recognised by their signatures so the error can say what they are.
 */
const OTHER_KINDS: Array<{ kind: DetectedKind; what: string; test: (b: Uint8Array) => boolean }> = [
  { kind: 'photo', what: 'a JPEG photo', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { kind: 'photo', what: 'a PNG image', test: (b) => at(b, 0, '\x89PNG\r\n\x1a\n') },
  { kind: 'photo', what: 'a GIF image', test: (b) => at(b, 0, 'GIF87a') || at(b, 0, 'GIF89a') },
  { kind: 'photo', what: 'a WebP image', test: (b) => at(b, 0, 'RIFF') && at(b, 8, 'WEBP') },
  { kind: 'photo', what: 'a TIFF image', test: (b) => at(b, 0, 'II*\x00') || at(b, 0, 'MM\x00*') },
  { kind: 'photo', what: 'a BMP image', test: (b) => at(b, 0, 'BM') && b.length > 26 && b[14]! >= 12 && b[15] === 0 },
  { kind: 'photo', what: 'a HEIC/HEIF photo', test: (b) => at(b, 4, 'ftyp') && /^(heic|heix|hevc|heim|heis|mif1|msf1|avif)$/.test(String.fromCharCode(...b.subarray(8, 12))) },
  { kind: 'video', what: 'a video', test: (b) => at(b, 4, 'ftyp') || (at(b, 0, 'RIFF') && at(b, 8, 'AVI ')) || (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) },
  { kind: 'pdf', what: 'a PDF document', test: (b) => at(b, 0, '%PDF-') },
  { kind: 'dicom', what: 'a DICOM image', test: (b) => at(b, 128, 'DICM') },
  { kind: 'archive', what: 'a ZIP archive', test: (b) => at(b, 0, 'PK\x03\x04') },
  { kind: 'archive', what: 'a compressed archive', test: (b) => (b[0] === 0x1f && b[1] === 0x8b) || at(b, 0, '7z\xbc\xaf\x27\x1c') || at(b, 0, 'Rar!') },
  { kind: 'document', what: 'an Office document', test: (b) => b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0 },
];

/** The format of a file, from its first bytes; throws UNKNOWN_FORMAT / UNSUPPORTED / NOT_A_SCAN for files no reader takes. */
export function sniffFormat(bytes: Uint8Array, fileName?: string): ScanFormat {
  if (bytes.length === 0) throw new ScanFormatError('TRUNCATED', 'unknown', 0, 'the file is empty');
  if (isPly(bytes)) return 'ply';
  if (isLas(bytes)) return bytes.length > 104 && (bytes[104]! & 0xc0) !== 0 ? 'laz' : 'las';
  if (startsWith(bytes, E57_MAGIC)) return 'e57';
  if (startsWith(bytes, EXPE_MAGIC)) {
    throw new ScanFormatError('UNSUPPORTED', 'pts', 0, 'binary Expe/PointSet file (not a Leica PTS text file); this format is not supported');
  }
  const other = OTHER_KINDS.find((k) => k.test(bytes));
  if (other) throw new ScanFormatError('NOT_A_SCAN', 'unknown', 0, `${other.what}, not a 3D scan`, { detected: other.kind });
  const ext = extensionOf(fileName);
  if (looksBinary(bytes)) {
    throw new ScanFormatError('UNKNOWN_FORMAT', ext === 'pts' ? 'pts' : 'unknown', 0, 'binary content that is not PLY, LAS/LAZ or E57');
  }
  // Text: the first statement decides between OBJ and a point table.
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 65536)));
  for (const raw of head.split('\n')) {
    const lineText = raw.trim();
    if (lineText === '' || lineText.startsWith('#')) continue;
    const keyword = lineText.split(/\s+/, 1)[0]!;
    if (OBJ_KEYWORDS.has(keyword)) return 'obj';
    if (ext === 'obj') {
      throw new ScanFormatError('BAD_VALUE', 'obj', 0, 'the first statement is not an OBJ keyword');
    }
    return ext === 'pts' || /^\d+$/.test(lineText) ? 'pts' : 'xyz';
  }
  // Only comments and blank lines: nothing in the content decides.
  if (ext === 'obj') return 'obj';
  if (ext === 'pts') return 'pts';
  if (ext === 'xyz' || ext === 'txt' || ext === 'csv' || ext === 'asc') return 'xyz';
  throw new ScanFormatError('UNKNOWN_FORMAT', 'unknown', 0, 'text without any point rows or OBJ statements');
}

export async function readPointCloud(input: Uint8Array | ArrayBuffer, options: ReadPointCloudOptions = {}): Promise<PointCloud> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const limits = limitsOf(options);
  if (bytes.length > limits.maxBytes) {
    throw new ScanFormatError('TOO_LARGE', 'unknown', 0, `input of ${bytes.length} bytes is over the limit of ${limits.maxBytes}`);
  }
  // Text with a byte-order mark (UTF-8 BOM, UTF-16 LE/BE) is read as the UTF-8 it spells; errors
  // then name offsets in the file as it is.
  const text = decodeMarkedText(bytes);
  if (!text) return readDecided(bytes, sniffFormat(bytes, options.fileName), limits, options);
  let format: ScanFormat | undefined;
  try {
    format = sniffFormat(text.bytes, options.fileName);
    if (text.encoding !== 'utf-8-bom' && !isTextFormat(format, text.bytes)) {
      throw new ScanFormatError('UNSUPPORTED', format, 0, `${describeEncoding(text.encoding)} text holding a binary ${format.toUpperCase()} file`);
    }
    return await readDecided(text.bytes, format, limits, options);
  } catch (error) {
    if (error instanceof ScanFormatError) throw errorInFile(error, text, error.format === 'unknown' ? format : undefined);
    throw error;
  }
}

/** Formats that can be spelt in UTF-16: every text format, and PLY only when its body is ascii. */
function isTextFormat(format: ScanFormat, bytes: Uint8Array): boolean {
  if (format === 'xyz' || format === 'pts' || format === 'obj') return true;
  if (format !== 'ply') return false;
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  return /^format[ \t]+ascii\b/m.test(head);
}

function readDecided(bytes: Uint8Array, format: ScanFormat, limits: Limits, options: ReadPointCloudOptions): Promise<PointCloud> | PointCloud {
  switch (format) {
    case 'ply':
      return readPly(bytes, limits);
    case 'las':
    case 'laz':
      return readLas(bytes, limits);
    case 'obj':
      return readObj(bytes, limits);
    case 'xyz':
    case 'pts':
      return readText(bytes, limits, options.fileName === undefined ? {} : { fileName: options.fileName });
    case 'e57':
      return readE57Cloud(bytes, limits, options.applyE57Pose ?? false);
  }
}

// --- E57 ---------------------------------------------------------------------------------------

function readE57Cloud(bytes: Uint8Array, limits: Limits, applyPose: boolean): PointCloud {
  const file = readE57(bytes, { onProgress: limits.progress, maxPoints: limits.maxPoints });
  return mergeE57Scans(file, { applyPose });
}
