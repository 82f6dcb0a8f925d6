/**
 * "Find wound" for the workstation: ONE segmenter (onnxruntime session in its worker), created on
 * first use and reused for every scan and clinic, disposed with the services. The model is the
 * clinic-installed one when one is active, otherwise the bundled reference model
 * (segmentation's activeModelManifest).
 */
import type { PointCloud } from '../../common/point-cloud';
import { findWoundInScan, type FindWoundResult } from './wound-finder/index';
import * as segmentation from './segmentation/index';
import type { Logger } from '../shared/logger';

export interface WoundFinding {
  find(cloud: PointCloud, signal?: AbortSignal): Promise<FindWoundResult>;
  /** The model and provider once the segmenter exists (null before first use). */
  status(): { model: { name: string; version: string } | null; provider: string | null };
  dispose(): Promise<void>;
}

/** The clinic-installed model when one is active, else the bundled reference model. */
export function modelManifestFor(dataDir: string): string {
  return segmentation.activeModelManifest(dataDir);
}

export function createWoundFinding(deps: { dataDir: string; logger: Logger; manifestPath?: () => string }): WoundFinding {
  let segmenter: Promise<segmentation.Segmenter> | null = null;
  let ready: segmentation.Segmenter | null = null;
  const manifest = deps.manifestPath ?? (() => modelManifestFor(deps.dataDir));

  function get(): Promise<segmentation.Segmenter> {
    if (!segmenter) {
      const started = performance.now();
      segmenter = segmentation.createSegmenter({ manifestPath: manifest() });
      segmenter.then(
        (s) => {
          ready = s;
          deps.logger.info('wound model loaded', { model: s.model.name, version: s.model.version, provider: s.provider, ms: Math.round(performance.now() - started) });
        },
        () => {
          segmenter = null; // a failed load is retried on the next call
        },
      );
    }
    return segmenter;
  }

  return {
    async find(cloud, signal) {
      const s = await get();
      return findWoundInScan(cloud, s, signal ? { signal } : {});
    },
    status: () => ({ model: ready ? { name: ready.model.name, version: ready.model.version } : null, provider: ready?.provider ?? null }),
    async dispose() {
      const s = segmenter;
      segmenter = null;
      ready = null;
      if (s) await s.then((x) => x.dispose(), () => undefined);
    },
  };
}
