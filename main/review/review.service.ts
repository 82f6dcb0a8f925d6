/**
 * The doctor's review of a wound, per open clinic: its visits on one time axis, the healing figures
 * from the baseline (healing.ts), the predicted course (course.ts), the patient's body map
 * (body-map.ts), the picked baseline, and two visits compared in 3D in the `review-compare` worker
 * (registration/), as jobs with live progress.
 *
 * Which assessments count: the current version of each (an amended version is replaced and kept
 * only for the record; a voided one counts nowhere), from the baseline on — the doctor's pick (its
 * newest version) or else the first. Reading a review reads the wound's assessments and scans (audited there); a comparison
 * is audited as `scan.compare` on both scans.
 */
import { randomUUID } from 'node:crypto';
import type { Assessment } from '../../common/assessments';
import type { PointCloud } from '../../common/point-cloud';
import type { Wound } from '../../common/records';
import { MAX_CHANGE_POINTS, type BodyMapMarker, type CompareJob, type Comparison, type CourseView, type ParAtDayView, type ThresholdCheckView, type TimelineEntry, type TrendVisit, type WoundReview } from '../../common/review';
import type { Scan } from '../../common/scans';
import type { Actor, AssessmentsRepository, ScansRepository, WoundBaselinesRepository, WoundsRepository } from '../records/index';
import type { Logger } from '../shared/logger';
import { placeOnBody } from './body-map';
import type { CompareRunner } from './compare-runner';
import type { CompareStage } from './compare-worker.schema';
import { CLOSURE_AREA_CM2, DAY_MS, fitCourse } from './course';
import { checkThresholds, gilmanRate, parAtDay, percentAreaReduction, volumeRate, type Etiology, type ParAtDay, type VisitFigures } from './healing';
import type { Vec3 } from './registration/rigid';
import { renderThumbnail } from './thumbnail';

export class ReviewError extends Error {
  override readonly name = 'ReviewError';
  constructor(
    readonly code: 'NOT_FOUND' | 'NOT_SAME_WOUND' | 'SCAN_UNREADABLE' | 'COMPARISON_NOT_READY',
    message: string,
  ) {
    super(message);
  }
}

export interface ReviewDeps {
  wounds: WoundsRepository;
  scans: ScansRepository;
  assessments: AssessmentsRepository;
  baselines: WoundBaselinesRepository;
  /** A stored scan's points in millimetres (the analysis service's cached loader). */
  loadCloud(scanId: string): Promise<PointCloud>;
  compare: CompareRunner;
  /** Appends to the clinic's audit log. */
  audit(actor: Actor, action: string, entity: string, entityId: string): void;
  logger: Logger;
}

export interface ReviewService {
  woundReview(woundId: string, actor: Actor): WoundReview;
  /** The healing figures of `all` (every version of the wound's assessments, already read) from the picked baseline on, as the review shows them (the course report's chart and check). */
  trendsOf(wound: Pick<Wound, 'id' | 'etiology'>, all: Assessment[]): WoundTrends;
  /** Picks the baseline (an assessment of the wound), or back to the first with null. */
  setBaseline(woundId: string, assessmentId: string | null, actor: Actor): WoundReview;
  bodyMap(patientId: string, actor: Actor): BodyMapMarker[];
  /** Starts comparing two scans of one wound (or returns the running job for the same pair). */
  startComparison(input: { earlierScanId: string; laterScanId: string }, actor: Actor): CompareJob;
  jobs(): CompareJob[];
  /** A finished comparison's result. */
  comparison(jobId: string): Comparison;
  cancelComparison(jobId: string): void;
  onDidChangeJob(listener: (job: CompareJob) => void): () => void;
  /** A small PNG of the scan seen onto its wound, with the outline (cached per scan and outline). */
  thumbnail(scanId: string, actor: Actor): Promise<Buffer>;
  dispose(): void;
}

/** Finished comparisons kept for the renderer to fetch (their change maps are large). */
const KEEP_JOBS = 6;
/** Timeline thumbnails kept (a few kB each). */
const KEEP_THUMBNAILS = 64;

const ETIOLOGY_WORDS: Record<Etiology, string> = {
  diabetic_foot_ulcer: 'Diabetic foot ulcer',
  venous_leg_ulcer: 'Venous leg ulcer',
  pressure_injury: 'Pressure injury',
  surgical: 'Surgical wound',
  burn: 'Burn',
  other: 'Wound',
};

function parView(par: ParAtDay): ParAtDayView {
  switch (par.status) {
    case 'visit':
      return { status: 'visit', day: par.day, pct: par.pct, areaCm2: par.areaCm2, assessmentId: par.visit.id, visitDay: par.visit.day };
    case 'interpolated':
      return {
        status: 'interpolated',
        day: par.day,
        pct: par.pct,
        areaCm2: par.areaCm2,
        from: { assessmentId: par.window.from.id, day: par.window.from.day, areaCm2: par.window.from.areaCm2 },
        to: { assessmentId: par.window.to.id, day: par.window.to.day, areaCm2: par.window.to.areaCm2 },
      };
    default:
      return par;
  }
}

const figuresOf = (a: Assessment): VisitFigures => ({ id: a.id, at: a.measuredAt, areaCm2: a.figures.area_cm2, perimeterCm: a.figures.perimeter_cm, volumeCm3: a.figures.volume_cm3, maxDepthMm: a.figures.max_depth_mm });
const rounded = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The healing figures of a wound's current assessments from `baseline` on (pure: tested through the service). */
export function buildTrends(current: Assessment[], baselineId: string | null, etiology: Etiology): Pick<WoundReview, 'visits' | 'overall' | 'par4Weeks' | 'checks' | 'course'> & { baselineAt: number | null } {
  const ordered = [...current].sort((a, b) => a.measuredAt - b.measuredAt || a.id.localeCompare(b.id));
  const baseIndex = Math.max(0, baselineId ? ordered.findIndex((a) => a.id === baselineId) : 0);
  const counted = ordered.slice(baseIndex);
  const base = counted[0];
  if (!base) return { visits: [], overall: { gilmanCmPerWeek: null, volumeRateCmPerWeek: null, parPct: null }, par4Weeks: null, checks: [], course: { status: 'too-few', visits: 0, healedAt: null }, baselineAt: null };
  const baselineAt = base.measuredAt;
  const dayOf = (at: number) => (at - baselineAt) / DAY_MS;
  const points = counted.map((a) => ({ id: a.id, day: dayOf(a.measuredAt), areaCm2: a.figures.area_cm2 }));
  const course = fitCourse(points);
  const flags = course.status === 'fitted' ? course.flags : new Map();
  const visits: TrendVisit[] = counted.map((a, i) => {
    const previous = i > 0 ? figuresOf(counted[i - 1]!) : null;
    return {
      assessmentId: a.id,
      scanId: a.scanId,
      at: a.measuredAt,
      day: dayOf(a.measuredAt),
      areaCm2: a.figures.area_cm2,
      perimeterCm: a.figures.perimeter_cm,
      volumeCm3: a.figures.volume_cm3,
      maxDepthMm: a.figures.max_depth_mm,
      parPct: percentAreaReduction(base.figures.area_cm2, a.figures.area_cm2),
      gilmanCmPerWeek: previous ? gilmanRate(previous, figuresOf(a)) : null,
      volumeRateCmPerWeek: previous ? volumeRate(previous, figuresOf(a)) : null,
      flag: flags.get(a.id) ?? null,
    };
  });
  const last = counted.at(-1)!;
  const atOfDay = (day: number) => Math.round(baselineAt + day * DAY_MS);
  let courseView: CourseView;
  if (course.status === 'too-few') courseView = { status: 'too-few', visits: course.visits, healedAt: course.healedOnDay === null ? null : atOfDay(course.healedOnDay) };
  else {
    courseView = {
      status: 'fitted',
      visits: course.n,
      a0Cm2: course.a0Cm2,
      kPerDay: course.kPerDay,
      kStdError: course.kStdError,
      halfLifeDays: course.closing ? Math.log(2) / course.kPerDay : null,
      closing: course.closing,
      closureAt: course.closureDay === null ? null : atOfDay(course.closureDay),
      closureEarliestAt: course.closureEarliestDay === null ? null : atOfDay(course.closureEarliestDay),
      closureLatestAt: course.closureLatestDay === null ? null : atOfDay(course.closureLatestDay),
      healedAt: course.healedOnDay === null ? null : atOfDay(course.healedOnDay),
      curve: course.curve.map((s) => ({ day: s.day, at: atOfDay(s.day), fitCm2: rounded(s.fitCm2, 5), lowCm2: rounded(s.lowCm2, 5), highCm2: rounded(s.highCm2, 5) })),
    };
  }
  const checks: ThresholdCheckView[] = checkThresholds(etiology, points).map((c) => ({
    id: c.threshold.id,
    label: `${ETIOLOGY_WORDS[c.threshold.etiology]}: at least ${c.threshold.minPct} % smaller by ${c.threshold.day / 7} weeks`,
    day: c.threshold.day,
    minPct: c.threshold.minPct,
    citation: c.threshold.citation,
    meaning: c.threshold.meaning,
    outcome: c.outcome,
    par: parView(c.par),
  }));
  return {
    visits,
    overall: {
      gilmanCmPerWeek: counted.length > 1 ? gilmanRate(figuresOf(base), figuresOf(last)) : null,
      volumeRateCmPerWeek: counted.length > 1 ? volumeRate(figuresOf(base), figuresOf(last)) : null,
      parPct: counted.length > 1 ? percentAreaReduction(base.figures.area_cm2, last.figures.area_cm2) : null,
    },
    par4Weeks: parView(parAtDay(points, 28)),
    checks,
    course: courseView,
    baselineAt,
  };
}

/** The assessments that count: current versions, not voided. */
const counts = (a: Assessment): boolean => !a.replacedBy && !a.voided;

/** The newest version of the chain an assessment belongs to (a picked baseline follows its amendments). */
function newestVersion(all: Assessment[], id: string): Assessment | undefined {
  const byId = new Map(all.map((a) => [a.id, a]));
  let a = byId.get(id);
  for (let guard = 0; a?.replacedBy && guard < 1000; guard++) a = byId.get(a.replacedBy.id);
  return a;
}

/**
 * The healing figures as the review shows them, from every version of a wound's assessments and the
 * doctor's picked baseline: the current versions from the baseline (its newest version) on. The
 * course report draws the same figures (one definition of which visits count).
 */
export type WoundTrends = ReturnType<typeof buildTrends> & { pickedCurrentId: string | null };

export function woundTrends(all: Assessment[], pickedAssessmentId: string | null, etiology: Etiology): WoundTrends {
  const pickedCurrent = pickedAssessmentId ? newestVersion(all, pickedAssessmentId) : undefined;
  return { ...buildTrends(all.filter(counts), pickedCurrent?.id ?? null, etiology), pickedCurrentId: pickedCurrent?.id ?? null };
}

export function createReviewService(deps: ReviewDeps): ReviewService {
  const jobs = new Map<string, { job: CompareJob; result: Comparison | null; abort: AbortController }>();
  const thumbnails = new Map<string, Promise<Buffer>>();
  const listeners = new Set<(job: CompareJob) => void>();
  let disposed = false;

  const emit = (job: CompareJob) => {
    for (const l of listeners) l(job);
  };
  const update = (id: string, patch: Partial<CompareJob>) => {
    const entry = jobs.get(id);
    if (!entry) return;
    entry.job = { ...entry.job, ...patch };
    emit(entry.job);
  };

  const woundOf = (woundId: string, actor: Actor): Wound => {
    const wound = deps.wounds.get(woundId, actor);
    if (!wound) throw new ReviewError('NOT_FOUND', 'No such wound in this clinic.');
    return wound;
  };

  /** The outline a scan's comparison uses: its newest current assessment's. */
  const outlineOf = (all: Assessment[], scanId: string): { id: string; outline: Vec3[] } | null => {
    const a = all.filter((x) => x.scanId === scanId && counts(x) && x.outline.length >= 3).sort((x, y) => y.measuredAt - x.measuredAt || y.version - x.version)[0];
    return a ? { id: a.id, outline: a.outline as Vec3[] } : null;
  };

  const review: ReviewService = {
    woundReview(woundId, actor) {
      const wound = woundOf(woundId, actor);
      const scans = deps.scans.listByWound(woundId, actor);
      const all = deps.assessments.listByWound(woundId, actor);
      const picked = deps.baselines.get(woundId);
      const trends = woundTrends(all, picked?.assessmentId ?? null, wound.etiology);
      const byScan = new Map<string, Assessment[]>();
      const loose: Assessment[] = [];
      for (const a of all) {
        if (a.scanId && scans.some((s) => s.id === a.scanId)) byScan.set(a.scanId, [...(byScan.get(a.scanId) ?? []), a]);
        else loose.push(a);
      }
      const newestFirst = (xs: Assessment[]) => [...xs].sort((a, b) => b.measuredAt - a.measuredAt || b.version - a.version);
      const timeline: TimelineEntry[] = [
        ...scans.map((s: Scan) => ({ scan: s, at: s.capturedAt, assessments: newestFirst(byScan.get(s.id) ?? []) })),
        ...loose.map((a) => ({ scan: null, at: a.measuredAt, assessments: [a] })),
      ].sort((a, b) => a.at - b.at);
      const baselineVisit = trends.visits[0];
      return {
        wound,
        baseline: baselineVisit
          ? { assessmentId: baselineVisit.assessmentId, at: baselineVisit.at, picked: picked && trends.pickedCurrentId === baselineVisit.assessmentId ? { by: picked.pickedBy, at: picked.pickedAt } : null }
          : null,
        timeline,
        visits: trends.visits,
        overall: trends.overall,
        par4Weeks: trends.par4Weeks,
        checks: trends.checks,
        course: trends.course,
        closureAreaCm2: CLOSURE_AREA_CM2,
      };
    },

    trendsOf(wound, all) {
      return woundTrends(all, deps.baselines.get(wound.id)?.assessmentId ?? null, wound.etiology);
    },

    setBaseline(woundId, assessmentId, actor) {
      woundOf(woundId, actor);
      if (assessmentId !== null) {
        const a = deps.assessments.get(assessmentId, actor);
        if (!a || a.woundId !== woundId) throw new ReviewError('NOT_FOUND', 'No such assessment of this wound.');
      }
      deps.baselines.set(woundId, assessmentId, actor);
      return review.woundReview(woundId, actor);
    },

    bodyMap(patientId, actor) {
      return deps.wounds.listByPatient(patientId, actor).map((w) => {
        const current = deps.assessments.listByWound(w.id, actor).filter(counts);
        const latest = current.sort((a, b) => b.measuredAt - a.measuredAt)[0];
        return {
          woundId: w.id,
          bodySite: w.bodySite,
          laterality: w.laterality,
          etiology: w.etiology,
          status: w.status,
          place: placeOnBody(w.bodySite, w.laterality),
          latestAreaCm2: latest ? latest.figures.area_cm2 : null,
          latestAt: latest ? latest.measuredAt : null,
        };
      });
    },

    startComparison(input, actor) {
      const a = deps.scans.get(input.earlierScanId, actor);
      const b = deps.scans.get(input.laterScanId, actor);
      if (!a || !b) throw new ReviewError('NOT_FOUND', 'No such scan in this clinic.');
      if (a.woundId !== b.woundId) throw new ReviewError('NOT_SAME_WOUND', 'The two scans are of different wounds; compare two visits of one wound.');
      // Earlier and later by capture time, whichever order they were picked in.
      const [earlier, later] = a.capturedAt <= b.capturedAt ? [a, b] : [b, a];
      const running = [...jobs.values()].find((j) => j.job.earlierScanId === earlier.id && j.job.laterScanId === later.id && j.job.finishedAt === null);
      if (running) return running.job;
      const all = deps.assessments.listByWound(earlier.woundId, actor);
      const earlierOutline = outlineOf(all, earlier.id);
      const laterOutline = outlineOf(all, later.id);
      const id = randomUUID();
      const job: CompareJob = { id, earlierScanId: earlier.id, laterScanId: later.id, phase: 'queued', progress: 0, error: null, startedAt: Date.now(), finishedAt: null };
      const abort = new AbortController();
      jobs.set(id, { job, result: null, abort });
      for (const [oldId, entry] of [...jobs.entries()].filter(([, e]) => e.job.finishedAt !== null).slice(0, Math.max(0, jobs.size - KEEP_JOBS))) {
        if (entry.job.finishedAt !== null) jobs.delete(oldId);
      }
      deps.audit(actor, 'scan.compare', 'scan', earlier.id);
      deps.audit(actor, 'scan.compare', 'scan', later.id);
      emit(job);
      const weights: Record<CompareStage, [number, number]> = { preparing: [0.1, 0.15], aligning: [0.25, 0.2], refining: [0.45, 0.3], checking: [0.75, 0.1], 'change-map': [0.85, 0.15] };
      const started = performance.now();
      void (async () => {
        try {
          update(id, { phase: 'loading', progress: 0.02 });
          const [e, l] = await Promise.all([deps.loadCloud(earlier.id), deps.loadCloud(later.id)]).catch((error: unknown) => {
            throw new ReviewError('SCAN_UNREADABLE', error instanceof Error && 'code' in error && error.code === 'NOT_FOUND' ? 'A scan has no stored original to compare.' : 'A scan could not be read for comparing.');
          });
          if (abort.signal.aborted) throw Object.assign(new Error('The comparison was cancelled.'), { code: 'CANCELLED' });
          const done = await deps.compare.run(
            { positions: e.positions, count: e.count, outline: earlierOutline?.outline ?? null },
            { positions: l.positions, count: l.count, outline: laterOutline?.outline ?? null },
            {
              maxChangePoints: MAX_CHANGE_POINTS,
              signal: abort.signal,
              onProgress: (stage, fraction) => {
                const [from, span] = weights[stage];
                update(id, { phase: stage, progress: Math.min(0.99, from + span * fraction) });
              },
            },
          );
          const n = done.change.changeMm.length;
          const result: Comparison = {
            earlierScanId: earlier.id,
            laterScanId: later.id,
            earlierAssessmentId: earlierOutline?.id ?? null,
            laterAssessmentId: laterOutline?.id ?? null,
            laterToEarlier: done.laterToEarlier,
            rmsMm: done.rmsMm,
            overlap: done.overlap,
            noiseMm: done.noiseMm,
            warnings: done.warnings,
            start: done.start,
            change: {
              positions: Array.from(done.change.positions, (v) => Math.round(v * 100) / 100),
              changeMm: Array.from({ length: n }, (_, i) => (Number.isFinite(done.change.changeMm[i]!) ? Math.round(done.change.changeMm[i]! * 100) / 100 : null)),
              scaleMm: done.change.scaleMm,
              measured: done.change.measured,
              laterWound: done.change.laterWound,
              earlierWound: done.change.earlierWound,
            },
            timings: done.timings,
          };
          const entry = jobs.get(id);
          if (entry) entry.result = result;
          deps.logger.info('scans compared', { points: e.count + l.count, ms: Math.round(performance.now() - started), rmsMm: Math.round(done.rmsMm * 1000) / 1000, warnings: done.warnings.join(',') });
          update(id, { phase: 'done', progress: 1, finishedAt: Date.now() });
        } catch (error) {
          const code = error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : 'COMPARE_FAILED';
          const cancelled = code === 'CANCELLED';
          deps.logger.warn('comparing scans failed', { code });
          update(id, { phase: cancelled ? 'cancelled' : 'failed', finishedAt: Date.now(), error: cancelled ? null : { code, message: error instanceof Error ? error.message : 'The comparison failed.' } });
        }
      })();
      return job;
    },

    jobs: () => [...jobs.values()].map((j) => j.job),

    comparison(jobId) {
      const entry = jobs.get(jobId);
      if (!entry) throw new ReviewError('NOT_FOUND', 'No such comparison (it may have been replaced by newer ones).');
      if (!entry.result) throw new ReviewError('COMPARISON_NOT_READY', entry.job.phase === 'failed' ? (entry.job.error?.message ?? 'The comparison failed.') : 'The comparison has not finished yet.');
      return entry.result;
    },

    cancelComparison(jobId) {
      const entry = jobs.get(jobId);
      if (!entry) throw new ReviewError('NOT_FOUND', 'No such comparison.');
      if (entry.job.finishedAt === null) entry.abort.abort();
    },

    thumbnail(scanId, actor) {
      const scan = deps.scans.get(scanId, actor);
      if (!scan) return Promise.reject(new ReviewError('NOT_FOUND', 'No such scan in this clinic.'));
      const outline = outlineOf(deps.assessments.listByWound(scan.woundId, actor), scanId);
      const key = `${scanId}:${outline?.id ?? '-'}`;
      let png = thumbnails.get(key);
      if (!png) {
        png = deps
          .loadCloud(scanId)
          .then((cloud) => renderThumbnail(cloud, outline?.outline ?? null))
          .catch(() => {
            thumbnails.delete(key);
            throw new ReviewError('SCAN_UNREADABLE', 'The scan could not be read for its picture.');
          });
        thumbnails.set(key, png);
        while (thumbnails.size > KEEP_THUMBNAILS) thumbnails.delete(thumbnails.keys().next().value!);
      }
      return png;
    },

    onDidChangeJob(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    dispose() {
      if (disposed) return;
      disposed = true;
      for (const entry of jobs.values()) entry.abort.abort();
      listeners.clear();
      thumbnails.clear();
    },
  };
  return review;
}
