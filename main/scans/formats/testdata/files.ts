/**
 * Our own example files of each kind of third-party file the readers got wrong (issue 20), with
 * what reading each must give. `write.ts` writes them into this folder; `testdata.test.ts`
 * checks that the files here are exactly these bytes and reads each one; the fuzz test mutates
 * them. Every file is built from the format's specification with the test writers, so nothing
 * here is copied from anyone.
 */
import type { ScanWarningCode } from '../../../../common/point-cloud';
import { buildE57, packFloats, type TestField } from '../e57-test-writer';
import type { ScanErrorCode, ScanErrorFormat } from '../errors';
import { makeLas, type Point } from '../las-test-writer';

export type Expected =
  | { refused: { code: ScanErrorCode; format: ScanErrorFormat; offset: number; line?: number; reason: RegExp } }
  | {
      points: number;
      /** A file that must read to exactly the same points, colours and intensities. */
      twinOf?: string;
      /** Exactly these warnings (none when absent). */
      warnings?: Array<{ code: ScanWarningCode; count: number; reason: RegExp }>;
    };

export interface ReaderTestFile {
  name: string;
  /** The point of issue 20 the file is an example of. */
  point: 1 | 2 | 3 | 4;
  what: string;
  bytes(): Uint8Array;
  expect: Expected;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

function utf16(text: string, endian: 'le' | 'be'): Uint8Array {
  const out = new Uint8Array(2 + 2 * text.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfeff, endian === 'le');
  for (let i = 0; i < text.length; i++) view.setUint16(2 + 2 * i, text.charCodeAt(i), endian === 'le');
  return out;
}

const withBom = (text: string) => new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]);

// --- E57 (point 1) ---------------------------------------------------------------------------

function xyzFields(points: Array<[number, number, number]>): TestField[] {
  return (['X', 'Y', 'Z'] as const).map((axis, k) => ({
    xml: `<cartesian${axis} type="Float"/>`,
    bytes: packFloats(points.map((p) => p[k]!), 'double'),
  }));
}

const THREE_POINTS: Array<[number, number, number]> = [
  [0.01, 0.02, 0.03],
  [0.04, 0.05, 0.06],
  [0.07, 0.08, 0.09],
];

/** The section header of the first scan follows the 48-byte file header (see e57-test-writer). */
const SECTION = 48;

// --- text (points 2 and 3) -------------------------------------------------------------------

/** A Windows export: CRLF lines, a comment in words that are not ASCII. */
const OBJ_TEXT = [
  '# Exporté par ScanOutil 2.1 — plaie talon droit',
  'o surface',
  'v 0.010 0.020 0.300 1.0 0.5 0.0',
  'v 0.110 0.020 0.310 0.0 1.0 0.5',
  'v 0.010 0.120 0.305 0.5 0.0 1.0',
  'v 0.110 0.120 0.290 1.0 1.0 1.0',
  'f 1 2 3',
  'f 2 4 3',
  '',
].join('\r\n');

const XYZ_TEXT = ['# Punktwolke – Fußsohle, Größe in Metern', 'X,Y,Z,Red,Green,Blue', '0.010,0.020,0.300,200,120,110', '0.110,0.020,0.310,190,115,100', '0.010,0.120,0.305,180,100,90', ''].join('\r\n');

const PTS_TEXT = ['3', '0.010 0.020 0.300 -120 200 120 110', '0.110 0.020 0.310 15 190 115 100', '0.010 0.120 0.305 300 180 100 90', ''].join('\r\n');

const RAGGED_TEXT = ['# Höhe über Grund', '1.0 2.0 3.0', '4.0 5.0 6.0 7.0', ''].join('\r\n');

// --- LAS (point 4) ---------------------------------------------------------------------------

function lasPoints(n: number, each: (i: number) => Partial<Point>): Point[] {
  return Array.from({ length: n }, (_, i) => ({ x: 1000 + i * 0.01, y: 2000 + i * 0.02, z: 10 + i * 0.001, intensity: 100 + i, ...each(i) }));
}

export const READER_TEST_FILES: ReaderTestFile[] = [
  {
    name: 'e57-zero-records-bad-section-id.e57',
    point: 1,
    what: 'a Data3D of recordCount 0 whose CompressedVector section header has section id 182 instead of 1',
    bytes: () => buildE57({ scans: [{ recordCount: 0, fields: xyzFields([]), editSectionHeader: (h) => h.setUint8(0, 0xb6) }] }),
    expect: { refused: { code: 'BAD_HEADER', format: 'e57', offset: SECTION, reason: /\/data3D\/0\/points: CompressedVector section header at byte 48: section id is 182, not 1/ } },
  },
  {
    name: 'e57-zero-records-offset-in-file-header.e57',
    point: 1,
    what: 'a Data3D of recordCount 0 whose points fileOffset is 0, inside the file header',
    bytes: () => buildE57({ scans: [{ recordCount: 0, fields: xyzFields([]), fileOffsetOverride: 0 }] }),
    expect: { refused: { code: 'BAD_HEADER', format: 'e57', offset: 0, reason: /\/data3D\/0\/points: fileOffset 0 lies inside the 48-byte file header/ } },
  },
  {
    name: 'e57-zero-records-holding-data.e57',
    point: 1,
    what: 'a Data3D that declares recordCount 0 while its section holds three points',
    bytes: () => buildE57({ scans: [{ recordCount: 0, fields: xyzFields(THREE_POINTS) }] }),
    expect: { refused: { code: 'COUNT_MISMATCH', format: 'e57', offset: SECTION + 32, reason: /recordCount is 0 but the data packet at byte 80 holds 72 bytes of point data/ } },
  },
  {
    name: 'e57-bad-section-reserved-byte.e57',
    point: 1,
    what: 'a CompressedVector section header with a reserved byte that is not 0',
    bytes: () => buildE57({ scans: [{ recordCount: 3, fields: xyzFields(THREE_POINTS), editSectionHeader: (h) => h.setUint8(3, 7) }] }),
    expect: { refused: { code: 'BAD_HEADER', format: 'e57', offset: SECTION + 3, reason: /reserved byte 3 is 7, not 0/ } },
  },
  {
    name: 'e57-bad-section-length.e57',
    point: 1,
    what: 'a CompressedVector section header whose sectionLogicalLength is not a multiple of 4',
    bytes: () => buildE57({ scans: [{ recordCount: 3, fields: xyzFields(THREE_POINTS), editSectionHeader: (h) => h.setBigUint64(8, h.getBigUint64(8, true) - 2n, true) }] }),
    expect: { refused: { code: 'BAD_HEADER', format: 'e57', offset: SECTION + 8, reason: /sectionLogicalLength \d+ is not a multiple of 4/ } },
  },
  {
    name: 'e57-zero-records-valid.e57',
    point: 1,
    what: 'the valid way to have no records: recordCount 0, a well-formed section with no packets (read as 0 points)',
    bytes: () => buildE57({ scans: [{ recordCount: 0, fields: xyzFields([]), noPackets: true }] }),
    expect: { points: 0 },
  },
  {
    name: 'xyz-one-column.xyz',
    point: 2,
    what: 'one number per line (a list of heights, not points)',
    bytes: () => utf8('0.125\n0.250\n0.375\n0.500\n'),
    expect: { refused: { code: 'BAD_VALUE', format: 'xyz', offset: 0, line: 1, reason: /the first row has 1 column; a point list needs at least 3/ } },
  },
  {
    name: 'xyz-two-columns.txt',
    point: 2,
    what: 'two numeric columns after a comment',
    bytes: () => utf8('# x y\n1.5 2.5\n3.5 4.5\n'),
    expect: { refused: { code: 'BAD_VALUE', format: 'xyz', offset: 6, line: 2, reason: /the first row has 2 columns/ } },
  },
  {
    name: 'xyz-esri-grid.xyz',
    point: 2,
    what: 'an ESRI ASCII grid (a raster of heights) saved with the .xyz extension',
    bytes: () => utf8('ncols 4\nnrows 3\nxllcorner 100.0\nyllcorner 200.0\ncellsize 0.5\nNODATA_value -9999\n1 2 3 4\n5 6 7 8\n9 10 11 12\n'),
    expect: { refused: { code: 'UNSUPPORTED', format: 'xyz', offset: 0, line: 1, reason: /an ESRI ASCII grid header: a raster of values, not a list of points/ } },
  },
  {
    name: 'xyz-surfer-grid.xyz',
    point: 2,
    what: 'a Surfer 6 text grid (DSAA) with the .xyz extension',
    bytes: () => utf8('DSAA\n4 3\n0 3\n0 2\n1 12\n1 2 3 4\n5 6 7 8\n9 10 11 12\n'),
    expect: { refused: { code: 'UNSUPPORTED', format: 'xyz', offset: 0, line: 1, reason: /a Surfer text grid \(DSAA\) header/ } },
  },
  {
    name: 'xyz-ragged-rows.xyz',
    point: 2,
    what: 'rows whose number of columns changes (3, 3, 5): not one table',
    bytes: () => utf8('1.0 2.0 3.0\n4.0 5.0 6.0\n7.0 8.0 9.0 10.0 11.0\n12.0 13.0 14.0\n'),
    expect: { refused: { code: 'BAD_VALUE', format: 'xyz', offset: 24, line: 3, reason: /row has 5 columns where the first row has 3: the rows do not form one table/ } },
  },
  {
    name: 'pts-count-then-other-text.pts',
    point: 2,
    what: 'a PTS count line and its rows, followed by text that is neither rows nor another count line',
    bytes: () => utf8('2\n1 2 3\n4 5 6\nscan finished at station B\n'),
    expect: { refused: { code: 'BAD_VALUE', format: 'pts', offset: 14, line: 4, reason: /after the 2 points its count line declares, a line that is neither a row of the table nor a count line/ } },
  },
  { name: 'obj-utf8.obj', point: 3, what: 'an OBJ with vertex colours, CRLF lines and a non-ASCII comment (UTF-8, no BOM)', bytes: () => utf8(OBJ_TEXT), expect: { points: 4 } },
  { name: 'obj-utf8-bom.obj', point: 3, what: 'the same OBJ, UTF-8 with a byte-order mark', bytes: () => withBom(OBJ_TEXT), expect: { points: 4, twinOf: 'obj-utf8.obj' } },
  { name: 'obj-utf16le.obj', point: 3, what: 'the same OBJ, UTF-16 LE with a byte-order mark', bytes: () => utf16(OBJ_TEXT, 'le'), expect: { points: 4, twinOf: 'obj-utf8.obj' } },
  { name: 'obj-utf16be.obj', point: 3, what: 'the same OBJ, UTF-16 BE with a byte-order mark', bytes: () => utf16(OBJ_TEXT, 'be'), expect: { points: 4, twinOf: 'obj-utf8.obj' } },
  { name: 'xyz-utf8.xyz', point: 3, what: 'a CSV point table with a header row and a non-ASCII comment (UTF-8)', bytes: () => utf8(XYZ_TEXT), expect: { points: 3 } },
  { name: 'xyz-utf8-bom.xyz', point: 3, what: 'the same table, UTF-8 with a byte-order mark', bytes: () => withBom(XYZ_TEXT), expect: { points: 3, twinOf: 'xyz-utf8.xyz' } },
  { name: 'xyz-utf16le.xyz', point: 3, what: 'the same table, UTF-16 LE', bytes: () => utf16(XYZ_TEXT, 'le'), expect: { points: 3, twinOf: 'xyz-utf8.xyz' } },
  { name: 'xyz-utf16be.xyz', point: 3, what: 'the same table, UTF-16 BE', bytes: () => utf16(XYZ_TEXT, 'be'), expect: { points: 3, twinOf: 'xyz-utf8.xyz' } },
  { name: 'pts-utf8.pts', point: 3, what: 'a Leica PTS file: count line, x y z intensity r g b (UTF-8)', bytes: () => utf8(PTS_TEXT), expect: { points: 3 } },
  { name: 'pts-utf8-bom.pts', point: 3, what: 'the same PTS, UTF-8 with a byte-order mark', bytes: () => withBom(PTS_TEXT), expect: { points: 3, twinOf: 'pts-utf8.pts' } },
  { name: 'pts-utf16le.pts', point: 3, what: 'the same PTS, UTF-16 LE', bytes: () => utf16(PTS_TEXT, 'le'), expect: { points: 3, twinOf: 'pts-utf8.pts' } },
  { name: 'pts-utf16be.pts', point: 3, what: 'the same PTS, UTF-16 BE', bytes: () => utf16(PTS_TEXT, 'be'), expect: { points: 3, twinOf: 'pts-utf8.pts' } },
  {
    name: 'xyz-utf16le-ragged-rows.xyz',
    point: 3,
    what: 'UTF-16 LE rows that do not form one table: the refusal names the byte offset in the UTF-16 file',
    bytes: () => utf16(RAGGED_TEXT, 'le'),
    // "# Höhe über Grund\r\n1.0 2.0 3.0\r\n" is 32 UTF-16 code units: the third line starts at 2 + 64.
    expect: { refused: { code: 'BAD_VALUE', format: 'xyz', offset: 66, line: 3, reason: /row has 4 columns where the first row has 3: the rows do not form one table \(in UTF-16 LE text\)/ } },
  },
  {
    name: 'las-clean.las',
    point: 4,
    what: 'LAS 1.2 point format 1 that keeps to the specification (no warnings)',
    bytes: () => makeLas({ pf: 1, points: lasPoints(6, (i) => ({ cls: [1, 2, 2, 6, 9, 12][i]!, returnNumber: 1 + (i % 2), returns: 2 })) }),
    expect: { points: 6 },
  },
  {
    name: 'las-return-number-above-returns.las',
    point: 4,
    what: 'LAS 1.2 point format 1 where 3 of 10 points have a return number greater than their number of returns',
    bytes: () => makeLas({ pf: 1, points: lasPoints(10, (i) => ({ cls: 2, returnNumber: i < 3 ? 3 : 1, returns: i < 3 ? 2 : 1 })) }),
    expect: {
      points: 10,
      warnings: [{ code: 'LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS', count: 3, reason: /^return number is greater than the number of returns in 3 of 10 points$/ }],
    },
  },
  {
    name: 'las-reserved-classification.las',
    point: 4,
    what: 'LAS 1.2 point format 3 with classification codes the table for formats 0–5 reserves (10, 11, 13, 31) on 5 of 8 points',
    bytes: () => makeLas({ pf: 3, points: lasPoints(8, (i) => ({ cls: [2, 10, 11, 13, 31, 31, 5, 12][i]!, returnNumber: 1, returns: 1, rgb: [65535, 32768, 0] })) }),
    expect: {
      points: 8,
      warnings: [{ code: 'LAS_RESERVED_CLASSIFICATION', count: 5, reason: /^classification codes 10, 11, 13, 31 are reserved in the ASPRS table for point format 3 \(LAS 1\.2\): 5 of 8 points$/ }],
    },
  },
  {
    name: 'las14-pf6-both-warnings.las',
    point: 4,
    what: 'LAS 1.4 point format 6: codes 8, 12, 23 and 63 reserved there (64 and 200 are user-definable), and 2 points with return 5 of 4',
    bytes: () => makeLas({ pf: 6, points: lasPoints(9, (i) => ({ cls: [2, 8, 12, 23, 63, 64, 200, 22, 18][i]!, returnNumber: i < 2 ? 5 : 1, returns: i < 2 ? 4 : 1 })) }),
    expect: {
      points: 9,
      warnings: [
        { code: 'LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS', count: 2, reason: /in 2 of 9 points$/ },
        { code: 'LAS_RESERVED_CLASSIFICATION', count: 4, reason: /^classification codes 8, 12, 23, 63 are reserved in the ASPRS table for point format 6 \(LAS 1\.4\): 4 of 9 points$/ },
      ],
    },
  },
];

const POINTS: Record<ReaderTestFile['point'], string> = {
  1: 'E57 structure that is invalid: refused, never read as 0 points',
  2: 'text with a point-cloud extension that is not a point list: refused, naming the line',
  3: 'UTF-16 LE/BE and UTF-8-with-BOM text: read as its UTF-8 twin',
  4: 'LAS records that break the specification: read, with warnings counted',
};

function outcome(e: Expected): string {
  if ('refused' in e) {
    const r = e.refused;
    return `refused: \`${r.code}\` at byte ${r.offset}${r.line === undefined ? '' : ` (line ${r.line})`}`;
  }
  const parts = [`${e.points} points`];
  if (e.twinOf) parts.push(`same as \`${e.twinOf}\``);
  for (const w of e.warnings ?? []) parts.push(`warning \`${w.code}\` × ${w.count}`);
  return parts.join('; ');
}

/** This folder's README: every file, the issue point it is an example of, and what reading it gives. */
export function readerTestReadme(): string {
  const lines = [
    '# Reader test files',
    '',
    'Small files of each kind of third-party scan file the readers once got wrong (issue 20), built from',
    "the formats' specifications by `files.ts` (with `../e57-test-writer.ts` and `../las-test-writer.ts`).",
    'Regenerate with `npx tsx main/scans/formats/testdata/write.ts`; `testdata.test.ts` checks that these',
    'bytes are what `files.ts` makes, reads each file, and the fuzz test (`../fuzz.test.ts`) mutates them.',
    'This README is generated too.',
    '',
  ];
  for (const point of [1, 2, 3, 4] as const) {
    lines.push(`## ${point}. ${POINTS[point]}`, '', '| file | what it is | reading it gives |', '|---|---|---|');
    for (const f of READER_TEST_FILES.filter((t) => t.point === point)) lines.push(`| \`${f.name}\` | ${f.what} | ${outcome(f.expect)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
