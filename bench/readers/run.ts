/**
 * Reader benchmark: our PLY reader against three.js's PLYLoader on a generated 5-million-point
 * binary little-endian PLY with colours, and our LAS/LAZ reader against @loaders.gl/las on a
 * generated LAS file and the largest LAZ sample. Same bytes in memory for both sides; median
 * of 5 runs; prints points/s and ratios.
 *
 *   npx tsx bench/readers/run.ts [--points 5000000] [--runs 5]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@loaders.gl/core';
import { LASLoader } from '@loaders.gl/las';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { readPointCloud } from '../../main/scans';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = join(root, 'bench', '.data');
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const POINTS = flag('points', 5_000_000);
const LAS_POINTS = flag('las-points', 2_000_000);
const RUNS = flag('runs', 5);

/** Deterministic pseudo-random numbers, so every run benchmarks the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makePly(points: number): Uint8Array {
  const header = new TextEncoder().encode(
    `ply\nformat binary_little_endian 1.0\ncomment bench wound scan\nelement vertex ${points}\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n`,
  );
  const stride = 15;
  const out = new Uint8Array(header.length + points * stride);
  out.set(header);
  const dv = new DataView(out.buffer);
  const rnd = prng(1);
  let p = header.length;
  for (let i = 0; i < points; i++, p += stride) {
    // A wound-sized patch: 20 cm × 20 cm, a few cm of relief, metres.
    const x = rnd() * 0.2;
    const y = rnd() * 0.2;
    dv.setFloat32(p, x, true);
    dv.setFloat32(p + 4, y, true);
    dv.setFloat32(p + 8, 0.02 * Math.sin(x * 40) * Math.cos(y * 40), true);
    out[p + 12] = 150 + (i % 100);
    out[p + 13] = 60 + (i % 50);
    out[p + 14] = 50;
  }
  return out;
}

/** LAS 1.2, point format 3 (xyz, intensity, classification, GPS time, RGB). */
function makeLas(points: number): Uint8Array {
  const headerSize = 227;
  const recordLength = 34;
  const out = new Uint8Array(headerSize + points * recordLength);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode('LASF'));
  out[24] = 1;
  out[25] = 2;
  out.set(new TextEncoder().encode('coherency bench'), 58);
  dv.setUint16(94, headerSize, true);
  dv.setUint32(96, headerSize, true);
  out[104] = 3;
  dv.setUint16(105, recordLength, true);
  dv.setUint32(107, points, true);
  for (let k = 0; k < 3; k++) {
    dv.setFloat64(131 + 8 * k, 0.001, true);
    dv.setFloat64(155 + 8 * k, [500000, 4000000, 0][k]!, true);
  }
  dv.setFloat64(179, 500200, true);
  dv.setFloat64(187, 500000, true);
  dv.setFloat64(195, 4000200, true);
  dv.setFloat64(203, 4000000, true);
  dv.setFloat64(211, 50, true);
  dv.setFloat64(219, 0, true);
  const rnd = prng(2);
  let p = headerSize;
  for (let i = 0; i < points; i++, p += recordLength) {
    dv.setInt32(p, Math.floor(rnd() * 200000), true);
    dv.setInt32(p + 4, Math.floor(rnd() * 200000), true);
    dv.setInt32(p + 8, Math.floor(rnd() * 50000), true);
    dv.setUint16(p + 12, i & 0xffff, true);
    out[p + 15] = 2;
    dv.setFloat64(p + 20, i * 1e-5, true);
    dv.setUint16(p + 28, 256 * (i % 256), true);
    dv.setUint16(p + 30, 256 * 60, true);
    dv.setUint16(p + 32, 256 * 50, true);
  }
  return out;
}

function cached(name: string, make: () => Uint8Array): Uint8Array {
  const path = join(dataDir, name);
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, make());
  }
  return new Uint8Array(readFileSync(path));
}

const gc = (globalThis as { gc?: () => void }).gc;

interface Result {
  ms: number;
  points: number;
}

/**
 * Runs the two readers alternately (ours, theirs, ours, …) so that a change in machine load
 * during the bench hits both alike, and prints each one's median.
 */
async function compare(
  ourLabel: string,
  ours: () => Promise<number> | number,
  theirLabel: string,
  theirs: () => Promise<number> | number,
): Promise<[Result, Result]> {
  const times: [number[], number[]] = [[], []];
  const points = [0, 0];
  const runs = [ours, theirs];
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < 2; k++) {
      gc?.();
      const t = performance.now();
      points[k] = await runs[k]!();
      times[k]!.push(performance.now() - t);
    }
  }
  const results = [0, 1].map((k) => {
    const sorted = [...times[k]!].sort((a, b) => a - b);
    const ms = sorted[Math.floor(sorted.length / 2)]!;
    const label = k === 0 ? ourLabel : theirLabel;
    console.log(`  ${label.padEnd(34)} ${ms.toFixed(1).padStart(9)} ms   ${(points[k]! / (ms / 1000) / 1e6).toFixed(2).padStart(7)} M points/s   (runs: ${times[k]!.map((t) => t.toFixed(0)).join(', ')})`);
    return { ms, points: points[k]! };
  });
  if (results[0]!.points !== results[1]!.points) throw new Error(`point counts differ: ${results[0]!.points} vs ${results[1]!.points}`);
  return [results[0]!, results[1]!];
}

function ratio(ours: { ms: number }, theirs: { ms: number }, goal: number): string {
  const r = theirs.ms / ours.ms;
  return `  ratio ${r.toFixed(2)}× (goal ≥ ${goal}×: ${r >= goal ? 'met' : 'NOT met'})`;
}

/** A private copy of the bytes as an ArrayBuffer, so no reader sees another's buffer. */
function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

async function loadersGlCount(bytes: Uint8Array): Promise<number> {
  const data = (await parse(arrayBufferOf(bytes), LASLoader, { worker: false, las: { shape: 'mesh', skip: 1, fp64: true } })) as { header: { vertexCount: number } };
  return data.header.vertexCount;
}

async function main(): Promise<void> {
  console.log(`reader bench: node ${process.version}, median of ${RUNS} runs${gc ? '' : ' (run with --expose-gc for steadier numbers)'}`);

  const ply = cached(`bench-${POINTS}.ply`, () => makePly(POINTS));
  console.log(`\nPLY binary_little_endian, ${POINTS.toLocaleString('en-US')} points with colour (${(ply.length / 1e6).toFixed(0)} MB)`);
  const loader = new PLYLoader();
  const [ours, three] = await compare(
    'coherency readPointCloud',
    async () => (await readPointCloud(ply, { fileName: 'bench.ply' })).count,
    'three.js PLYLoader',
    () => loader.parse(arrayBufferOf(ply)).getAttribute('position').count,
  );
  console.log(ratio(ours, three, 3));

  const las = cached(`bench-${LAS_POINTS}.las`, () => makeLas(LAS_POINTS));
  console.log(`\nLAS 1.2 point format 3, ${LAS_POINTS.toLocaleString('en-US')} points (${(las.length / 1e6).toFixed(0)} MB)`);
  const [oursLas, glLas] = await compare(
    'coherency readPointCloud',
    async () => (await readPointCloud(las, { fileName: 'bench.las' })).count,
    '@loaders.gl/las',
    () => loadersGlCount(las),
  );
  console.log(ratio(oursLas, glLas, 1));

  // No LAZ encoder is available from npm for Node (laz-perf 0.0.7 only decodes), so the LAZ
  // figure uses the largest LAZ in the shared samples.
  const lazPath = join(root, '..', 'shared', 'samples', 'scans', 'laz', 'pdal__autzen_trim.laz');
  if (existsSync(lazPath)) {
    const laz = new Uint8Array(readFileSync(lazPath));
    console.log(`\nLAZ 1.2 point format 3 (shared sample pdal__autzen_trim.laz, ${(laz.length / 1e6).toFixed(1)} MB)`);
    const [oursLaz, glLaz] = await compare(
      'coherency readPointCloud',
      async () => (await readPointCloud(laz, { fileName: 'bench.laz' })).count,
      '@loaders.gl/las',
      () => loadersGlCount(laz),
    );
    console.log(ratio(oursLaz, glLaz, 1));
  }
}

await main();
