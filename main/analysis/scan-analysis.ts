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
 * - `amend`: the same for a doctor's corrected outline of a signed-off assessment, stored as its
 *   next version (the record keeps the signed one).
 */
import type { AssessmentDetails, AssessmentFigures, AssessmentMethod, Assessment, MeasureResult, TissuePaintStroke, Vec3Tuple } from '../../common/assessments';
import { MAX_DEPTH_OVERLAY_POINTS, TISSUE_TYPES } from '../../common/assessments';
import type { PointCloud } from '../../common/point-cloud';
import type { MeasureRunner, MeasureRunResult } from './assessment/index';
import { AssessmentError, type Actor, type AssessmentsRepository, type ScansRepository } from '../records/index';
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

export interface AmendAssessmentRequest extends Omit<SaveAssessmentRequest, 'scanId' | 'requestId'> {
  /** The signed-off version being corrected. */
  id: string;
  reason: string;
}

export interface ScanAnalysis {
  cloud(scanId: string): Promise<PointCloud>;
  measure(scanId: string, outline: Vec3Tuple[], options?: { bodyAxis?: Vec3Tuple; tissuePaint?: TissuePaintStroke[] }): Promise<MeasureResult>;
  save(request: SaveAssessmentRequest, actor: Actor): Promise<SaveAssessmentOutcome>;
  /** A doctor's amendment of a signed-off assessment: its outline measured again here, stored as the next version (the record keeps the old). */
  amend(request: AmendAssessmentRequest, actor: Actor): Promise<SaveAssessmentOutcome>;
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

  /**
   * Re-measures `outline` (client figures are never trusted), stores the result with `store`, then
   * writes a new octree generation with `wound_label` and `depth_mm` of this outline, switches the
   * scan's record to it and only then removes the old one. Saves of one scan run one after another.
   */
  function measureAndStore(
    scanId: string,
    input: { outline: Vec3Tuple[]; bodyAxis?: Vec3Tuple; tissuePaint?: TissuePaintStroke[] },
    store: (figures: AssessmentFigures) => Assessment,
    actor: Actor,
    replay: () => SaveAssessmentOutcome | null = () => null,
  ): Promise<SaveAssessmentOutcome> {
    const previous = saving.get(scanId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async (): Promise<SaveAssessmentOutcome> => {
      const earlier = replay();
      if (earlier) return earlier;
      const cloud = await analysis.cloud(scanId);
      const m = await deps.measure.measure(keyOf(scanId), cloud, input.outline, {
        perPoint: true,
        maxOverlayPoints: 1,
        tissuePaint: paintForWorker(input.tissuePaint),
        ...(input.bodyAxis ? { bodyAxis: input.bodyAxis } : {}),
      });
      const assessment = store(m.figures);
      let octreeUpdated = false;
      try {
        const before = deps.scans.files(scanId)?.octreeFileId ?? null;
        const written = await writeOctreeGeneration(deps.store, scanId, before, cloud, { woundLabel: m.perPoint!.insideMask, depthMm: m.perPoint!.depthMm });
        const scan = deps.scans.get(scanId, actor);
        const attributes = [...new Set([...(scan?.attributes ?? ['position']), 'wound_label', 'depth_mm'])];
        deps.scans.replaceOctree(scanId, written.metadataFileId, attributes, actor);
        octreeUpdated = true;
        if (octreePrefixOf(before) !== written.prefix) await removeOctreeGeneration(deps.store, scanId, octreePrefixOf(before)).catch(() => undefined);
      } catch (error) {
        deps.logger.warn('assessment saved; rebuilding the scan octree failed', { error: error instanceof Error ? error.name : 'unknown' });
      }
      return { assessment, replayed: false, octreeUpdated };
    });
    saving.set(scanId, run);
    return run.finally(() => {
      if (saving.get(scanId) === run) saving.delete(scanId);
    });
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

    save(request, actor) {
      return measureAndStore(
        request.scanId,
        request,
        (figures) =>
          deps.assessments.create(
            {
              requestId: request.requestId,
              scanId: request.scanId,
              method: request.method,
              modelVersion: request.modelVersion,
              figures,
              outline: request.outline,
              ...(request.bodyAxis ? { bodyAxis: request.bodyAxis } : {}),
              ...(request.tissuePaint ? { tissuePaint: request.tissuePaint } : {}),
              ...(request.details ? { details: request.details } : {}),
            },
            actor,
          ),
        actor,
        // Saves of a scan run one at a time, so a repeated request finds the first one's assessment here.
        () => {
          const earlier = deps.assessments.forRequest(request.requestId, request.scanId, actor);
          return earlier ? { assessment: earlier, replayed: true, octreeUpdated: (deps.scans.get(request.scanId, actor)?.attributes ?? []).includes('depth_mm') } : null;
        },
      );
    },

    async amend(request, actor) {
      const old = deps.assessments.get(request.id, actor);
      if (!old) throw new ScanAnalysisError('NOT_FOUND', 'No such assessment in this clinic.');
      if (!old.scanId) throw new ScanAnalysisError('SCAN_UNREADABLE', 'This assessment has no scan to measure the corrected outline on.');
      // Refused before measuring (seconds on a large scan); the record checks again as it stores.
      if (old.signedOffAt === null) throw new AssessmentError('NOT_SIGNED_OFF', 'Only a signed-off assessment is amended; this one can still be measured again, voided or signed off.');
      if (old.replacedBy) throw new AssessmentError('ALREADY_AMENDED', `This version was already amended (version ${old.replacedBy.version}); amend the newest version.`);
      // What the correction does not give is the signed version's: head direction, tissue paint.
      const bodyAxis = request.bodyAxis ?? old.bodyAxis ?? undefined;
      const tissuePaint = request.tissuePaint ?? old.tissuePaint;
      return measureAndStore(
        old.scanId,
        { outline: request.outline, tissuePaint, ...(bodyAxis ? { bodyAxis } : {}) },
        (figures) =>
          deps.assessments.amend(
            request.id,
            { method: request.method, modelVersion: request.modelVersion, figures, outline: request.outline, reason: request.reason, tissuePaint, ...(bodyAxis ? { bodyAxis } : {}), ...(request.details ? { details: request.details } : {}) },
            actor,
          ),
        actor,
      );
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
