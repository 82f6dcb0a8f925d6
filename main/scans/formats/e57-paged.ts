/**
 * The physical layer of an E57 file (ASTM E2807 §7): a 48-byte file header, then the file split into
 * pages of `pageSize` bytes, each ending in a 4-byte CRC-32C of the page's other bytes (stored
 * big-endian). Everything above this layer (the XML section, binary sections) is addressed in
 * *logical* offsets, which skip those checksums: logical = physical − 4 × (whole pages before it).
 *
 * `E57PagedFile` checks each page's CRC the first time any byte of it is read and fails with a
 * BAD_CHECKSUM error naming the page's physical offset.
 */
import { crc32c } from './e57-crc32c';
import { ScanFormatError } from './errors';

export const E57_FORMAT = 'e57';
const SIGNATURE = 'ASTM-E57';
export const E57_HEADER_SIZE = 48;
const CRC_SIZE = 4;
/** Smallest and largest page sizes we accept; libE57Format always writes 1024. */
const MIN_PAGE_SIZE = 64;
const MAX_PAGE_SIZE = 1 << 24;

export interface E57FileHeader {
  majorVersion: number;
  minorVersion: number;
  filePhysicalLength: number;
  xmlPhysicalOffset: number;
  xmlLogicalLength: number;
  pageSize: number;
}

export function e57Error(code: ConstructorParameters<typeof ScanFormatError>[0], offset: number, reason: string): ScanFormatError {
  return new ScanFormatError(code, E57_FORMAT, offset, reason);
}

/** A little-endian uint64 as a number, or an error when it cannot be an offset or a length in this file. */
export function readU64(view: DataView, at: number, what: string, errorOffset: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw e57Error('BAD_VALUE', errorOffset, `${what} ${value} is too large`);
  }
  return Number(value);
}

export class E57PagedFile {
  readonly header: E57FileHeader;
  /** Bytes of payload per page (pageSize − 4). */
  readonly payloadSize: number;
  readonly pageCount: number;
  /** Length of the logical (checksum-free) view of the file. */
  readonly logicalLength: number;
  private readonly verified: Uint8Array;

  constructor(private readonly bytes: Uint8Array) {
    if (bytes.length < E57_HEADER_SIZE) {
      throw e57Error('TRUNCATED', bytes.length, `file is ${bytes.length} bytes, shorter than the ${E57_HEADER_SIZE}-byte E57 header`);
    }
    for (let i = 0; i < SIGNATURE.length; i++) {
      if (bytes[i] !== SIGNATURE.charCodeAt(i)) throw e57Error('BAD_HEADER', 0, 'missing the "ASTM-E57" signature');
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const majorVersion = view.getUint32(8, true);
    const minorVersion = view.getUint32(12, true);
    const pageSizeBig = view.getBigUint64(40, true);
    if (pageSizeBig < BigInt(MIN_PAGE_SIZE) || pageSizeBig > BigInt(MAX_PAGE_SIZE) || pageSizeBig % 4n !== 0n) {
      throw e57Error('BAD_HEADER', 40, `page size ${pageSizeBig} is not a multiple of 4 between ${MIN_PAGE_SIZE} and ${MAX_PAGE_SIZE}`);
    }
    const pageSize = Number(pageSizeBig);
    const filePhysicalLength = readU64(view, 16, 'filePhysicalLength', 16);
    if (filePhysicalLength > bytes.length) {
      throw e57Error('TRUNCATED', bytes.length, `header says the file is ${filePhysicalLength} bytes but only ${bytes.length} are present`);
    }
    if (filePhysicalLength < pageSize || filePhysicalLength % pageSize !== 0) {
      throw e57Error('BAD_HEADER', 16, `filePhysicalLength ${filePhysicalLength} is not a whole number of ${pageSize}-byte pages`);
    }
    this.payloadSize = pageSize - CRC_SIZE;
    this.pageCount = filePhysicalLength / pageSize;
    this.logicalLength = this.pageCount * this.payloadSize;
    this.verified = new Uint8Array(this.pageCount);
    // The header lives in page 0: check that page before trusting anything else in it.
    this.header = { majorVersion, minorVersion, filePhysicalLength, xmlPhysicalOffset: 0, xmlLogicalLength: 0, pageSize };
    this.verifyPage(0);
    if (majorVersion !== 1) {
      throw e57Error('UNSUPPORTED', 8, `E57 version ${majorVersion}.${minorVersion} (only major version 1 is defined)`);
    }
    const xmlPhysicalOffset = readU64(view, 24, 'xmlPhysicalOffset', 24);
    const xmlLogicalLength = readU64(view, 32, 'xmlLogicalLength', 32);
    this.header = { majorVersion, minorVersion, filePhysicalLength, xmlPhysicalOffset, xmlLogicalLength, pageSize };
  }

  /** Physical offset → logical offset; fails for offsets outside the file or inside a page's checksum. */
  physicalToLogical(physical: number, what: string): number {
    const { pageSize, filePhysicalLength } = this.header;
    if (!Number.isSafeInteger(physical) || physical < 0 || physical >= filePhysicalLength) {
      throw e57Error('BAD_VALUE', physical, `${what} ${physical} is outside the ${filePhysicalLength}-byte file`);
    }
    const page = Math.floor(physical / pageSize);
    const inPage = physical - page * pageSize;
    if (inPage >= this.payloadSize) {
      throw e57Error('BAD_VALUE', physical, `${what} ${physical} points into a page checksum`);
    }
    return page * this.payloadSize + inPage;
  }

  logicalToPhysical(logical: number): number {
    const page = Math.floor(logical / this.payloadSize);
    return page * this.header.pageSize + (logical - page * this.payloadSize);
  }

  /**
   * `length` bytes of the logical view from `logical`, with every page they touch checked. A view
   * into the file when the range lies in one page, a copy when it spans pages.
   */
  read(logical: number, length: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(logical) || !Number.isSafeInteger(length) || logical < 0 || length < 0 || logical + length > this.logicalLength) {
      const at = Math.min(this.header.filePhysicalLength, this.logicalToPhysical(Math.max(0, Math.min(logical, this.logicalLength))));
      throw e57Error('TRUNCATED', at, `${what} (${length} bytes at logical offset ${logical}) runs past the end of the file`);
    }
    if (length === 0) return new Uint8Array(0);
    const firstPage = Math.floor(logical / this.payloadSize);
    const lastPage = Math.floor((logical + length - 1) / this.payloadSize);
    for (let p = firstPage; p <= lastPage; p++) this.verifyPage(p);
    const start = this.logicalToPhysical(logical);
    if (firstPage === lastPage) return this.bytes.subarray(start, start + length);
    const out = new Uint8Array(length);
    let written = 0;
    let physical = start;
    while (written < length) {
      const pageEnd = (Math.floor(physical / this.header.pageSize) + 1) * this.header.pageSize - CRC_SIZE;
      const n = Math.min(length - written, pageEnd - physical);
      out.set(this.bytes.subarray(physical, physical + n), written);
      written += n;
      physical = pageEnd + CRC_SIZE;
    }
    return out;
  }

  private verifyPage(page: number): void {
    if (this.verified[page]) return;
    const { pageSize } = this.header;
    const start = page * pageSize;
    const end = start + pageSize - CRC_SIZE;
    const b = this.bytes;
    const stored = ((b[end]! << 24) | (b[end + 1]! << 16) | (b[end + 2]! << 8) | b[end + 3]!) >>> 0;
    const actual = crc32c(b, start, end);
    if (stored !== actual) {
      throw e57Error(
        'BAD_CHECKSUM',
        start,
        `page ${page} checksum mismatch (stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')})`,
      );
    }
    this.verified[page] = 1;
  }
}
