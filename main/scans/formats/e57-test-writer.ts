/**
 * A small E57 writer for tests: builds files with chosen prototypes, bytestreams, packet sizes,
 * poses and page sizes, so that paths the sample files do not reach (spherical coordinates, odd
 * and wide bit widths, streams split across many packets, index and empty packets, strings,
 * rotations, several scans) are exercised against values known in advance.
 *
 * Written from ASTM E2807's layout; used only by the e57 tests.
 */
import { crc32c } from './e57-crc32c';

export interface TestField {
  /** The prototype element, e.g. `<cartesianX type="Float" precision="single"/>`. */
  xml: string;
  /** The field's whole bytestream. */
  bytes: Uint8Array;
}

export interface TestScan {
  fields: TestField[];
  recordCount: number;
  /** Extra XML inside the scan's Structure (pose, colorLimits, name, …). */
  extraXml?: string;
  /** Children of the points' `codecs` Vector. */
  codecsXml?: string;
  /** Most bytes of each bytestream per data packet (default 4000). */
  packetBytes?: number;
  /** Put an empty packet and an index packet between data packets. */
  fillerPackets?: boolean;
  /** Bytestream count written in data packets, when it should differ from the field count. */
  streamCountOverride?: number;
  /** Packet type of the first packet, to write a bad one. */
  firstPacketType?: number;
  /** The points' `fileOffset` in the XML, when it should not name the section written. */
  fileOffsetOverride?: number;
  /** Edits the 32-byte CompressedVector section header after it is written (id, reserved bytes, lengths, offsets). */
  editSectionHeader?: (header: DataView) => void;
  /** Write the section with no packets at all (its dataPhysicalOffset 0). */
  noPackets?: boolean;
}

export interface TestFile {
  scans: TestScan[];
  images?: number;
  pageSize?: number;
  majorVersion?: number;
  rootExtraXml?: string;
}

export function packInts(values: (number | bigint)[], minimum: bigint, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  let bitPos = 0;
  for (const v of values) {
    let raw = BigInt(v) - minimum;
    for (let b = 0; b < bits; b++) {
      if (raw & 1n) out[bitPos >> 3]! |= 1 << (bitPos & 7);
      raw >>= 1n;
      bitPos++;
    }
  }
  return out;
}

export function packFloats(values: number[], precision: 'single' | 'double'): Uint8Array {
  const size = precision === 'single' ? 4 : 8;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => (size === 4 ? view.setFloat32(i * 4, v, true) : view.setFloat64(i * 8, v, true)));
  return out;
}

/** Bytestream of String records: 1-byte prefix for < 128 bytes, 8-byte prefix otherwise. */
export function packStrings(values: string[]): Uint8Array {
  const parts: number[] = [];
  for (const s of values) {
    const bytes = new TextEncoder().encode(s);
    if (bytes.length < 128) parts.push(bytes.length << 1);
    else {
      let n = BigInt(bytes.length) * 2n + 1n;
      for (let i = 0; i < 8; i++) {
        parts.push(Number(n & 0xffn));
        n >>= 8n;
      }
    }
    parts.push(...bytes);
  }
  return Uint8Array.from(parts);
}

function packets(scan: TestScan): Uint8Array[] {
  const limit = scan.packetBytes ?? 4000;
  const cursors = scan.fields.map(() => 0);
  const out: Uint8Array[] = [];
  let first = true;
  const remaining = () => scan.fields.some((f, i) => cursors[i]! < f.bytes.length);
  do {
    const chunks = scan.fields.map((f, i) => {
      const c = f.bytes.subarray(cursors[i]!, cursors[i]! + limit);
      cursors[i]! += c.length;
      return c;
    });
    const streamCount = scan.streamCountOverride ?? chunks.length;
    const headerLength = 6 + 2 * chunks.length;
    const body = chunks.reduce((n, c) => n + c.length, 0);
    const length = Math.ceil((headerLength + body) / 4) * 4;
    if (length > 65536) throw new Error(`packet of ${length} bytes exceeds the 64 KiB E57 limit; lower packetBytes`);
    const p = new Uint8Array(length);
    const view = new DataView(p.buffer);
    p[0] = first && scan.firstPacketType !== undefined ? scan.firstPacketType : 1;
    view.setUint16(2, length - 1, true);
    view.setUint16(4, streamCount, true);
    let pos = headerLength;
    chunks.forEach((c, i) => {
      view.setUint16(6 + 2 * i, c.length, true);
      p.set(c, pos);
      pos += c.length;
    });
    out.push(p);
    if (scan.fillerPackets && remaining()) {
      const empty = new Uint8Array(8);
      empty[0] = 2;
      new DataView(empty.buffer).setUint16(2, 7, true);
      const index = new Uint8Array(16);
      index[0] = 0;
      new DataView(index.buffer).setUint16(2, 15, true);
      out.push(empty, index);
    }
    first = false;
  } while (remaining());
  return out;
}

export function buildE57(spec: TestFile): Uint8Array {
  const pageSize = spec.pageSize ?? 1024;
  const payload = pageSize - 4;
  const toPhysical = (logical: number) => Math.floor(logical / payload) * pageSize + (logical % payload);

  const logicalParts: Uint8Array[] = [new Uint8Array(48)];
  let logical = 48;
  const sectionOffsets: number[] = [];
  for (const scan of spec.scans) {
    const pk = scan.noPackets ? [] : packets(scan);
    const sectionLength = 32 + pk.reduce((n, p) => n + p.length, 0);
    const header = new Uint8Array(32);
    const hv = new DataView(header.buffer);
    header[0] = 1;
    hv.setBigUint64(8, BigInt(sectionLength), true);
    hv.setBigUint64(16, scan.noPackets ? 0n : BigInt(toPhysical(logical + 32)), true);
    scan.editSectionHeader?.(hv);
    sectionOffsets.push(scan.fileOffsetOverride ?? toPhysical(logical));
    logicalParts.push(header, ...pk);
    logical += sectionLength;
  }

  const scanXml = spec.scans
    .map(
      (scan, i) => `<vectorChild type="Structure">
  <guid type="String"><![CDATA[scan-${i}]]></guid>
  ${scan.extraXml ?? ''}
  <points type="CompressedVector" fileOffset="${sectionOffsets[i]}" recordCount="${scan.recordCount}">
    <prototype type="Structure">${scan.fields.map((f) => f.xml).join('')}</prototype>
    <codecs type="Vector" allowHeterogeneousChildren="1">${scan.codecsXml ?? ''}</codecs>
  </points>
</vectorChild>`,
    )
    .join('\n');
  const images = Array.from({ length: spec.images ?? 0 }, () => '<vectorChild type="Structure"><name type="String">img</name></vectorChild>').join('');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<e57Root type="Structure" xmlns="http://www.astm.org/COMMIT/E57/2010-e57-v1.0">
<formatName type="String"><![CDATA[ASTM E57 3D Imaging Data File]]></formatName>
<guid type="String"><![CDATA[test-file]]></guid>
<versionMajor type="Integer">1</versionMajor>
<versionMinor type="Integer"/>
<e57LibraryVersion type="String"><![CDATA[coherency-test-writer]]></e57LibraryVersion>
${spec.rootExtraXml ?? ''}
<data3D type="Vector" allowHeterogeneousChildren="1">${scanXml}</data3D>
<images2D type="Vector" allowHeterogeneousChildren="1">${images}</images2D>
</e57Root>`;
  const xmlBytes = new TextEncoder().encode(xml);
  const xmlLogical = logical;
  logicalParts.push(xmlBytes);
  logical += xmlBytes.length;

  const pages = Math.max(1, Math.ceil(logical / payload));
  const file = new Uint8Array(pages * pageSize);
  let at = 0;
  for (const part of logicalParts) {
    for (let i = 0; i < part.length; ) {
      const physical = toPhysical(at);
      const n = Math.min(part.length - i, payload - (at % payload));
      file.set(part.subarray(i, i + n), physical);
      i += n;
      at += n;
    }
  }
  const view = new DataView(file.buffer);
  file.set(new TextEncoder().encode('ASTM-E57'), 0);
  view.setUint32(8, spec.majorVersion ?? 1, true);
  view.setUint32(12, 0, true);
  view.setBigUint64(16, BigInt(file.length), true);
  view.setBigUint64(24, BigInt(toPhysical(xmlLogical)), true);
  view.setBigUint64(32, BigInt(xmlBytes.length), true);
  view.setBigUint64(40, BigInt(pageSize), true);
  fixPageChecksums(file, pageSize);
  return file;
}

/** Rewrites every page's CRC-32C (big-endian), e.g. after a test has edited the payload. */
export function fixPageChecksums(file: Uint8Array, pageSize = 1024): void {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  for (let start = 0; start + pageSize <= file.length; start += pageSize) {
    view.setUint32(start + pageSize - 4, crc32c(file, start, start + pageSize - 4), false);
  }
}
