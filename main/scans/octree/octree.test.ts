import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PointCloud } from '../../../common/point-cloud';
import { buildOctree, buildOctreeInMemory, createOctreeWorkerPool, OctreeError, type BuildOctreeOptions, type OctreeProgress, type OctreeWorkerPool } from './index';
import { decodeOctree, syntheticCloud, writeOctreeForTest, type DecodedOctree } from './test-helpers';

type Built = Awaited<ReturnType<typeof buildOctreeInMemory>>;

const decode = (built: Built): DecodedOctree =>
  decodeOctree({ metadata: built.buffers['metadata.json'], hierarchy: built.buffers['hierarchy.bin'], octree: built.buffers['octree.bin'] });

/** Rows of (quantised xyz, rgb, intensity, classification) sorted, for comparing point sets. */
function inputRows(cloud: PointCloud, scale: number, offset: number[]): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < cloud.count; i++) {
    const row = [0, 1, 2].map((a) => Math.round((cloud.positions[3 * i + a]! - offset[a]!) / scale));
    if (cloud.colors) row.push(cloud.colors[3 * i]!, cloud.colors[3 * i + 1]!, cloud.colors[3 * i + 2]!);
    if (cloud.intensity) row.push(cloud.intensity[i]!);
    if (cloud.classification) row.push(cloud.classification[i]!);
    rows.push(row);
  }
  return rows.sort(compareRows);
}

function decodedRows(decoded: DecodedOctree): number[][] {
  const rgb = decoded.attributes.get('rgb');
  const intensity = decoded.attributes.get('intensity');
  const classification = decoded.attributes.get('classification');
  const rows: number[][] = [];
  for (let p = 0; p < decoded.count; p++) {
    const row = [decoded.quantised[3 * p]!, decoded.quantised[3 * p + 1]!, decoded.quantised[3 * p + 2]!];
    // As potree-core's decoder: 16-bit values above 255 are divided by 256, then stored in a Uint8Array.
    if (rgb) for (let c = 0; c < 3; c++) row.push(new Uint8Array([rgb[3 * p + c]! > 255 ? rgb[3 * p + c]! / 256 : rgb[3 * p + c]!])[0]!);
    if (intensity) row.push(intensity[p]!);
    if (classification) row.push(classification[p]!);
    rows.push(row);
  }
  return rows.sort(compareRows);
}

function compareRows(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** potree's child box: upper half in x for bit 4, y for bit 2, z for bit 1. */
function nodeBox(decoded: DecodedOctree, name: string): { min: number[]; max: number[] } {
  const min = [...decoded.metadata.boundingBox.min];
  const max = [...decoded.metadata.boundingBox.max];
  for (const digit of name.slice(1)) {
    const c = Number(digit);
    [4, 2, 1].forEach((bit, axis) => {
      const mid = (min[axis]! + max[axis]!) / 2;
      if (c & bit) min[axis] = mid;
      else max[axis] = mid;
    });
  }
  return { min, max };
}

/** Node name → its points' quantised positions, sorted, for comparing two trees. */
function pointsByNode(decoded: DecodedOctree): Map<string, string> {
  const byNode = new Map<string, number[][]>();
  for (let p = 0; p < decoded.count; p++) {
    const name = decoded.nodes[decoded.nodeOf[p]!]!.name;
    let list = byNode.get(name);
    if (!list) byNode.set(name, (list = []));
    list.push([decoded.quantised[3 * p]!, decoded.quantised[3 * p + 1]!, decoded.quantised[3 * p + 2]!]);
  }
  return new Map([...byNode].map(([name, rows]) => [name, JSON.stringify(rows.sort(compareRows))]));
}

function expectRoundTrip(cloud: PointCloud, built: Built): DecodedOctree {
  const decoded = decode(built);
  const { metadata } = decoded;
  const scale = metadata.scale[0];
  expect(metadata.points).toBe(cloud.count);
  expect(decoded.nodes.reduce((s, n) => s + n.numPoints, 0)).toBe(cloud.count);
  expect(decoded.count).toBe(cloud.count);
  const bytesPerPoint = metadata.attributes.reduce((s, a) => s + a.size, 0);
  expect(built.buffers['octree.bin'].byteLength).toBe(cloud.count * bytesPerPoint);
  expect(built.files['octree.bin']).toBe(cloud.count * bytesPerPoint);

  // Every input point exactly once, attributes with it.
  const expected = inputRows(cloud, scale, metadata.offset);
  const actual = decodedRows(decoded);
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (compareRows(actual[i]!, expected[i]!) !== 0) expect(actual[i]).toEqual(expected[i]);
  }

  // Bounds: the tight box is the input's within one quantisation step; the cube contains every point.
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < cloud.count; i++) {
    for (let a = 0; a < 3; a++) {
      min[a] = Math.min(min[a]!, cloud.positions[3 * i + a]!);
      max[a] = Math.max(max[a]!, cloud.positions[3 * i + a]!);
    }
  }
  for (let a = 0; a < 3; a++) {
    expect(Math.abs(metadata.tightBoundingBox.min[a]! - min[a]!)).toBeLessThanOrEqual(scale);
    expect(Math.abs(metadata.tightBoundingBox.max[a]! - max[a]!)).toBeLessThanOrEqual(scale);
    expect(metadata.boundingBox.max[a]! - metadata.boundingBox.min[a]!).toBeCloseTo(metadata.boundingBox.max[0]! - metadata.boundingBox.min[0]!, 9);
  }
  // Each point lies in its node's box (as potree-core derives it), and decoded positions match the input.
  for (let p = 0; p < decoded.count; p++) {
    const box = nodeBox(decoded, decoded.nodes[decoded.nodeOf[p]!]!.name);
    for (let a = 0; a < 3; a++) {
      const v = decoded.positions[3 * p + a]!;
      if (v < box.min[a]! - scale || v > box.max[a]! + scale) expect({ point: p, axis: a, v, box }).toBeUndefined();
    }
  }
  // Inner nodes have children and leaves none; the spacing halves per level.
  for (const node of decoded.nodes) expect(node.type).toBe(node.childMask ? 0 : 1);
  return decoded;
}

let pool: OctreeWorkerPool;
beforeAll(() => {
  pool = createOctreeWorkerPool(2);
});
afterAll(async () => {
  await pool.dispose();
});

/** Options that force the worker path with upper nodes and several chunks, on a small cloud. */
const workerOptions = (): BuildOctreeOptions => ({ pool, inProcessBelow: 0, maxPointsPerNode: 500 });

describe('buildOctree round trip', () => {
  it('stores every point once with its colour, intensity and classification (calling thread)', async () => {
    const cloud = syntheticCloud(40_000, { intensity: true, classification: true, offset: [1000.25, -20, 3] });
    const built = await buildOctreeInMemory(cloud, { workers: 0, maxPointsPerNode: 2_000 });
    const decoded = expectRoundTrip(cloud, built);
    expect(built.stats.workers).toBe(0);
    expect(decoded.nodes.length).toBeGreaterThan(8);
    expect(decoded.metadata.attributes.map((a) => `${a.name}:${a.type}:${a.numElements}`)).toEqual([
      'position:int32:3',
      'rgb:uint16:3',
      'intensity:uint16:1',
      'classification:uint8:1',
      'wound_label:uint8:1',
      'depth_mm:float:1',
    ]);
    // 27 bytes per point for position + rgb + our two attributes, plus intensity and classification.
    expect(built.files['octree.bin']).toBe(40_000 * (12 + 6 + 2 + 1 + 1 + 4));
    expect([...decoded.attributes.get('wound_label')!].every((v) => v === 0)).toBe(true);
    expect([...decoded.attributes.get('depth_mm')!].every((v) => v === 0)).toBe(true);
  });

  it('splits the work across workers: upper nodes sampled here, chunks in workers, same tree as one thread', async () => {
    const cloud = syntheticCloud(120_000, { seed: 7 });
    const inWorkers = await buildOctreeInMemory(cloud, workerOptions());
    expect(inWorkers.stats.workers).toBe(2);
    expect(inWorkers.stats.upperNodes).toBeGreaterThan(0);
    expect(inWorkers.stats.chunks).toBeGreaterThan(4);
    const decoded = expectRoundTrip(cloud, inWorkers);

    const onThread = await buildOctreeInMemory(cloud, { workers: 0, maxPointsPerNode: 500 });
    const a = pointsByNode(decoded);
    const b = pointsByNode(decode(onThread));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [name, points] of a) if (points !== b.get(name)) expect(name).toBe('the same points in every node');
  });

  it('keeps positions without colour, and fills our attributes from given values', async () => {
    const cloud = syntheticCloud(5_000, { colors: false, seed: 3 });
    const label = new Uint8Array(cloud.count).map((_, i) => i % 3);
    const depth = new Float32Array(cloud.count).map((_, i) => i / 8);
    const built = await buildOctreeInMemory(cloud, {
      workers: 0,
      maxPointsPerNode: 300,
      extraAttributes: [
        { name: 'wound_label', type: 'uint8', values: label },
        { name: 'depth_mm', type: 'float', values: depth },
      ],
    });
    const decoded = expectRoundTrip(cloud, built);
    expect(decoded.attributes.has('rgb')).toBe(false);
    // Match decoded points to input indices through their (unique) quantised positions.
    const scale = decoded.metadata.scale[0];
    const index = new Map<string, number>();
    for (let i = 0; i < cloud.count; i++) index.set([0, 1, 2].map((a) => Math.round((cloud.positions[3 * i + a]! - decoded.metadata.offset[a]!) / scale)).join(','), i);
    for (let p = 0; p < decoded.count; p++) {
      const i = index.get([decoded.quantised[3 * p], decoded.quantised[3 * p + 1], decoded.quantised[3 * p + 2]].join(','))!;
      expect(decoded.attributes.get('wound_label')![p]).toBe(label[i]);
      expect(decoded.attributes.get('depth_mm')![p]).toBe(depth[i]);
    }
    const depthMeta = decoded.metadata.attributes.find((a) => a.name === 'depth_mm')!;
    expect(depthMeta.max[0]).toBeCloseTo((cloud.count - 1) / 8, 5);
  });

  it('handles empty clouds, single points and piles of duplicates', async () => {
    const empty = syntheticCloud(0);
    const e = decode(await buildOctreeInMemory(empty, { workers: 0 }));
    expect(e.count).toBe(0);
    expect(e.nodes.map((n) => n.name)).toEqual(['r']);

    const one = syntheticCloud(1, { seed: 5 });
    expectRoundTrip(one, await buildOctreeInMemory(one, { workers: 0 }));

    // 3,000 copies of 3 points: sampling can never separate them, so the depth stops at the limit.
    const dup = syntheticCloud(3_000, { seed: 9 });
    for (let i = 3; i < dup.count; i++) for (let a = 0; a < 3; a++) dup.positions[3 * i + a] = dup.positions[3 * (i % 3) + a]!;
    for (let i = 3; i < dup.count; i++) for (let a = 0; a < 3; a++) dup.colors![3 * i + a] = dup.colors![3 * (i % 3) + a]!;
    const d = expectRoundTrip(dup, await buildOctreeInMemory(dup, { workers: 0, maxPointsPerNode: 10 }));
    expect(d.metadata.hierarchy.depth).toBe(14);
  });

  it('rejects NaN positions and bad options with typed errors', async () => {
    const cloud = syntheticCloud(10);
    cloud.positions[4] = Number.NaN;
    await expect(buildOctreeInMemory(cloud, { workers: 0 })).rejects.toMatchObject({ name: 'OctreeError', code: 'INVALID_INPUT' });
    await expect(buildOctreeInMemory(syntheticCloud(10), { maxPointsPerNode: 0 })).rejects.toBeInstanceOf(OctreeError);
    await expect(buildOctree(syntheticCloud(10), {})).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('hierarchy chunks', () => {
  it('writes proxy nodes that lead to the same tree as a single chunk', async () => {
    const cloud = syntheticCloud(30_000, { seed: 11 });
    const single = decode(await buildOctreeInMemory(cloud, { workers: 0, maxPointsPerNode: 200, hierarchyStepSize: 64 }));
    const chunked = decode(await buildOctreeInMemory(cloud, { workers: 0, maxPointsPerNode: 200, hierarchyStepSize: 1 }));
    expect(single.chunkOffsets).toEqual([0]);
    expect(single.metadata.hierarchy.depth).toBeGreaterThanOrEqual(3);
    expect(chunked.chunkOffsets.length).toBeGreaterThan(3);
    const byName = (d: DecodedOctree) => d.nodes.map((n) => [n.name, n.numPoints, n.byteOffset, n.byteSize, n.childMask].join(':')).sort();
    expect(byName(chunked)).toEqual(byName(single));
    expect(chunked.metadata.hierarchy.firstChunkSize).toBeLessThan(single.metadata.hierarchy.firstChunkSize);
  });
});

describe('determinism', () => {
  it('gives byte-identical files for the same input, in workers and on one thread', async () => {
    const cloud = syntheticCloud(80_000, { seed: 21, intensity: true });
    const a = await buildOctreeInMemory(cloud, workerOptions());
    const b = await buildOctreeInMemory(cloud, { ...workerOptions(), pool: undefined, workers: 2 });
    for (const name of ['octree.bin', 'hierarchy.bin', 'metadata.json'] as const) expect(Buffer.compare(a.buffers[name], b.buffers[name])).toBe(0);
    const c = await buildOctreeInMemory(cloud, { workers: 0 });
    const d = await buildOctreeInMemory(cloud, { workers: 0 });
    for (const name of ['octree.bin', 'hierarchy.bin', 'metadata.json'] as const) expect(Buffer.compare(c.buffers[name], d.buffers[name])).toBe(0);
  });
});

describe('the passes in the workers', () => {
  it('gives the same files when the cloud is in shared memory (passes in the workers) as when it is not (passes here)', async () => {
    const cloud = syntheticCloud(200_000, { seed: 31, intensity: true, classification: true });
    const depth = new Float32Array(cloud.count).map((_, i) => (i % 97) / 4);
    const options: BuildOctreeOptions = { ...workerOptions(), maxPointsPerNode: 2_000, extraAttributes: [{ name: 'wound_label', type: 'uint8' }, { name: 'depth_mm', type: 'float', values: depth }] };
    const plain = await buildOctreeInMemory(cloud, options);
    const positions = new Float64Array(new SharedArrayBuffer(cloud.positions.byteLength));
    positions.set(cloud.positions);
    const shared = await buildOctreeInMemory({ ...cloud, positions }, options);
    for (const name of ['octree.bin', 'hierarchy.bin', 'metadata.json'] as const) expect(Buffer.compare(plain.buffers[name], shared.buffers[name])).toBe(0);
    expectRoundTrip(cloud, shared);
    // And the same nodes as one thread builds.
    const onThread = decode(await buildOctreeInMemory(cloud, { ...options, pool: undefined, workers: 0 }));
    const a = pointsByNode(decode(shared));
    const b = pointsByNode(onThread);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [name, points] of a) if (points !== b.get(name)) expect(name).toBe('the same points in every node');
  });

  it('names the first point with a NaN coordinate when the workers scan', async () => {
    const cloud = syntheticCloud(200_000, { seed: 32 });
    const positions = new Float64Array(new SharedArrayBuffer(cloud.positions.byteLength));
    positions.set(cloud.positions);
    positions[3 * 150_001 + 1] = Number.POSITIVE_INFINITY;
    positions[3 * 170_000] = Number.NaN;
    await expect(buildOctreeInMemory({ ...cloud, positions }, workerOptions())).rejects.toMatchObject({ name: 'OctreeError', code: 'INVALID_INPUT', message: expect.stringContaining('point 150001 ') });
  });
});

describe('progress and cancellation', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'octree-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports phases with a fraction that only grows and ends at 1', async () => {
    const events: OctreeProgress[] = [];
    await buildOctreeInMemory(syntheticCloud(60_000, { seed: 2 }), { ...workerOptions(), onProgress: (p) => events.push(p) });
    expect(events.length).toBeGreaterThan(5);
    for (let i = 1; i < events.length; i++) expect(events[i]!.fraction).toBeGreaterThanOrEqual(events[i - 1]!.fraction);
    expect(events.at(-1)).toEqual({ phase: 'finish', fraction: 1 });
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['scan', 'count', 'sample', 'build', 'finish']));
  });

  it('stops when the signal aborts, with an ABORTED error and no files left behind', async () => {
    const out = join(dir, 'cancelled');
    const controller = new AbortController();
    const building = writeOctreeForTest(syntheticCloud(200_000, { seed: 4 }), out, {
      ...workerOptions(),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'build') controller.abort();
      },
    });
    await expect(building).rejects.toMatchObject({ name: 'OctreeError', code: 'ABORTED' });
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);

    const pre = new AbortController();
    pre.abort();
    await expect(buildOctreeInMemory(syntheticCloud(10), { workers: 0, signal: pre.signal })).rejects.toMatchObject({ code: 'ABORTED' });

    // The shared pool still works after a cancelled build.
    const after = await buildOctreeInMemory(syntheticCloud(20_000, { seed: 4 }), workerOptions());
    expect(after.stats.points).toBe(20_000);
  });

  it('writes the three files into a directory', async () => {
    const out = join(dir, 'written');
    const cloud = syntheticCloud(25_000, { seed: 8 });
    const result = await writeOctreeForTest(cloud, out, { workers: 0 });
    expect((await readdir(out)).sort()).toEqual(['hierarchy.bin', 'metadata.json', 'octree.bin']);
    const files = { metadata: await readFile(join(out, 'metadata.json')), hierarchy: await readFile(join(out, 'hierarchy.bin')), octree: await readFile(join(out, 'octree.bin')) };
    expect(files.octree.byteLength).toBe(result.files['octree.bin']);
    expect(decodeOctree(files).count).toBe(cloud.count);
  });
});

describe('a real scan file', () => {
  const samples = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/samples/scans');
  const file = join(samples, 'ply/dardavesis__808-30.ply');
  it.skipIf(!existsSync(file))('round-trips dardavesis__808-30.ply (skipped where /work/shared/samples is absent)', async () => {
    const scans = (await import('../index')) as { readPointCloudFile?: (path: string) => Promise<PointCloud> };
    if (!scans.readPointCloudFile) throw new Error('main/scans/index.ts does not export readPointCloudFile');
    const cloud = await scans.readPointCloudFile(file);
    expect(cloud.count).toBeGreaterThan(1000);
    const built = await buildOctreeInMemory(cloud, { pool, inProcessBelow: 0 });
    expectRoundTrip(cloud, built);
  });
});
