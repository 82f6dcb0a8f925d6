/**
 * Import jobs: a scan file (chosen in the app, uploaded in the browser host, or landed by the LAN
 * receiver) becomes a scan of a wound. Steps, each reported as progress and cancellable:
 *   hash (SHA-256 of the original) → parse in a worker → keep the original, encrypted →
 *   build the Potree octree into the encrypted store → one record transaction (row + audit).
 * A failure or cancellation at any step removes what the job stored; nothing saved before changes.
 *
 * Checks (common/scan-checks.ts, issue 21 point 4): a capture time in the future or before the
 * patient's birth fails the job before any work; a scan whose extent does not fit the wound's
 * body part (a room onto a heel) is, before anything is stored, either held in phase
 * `confirming` for the person importing to confirm or cancel (`extentCheck: 'ask'`), or failed
 * with a typed error (`'refuse'`, the default: a tablet upload nobody is watching goes to the
 * Incoming scans instead), or accepted (`'accept'`, after someone confirmed).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PointCloud, ScanFormat, ScanWarning } from '../../../common/point-cloud';
import { captureTimeProblem, extentWarning, type ExtentWarning } from '../../../common/scan-checks';
import { parseInWorker, type ParseInWorkerOptions } from '../formats/parse-in-worker';
import { computeStats, toMillimetres } from '../formats/stats';
import { isScanFormatError } from '../formats/errors';
import { buildOctree, type OctreeWorkerPool } from '../octree/index';
import type { ScanStore } from '../store/index';
import { clearPendingNote, writePendingNote } from './interrupted';
import { createStoreSink } from './octree-store-sink';

export const IMPORT_PHASES = ['queued', 'hashing', 'parsing', 'confirming', 'storing', 'indexing', 'saving', 'done', 'failed', 'cancelled'] as const;
export type ImportPhase = (typeof IMPORT_PHASES)[number];

export interface ImportJobState {
  id: string;
  woundId: string;
  fileName: string;
  bytes: number;
  phase: ImportPhase;
  /** Overall progress 0–1. */
  progress: number;
  scanId: string | null;
  error: { code: string; message: string; format?: string; offset?: number; line?: number; detected?: string } | null;
  /** What the reader reported about the file (specification breaches it read past); [] until it has been read. */
  warnings: ScanWarning[];
  /** Phase `confirming`: why the scan looks wrong for its wound (kept on the job afterwards). */
  warning: ExtentWarning | null;
  startedAt: number;
  finishedAt: number | null;
}

/** What the import writes into the record: the scan row and its audit entry, in one transaction. */
export interface NewScanRecord {
  id: string;
  woundId: string;
  capturedAt: number;
  format: ScanFormat;
  pointCount: number;
  bbox: { min: [number, number, number]; max: [number, number, number] };
  attributes: string[];
  sourceApp: string | null;
  sourceDeviceId: string | null;
  sha256: string;
  rawFileId: string;
  octreeFileId: string;
  warnings: ScanWarning[];
}

/** Who started the import; the record audits the scan under this actor. */
export interface ImportActor {
  id: string;
  roles: readonly string[];
}

/** What the checks need to know about the wound a scan goes onto (never shown, never logged). */
export interface WoundContext {
  bodySite: string;
  /** The patient's date of birth (YYYY-MM-DD). */
  dateOfBirth: string | null;
}

export interface ScanRecordPort {
  /** Throws when the wound does not exist (checked before any work starts). */
  woundContext(woundId: string): WoundContext;
  insertScan(scan: NewScanRecord, actor: ImportActor): void;
}

export interface ImportRequest {
  bytes: Uint8Array;
  fileName: string;
  woundId: string;
  capturedAt: number;
  sourceDeviceId?: string | null;
  actor: ImportActor;
  /** An implausible extent: hold for confirmation, fail (default), or accept (already confirmed). */
  extentCheck?: 'ask' | 'refuse' | 'accept';
}

export interface ImportService {
  start(request: ImportRequest): ImportJobState;
  cancel(jobId: string): boolean;
  /** Goes on with a job held in `confirming`; false when it is not waiting. */
  confirm(jobId: string): boolean;
  get(jobId: string): ImportJobState | null;
  list(): ImportJobState[];
  /** Resolves when the job has finished (done, failed or cancelled). */
  wait(jobId: string): Promise<ImportJobState>;
  onDidChangeJob(listener: (job: ImportJobState) => void): () => void;
  dispose(): Promise<void>;
}

export interface ImportServiceDeps {
  store: ScanStore;
  records: ScanRecordPort;
  newId(): string;
  octreePool?: OctreeWorkerPool;
  /** Parse option overrides (tests). */
  parse?: Pick<ParseInWorkerOptions, 'maxPoints'>;
  /** Jobs an earlier run left unfinished (recoverInterruptedImports), listed as failed. */
  interrupted?: ImportJobState[];
  /** How long a job waits in `confirming` before it is cancelled (default 30 minutes). */
  confirmTimeoutMs?: number;
}

const EXTENSIONS: Record<ScanFormat, string> = { ply: 'ply', las: 'las', laz: 'laz', e57: 'e57', xyz: 'xyz', pts: 'pts', obj: 'obj' };

export function attributesOf(cloud: PointCloud): string[] {
  const names = ['position'];
  if (cloud.colors) names.push('rgb');
  if (cloud.normals) names.push('normal');
  if (cloud.intensity) names.push('intensity');
  if (cloud.classification) names.push('classification');
  for (const extra of cloud.extras) names.push(extra.name);
  return names;
}

class Cancelled extends Error {}

/** A job refused by a check; its code and words reach the job's `error`. */
class ImportCheckError extends Error {
  constructor(
    readonly code: 'CAPTURED_INVALID' | 'CAPTURED_IN_FUTURE' | 'CAPTURED_BEFORE_BIRTH' | 'EXTENT_TOO_LARGE' | 'EXTENT_TOO_SMALL',
    message: string,
  ) {
    super(message);
    this.name = 'ImportCheckError';
  }
}

export function createImportService(deps: ImportServiceDeps): ImportService {
  const jobs = new Map<string, ImportJobState>((deps.interrupted ?? []).map((j) => [j.id, { ...j }]));
  const controllers = new Map<string, AbortController>();
  const done = new Map<string, Promise<ImportJobState>>();
  const confirmations = new Map<string, () => void>();
  const events = new EventEmitter();

  const update = (job: ImportJobState, patch: Partial<ImportJobState>) => {
    Object.assign(job, patch);
    events.emit('change', { ...job });
  };

  async function run(job: ImportJobState, request: ImportRequest, signal: AbortSignal): Promise<void> {
    const check = () => {
      if (signal.aborted) throw new Cancelled();
    };
    let stored = false;
    const scanId = deps.newId();
    try {
      const wound = deps.records.woundContext(request.woundId);
      const timeProblem = captureTimeProblem(request.capturedAt, wound.dateOfBirth);
      if (timeProblem) throw new ImportCheckError(!Number.isFinite(request.capturedAt) ? 'CAPTURED_INVALID' : request.capturedAt > Date.now() ? 'CAPTURED_IN_FUTURE' : 'CAPTURED_BEFORE_BIRTH', timeProblem);
      // Then, before any work: the note that says this folder belongs to an import in progress (interrupted.ts).
      stored = true;
      await writePendingNote(deps.store, scanId, { jobId: job.id, woundId: job.woundId, fileName: job.fileName, bytes: job.bytes, startedAt: job.startedAt });
      check();
      update(job, { phase: 'hashing', progress: 0.01 });
      const sha256 = createHash('sha256').update(request.bytes).digest('hex');
      check();

      update(job, { phase: 'parsing', progress: 0.02 });
      // The worker takes a copy: the original bytes are kept (encrypted) below.
      const cloud = await parseInWorker(new Uint8Array(request.bytes), {
        fileName: request.fileName,
        signal,
        applyE57Pose: true,
        ...(deps.parse ?? {}),
        onProgress: (f) => update(job, { progress: 0.02 + 0.38 * f }),
      });
      check();
      if (cloud.count === 0) {
        throw Object.assign(new Error('the file holds no points'), { code: 'EMPTY_SCAN' });
      }
      // The reader's warnings go on the job as soon as the file is read, so a held import shows them beside its question.
      const warnings = cloud.warnings ?? [];
      const mm = toMillimetres(cloud);
      const stats = computeStats(mm);
      const warning = stats.bbox && request.extentCheck !== 'accept' ? extentWarning(stats.bbox, wound.bodySite) : null;
      if (warning) {
        if (request.extentCheck !== 'ask') throw new ImportCheckError(warning.code, warning.message);
        update(job, { phase: 'confirming', warning, warnings });
        await waitForConfirmation(job.id, signal);
        check();
      }

      update(job, { phase: 'storing', progress: 0.4, scanId, warnings });
      const rawFileId = `original.${EXTENSIONS[cloud.format]}`;
      await deps.store.put(scanId, rawFileId, request.bytes);
      check();

      update(job, { phase: 'indexing', progress: 0.45 });
      await buildOctree(mm, {
        sink: createStoreSink(deps.store, scanId),
        signal,
        ...(deps.octreePool ? { pool: deps.octreePool } : {}),
        onProgress: (p) => update(job, { progress: 0.45 + 0.5 * p.fraction }),
      });
      check();

      update(job, { phase: 'saving', progress: 0.96 });
      deps.records.insertScan({
        id: scanId,
        woundId: request.woundId,
        capturedAt: request.capturedAt,
        format: cloud.format,
        pointCount: cloud.count,
        bbox: stats.bbox ?? { min: [0, 0, 0], max: [0, 0, 0] },
        attributes: attributesOf(cloud),
        sourceApp: cloud.sourceApp ?? null,
        sourceDeviceId: request.sourceDeviceId ?? null,
        sha256,
        rawFileId,
        octreeFileId: 'metadata.json',
        warnings,
      }, request.actor);
      // The row is in: the folder is a scan now. A note left by a crash here is cleared at the next open.
      await clearPendingNote(deps.store, scanId).catch(() => undefined);
      update(job, { phase: 'done', progress: 1, finishedAt: Date.now() });
    } catch (error) {
      if (stored) await deps.store.remove(scanId).catch(() => undefined);
      if (signal.aborted || error instanceof Cancelled || (isScanFormatError(error) && error.code === 'CANCELLED')) {
        update(job, { phase: 'cancelled', scanId: null, finishedAt: Date.now(), error: { code: 'CANCELLED', message: 'import cancelled' } });
        return;
      }
      update(job, { phase: 'failed', scanId: null, finishedAt: Date.now(), error: describeError(error) });
    } finally {
      controllers.delete(job.id);
      confirmations.delete(job.id);
    }
  }

  /** Resolves when `confirm(jobId)` is called; rejects (as a cancellation) on abort or timeout. */
  function waitForConfirmation(jobId: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => controllers.get(jobId)?.abort(), deps.confirmTimeoutMs ?? 30 * 60_000);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        confirmations.delete(jobId);
        if (ok) resolve();
        else reject(new Cancelled());
      };
      const onAbort = () => finish(false);
      if (signal.aborted) return finish(false);
      signal.addEventListener('abort', onAbort);
      confirmations.set(jobId, () => finish(true));
    });
  }

  return {
    start(request) {
      const id = deps.newId();
      const job: ImportJobState = {
        id,
        woundId: request.woundId,
        fileName: request.fileName.slice(0, 255),
        bytes: request.bytes.byteLength,
        phase: 'queued',
        progress: 0,
        scanId: null,
        error: null,
        warnings: [],
        warning: null,
        startedAt: Date.now(),
        finishedAt: null,
      };
      jobs.set(id, job);
      const controller = new AbortController();
      controllers.set(id, controller);
      done.set(id, run(job, request, controller.signal).then(() => ({ ...job })));
      events.emit('change', { ...job });
      return { ...job };
    },
    cancel(jobId) {
      const c = controllers.get(jobId);
      if (!c) return false;
      c.abort();
      return true;
    },
    confirm(jobId) {
      const go = confirmations.get(jobId);
      if (!go) return false;
      const job = jobs.get(jobId);
      if (job) update(job, { phase: 'storing', progress: 0.4 });
      go();
      return true;
    },
    get: (jobId) => {
      const j = jobs.get(jobId);
      return j ? { ...j } : null;
    },
    list: () => [...jobs.values()].map((j) => ({ ...j })),
    wait: (jobId) => done.get(jobId) ?? Promise.reject(new Error('no such import job')),
    onDidChangeJob(listener) {
      events.on('change', listener);
      return () => events.off('change', listener);
    },
    async dispose() {
      for (const c of controllers.values()) c.abort();
      await Promise.allSettled([...done.values()]);
      events.removeAllListeners();
    },
  };
}

/** A typed, patient-data-free description of why an import failed. */
function describeError(error: unknown): ImportJobState['error'] {
  if (isScanFormatError(error)) {
    const described: NonNullable<ImportJobState['error']> = { code: error.code, format: error.format, offset: error.offset, message: error.message };
    if (error.line !== undefined) described.line = error.line;
    if (error.detected !== undefined) described.detected = error.detected;
    return described;
  }
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return { code: (error as { code: string }).code, message: error instanceof Error ? error.message : 'import failed' };
  }
  return { code: 'INTERNAL', message: 'the import failed unexpectedly' };
}
