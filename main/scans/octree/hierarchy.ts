/**
 * hierarchy.bin: the node table, in chunks that potree-core fetches one byte range at a time.
 *
 * A record is 22 bytes, little-endian: type u8 (0 inner, 1 leaf, 2 proxy), childMask u8 (bit i:
 * child i exists), numPoints u32, byteOffset i64, byteSize i64. For inner and leaf records the
 * offset and size locate the node's points in octree.bin; for a proxy they locate the chunk of
 * hierarchy.bin that describes that node and its descendants.
 *
 * Chunking (PotreeConverter's scheme): the first chunk starts at byte 0 and holds the root and
 * its descendants down to level `stepSize`; every node at a level that is a positive multiple of
 * `stepSize` and has children is a proxy in its parent chunk and the root (as an ordinary record)
 * of its own chunk, which holds its descendants down to `stepSize` levels further. Inside a chunk
 * the records are breadth-first with siblings in child order — the order potree-core's
 * `parseHierarchy` assigns records to nodes. Chunks follow each other breadth-first by root name.
 */
import { OctreeError } from './format';

export const HIERARCHY_RECORD_BYTES = 22;
export const NODE_TYPE = { inner: 0, leaf: 1, proxy: 2 } as const;

export interface HierarchyNode {
  name: string;
  numPoints: number;
  childMask: number;
  byteOffset: number;
  byteSize: number;
}

export interface EncodedHierarchy {
  bytes: Uint8Array;
  firstChunkSize: number;
  /** Deepest level (root = 0). */
  depth: number;
  chunks: number;
}

export function compareBreadthFirst(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function encodeHierarchy(nodes: readonly HierarchyNode[], stepSize: number): EncodedHierarchy {
  if (!Number.isInteger(stepSize) || stepSize < 1) throw new OctreeError('INVALID_OPTIONS', `hierarchy step size must be a positive integer, got ${stepSize}`);
  const byName = new Map<string, HierarchyNode>();
  for (const node of nodes) byName.set(node.name, node);
  const root = byName.get('r');
  if (!root) throw new OctreeError('INVALID_INPUT', 'the octree has no root node');

  const levelOf = (node: HierarchyNode): number => node.name.length - 1;
  const childrenOf = (node: HierarchyNode): HierarchyNode[] => {
    const children: HierarchyNode[] = [];
    for (let c = 0; c < 8; c++) {
      if ((node.childMask & (1 << c)) === 0) continue;
      const child = byName.get(node.name + c);
      if (!child) throw new OctreeError('INVALID_INPUT', `node ${node.name} lists child ${c}, which is missing`);
      children.push(child);
    }
    return children;
  };
  const isChunkRoot = (node: HierarchyNode): boolean => node === root || (levelOf(node) % stepSize === 0 && node.childMask !== 0);

  // Chunk roots breadth-first; the root's chunk comes first.
  const chunkRoots = nodes.filter(isChunkRoot).sort((a, b) => compareBreadthFirst(a.name, b.name));
  const chunkRecords = new Map<string, HierarchyNode[]>();
  const chunkOffset = new Map<string, number>();
  let offset = 0;
  let depth = 0;
  for (const chunkRoot of chunkRoots) {
    const limit = levelOf(chunkRoot) + stepSize;
    const records: HierarchyNode[] = [];
    const queue: HierarchyNode[] = [chunkRoot];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      records.push(node);
      depth = Math.max(depth, levelOf(node));
      if (node === chunkRoot || levelOf(node) < limit) queue.push(...childrenOf(node));
    }
    chunkRecords.set(chunkRoot.name, records);
    chunkOffset.set(chunkRoot.name, offset);
    offset += records.length * HIERARCHY_RECORD_BYTES;
  }

  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const chunkRoot of chunkRoots) {
    for (const node of chunkRecords.get(chunkRoot.name)!) {
      const proxy = node !== chunkRoot && isChunkRoot(node);
      const type = proxy ? NODE_TYPE.proxy : node.childMask !== 0 ? NODE_TYPE.inner : NODE_TYPE.leaf;
      view.setUint8(at, type);
      view.setUint8(at + 1, node.childMask);
      view.setUint32(at + 2, node.numPoints, true);
      if (proxy) {
        view.setBigInt64(at + 6, BigInt(chunkOffset.get(node.name)!), true);
        view.setBigInt64(at + 14, BigInt(chunkRecords.get(node.name)!.length * HIERARCHY_RECORD_BYTES), true);
      } else {
        view.setBigInt64(at + 6, BigInt(node.byteOffset), true);
        view.setBigInt64(at + 14, BigInt(node.byteSize), true);
      }
      at += HIERARCHY_RECORD_BYTES;
    }
  }
  return { bytes, firstChunkSize: chunkRecords.get('r')!.length * HIERARCHY_RECORD_BYTES, depth, chunks: chunkRoots.length };
}
