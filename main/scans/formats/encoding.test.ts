import { describe, expect, it } from 'vitest';
import { decodeMarkedText } from './encoding';
import { ScanFormatError } from './errors';
import { readPointCloud } from './read';

function utf16(text: string, endian: 'le' | 'be'): Uint8Array {
  const out = new Uint8Array(2 + 2 * text.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfeff, endian === 'le');
  for (let i = 0; i < text.length; i++) view.setUint16(2 + 2 * i, text.charCodeAt(i), endian === 'le');
  return out;
}

async function refusal(bytes: Uint8Array, fileName: string): Promise<ScanFormatError> {
  const e = await readPointCloud(bytes, { fileName }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(ScanFormatError);
  return e as ScanFormatError;
}

describe('text with a byte-order mark', () => {
  it('leaves text without a mark alone', () => {
    expect(decodeMarkedText(new TextEncoder().encode('1 2 3\n'))).toBeNull();
  });

  it('decodes UTF-16 outside the basic plane (surrogate pairs) and maps offsets back to the file', () => {
    const text = '# 🦶 scan\n1 2 3\n';
    const decoded = decodeMarkedText(utf16(text, 'be'))!;
    expect(decoded.encoding).toBe('utf-16be');
    expect(new TextDecoder().decode(decoded.bytes)).toBe(text);
    const secondLine = new TextEncoder().encode('# 🦶 scan\n').length;
    // "# 🦶 scan\n" is 10 UTF-16 code units (the foot is a surrogate pair).
    expect(decoded.fileOffset(secondLine)).toBe(2 + 2 * 10);
  });

  it('names the byte in the UTF-16 file of an error far into a file decoded in several chunks', async () => {
    // About 9 MB of UTF-16: rows with a two-byte UTF-8 comment, so UTF-8 and UTF-16 offsets drift apart.
    const rows = Array.from({ length: 150_000 }, (_, i) => `${i}.5 ${i}.25 ${i}.125\n# é\n`).join('');
    const text = `${rows}1 2\n`;
    const bytes = utf16(text, 'le');
    expect(bytes.length).toBeGreaterThan(2 * (1 << 22));
    const e = await refusal(bytes, 'big.xyz');
    expect(e.code).toBe('BAD_VALUE');
    expect(e.offset).toBe(2 + 2 * rows.length);
    expect(e.line).toBe(300_001);
    expect(e.reason).toMatch(/row has 2 columns .* \(in UTF-16 LE text\)$/);
  });

  it('refuses binary data behind a UTF-16 mark without decoding it all, and text that only decodes to words', async () => {
    // Binary records: small integers in 4-byte fields, so runs of zero bytes.
    const bytes = new Uint8Array(1 << 20);
    bytes.set([0xfe, 0xff]);
    for (let i = 4; i < bytes.length; i += 4) bytes[i] = i & 0x7f;
    expect(await refusal(bytes, 'a.pts')).toMatchObject({ code: 'UNKNOWN_FORMAT', offset: 0, reason: 'binary content after a UTF-16 BE byte-order mark' });
    // Bytes that decode to a run of CJK characters: one "header row" that names no X, Y, Z.
    const words = new Uint8Array(1 << 16);
    words.set([0xfe, 0xff]);
    for (let i = 2; i < words.length; i++) words[i] = (i * 7919) & 0xff;
    expect(await refusal(words, 'a.pts')).toMatchObject({ code: 'BAD_HEADER', line: 1, reason: expect.stringMatching(/header row does not name X, Y and Z columns/) });
  });

  it('refuses UTF-32 and binary formats spelt in UTF-16, by name', async () => {
    const utf32 = new Uint8Array([0xff, 0xfe, 0, 0, 0x31, 0, 0, 0]);
    expect(await refusal(utf32, 'a.xyz')).toMatchObject({ code: 'UNSUPPORTED', offset: 0, reason: expect.stringMatching(/UTF-32/) });
    const ply = utf16('ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\nend_header\n', 'le');
    expect(await refusal(ply, 'a.ply')).toMatchObject({ code: 'UNSUPPORTED', format: 'ply', reason: expect.stringMatching(/UTF-16 LE text holding a binary PLY/) });
  });

  it('reads an ascii PLY and a BOM-prefixed OBJ whose first statement follows the mark', async () => {
    const ply = utf16('ply\r\nformat ascii 1.0\r\nelement vertex 2\r\nproperty float x\r\nproperty float y\r\nproperty float z\r\nend_header\r\n1 2 3\r\n4 5 6\r\n', 'be');
    expect([...(await readPointCloud(ply, { fileName: 'a.ply' })).positions]).toEqual([1, 2, 3, 4, 5, 6]);
    const obj = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('v 1 2 3\n')]);
    expect((await readPointCloud(obj, { fileName: 'a.obj' })).count).toBe(1);
  });

  it('reads a UTF-16 file cut off mid code unit as its UTF-8 twin cut at the same character', async () => {
    const text = '1 2 3\n4 5 6\n';
    const utf8Cut = await readPointCloud(new TextEncoder().encode(text.slice(0, -1)), { fileName: 'a.xyz' });
    expect(utf8Cut.count).toBe(2);
    for (const endian of ['le', 'be'] as const) {
      const whole = utf16(text, endian);
      // The newline's first byte survives, its second is lost: half a code unit.
      const cut = await readPointCloud(whole.subarray(0, whole.length - 1), { fileName: 'a.xyz' });
      expect([...cut.positions], endian).toEqual([...utf8Cut.positions]);
    }
  });

  it('maps an error of a UTF-8-with-BOM file 3 bytes on', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('1 2 3\n4 5\n')]);
    expect(await refusal(bytes, 'a.xyz')).toMatchObject({ offset: 9, line: 2 });
  });
});
