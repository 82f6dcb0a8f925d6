/**
 * One potree-core point cloud inside an r3f scene, owned the drei way: created in an effect,
 * disposed in its cleanup, handed to the parent through onLoaded; potree's visibility update runs in one
 * useFrame, and the canvas re-renders on demand while nodes are still loading.
 */
import { useEffect, useMemo, useRef } from 'react';
import { useFrame, useThree } from '@react-three/fiber';
import { Box3, BufferAttribute, Matrix4, Vector2, Vector3, type BufferGeometry, type Camera, type Object3D, type Scene, type WebGLRenderer } from 'three';
import { PointColorType, PointSizeType, Potree, PotreeRenderer, type PointCloudOctree } from 'potree-core';
import { OVERLAY_LAYER } from './AssessmentOverlay';
import type { ViewerSettings } from './viewer-store';

/** The three.js layer the point cloud's nodes live on (EDL renders it in a pass of its own). */
const POINT_CLOUD_LAYER = 1;

export interface OctreeCheck {
  nodes: number;
  points: number;
  min: [number, number, number];
  max: [number, number, number];
}

export interface LoadedCloud {
  pco: PointCloudOctree;
  potree: Potree;
  /** The points' own extent in world coordinates (see scanExtent), found once at load. */
  extent: Box3;
  /** Walks the whole hierarchy with potree-core's own loader (proxy chunks included) and sums what it can reach. */
  check(): Promise<OctreeCheck>;
  /** Picks the point under normalised device coordinates (x, y in −1..1). */
  pick(ndcX: number, ndcY: number): Vector3 | null;
  /** `pick` for several screen positions at once (one pass over the visible points). */
  pickMany(queries: readonly [number, number][]): (Vector3 | null)[];
}

/**
 * A second scan drawn in the same scene (two visits overlaid): its octree, the rigid transform
 * that carries its coordinates into this scan's (row-major 4×4, mm), and the one colour it is
 * drawn in so the two read apart.
 */
export interface CompanionCloud {
  url: string;
  matrix: number[];
  rgb: [number, number, number];
}

export interface PotreeCloudProps {
  /** URL ending in /metadata.json; fetched with the page's credentials (browser-host cookie or app://). */
  url: string;
  /** Draw this scan in one colour instead of its own (the overlay of two visits). */
  tint?: [number, number, number] | null;
  companion?: CompanionCloud | null;
  settings: ViewerSettings;
  onLoaded(cloud: LoadedCloud): void;
  onError(error: Error): void;
  onStats?(stats: { visiblePoints: number; nodesLoading: number }): void;
}

interface HierarchyNode {
  nodeType?: number;
  numPoints: number;
  loaded: boolean;
  boundingBox: { min: Vector3 };
  geometry: BufferGeometry | null;
  children: ReadonlyArray<HierarchyNode | null>;
}

/**
 * Loads every node through potree-core's own loader (hierarchy proxies and point data, decoded by
 * its workers) and reports what it reached: node and point counts and the points' true bounds in
 * scan coordinates. Used by "Check octree" to verify a stored scan end to end.
 */
async function checkOctree(pco: PointCloudOctree): Promise<OctreeCheck> {
  const geometry = pco.pcoGeometry as unknown as {
    root: HierarchyNode;
    offset: Vector3;
    loader: { loadHierarchy(node: HierarchyNode): Promise<void>; load(node: HierarchyNode): Promise<void> };
  };
  const all: HierarchyNode[] = [];
  const stack: HierarchyNode[] = [geometry.root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.nodeType === 2) await geometry.loader.loadHierarchy(node); // proxy: its chunk loads on demand
    all.push(node);
    for (const child of node.children) if (child) stack.push(child);
  }
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  let points = 0;
  for (const node of all) {
    if (!node.loaded) {
      await geometry.loader.load(node);
      const started = performance.now();
      while (!node.loaded) {
        if (performance.now() - started > 30_000) throw new Error('a node did not load within 30 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const position = node.geometry?.getAttribute('position');
    if (!position) continue;
    points += position.count;
    const base = [node.boundingBox.min.x + geometry.offset.x, node.boundingBox.min.y + geometry.offset.y, node.boundingBox.min.z + geometry.offset.z];
    for (let i = 0; i < position.count; i++) {
      for (let axis = 0; axis < 3; axis++) {
        const v = position.getComponent(i, axis) + base[axis]!;
        if (v < min[axis]!) min[axis] = v;
        if (v > max[axis]!) max[axis] = v;
      }
    }
  }
  return { nodes: all.length, points, min, max };
}

/**
 * The point under the cursor: every point of the nodes on screen is projected and the nearest
 * to the cursor within a few pixels wins (the one closest to the eye on ties). Done on the CPU
 * over the loaded nodes, so it works whatever the GPU (SwiftShader included).
 */
/**
 * For each query (normalised device coordinates), the front-most visible point within `radiusPx`
 * of it on the screen, in world coordinates; one pass over the visible points for all queries.
 */
function pickNearestMany(pco: PointCloudOctree, camera: Camera, size: Vector2, queries: readonly [number, number][], radiusPx = 8): (Vector3 | null)[] {
  const p = new Vector3();
  const w = new Vector3();
  const best = queries.map(() => ({ d2: radiusPx * radiusPx, depth: Infinity, point: null as Vector3 | null }));
  const halfW = size.x / 2;
  const halfH = size.y / 2;
  for (const node of pco.visibleNodes) {
    const points = (node as unknown as { sceneNode?: Object3D & { geometry?: BufferGeometry } }).sceneNode;
    const position = points?.geometry?.getAttribute('position');
    if (!points || !position) continue;
    for (let i = 0; i < position.count; i++) {
      w.fromBufferAttribute(position, i).applyMatrix4(points.matrixWorld);
      p.copy(w).project(camera);
      if (p.z < -1 || p.z > 1) continue;
      for (let q = 0; q < queries.length; q++) {
        const dx = (p.x - queries[q]![0]) * halfW;
        const dy = (p.y - queries[q]![1]) * halfH;
        const d2 = dx * dx + dy * dy;
        const b = best[q]!;
        if (d2 < b.d2 || (d2 === b.d2 && p.z < b.depth)) {
          b.d2 = d2;
          b.depth = p.z;
          b.point = w.clone();
        }
      }
    }
  }
  return best.map((b) => b.point);
}

/**
 * The scan's own extent in world coordinates: the position attribute's min/max from its
 * metadata. (potree-core's bounding boxes are the octree's cube, which for a long flat scan puts
 * the centre well off the points and the camera far too far away.) Falls back to the cube.
 */
function scanExtent(pco: PointCloudOctree): Box3 {
  const attributes = (pco.pcoGeometry as unknown as { pointAttributes?: { attributes?: { name: string; range?: unknown }[] } }).pointAttributes?.attributes ?? [];
  const range = attributes.find((a) => a.name === 'position')?.range;
  if (Array.isArray(range) && range.length === 2 && [range[0], range[1]].every((v) => Array.isArray(v) && v.length === 3 && v.every(Number.isFinite))) {
    const [min, max] = range as [number[], number[]];
    return new Box3(new Vector3(min[0], min[1], min[2]), new Vector3(max[0], max[1], max[2]));
  }
  // The cube is relative to the octree's offset (the cloud's position); the world matrix is only
  // brought up to date by a render, which has not happened yet for a new cloud.
  pco.updateMatrixWorld(true);
  return pco.pcoGeometry.boundingBox.clone().applyMatrix4(pco.matrixWorld);
}

/** The budget lives in the viewer store; potree reads it from its own instance. */
function setPointBudget(potree: Potree, budget: number): void {
  potree.pointBudget = budget;
}

/** Per node geometry: which attribute its intensity channel holds, and that attribute's range. */
const attributeCopied = new WeakMap<BufferGeometry, { attribute: string; min: number; max: number }>();

/** potree-core's material colours by intensity; to colour by one of our own attributes
 *  (depth_mm, wound_label) we show that attribute through the intensity channel. Each node is
 *  copied (and its range found) once, not on every frame of an orbit. */
function applyAttribute(pco: PointCloudOctree, attribute: string): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const node of pco.visibleNodes) {
    const geometry = (node as unknown as { geometry?: BufferGeometry }).geometry;
    const source = geometry?.getAttribute(attribute);
    if (!geometry || !source) continue;
    let done = attributeCopied.get(geometry);
    if (done?.attribute !== attribute) {
      let lo = Infinity;
      let hi = -Infinity;
      const copy = new Float32Array(source.count);
      for (let i = 0; i < source.count; i++) {
        const v = source.getX(i);
        copy[i] = v;
        if (Number.isFinite(v)) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      geometry.setAttribute('intensity', new BufferAttribute(copy, 1));
      done = { attribute, min: lo, max: hi };
      attributeCopied.set(geometry, done);
    }
    if (done.min < min) min = done.min;
    if (done.max > max) max = done.max;
  }
  return Number.isFinite(min) ? [min, max === min ? min + 1 : max] : [0, 1];
}

/** Second pass: the assessment overlay (outline, lid, depth colours) drawn over the cloud. */
function renderOverlayPass(gl: WebGLRenderer, scene: Scene, camera: Camera): void {
  const mask = camera.layers.mask;
  const autoClear = gl.autoClear;
  camera.layers.set(OVERLAY_LAYER);
  gl.setRenderTarget(null); // the EDL pass may leave its offscreen target bound
  gl.autoClear = false;
  gl.clearDepth();
  gl.render(scene, camera);
  gl.autoClear = autoClear;
  camera.layers.mask = mask;
}

const requestManager = {
  getUrl: async (u: string) => u,
  fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await fetch(input, { ...init, credentials: 'same-origin' });
    // potree-core does not look at the status: an error page must not become points.
    if (!response.ok) throw new Error(`scan file request failed (${response.status})`);
    return response;
  },
};

/** Flat colour for a whole cloud (the classic shader path: the new format ignores the colour type). */
function applyTint(pco: PointCloudOctree, rgb: [number, number, number]): void {
  const material = pco.material;
  if (material.newFormat) {
    material.newFormat = false;
    material.updateShaderSource();
  }
  material.pointColorType = PointColorType.COLOR;
  material.color.setRGB(rgb[0] / 255, rgb[1] / 255, rgb[2] / 255);
}

export function PotreeCloud(props: PotreeCloudProps) {
  const { url, settings, onLoaded, onError, onStats, tint = null, companion = null } = props;
  const companionRef = useRef<PointCloudOctree | null>(null);
  const { gl, camera, scene, invalidate } = useThree();
  const potree = useMemo(() => new Potree(), []);
  const renderer = useMemo(() => new PotreeRenderer({ edl: { enabled: settings.edl, pointCloudLayer: POINT_CLOUD_LAYER } }), []); // eslint-disable-line react-hooks/exhaustive-deps
  const cloudRef = useRef<LoadedCloud | null>(null);

  useEffect(() => {
    let cancelled = false;
    let pco: PointCloudOctree | null = null;
    potree
      .loadPointCloud(url, requestManager)
      .then((loaded) => {
        if (cancelled) {
          loaded.dispose();
          return;
        }
        pco = loaded;
        loaded.layers.set(POINT_CLOUD_LAYER); // EDL draws point clouds from their own layer
        // …and without EDL the plain render must see that layer too, or the cloud is not drawn at
        // all (the EDL pass masks it in and out itself).
        camera.layers.enable(POINT_CLOUD_LAYER);
        scene.add(loaded);
        const cloud: LoadedCloud = {
          pco: loaded,
          extent: scanExtent(loaded),
          potree,
          check: () => checkOctree(loaded),
          pick(ndcX, ndcY) {
            return pickNearestMany(loaded, camera, gl.getSize(new Vector2()), [[ndcX, ndcY]])[0]!;
          },
          pickMany(queries) {
            return pickNearestMany(loaded, camera, gl.getSize(new Vector2()), queries);
          },
        };
        cloudRef.current = cloud;
        onLoaded(cloud);
        invalidate();
      })
      .catch((error: unknown) => {
        if (!cancelled) onError(error instanceof Error ? error : new Error(String(error)));
      });
    return () => {
      cancelled = true;
      if (pco) {
        scene.remove(pco);
        pco.dispose();
      }
      cloudRef.current = null;
    };
  }, [url, potree, scene, camera, gl, invalidate, onLoaded, onError]);

  // The companion: loaded like the scan, then placed by its transform (potree culls and draws its
  // nodes through the cloud's matrixWorld, so the transform goes there).
  const companionUrl = companion?.url ?? null;
  const companionMatrix = companion ? companion.matrix.join(',') : null;
  useEffect(() => {
    if (!companionUrl || !companionMatrix) return;
    let cancelled = false;
    let loaded: PointCloudOctree | null = null;
    potree
      .loadPointCloud(companionUrl, requestManager)
      .then((pco) => {
        if (cancelled) {
          pco.dispose();
          return;
        }
        loaded = pco;
        pco.layers.set(POINT_CLOUD_LAYER);
        pco.updateMatrix();
        const place = new Matrix4().set(...(companionMatrix.split(',').map(Number) as Parameters<Matrix4['set']>));
        pco.matrix.premultiply(place);
        pco.matrixAutoUpdate = false;
        pco.updateMatrixWorld(true);
        scene.add(pco);
        companionRef.current = pco;
        invalidate();
      })
      .catch((error: unknown) => {
        if (!cancelled) onError(error instanceof Error ? error : new Error(String(error)));
      });
    return () => {
      cancelled = true;
      if (loaded) {
        scene.remove(loaded);
        loaded.dispose();
      }
      companionRef.current = null;
      invalidate();
    };
  }, [companionUrl, companionMatrix, potree, scene, invalidate, onError]);
  const companionRgb = companion?.rgb ?? null;

  useEffect(() => {
    setPointBudget(potree, settings.pointBudget);
    renderer.setEDL({ enabled: settings.edl, pointCloudLayer: POINT_CLOUD_LAYER });
    invalidate();
  }, [potree, renderer, settings.pointBudget, settings.edl, invalidate]);

  // Rendering is on demand: any other setting (colour mode, attribute, point size) needs a frame too.
  useEffect(() => invalidate(), [settings, invalidate]);

  useEffect(() => () => renderer.dispose(), [renderer]);

  // Rendering is on demand and each frame asks for the next while nodes load; a node that arrives
  // after the last frame of a burst (two clouds load independently) would wait for the next
  // interaction. Look four times a second and draw while either cloud still loads.
  useEffect(() => {
    const timer = setInterval(() => {
      const loading = (cloudRef.current?.pco.pcoGeometry.numNodesLoading ?? 0) + (companionRef.current?.pcoGeometry.numNodesLoading ?? 0);
      if (loading > 0) invalidate();
    }, 250);
    return () => clearInterval(timer);
  }, [invalidate]);

  // One frame callback with priority 1: r3f leaves rendering to us (needed for EDL's passes).
  useFrame(() => {
    const cloud = cloudRef.current;
    if (!cloud) {
      gl.render(scene, camera);
      return;
    }
    const { pco } = cloud;
    const material = pco.material;
    material.size = settings.pointSize;
    material.pointSizeType = PointSizeType.ADAPTIVE;
    // The scan's colours are sRGB and the canvas is sRGB: no conversion. (potree-core's default,
    // sRGB in and linear out, runs its fromLinear(), whose mix() picks the wrong branch: every
    // channel above 0.3 % came out ×12.92, i.e. white.)
    material.outputColorEncoding = material.inputColorEncoding;
    // potree-core's "new format" shader takes the colour straight from the rgba attribute whatever
    // the colour type, so height and attribute colouring need the classic path (which in turn
    // has no rgba: it would draw white). Switch it with the mode.
    const rgbFormat = settings.colorMode === 'rgb' && !tint;
    if (material.newFormat !== rgbFormat) {
      material.newFormat = rgbFormat;
      material.updateShaderSource();
    }
    if (tint) applyTint(pco, tint);
    else if (settings.colorMode === 'rgb') material.pointColorType = PointColorType.RGB;
    else if (settings.colorMode === 'height') {
      material.pointColorType = PointColorType.HEIGHT;
      // The shader compares world z; the scan's own z range (not the octree cube's, which is
      // relative to its offset and mostly empty) spreads the gradient over the points.
      const box = cloud.extent;
      material.heightMin = box.min.z;
      material.heightMax = box.max.z;
    } else {
      material.pointColorType = PointColorType.INTENSITY_GRADIENT;
      material.intensityRange = applyAttribute(pco, settings.attribute);
    }
    const other = companionRef.current;
    if (other) {
      other.material.size = settings.pointSize;
      other.material.pointSizeType = PointSizeType.ADAPTIVE;
      other.material.outputColorEncoding = other.material.inputColorEncoding;
      applyTint(other, companionRgb ?? [60, 160, 255]);
    }
    const clouds = other ? [pco, other] : [pco];
    const result = potree.updatePointClouds(clouds, camera, gl);
    renderer.render({ renderer: gl, scene, camera, pointClouds: clouds });
    renderOverlayPass(gl, scene, camera);
    const nodesLoading = pco.pcoGeometry.numNodesLoading + (other?.pcoGeometry.numNodesLoading ?? 0);
    onStats?.({ visiblePoints: result.numVisiblePoints, nodesLoading });
    if (nodesLoading > 0 || result.exceededMaxLoadsToGPU) invalidate();
  }, 1);

  return null;
}
