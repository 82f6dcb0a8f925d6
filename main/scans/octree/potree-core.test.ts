/**
 * Loads our octree with potree-core's own loader (OctreeLoader, parseHierarchy with proxy chunks,
 * byte-range requests, and its DEFAULT decoder worker) under Node, and checks that every node and
 * point comes out as written. The decoder worker is potree-core's inline worker source, run
 * in-thread through a minimal `Worker` stand-in; the browser e2e test covers the real thing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOctreeInMemory } from './build';
import type { OctreeFileName } from './format';
import { decodeOctree, syntheticCloud } from './test-helpers';

interface LoadedNode {
  name: string;
  loaded: boolean;
  loading: boolean;
  numPoints: number;
  children: (LoadedNode | null)[];
  boundingBox: { min: { x: number; y: number; z: number } };
  geometry: { attributes: Record<string, { array: ArrayLike<number>; count: number; itemSize: number }> } | null;
}

interface LoadedGeometry {
  root: LoadedNode;
  offset: { x: number; y: number; z: number };
  numNodesLoading: number;
  loader: { load(node: LoadedNode): Promise<void> };
}

const sources = new Map<string, string>();
const savedSelf = (globalThis as { self?: unknown }).self;

/** Just enough of a Web Worker to run potree-core's inline decoder source in this thread. */
class InlineWorker {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  private readonly handle: (event: { data: unknown }) => void;
  constructor(url: string) {
    const source = sources.get(url);
    if (source === undefined) throw new Error(`no worker source for ${url}`);
    const postMessage = (data: unknown): void => void setImmediate(() => this.onmessage?.({ data }));
    this.handle = new Function('postMessage', `var onmessage;\n${source}\n;return onmessage;`)(postMessage) as (event: { data: unknown }) => void;
  }
  postMessage(data: unknown): void {
    setImmediate(() => this.handle({ data }));
  }
  terminate(): void {}
}

beforeAll(() => {
  let next = 0;
  (globalThis as { self?: unknown }).self = {
    Blob: class {
      readonly text: string;
      constructor(parts: string[]) {
        this.text = parts.join('');
      }
    },
    URL: {
      createObjectURL: (blob: { text: string }) => {
        const url = `inline:${next++}`;
        sources.set(url, blob.text);
        return url;
      },
      revokeObjectURL: () => undefined,
    },
    Worker: InlineWorker,
  };
});
afterAll(() => {
  (globalThis as { self?: unknown }).self = savedSelf;
});

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

describe('potree-core loads what we write', () => {
  it('finds every node through the proxy chunks and decodes every point', async () => {
    const cloud = syntheticCloud(30_000, { seed: 12, intensity: true, offset: [500, 500, -100] });
    const built = await buildOctreeInMemory(cloud, { workers: 0, maxPointsPerNode: 800, hierarchyStepSize: 1 });
    const files = new Map<string, Uint8Array>(Object.entries(built.buffers) as [OctreeFileName, Uint8Array][]);
    let rangeRequests = 0;
    const requestManager = {
      getUrl: (url: string): Promise<string> => Promise.resolve(url),
      fetch: (input: string, init?: { headers?: Record<string, string> }): Promise<Response> => {
        const file = files.get(String(input).split('/').pop()!);
        if (!file) return Promise.resolve(new Response(null, { status: 404 }));
        const range = init?.headers?.Range ? /^bytes=(\d+)-(\d+)$/.exec(init.headers.Range) : null;
        if (init?.headers?.Range && !range) throw new Error(`bad range ${init.headers.Range}`);
        if (range) rangeRequests++;
        return Promise.resolve(new Response(range ? file.slice(Number(range[1]), Number(range[2]) + 1) : file));
      },
    };

    const { Potree } = await import('potree-core');
    const pointCloud = await new Potree().loadPointCloud('https://octree.test/scan/metadata.json', requestManager as never);
    const geometry = (pointCloud as unknown as { pcoGeometry: LoadedGeometry }).pcoGeometry;

    // Load every node, the way the viewer would as the camera gets close.
    let nodes: LoadedNode[] = [];
    for (let round = 0; round < 64; round++) {
      for (let i = 0; i < 500 && (!geometry.root.loaded || nodes.some((n) => n.loading)); i++) await tick();
      nodes = [];
      const stack = [geometry.root];
      while (stack.length > 0) {
        const node = stack.pop()!;
        nodes.push(node);
        for (const child of node.children) if (child) stack.push(child);
      }
      const pending = nodes.filter((n) => !n.loaded);
      if (pending.length === 0) break;
      for (const node of pending) {
        geometry.numNodesLoading = 0;
        await geometry.loader.load(node);
      }
    }

    const ours = decodeOctree({ metadata: built.buffers['metadata.json'], hierarchy: built.buffers['hierarchy.bin'], octree: built.buffers['octree.bin'] });
    expect(ours.chunkOffsets.length).toBeGreaterThan(2);
    expect(nodes.map((n) => n.name).sort()).toEqual(ours.nodes.map((n) => n.name).sort());
    expect(rangeRequests).toBeGreaterThanOrEqual(ours.nodes.length + ours.chunkOffsets.length - 1);

    // Point by point against our own decoder (which the round-trip tests hold to the input).
    const firstPoint = new Map<string, number>();
    let p = 0;
    for (const node of ours.nodes) {
      firstPoint.set(node.name, p);
      p += node.numPoints;
    }
    const rgb = ours.attributes.get('rgb')!;
    const cube = ours.metadata.boundingBox.max[0]! - ours.metadata.boundingBox.min[0]!;
    let total = 0;
    for (const node of nodes) {
      const attributes = node.geometry!.attributes;
      const position = attributes.position!;
      const rgba = attributes.rgba!;
      expect(position.count).toBe(node.numPoints);
      expect(Object.keys(attributes)).toEqual(expect.arrayContaining(['position', 'rgba', 'intensity', 'wound_label', 'depth_mm']));
      const start = firstPoint.get(node.name)!;
      for (let k = 0; k < position.count; k++) {
        for (const [a, axis] of (['x', 'y', 'z'] as const).entries()) {
          const world = position.array[3 * k + a]! + node.boundingBox.min[axis] + geometry.offset[axis];
          const expected = ours.positions[3 * (start + k) + a]!;
          if (Math.abs(world - expected) > cube * 1e-6) expect({ node: node.name, k, axis, world }).toEqual({ node: node.name, k, axis, world: expected });
        }
        for (let c = 0; c < 3; c++) {
          if (rgba.array[4 * k + c] !== rgb[3 * (start + k) + c]! / 257) expect(rgba.array[4 * k + c]).toBe(rgb[3 * (start + k) + c]! / 257);
        }
      }
      total += position.count;
    }
    expect(total).toBe(cloud.count);
  });
});
