/**
 * Analysis of stored scans, per open clinic: composition of the scans service (encrypted store,
 * parse worker, octree generations), the measure worker and the record's assessments.
 *
 * - `cloud(scanId)`: the scan's points in millimetres, decrypted from the stored original and
 *   parsed in a worker exactly as the import did (so point order matches the octree's input);
 *   the last two scans are kept in memory so live re-measuring while an outline is edited does
 *   not re-read the file. Evicted on scan delete and when the clinic closes.
 * - `measure`: measureWound in the `wound-measure` worker.
 * - `save`: re-measures (client figures are never trusted), stores the assessment (audited, the
 *   nurse as measurer), then writes a new octree generation with `wound_label` and `depth_mm`
 *   filled, switches the scan's record to it and only then removes the old generation.
 */
import type { AssessmentDetails, AssessmentFigures, AssessmentMethod, Assessment, MeasureResult, TissuePaintStroke, Vec3Tuple } from '../../common/assessments';
import { MAX_DEPTH_OVERLAY_POINTS, TISSUE_TYPES } from '../../common/assessments';
import type { PointCloud } from '../../common/point-cloud';
import type { MeasureRunner, MeasureRunResult } from './assessment/index';
import type { Actor, AssessmentsRepository, ScansRepository } from '../records/index';
import { octreePrefixOf, parseInWorker, removeOctreeGeneration, toMillimetres, writeOctreeGeneration, type ScanStore } from '../scans/index';
import type { Logger } from '../shared/logger';

/** Scans kept parsed in memory per clinic. */
export const CLOUD_CACHE_SIZE = 2;

export class ScanAnalysisError extends Error {
  override readonly name = 'ScanAnalysisError';
  constructor(
    readonly code: 'NOT_FOUND' | 'SCAN_UNREADABLE',
    message: string,
  ) {
    super(message);
  }
}

export interface SaveAssessmentRequest {
  /** The client's id for this save: a repeat (double-click, retry) returns the first result. */
  requestId: string;
  scanId: string;
  outline: Vec3Tuple[];
  method: AssessmentMethod;
  modelVersion: string | null;
  bodyAxis?: Vec3Tuple;
  tissuePaint?: TissuePaintStroke[];
  details?: AssessmentDetails;
}

export interface SaveAssessmentOutcome {
  assessment: Assessment;
  /** True when this request id had already saved the assessment (nothing new was stored). */
  replayed: boolean;
  /** False when the assessment was saved but the scan's 3D view could not be rebuilt (logged). */
  octreeUpdated: boolean;
}

export interface ScanAnalysis {
  cloud(scanId: string): Promise<PointCloud>;
  measure(scanId: string, outline: Vec3Tuple[], options?: { bodyAxis?: Vec3Tuple; tissuePaint?: TissuePaintStroke[] }): Promise<MeasureResult>;
  save(request: SaveAssessmentRequest, actor: Actor): Promise<SaveAssessmentOutcome>;
  /** Forget a scan (deleted). */
  evict(scanId: string): void;
  dispose(): void;
}

export interface ScanAnalysisDeps {
  clinicId: string;
  store: ScanStore;
  scans: ScansRepository;
  assessments: AssessmentsRepository;
  measure: MeasureRunner;
  logger: Logger;
}

const toNumbers = (a: Float32Array | Uint32Array): number[] => Array.from(a, (v) => Math.round(v * 1000) / 1000);

function toResult(r: MeasureRunResult): MeasureResult {
  return {
    figures: r.figures satisfies AssessmentFigures,
    lid: { positions: toNumbers(r.lid.positions), indices: Array.from(r.lid.indices) },
    depth: { positions: toNumbers(r.overlay.positions), depthMm: toNumbers(r.overlay.depthMm), tissue: Array.from(r.overlay.tissue), min: r.overlay.min, max: r.overlay.max, total: r.overlay.total },
    woundPointCount: r.woundPointCount,
    ms: Math.round(r.ms * 10) / 10,
  };
}

/** Tissue paint as the measure worker takes it (class index instead of name). */
const paintForWorker = (paint: TissuePaintStroke[] | undefined) => (paint ?? []).map((s) => ({ tissue: TISSUE_TYPES.indexOf(s.tissue), centre: s.centre, radiusMm: s.radiusMm }));

export function createScanAnalysis(deps: ScanAnalysisDeps): ScanAnalysis {
  /** Most recently used last. A failed load is not kept. */
  const cache = new Map<string, Promise<PointCloud>>();
  /** Saves of one scan run one after another (each writes the next octree generation). */
  const saving = new Map<string, Promise<unknown>>();
  let disposed = false;
  const keyOf = (scanId: string) => `${deps.clinicId}:${scanId}`;

  async function load(scanId: string): Promise<PointCloud> {
    const files = deps.scans.files(scanId);
    if (!files) throw new ScanAnalysisError('NOT_FOUND', 'No such scan in this clinic.');
    if (!files.rawFileId) throw new ScanAnalysisError('SCAN_UNREADABLE', 'This scan has no stored original to measure on.');
    const started = performance.now();
    const bytes = await deps.store.readAll(scanId, files.rawFileId);
    // Same options as the import, so the points come in the order the octree was built from.
    const cloud = toMillimetres(await parseInWorker(bytes, { fileName: files.rawFileId, applyE57Pose: true }));
    deps.logger.info('scan loaded for analysis', { points: cloud.count, ms: Math.round(performance.now() - started) });
    return cloud;
  }

  const analysis: ScanAnalysis = {
    cloud(scanId) {
      if (disposed) return Promise.reject(new Error('the clinic is closed'));
      let p = cache.get(scanId);
      if (p) {
        cache.delete(scanId);
        cache.set(scanId, p);
        return p;
      }
      p = load(scanId);
      cache.set(scanId, p);
      p.catch(() => {
        if (cache.get(scanId) === p) cache.delete(scanId);
      });
      while (cache.size > CLOUD_CACHE_SIZE) {
        const oldest = cache.keys().next().value!;
        cache.delete(oldest);
        deps.measure.drop(keyOf(oldest));
      }
      return p;
    },

    async measure(scanId, outline, options = {}) {
      const cloud = await analysis.cloud(scanId);
      const r = await deps.measure.measure(keyOf(scanId), cloud, outline, { maxOverlayPoints: MAX_DEPTH_OVERLAY_POINTS, tissuePaint: paintForWorker(options.tissuePaint), ...(options.bodyAxis ? { bodyAxis: options.bodyAxis } : {}) });
      return toResult(r);
    },

    async save(request, actor) {
      const previous = saving.get(request.scanId) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(async (): Promise<SaveAssessmentOutcome> => {
        // Saves of a scan run one at a time, so a repeated request finds the first one's assessment here.
        const earlier = deps.assessments.forRequest(request.requestId, request.scanId, actor);
        if (earlier) return { assessment: earlier, replayed: true, octreeUpdated: (deps.scans.get(request.scanId, actor)?.attributes ?? []).includes('depth_mm') };
        const cloud = await analysis.cloud(request.scanId);
        const m = await deps.measure.measure(keyOf(request.scanId), cloud, request.outline, {
          perPoint: true,
          maxOverlayPoints: 1,
          tissuePaint: paintForWorker(request.tissuePaint),
          ...(request.bodyAxis ? { bodyAxis: request.bodyAxis } : {}),
        });
        const assessment = deps.assessments.create(
          {
            requestId: request.requestId,
            scanId: request.scanId,
            method: request.method,
            modelVersion: request.modelVersion,
            figures: m.figures,
            outline: request.outline,
            ...(request.bodyAxis ? { bodyAxis: request.bodyAxis } : {}),
            ...(request.tissuePaint ? { tissuePaint: request.tissuePaint } : {}),
            ...(request.details ? { details: request.details } : {}),
          },
          actor,
        );
        let octreeUpdated = false;
        try {
          const before = deps.scans.files(request.scanId)?.octreeFileId ?? null;
          const written = await writeOctreeGeneration(deps.store, request.scanId, before, cloud, { woundLabel: m.perPoint!.insideMask, depthMm: m.perPoint!.depthMm });
          const scan = deps.scans.get(request.scanId, actor);
          const attributes = [...new Set([...(scan?.attributes ?? ['position']), 'wound_label', 'depth_mm'])];
          deps.scans.replaceOctree(request.scanId, written.metadataFileId, attributes, actor);
          octreeUpdated = true;
          if (octreePrefixOf(before) !== written.prefix) await removeOctreeGeneration(deps.store, request.scanId, octreePrefixOf(before)).catch(() => undefined);
        } catch (error) {
          deps.logger.warn('assessment saved; rebuilding the scan octree failed', { error: error instanceof Error ? error.name : 'unknown' });
        }
        return { assessment, replayed: false, octreeUpdated };
      });
      saving.set(request.scanId, run);
      try {
        return await run;
      } finally {
        if (saving.get(request.scanId) === run) saving.delete(request.scanId);
      }
    },

    evict(scanId) {
      cache.delete(scanId);
      deps.measure.drop(keyOf(scanId));
    },

    dispose() {
      disposed = true;
      for (const scanId of cache.keys()) deps.measure.drop(keyOf(scanId));
      cache.clear();
    },
  };
  return analysis;
}
