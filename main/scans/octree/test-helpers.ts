/**
 * Helpers for tests of the octree writer and of what reads its output (the e2e viewer test).
 *
 * `decodeOctree` reads the three files by the format (metadata.json, hierarchy.bin with its proxy
 * chunks, octree.bin records), walking the hierarchy the way potree-core's `parseHierarchy` does,
 * so a test can check what a viewer would get without a browser.
 */
import type { PointCloud } from '../../../common/point-cloud';
import { buildOctree, type BuildOctreeOptions, type BuildOctreeResult } from './build';
import { ATTRIBUTE_TYPE_SIZE, type AttributeType, type OctreeMetadata } from './format';
import { HIERARCHY_RECORD_BYTES, NODE_TYPE } from './hierarchy';

/** Writes the octree of `cloud` into `dir` (metadata.json, hierarchy.bin, octree.bin), for fixtures. */
export function writeOctreeForTest(cloud: PointCloud, dir: string, options: Omit<BuildOctreeOptions, 'outDir' | 'sink'> = {}): Promise<BuildOctreeResult> {
  return buildOctree(cloud, { ...options, outDir: dir });
}

export interface DecodedNode {
  name: string;
  level: number;
  type: number;
  childMask: number;
  numPoints: number;
  byteOffset: number;
  byteSize: number;
  /** Which hierarchy chunk (its byte offset in hierarchy.bin) described this node. */
  chunkOffset: number;
}

export interface DecodedOctree {
  metadata: OctreeMetadata;
  /** Every node with points data, breadth-first as the loader meets them. */
  nodes: DecodedNode[];
  /** Hierarchy chunks read, by byte offset. */
  chunkOffsets: number[];
  /** All points, node by node in `nodes` order. */
  count: number;
  /** Quantised positions as stored (int32 xyz). */
  quantised: Int32Array;
  /** Decoded positions: int × scale + offset. */
  positions: Float64Array;
  /** Every attribute by metadata name, as stored (rgb: 3 components). */
  attributes: Map<string, Float64Array>;
  /** Node index (into `nodes`) of each point. */
  nodeOf: Uint32Array;
}

export interface OctreeFiles {
  metadata: Uint8Array | string;
  hierarchy: Uint8Array;
  octree: Uint8Array;
}

const TYPED_GET: Record<AttributeType, (v: DataView, o: number) => number> = {
  int8: (v, o) => v.getInt8(o),
  uint8: (v, o) => v.getUint8(o),
  int16: (v, o) => v.getInt16(o, true),
  uint16: (v, o) => v.getUint16(o, true),
  int32: (v, o) => v.getInt32(o, true),
  uint32: (v, o) => v.getUint32(o, true),
  float: (v, o) => v.getFloat32(o, true),
  double: (v, o) => v.getFloat64(o, true),
};

export function decodeOctree(files: OctreeFiles): DecodedOctree {
  const metadata = JSON.parse(typeof files.metadata === 'string' ? files.metadata : new TextDecoder().decode(files.metadata)) as OctreeMetadata;
  if (metadata.version !== '2.0' || metadata.encoding !== 'DEFAULT') throw new Error(`unsupported octree ${metadata.version} ${metadata.encoding}`);
  const hview = new DataView(files.hierarchy.buffer, files.hierarchy.byteOffset, files.hierarchy.byteLength);

  // potree-core: the root starts as a proxy for the first chunk.
  interface Pending {
    name: string;
    level: number;
    hierarchyOffset: number;
    hierarchySize: number;
  }
  const nodes: DecodedNode[] = [];
  const chunkOffsets: number[] = [];
  const queue: Pending[] = [{ name: 'r', level: 0, hierarchyOffset: 0, hierarchySize: metadata.hierarchy.firstChunkSize }];
  for (let head = 0; head < queue.length; head++) {
    const proxy = queue[head]!;
    const { hierarchyOffset: offset, hierarchySize: size } = proxy;
    if (size % HIERARCHY_RECORD_BYTES !== 0 || offset + size > files.hierarchy.byteLength) throw new Error(`bad hierarchy chunk ${offset}+${size}`);
    chunkOffsets.push(offset);
    const count = size / HIERARCHY_RECORD_BYTES;
    // parseHierarchy: record i belongs to the i-th node met breadth-first; the first is the proxy itself.
    const names: { name: string; level: number }[] = [{ name: proxy.name, level: proxy.level }];
    for (let i = 0; i < count; i++) {
      const at = offset + i * HIERARCHY_RECORD_BYTES;
      const current = names[i];
      if (!current) throw new Error(`hierarchy chunk at ${offset} has more records than nodes`);
      const type = hview.getUint8(at);
      const childMask = hview.getUint8(at + 1);
      const numPoints = hview.getUint32(at + 2, true);
      const byteOffset = Number(hview.getBigInt64(at + 6, true));
      const byteSize = Number(hview.getBigInt64(at + 14, true));
      if (i > 0 && type === NODE_TYPE.proxy) {
        queue.push({ name: current.name, level: current.level, hierarchyOffset: byteOffset, hierarchySize: byteSize });
        continue;
      }
      if (i === 0 && type === NODE_TYPE.proxy) throw new Error(`chunk root ${current.name} is itself a proxy`);
      nodes.push({ name: current.name, level: current.level, type, childMask, numPoints, byteOffset, byteSize, chunkOffset: offset });
      for (let c = 0; c < 8; c++) if (childMask & (1 << c)) names.push({ name: current.name + c, level: current.level + 1 });
    }
    if (names.length !== count) throw new Error(`hierarchy chunk at ${offset}: ${count} records for ${names.length} nodes`);
  }

  const slots: { name: string; type: AttributeType; numElements: number; offset: number }[] = [];
  let bpp = 0;
  for (const a of metadata.attributes) {
    slots.push({ name: a.name, type: a.type, numElements: a.numElements, offset: bpp });
    bpp += ATTRIBUTE_TYPE_SIZE[a.type] * a.numElements;
  }
  if (slots[0]?.name !== 'position' || slots[0].type !== 'int32') throw new Error('the first attribute must be int32 position');

  const total = nodes.reduce((s, n) => s + n.numPoints, 0);
  const quantised = new Int32Array(3 * total);
  const positions = new Float64Array(3 * total);
  const nodeOf = new Uint32Array(total);
  const attributes = new Map<string, Float64Array>(slots.map((s) => [s.name, new Float64Array(s.numElements * total)]));
  const oview = new DataView(files.octree.buffer, files.octree.byteOffset, files.octree.byteLength);
  let p = 0;
  nodes.forEach((node, index) => {
    if (node.byteSize !== node.numPoints * bpp) throw new Error(`node ${node.name}: ${node.byteSize} bytes for ${node.numPoints} points of ${bpp}`);
    if (node.byteOffset + node.byteSize > files.octree.byteLength) throw new Error(`node ${node.name} runs past octree.bin`);
    for (let k = 0; k < node.numPoints; k++, p++) {
      const base = node.byteOffset + k * bpp;
      for (let a = 0; a < 3; a++) {
        const q = oview.getInt32(base + 4 * a, true);
        quantised[3 * p + a] = q;
        positions[3 * p + a] = q * metadata.scale[a]! + metadata.offset[a]!;
      }
      for (const slot of slots) {
        const out = attributes.get(slot.name)!;
        const size = ATTRIBUTE_TYPE_SIZE[slot.type];
        for (let e = 0; e < slot.numElements; e++) out[slot.numElements * p + e] = TYPED_GET[slot.type](oview, base + slot.offset + e * size);
      }
      nodeOf[p] = index;
    }
  });
  return { metadata, nodes, chunkOffsets, count: total, quantised, positions, attributes, nodeOf };
}

/** A deterministic pseudo-random generator (mulberry32) for synthetic clouds. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A small synthetic scan: a noisy cylinder patch (a limb) with a shallow dent, coloured by
 * position, in millimetres. Optional intensity and classification.
 */
export function syntheticCloud(count: number, options: { seed?: number; colors?: boolean; intensity?: boolean; classification?: boolean; offset?: [number, number, number] } = {}): PointCloud {
  const random = seededRandom(options.seed ?? 1);
  const [ox, oy, oz] = options.offset ?? [0, 0, 0];
  const positions = new Float64Array(3 * count);
  const colors = options.colors === false ? undefined : new Uint8Array(3 * count);
  const intensity = options.intensity ? new Uint16Array(count) : undefined;
  const classification = options.classification ? new Uint8Array(count) : undefined;
  for (let i = 0; i < count; i++) {
    const angle = random() * Math.PI;
    const along = random() * 200;
    const dent = Math.exp(-(((angle - 1.5) * 40) ** 2 + (along - 100) ** 2) / 400) * 6;
    const radius = 45 - dent + (random() - 0.5) * 0.5;
    positions[3 * i] = ox + radius * Math.cos(angle);
    positions[3 * i + 1] = oy + along;
    positions[3 * i + 2] = oz + radius * Math.sin(angle);
    if (colors) {
      colors[3 * i] = 200 - Math.round(dent * 20);
      colors[3 * i + 1] = Math.round(120 + 60 * Math.cos(angle)) & 255;
      colors[3 * i + 2] = Math.floor(random() * 256);
    }
    if (intensity) intensity[i] = Math.floor(random() * 65536);
    if (classification) classification[i] = dent > 1 ? 1 : 0;
  }
  return {
    format: 'ply',
    version: '1.0',
    count,
    positions,
    ...(colors ? { colors } : {}),
    ...(intensity ? { intensity } : {}),
    ...(classification ? { classification } : {}),
    extras: [],
    units: 'mm',
    comments: [],
  };
}
