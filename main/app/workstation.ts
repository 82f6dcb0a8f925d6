/**
 * The clinics open on this workstation and who is signed in on each connection. Composition of
 * services (records, auth, scans): the one place that knows how they fit together, used by both
 * transports through the router.
 *
 * A "connection" is one renderer: an Electron window (IPC) or the browser host's launch session
 * (HTTP + WS share the launch cookie). Its staff session token never leaves the main process.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { auditEnrolment, enrolClinic, listClinics, openClinic, createAuthService, ensureDataDir, type AuthService, type ClinicEntry } from '../auth/index';
import { actorRole, appendAudit, createAssessmentsRepository, createPatientsRepository, createScansRepository, createWoundBaselinesRepository, createWoundsRepository, newId, type Actor, type AssessmentsRepository, type ClinicRecord, type PatientsRepository, type ScansRepository, type WoundsRepository } from '../records/index';
import { createMeasureRunner } from '../analysis/assessment/index';
import { createScanAnalysis, type ScanAnalysis } from '../analysis/index';
import { createCompareRunner, createReviewService, type ReviewService } from '../review/index';
import { createImportService, createScanStore, recoverInterruptedImports, type ImportService, type ScanStore } from '../scans/index';
import type { Logger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import type { EnrolClinicInput } from '../../common/records';
import { recoverKeyRotation } from '../backup/index';
import { createOperations, type Operations } from '../operations/index';
import { createSync, type SyncService } from '../sync/index';
import { createAnnotationsService, type AnnotationsService } from '../annotations/index';
import { createReportsService, type ReportsService } from '../reports/index';

export interface OpenClinic {
  id: string;
  name: string;
  record: ClinicRecord;
  auth: AuthService;
  patients: PatientsRepository;
  wounds: WoundsRepository;
  scans: ScansRepository;
  assessments: AssessmentsRepository;
  store: ScanStore;
  imports: ImportService;
  /** Stored scans loaded for measuring (cached), assessments saved with their octree attributes. */
  analysis: ScanAnalysis;
  /** A doctor's review of a wound: healing figures, predicted course, body map, visits compared in 3D. */
  review: ReviewService;
  /** Bookings, stock, purchase orders and billing: named commands on the clinic's record. */
  operations: Operations;
  /** Sync with the hosted service: started at the first sign-in, running until the clinic closes. */
  sync: SyncService;
  /** Markers, rulers, undermining/tunnelling and regions on the clinic's scans. */
  annotations: AnnotationsService;
  /** The signed PDF of a visit or a wound's course, and the FHIR R4 export (doctors). */
  reports: ReportsService;
  dispose(): Promise<void>;
}

export interface ConnectionSession {
  clinicId: string;
  token: string;
}

export interface PendingSignIn {
  clinicId: string;
  challenge: string;
}

export interface Workstation {
  readonly dataDir: string;
  listClinics(): ClinicEntry[];
  /**
   * Without `by`: the first-run enrolment, refused (ENROL_REFUSED) once any clinic exists. With
   * `by`: a further clinic enrolled by that signed-in IT admin, audited in both records.
   */
  enrol(input: EnrolClinicInput, by?: { clinic: OpenClinic; actor: Actor }): Promise<{ clinicId: string; name: string }>;
  /** Opens (once) and returns an enrolled clinic; throws the typed open error otherwise. */
  clinic(clinicId: string): Promise<OpenClinic>;
  connection(connectionId: string): ConnectionSession | null;
  bind(connectionId: string, session: ConnectionSession): void;
  unbind(connectionId: string): void;
  /** A sign-in waiting for its second factor on this connection (the challenge never leaves the main process). */
  pendingSignIn(connectionId: string): PendingSignIn | null;
  setPendingSignIn(connectionId: string, pending: PendingSignIn | null): void;
  /** OS lock / suspend: every session locks. */
  lockAll(): void;
  dispose(): Promise<void>;
}

export interface WorkstationOptions {
  dataDir: string;
  keyStore: KeyStore;
  logger: Logger;
  idleTimeoutMs?: number;
  sessionMaxAgeMs?: number;
  /** Between sync cycles (default 15 s; `COHERENCY_SYNC_INTERVAL_MS`). */
  syncIntervalMs?: number;
}

export function createWorkstation(opts: WorkstationOptions): Workstation {
  ensureDataDir(opts.dataDir);
  const clinics = new Map<string, Promise<OpenClinic>>();
  const connections = new Map<string, ConnectionSession>();
  const pendingSignIns = new Map<string, PendingSignIn>();
  const deps = { dataDir: opts.dataDir, keyStore: opts.keyStore, logger: opts.logger };
  /** One measure worker for the workstation, started on first use. */
  const measureRunner = createMeasureRunner();
  /** One compare worker for the workstation (registration and change maps), started on first use. */
  const compareRunner = createCompareRunner();

  async function open(clinicId: string): Promise<OpenClinic> {
    // A key rotation cut off by a crash is finished (or undone) before anything reads the clinic.
    const enrolled = listClinics(opts.dataDir).find((c) => c.id === clinicId);
    if (enrolled) await recoverKeyRotation({ clinicId, recordFile: enrolled.file, scanRootDir: join(opts.dataDir, 'clinics', clinicId, 'scans'), keyStore: opts.keyStore, logger: opts.logger });
    const opened = await openClinic(clinicId, deps);
    if (!opened.ok) throw opened.error;
    const record = opened.record;
    const key = await opts.keyStore.get(clinicId);
    if (!key) {
      record.dispose();
      throw new Error('the clinic key disappeared from the keychain while opening');
    }
    const entry = listClinics(opts.dataDir).find((c) => c.id === clinicId)!;
    const store = createScanStore({ rootDir: join(opts.dataDir, 'clinics', clinicId, 'scans'), clinicKey: key });
    key.fill(0);
    const auth = createAuthService({
      record,
      logger: opts.logger,
      ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
      ...(opts.sessionMaxAgeMs !== undefined ? { sessionMaxAgeMs: opts.sessionMaxAgeMs } : {}),
    });
    const scans = createScansRepository(record);
    // What a crash cut off: orphan files go, and the jobs come back as failed (scans/import/interrupted.ts).
    const interrupted = await recoverInterruptedImports(store, (scanId) => scans.files(scanId) !== null);
    if (interrupted.length) opts.logger.warn('interrupted imports swept', { clinicId, count: interrupted.length });
    const imports = createImportService({
      store,
      interrupted,
      newId: () => newId(),
      records: {
        woundContext(woundId) {
          const context = scans.woundContext(woundId);
          if (!context) throw Object.assign(new Error('no such wound in this clinic'), { code: 'NOT_FOUND' });
          return context;
        },
        insertScan: (scan, actor) => void scans.insert(scan, { id: actor.id, roles: actor.roles as Actor['roles'] }),
      },
    });
    const assessments = createAssessmentsRepository(record);
    const analysis = createScanAnalysis({ clinicId, store, scans, assessments, measure: measureRunner, logger: opts.logger });
    const patients = createPatientsRepository(record);
    const wounds = createWoundsRepository(record);
    const annotations = createAnnotationsService({ record, points: (scanId) => analysis.cloud(scanId), logger: opts.logger });
    const review = createReviewService({
      wounds,
      scans,
      assessments,
      baselines: createWoundBaselinesRepository(record),
      loadCloud: (scanId) => analysis.cloud(scanId),
      compare: compareRunner,
      audit: (actor, action, entity, entityId) => void appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity, entityId }),
      logger: opts.logger,
    });
    const operations = createOperations({ record, logger: opts.logger });
    const sync = createSync({ record, bus: operations.commands, keyStore: opts.keyStore, logger: opts.logger, ...(opts.syncIntervalMs !== undefined ? { intervalMs: opts.syncIntervalMs } : {}) });
    // The loop starts at the first sign-in (nothing syncs for a clinic nobody opened).
    const stopWatching = auth.sessions.onDidChange(() => {
      if (auth.sessions.size > 0) sync.start();
    });
    return {
      id: clinicId,
      name: entry.name,
      record,
      auth,
      patients,
      wounds,
      scans,
      assessments,
      store,
      imports,
      analysis,
      review,
      operations,
      sync,
      annotations,
      reports: createReportsService({ clinic: { id: clinicId, name: entry.name }, record, keyStore: opts.keyStore, patients, wounds, assessments, annotations, review, logger: opts.logger }),
      async dispose() {
        stopWatching();
        await sync.dispose();
        review.dispose();
        analysis.dispose();
        await imports.dispose();
        auth.dispose();
        record.dispose();
      },
    };
  }

  return {
    dataDir: opts.dataDir,
    listClinics: () => listClinics(opts.dataDir),
    async enrol(input, by) {
      const { clinic, record } = await enrolClinic(input, deps, { firstRunOnly: !by });
      try {
        if (by) auditEnrolment(record, by.actor, clinic.id);
      } finally {
        record.dispose();
      }
      if (by) auditEnrolment(by.clinic.record, by.actor, clinic.id);
      return { clinicId: clinic.id, name: clinic.name };
    },
    clinic(clinicId) {
      let p = clinics.get(clinicId);
      if (!p) {
        p = open(clinicId);
        clinics.set(clinicId, p);
        p.catch(() => clinics.delete(clinicId));
      }
      return p;
    },
    connection: (id) => connections.get(id) ?? null,
    bind: (id, session) => void connections.set(id, session),
    unbind: (id) => void connections.delete(id),
    pendingSignIn: (id) => pendingSignIns.get(id) ?? null,
    setPendingSignIn: (id, pending) => void (pending ? pendingSignIns.set(id, pending) : pendingSignIns.delete(id)),
    lockAll() {
      for (const p of clinics.values()) void p.then((c) => c.auth.sessions.lockAll(), () => undefined);
    },
    async dispose() {
      const all = await Promise.allSettled(clinics.values());
      for (const r of all) if (r.status === 'fulfilled') await r.value.dispose();
      clinics.clear();
      await measureRunner.dispose();
      await compareRunner.dispose();
      connections.clear();
      pendingSignIns.clear();
    },
  };
}

/** A connection id that cannot be guessed across launches (used by the browser host). */
export function newConnectionId(prefix: string): string {
  return `${prefix}:${randomBytes(9).toString('base64url')}`;
}
