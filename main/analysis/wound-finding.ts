/**
 * "Find wound" for the workstation. Each clinic uses its OWN active model (the one its IT admin
 * installed, else the bundled reference model: segmentation's activeModelManifest), so one clinic's
 * change of model never reaches another clinic's scans. One segmenter (onnxruntime session in its
 * worker) per model in use, created on first use and reused for every scan of every clinic using
 * that model; the least recently used is disposed beyond a few; all are disposed with the services.
 */
import type { PointCloud } from '../../common/point-cloud';
import { findWoundInScan, type FindWoundResult } from './wound-finder/index';
import * as segmentation from './segmentation/index';
import type { Logger } from '../shared/logger';

export interface WoundFinding {
  find(clinicId: string, cloud: PointCloud, signal?: AbortSignal): Promise<FindWoundResult>;
  /** The clinic's model and provider once its segmenter exists (nulls before first use). */
  status(clinicId: string): { model: { name: string; version: string } | null; provider: string | null };
  dispose(): Promise<void>;
}

/** The clinic's installed model when one is active, else the bundled reference model. */
export function modelManifestFor(dataDir: string, clinicId: string): string {
  return segmentation.activeModelManifest(dataDir, clinicId);
}

const MAX_SEGMENTERS = 3;

export function createWoundFinding(deps: { dataDir: string; logger: Logger; manifestPath?: (clinicId: string) => string }): WoundFinding {
  const segmenters = new Map<string, Promise<segmentation.Segmenter>>();
  const ready = new Map<string, segmentation.Segmenter>();
  const manifest = deps.manifestPath ?? ((clinicId: string) => modelManifestFor(deps.dataDir, clinicId));

  function get(path: string): Promise<segmentation.Segmenter> {
    let s = segmenters.get(path);
    if (s) {
      segmenters.delete(path); // most recently used last
      segmenters.set(path, s);
      return s;
    }
    const started = performance.now();
    s = segmentation.createSegmenter({ manifestPath: path });
    segmenters.set(path, s);
    s.then(
      (x) => {
        ready.set(path, x);
        deps.logger.info('wound model loaded', { model: x.model.name, version: x.model.version, provider: x.provider, ms: Math.round(performance.now() - started) });
      },
      () => {
        if (segmenters.get(path) === s) segmenters.delete(path); // a failed load is retried on the next call
      },
    );
    while (segmenters.size > MAX_SEGMENTERS) {
      const [oldest, p] = segmenters.entries().next().value!;
      segmenters.delete(oldest);
      ready.delete(oldest);
      void p.then((x) => x.dispose(), () => undefined);
    }
    return s;
  }

  return {
    async find(clinicId, cloud, signal) {
      const s = await get(manifest(clinicId));
      return findWoundInScan(cloud, s, signal ? { signal } : {});
    },
    status(clinicId) {
      const s = ready.get(manifest(clinicId));
      return { model: s ? { name: s.model.name, version: s.model.version } : null, provider: s?.provider ?? null };
    },
    async dispose() {
      const all = [...segmenters.values()];
      segmenters.clear();
      ready.clear();
      await Promise.all(all.map((p) => p.then((x) => x.dispose(), () => undefined)));
    },
  };
}
