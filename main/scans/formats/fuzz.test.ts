/**
 * Seeded fuzzing of the readers: mutated sample files (bit flips, truncation, header edits,
 * splices, garbage) must each end in a PointCloud or a ScanFormatError, and quickly.
 * The seeds are small files of every format from the shared samples, and our own example of
 * each kind of file issue 20 names (testdata/: invalid E57 structure, text that is not a point
 * list, UTF-16 and BOM text, LAS records that break the specification). E57 seeds get their
 * page checksums recomputed after half of their mutations, so that the mutations reach the
 * structure behind the checksums.
 * FUZZ_CASES=<n> runs more cases; FUZZ_SEED=<n> another sequence.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanWarningsSchema } from '../../../common/scans';
import { fixPageChecksums } from './e57-test-writer';
import { ScanFormatError } from './errors';
import { readPointCloud } from './read';

const samples = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), '..', 'shared', 'samples', 'scans');
const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
/** Our own files of each kind issue 20 names (see testdata/README.md). */
const OWN_SEEDS = readdirSync(testdata).filter((f) => !f.endsWith('.ts') && !f.endsWith('.md'));
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const PER_CASE_MS = 2000;

/** Small files of every format, so that ten thousand cases stay fast. */
const SEEDS = [
  'ply/assimp__cube.ply',
  'ply/assimp__cube_binary.ply',
  'ply/assimp__cube_binary_starts_with_nl.ply',
  'ply/pdal__mesh_fixed.ply',
  'ply/pdal__simple_text.ply',
  'ply/pdal__sized_dims.ply',
  'ply/trimesh__fuze.ply',
  'ply/trimesh__ply_empty_ascii.ply',
  'ply/trimesh__points_ascii.ply',
  'ply/trimesh__points_bin.ply',
  'las/laspy__unregistered_extra_bytes.las',
  'las/liblas__1.0_1.las',
  'las/pdal__1.1_1.las',
  'las/pdal__1.2_2.las',
  'las/pdal__autzen.las',
  'las/pdal__bad-geotiff-keys.las',
  'las/pdal__hextest.las',
  'las/pdal__no-points.las',
  'las/pdal__synthetic_test.las',
  'las/potreeconv__5points_14.las',
  'las/pdal__test1_4.las',
  'laz/pdal__laszip-generated_with2bytespadding.laz',
  'laz/lidR__dbh.laz',
  'xyz/pdal__utm17_1.txt',
  'xyz/trimesh__points_cloudcompare.xyz',
  'pts/pdal__autzen.pts',
  'pts/pdal__bunny_8.pts',
  'obj/assimp__box_without_lineending.obj',
  'obj/assimp__cube_with_vertexcolors_uni.obj',
  'obj/assimp__testpoints.obj',
  'obj/pdal__no_vertex.obj',
  'obj/trimesh__obj_points.obj',
];

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T,>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;

const INTERESTING = [0, 1, 2, 3, 7, 8, 255, 256, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff];
const TEXT_NUMBERS = ['0', '1', '-1', '2', '9', '99999999999', '4294967296', '1e308', 'nan', '-0', '3.5', 'x', ''];
const PLY_TYPES = ['char', 'uchar', 'short', 'ushort', 'int', 'uint', 'float', 'double', 'int8', 'float64', 'list uchar int', 'list float int', 'bogus'];

function headerLength(bytes: Uint8Array): number {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  const end = text.indexOf('end_header');
  return end > 0 ? end + 11 : Math.min(bytes.length, 512);
}

function bitFlips(rng: Rng, input: Uint8Array): Uint8Array {
  const out = input.slice();
  const flips = 1 + int(rng, 8);
  const headerBias = headerLength(input);
  for (let k = 0; k < flips; k++) {
    const at = rng() < 0.6 ? int(rng, Math.min(out.length, headerBias)) : int(rng, out.length);
    out[at] = out[at]! ^ (1 << int(rng, 8));
  }
  return out;
}

function truncate(rng: Rng, input: Uint8Array): Uint8Array {
  return input.slice(0, int(rng, input.length));
}

function splice(rng: Rng, input: Uint8Array): Uint8Array {
  const a = int(rng, input.length);
  const b = Math.min(input.length, a + int(rng, 64));
  if (rng() < 0.5) return new Uint8Array([...input.subarray(0, a), ...input.subarray(b)]);
  return new Uint8Array([...input.subarray(0, b), ...input.subarray(a, b), ...input.subarray(b)]);
}

function garbage(rng: Rng, input: Uint8Array): Uint8Array {
  const length = int(rng, 2048);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = rng() < 0.7 ? 32 + int(rng, 95) : int(rng, 256);
  const prefixes = ['', 'ply\n', 'ply\nformat binary_little_endian 1.0\n', 'LASF', 'ASTM-E57', '[Expe/PointSet', 'v ', '8\n', 'X,Y,Z\n'];
  const prefix = new TextEncoder().encode(pick(rng, prefixes));
  // Sometimes keep the sample's own header and replace only its body.
  if (rng() < 0.3) {
    const keep = Math.min(input.length, headerLength(input));
    return new Uint8Array([...input.subarray(0, keep), ...bytes]);
  }
  return new Uint8Array([...prefix, ...bytes]);
}

/** Edits the fields a header declares: counts, types, versions, offsets. */
function headerEdit(rng: Rng, input: Uint8Array, file: string): Uint8Array {
  if (file.endsWith('.las') || file.endsWith('.laz')) {
    const out = input.slice();
    const dv = new DataView(out.buffer);
    if (out.length < 227) return out;
    const fields: Array<[number, 1 | 2 | 4 | 8]> = [
      [24, 1], [25, 1], [94, 2], [96, 4], [100, 4], [104, 1], [105, 2], [107, 4], [131, 8], [155, 8],
    ];
    if (out.length >= 375 && out[25] === 4) fields.push([235, 8], [243, 4], [247, 8]);
    const [at, size] = pick(rng, fields);
    const value = rng() < 0.5 ? pick(rng, INTERESTING) : int(rng, 2 ** 32);
    if (size === 1) dv.setUint8(at, value & 0xff);
    else if (size === 2) dv.setUint16(at, value & 0xffff, true);
    else if (size === 4) dv.setUint32(at, value >>> 0, true);
    else if (at === 131 || at === 155) dv.setFloat64(at, pick(rng, [0, -0, NaN, Infinity, 1e-300, 1e300, 0.01]), true);
    else dv.setBigUint64(at, BigInt(value) * BigInt(1 + int(rng, 3) * 1000), true);
    return out;
  }
  // Text-headed formats: rewrite one number or PLY type word in the first 1 KiB.
  const headEnd = Math.min(input.length, file.endsWith('.ply') ? headerLength(input) : 1024);
  const head = new TextDecoder('latin1').decode(input.subarray(0, headEnd));
  let edited = head;
  const r = rng();
  if (file.endsWith('.ply') && r < 0.35) {
    const types = [...head.matchAll(/property (list \w+ \w+|\w+)/g)];
    if (types.length) {
      const m = pick(rng, types);
      edited = head.slice(0, m.index) + `property ${pick(rng, PLY_TYPES)}` + head.slice(m.index + m[0].length);
    }
  } else if (file.endsWith('.ply') && r < 0.5) {
    edited = head.replace(/format \S+ \S+/, `format ${pick(rng, ['ascii', 'binary_little_endian', 'binary_big_endian', 'binary'])} ${pick(rng, ['1.0', '2.0', '1'])}`);
  } else {
    const numbers = [...head.matchAll(/-?\d+(\.\d+)?/g)];
    if (numbers.length) {
      const m = pick(rng, numbers);
      edited = head.slice(0, m.index) + pick(rng, TEXT_NUMBERS) + head.slice(m.index + m[0].length);
    }
  }
  const prefix = Uint8Array.from(edited, (c) => c.charCodeAt(0) & 0xff);
  return new Uint8Array([...prefix, ...input.subarray(headEnd)]);
}

const MUTATORS = { bitFlips, truncate, splice, garbage, headerEdit } as const;
type MutatorName = keyof typeof MUTATORS;

describe('reader fuzzing', () => {
  const present = existsSync(join(samples, SEEDS[0]!));

  it.skipIf(!present)(`${CASES} mutated files each end in a cloud or a ScanFormatError within ${PER_CASE_MS} ms`, { timeout: Math.max(300_000, CASES * 60) }, async () => {
    const seeds = [
      ...SEEDS.map((file) => ({ file, bytes: new Uint8Array(readFileSync(join(samples, file))) })),
      ...OWN_SEEDS.map((file) => ({ file, bytes: new Uint8Array(readFileSync(join(testdata, file))) })),
    ];
    expect(OWN_SEEDS.length).toBeGreaterThanOrEqual(20);
    const rng = prng(SEED);
    const outcomes = { ok: 0, error: 0 };
    let warned = 0;
    const byCode = new Map<string, number>();
    const problems: string[] = [];
    let slowest = 0;
    for (let n = 0; n < CASES && problems.length < 5; n++) {
      const seed = pick(rng, seeds);
      const mutator = pick(rng, Object.keys(MUTATORS) as MutatorName[]);
      const bytes = mutator === 'headerEdit' ? headerEdit(rng, seed.bytes, seed.file) : MUTATORS[mutator](rng, seed.bytes);
      if (seed.file.endsWith('.e57') && rng() < 0.5) fixPageChecksums(bytes.subarray(0, bytes.length - (bytes.length % 1024)));
      const fileName = rng() < 0.8 ? seed.file.split('/').pop()! : pick(rng, ['scan.ply', 'scan.las', 'scan.pts', 'scan.obj', 'scan', 'scan.xyz']);
      const started = performance.now();
      try {
        const cloud = await readPointCloud(bytes, { fileName, maxPoints: 50_000_000 });
        if (cloud.positions.length !== cloud.count * 3) problems.push(`case ${n} (${mutator} of ${seed.file}): positions length ${cloud.positions.length} for ${cloud.count} points`);
        if (cloud.warnings) {
          if (!scanWarningsSchema.safeParse(cloud.warnings).success) problems.push(`case ${n} (${mutator} of ${seed.file}): malformed warnings`);
          for (const w of cloud.warnings) if (w.count > cloud.count) problems.push(`case ${n} (${mutator} of ${seed.file}): ${w.code} counts ${w.count} of ${cloud.count} points`);
          warned++;
        }
        outcomes.ok++;
      } catch (error) {
        if (!(error instanceof ScanFormatError)) {
          problems.push(`case ${n} (${mutator} of ${seed.file}): threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        } else {
          outcomes.error++;
          byCode.set(error.code, (byCode.get(error.code) ?? 0) + 1);
          if (!(error.offset >= 0 && error.offset <= bytes.length)) problems.push(`case ${n} (${mutator} of ${seed.file}): offset ${error.offset} outside the file`);
          if (error.line !== undefined && !(Number.isInteger(error.line) && error.line >= 1)) problems.push(`case ${n} (${mutator} of ${seed.file}): line ${error.line}`);
        }
      }
      const elapsed = performance.now() - started;
      slowest = Math.max(slowest, elapsed);
      if (elapsed > PER_CASE_MS) problems.push(`case ${n} (${mutator} of ${seed.file}): took ${elapsed.toFixed(0)} ms`);
    }
    expect(problems).toEqual([]);
    // The mutations must reach both outcomes and several kinds of error, or they test nothing.
    expect(outcomes.ok).toBeGreaterThan(CASES / 20);
    expect(outcomes.error).toBeGreaterThan(CASES / 5);
    for (const code of ['TRUNCATED', 'BAD_HEADER', 'BAD_VALUE', 'UNSUPPORTED', 'UNKNOWN_FORMAT', 'COUNT_MISMATCH', 'BAD_CHECKSUM']) expect(byCode.get(code) ?? 0, code).toBeGreaterThan(0);
    expect(warned, 'mutated LAS files read with warnings').toBeGreaterThan(0);
    expect(slowest).toBeLessThan(PER_CASE_MS);
  });
});
