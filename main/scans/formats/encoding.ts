/**
 * Text scan files written by Windows tools often start with a byte-order mark: UTF-8 with a BOM,
 * or UTF-16 (little- or big-endian). The readers work on ASCII-compatible bytes, so such a file is
 * handed to them as UTF-8 without its mark, and any error they report is moved back to the byte
 * offset in the file as it is.
 */
import { looksBinary } from './ascii';
import { ScanFormatError, type ScanErrorFormat } from './errors';
import { allocate } from './options';

export type TextEncodingName = 'utf-8-bom' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  encoding: TextEncodingName;
  /** The text as UTF-8, without the byte-order mark. */
  bytes: Uint8Array;
  /** Byte offset in the original file of byte `offset` of `bytes`. */
  fileOffset(offset: number): number;
}

/** UTF-16 is decoded this many bytes at a time (even, so no chunk splits a code unit). */
const CHUNK_BYTES = 1 << 22;
/** How much is decoded first to tell text from binary data behind a mark. */
const PROBE_BYTES = 1 << 16;

const LABELS: Record<TextEncodingName, string> = { 'utf-8-bom': 'UTF-8 with a byte-order mark', 'utf-16le': 'UTF-16 LE', 'utf-16be': 'UTF-16 BE' };

export function describeEncoding(encoding: TextEncodingName): string {
  return LABELS[encoding];
}

/** The file's text as BOM-less UTF-8 when it starts with a byte-order mark; null when it does not. */
export function decodeMarkedText(bytes: Uint8Array): DecodedText | null {
  const [b0, b1, b2, b3] = bytes;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) {
    return { encoding: 'utf-8-bom', bytes: bytes.subarray(3), fileOffset: (offset) => offset + 3 };
  }
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) {
    throw new ScanFormatError('UNSUPPORTED', 'unknown', 0, 'UTF-32 text (byte-order mark); save the file as UTF-8 or UTF-16');
  }
  if (b0 === 0xff && b1 === 0xfe) return fromUtf16(bytes, 'utf-16le');
  if (b0 === 0xfe && b1 === 0xff) return fromUtf16(bytes, 'utf-16be');
  return null;
}

function fromUtf16(file: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): DecodedText {
  // A write cut off mid code unit leaves one odd byte: it is left out (not decoded as U+FFFD), so the
  // text reads as its UTF-8 twin cut at the same character would.
  const bytes = file.subarray(0, file.length - (file.length % 2));
  // Binary data that happens to start with FF FE or FE FF is refused before the whole file is decoded.
  const head = new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes.subarray(2, Math.min(bytes.length, 2 + PROBE_BYTES)));
  if (looksBinary(new TextEncoder().encode(head))) {
    throw new ScanFormatError('UNKNOWN_FORMAT', 'unknown', 0, `binary content after a ${LABELS[encoding]} byte-order mark`);
  }
  // Two passes over the UTF-16 (decoding is cheap): the first measures the UTF-8, the second
  // writes it straight into an array of that size, so that memory peaks at the output alone.
  const chunks = (visit: (text: string) => void) => {
    const decoder = new TextDecoder(encoding, { ignoreBOM: true });
    for (let at = 2; at < bytes.length; at += CHUNK_BYTES) {
      const end = Math.min(bytes.length, at + CHUNK_BYTES);
      visit(decoder.decode(bytes.subarray(at, end), { stream: end < bytes.length }));
    }
    visit(decoder.decode());
  };
  let size = 0;
  chunks((text) => (size += Buffer.byteLength(text, 'utf8')));
  const out = allocate(Uint8Array, size, 'unknown', 0);
  const encoder = new TextEncoder();
  // Where each chunk's text starts: in the UTF-8 output, and in UTF-16 code units after the mark.
  const starts: Array<{ utf8: number; units: number }> = [];
  let written = 0;
  let units = 0;
  chunks((text) => {
    if (text.length === 0) return;
    starts.push({ utf8: written, units });
    written += encoder.encodeInto(text, out.subarray(written)).written;
    units += text.length;
  });
  const utf8Decoder = new TextDecoder('utf-8');
  return {
    encoding,
    bytes: out,
    fileOffset(offset) {
      const o = Math.max(0, Math.min(offset, out.length));
      let k = starts.length - 1;
      while (k > 0 && starts[k]!.utf8 > o) k--;
      const start = starts[k] ?? { utf8: 0, units: 0 };
      // Code units of the text between the chunk's start and the offset: 2 bytes each.
      const within = utf8Decoder.decode(out.subarray(start.utf8, o)).length;
      return Math.min(bytes.length, 2 + 2 * (start.units + within));
    },
  };
}

/** The same error, at its offset in the original file and saying which encoding was read. */
export function errorInFile(error: ScanFormatError, text: DecodedText, format?: ScanErrorFormat): ScanFormatError {
  const reason = error.code === 'CANCELLED' ? error.reason : `${error.reason} (in ${describeEncoding(text.encoding)} text)`;
  return new ScanFormatError(error.code, format ?? error.format, text.fileOffset(error.offset), reason, { line: error.line, detected: error.detected });
}
