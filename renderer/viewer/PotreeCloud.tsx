/**
 * One potree-core point cloud inside an r3f scene, owned the drei way: created in an effect,
 * disposed in its cleanup, exposed through a ref; potree's visibility update runs in one
 * useFrame, and the canvas re-renders on demand while nodes are still loading.
 */
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef } from 'react';
import { useFrame, useThree } from '@react-three/fiber';
import { BufferAttribute, type BufferGeometry, Ray, Vector3 } from 'three';
import { PointColorType, PointSizeType, Potree, PotreeRenderer, type PointCloudOctree } from 'potree-core';
import type { ViewerSettings } from './viewer-store';

export interface LoadedCloud {
  pco: PointCloudOctree;
  potree: Potree;
  /** Picks the point under normalised device coordinates (x, y in −1..1). */
  pick(ndcX: number, ndcY: number): Vector3 | null;
}

export interface PotreeCloudProps {
  /** URL ending in /metadata.json; fetched with the page's credentials (browser-host cookie or app://). */
  url: string;
  settings: ViewerSettings;
  onLoaded(cloud: LoadedCloud): void;
  onError(error: Error): void;
  onStats?(stats: { visiblePoints: number; nodesLoading: number }): void;
}

const attributeCopied = new WeakMap<BufferGeometry, string>();

/** potree-core's material colours by intensity; to colour by one of our own attributes
 *  (depth_mm, wound_label) we show that attribute through the intensity channel. */
function applyAttribute(pco: PointCloudOctree, attribute: string): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const node of pco.visibleNodes) {
    const geometry = (node as unknown as { geometry?: BufferGeometry }).geometry;
    const source = geometry?.getAttribute(attribute);
    if (!geometry || !source) continue;
    for (let i = 0; i < source.count; i++) {
      const v = source.getX(i);
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (attributeCopied.get(geometry) === attribute) continue;
    const copy = new Float32Array(source.count);
    for (let i = 0; i < source.count; i++) copy[i] = source.getX(i);
    geometry.setAttribute('intensity', new BufferAttribute(copy, 1));
    attributeCopied.set(geometry, attribute);
  }
  return Number.isFinite(min) ? [min, max === min ? min + 1 : max] : [0, 1];
}

export const PotreeCloud = forwardRef<LoadedCloud | null, PotreeCloudProps>(function PotreeCloud(props, ref) {
  const { url, settings, onLoaded, onError, onStats } = props;
  const { gl, camera, scene, invalidate } = useThree();
  const potree = useMemo(() => new Potree(), []);
  const renderer = useMemo(() => new PotreeRenderer({ edl: { enabled: settings.edl, pointCloudLayer: 1 } }), []); // eslint-disable-line react-hooks/exhaustive-deps
  const cloudRef = useRef<LoadedCloud | null>(null);
  useImperativeHandle(ref, () => cloudRef.current as LoadedCloud, []);

  useEffect(() => {
    let cancelled = false;
    let pco: PointCloudOctree | null = null;
    const requestManager = {
      getUrl: async (u: string) => u,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const response = await fetch(input, { ...init, credentials: 'same-origin' });
        // potree-core does not look at the status: an error page must not become points.
        if (!response.ok) throw new Error(`scan file request failed (${response.status})`);
        return response;
      },
    };
    potree
      .loadPointCloud(url, requestManager)
      .then((loaded) => {
        if (cancelled) {
          loaded.dispose();
          return;
        }
        pco = loaded;
        loaded.layers.set(1); // EDL draws point clouds from layer 1
        scene.add(loaded);
        const cloud: LoadedCloud = {
          pco: loaded,
          potree,
          pick(ndcX, ndcY) {
            const origin = new Vector3().setFromMatrixPosition(camera.matrixWorld);
            const direction = new Vector3(ndcX, ndcY, 0.5).unproject(camera).sub(origin).normalize();
            const hit = Potree.pick([loaded], gl, camera, new Ray(origin, direction), { pickWindowSize: 15 });
            return hit?.position ? hit.position.clone() : null;
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

  useEffect(() => {
    potree.pointBudget = settings.pointBudget;
    renderer.setEDL({ enabled: settings.edl, pointCloudLayer: 1 });
    invalidate();
  }, [potree, renderer, settings.pointBudget, settings.edl, invalidate]);

  useEffect(() => () => renderer.dispose(), [renderer]);

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
    if (settings.colorMode === 'rgb') material.pointColorType = PointColorType.RGB;
    else if (settings.colorMode === 'height') {
      material.pointColorType = PointColorType.HEIGHT;
      const box = pco.pcoGeometry.tightBoundingBox ?? pco.pcoGeometry.boundingBox;
      material.heightMin = box.min.z;
      material.heightMax = box.max.z;
    } else {
      material.pointColorType = PointColorType.INTENSITY_GRADIENT;
      material.intensityRange = applyAttribute(pco, settings.attribute);
    }
    const result = potree.updatePointClouds([pco], camera, gl);
    renderer.render({ renderer: gl, scene, camera, pointClouds: [pco] });
    const nodesLoading = pco.pcoGeometry.numNodesLoading;
    onStats?.({ visiblePoints: result.numVisiblePoints, nodesLoading });
    if (nodesLoading > 0 || result.exceededMaxLoadsToGPU) invalidate();
  }, 1);

  return null;
});
