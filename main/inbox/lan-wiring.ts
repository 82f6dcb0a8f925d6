/**
 * The LAN receiver inside the workstation: one per workstation, started from an IT admin's session
 * and bound to that admin's clinic, so every scan a tablet uploads lands in that clinic.
 *
 * On each verified upload the file leaves plaintext at once:
 *  - its MRN names a patient of the clinic and its wound id one of that patient's wounds → a normal
 *    import job (actor `device:<deviceId>`), acknowledged when the job has finished;
 *  - otherwise (or when the import fails) → the clinic's encrypted "incoming scans" inbox
 *    (scan-inbox.ts), where a nurse assigns it to a wound; then acknowledged.
 * Only a failure to do either (disk, keychain) leaves the file in the receiver's `received/` for
 * redelivery at the next start.
 *
 * Paths: `<dataDir>/clinics/<clinicId>/lan` (certificate, paired devices, upload area). The TLS key
 * is in the vault's keychain under an account of that clinic (`lan:<clinicId>:…`).
 * Logs carry ids, sizes and codes only: never an MRN, a file name or a token.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createJsonDevicesStore, createLanReceiver, DEFAULT_PORT, LanError, sweepReceiverUploads, type DeviceInfo, type DevicesStore, type LanReceiver, type LanState, type PairingOffer, type UploadCompleteEvent } from '../lan/index';
import type { Actor, PatientsRepository } from '../records/index';
import type { Logger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import { hasDeviceRow, mirrorDevice, recordMirroredDevicesStore } from './lan-devices';
import { auditInbox, scanInboxOf, type NewInboxEntry } from './scan-inbox';
import type { OpenClinic } from '../app/index';

export type LanOwner = 'this-clinic' | 'other-clinic' | null;

/** What one arrival became; no patient data (the IT admin's screen shows it). */
export interface LanArrival {
  uploadId: string;
  deviceId: string;
  deviceName: string;
  size: number;
  /** Epoch ms. */
  at: number;
  outcome: 'imported' | 'inbox' | 'failed';
  errorCode: string | null;
}

/** The receiver's state as one clinic's admin sees it. */
export interface LanView extends LanState {
  /** Whose receiver this is: this clinic's, another clinic's on this workstation, or none running. */
  owner: LanOwner;
  /** The port `lan.start` uses when none is given. */
  defaultPort: number;
  recent: LanArrival[];
}

export interface LanServiceOptions {
  dataDir: string;
  keyStore: KeyStore;
  logger: Logger;
  /** Interface to listen on (`COHERENCY_LAN_HOST`, default 0.0.0.0). */
  host: string;
  /** Default port (`COHERENCY_LAN_PORT`, default 8443; 0 = any free port). */
  port: number;
  /** DNS-SD advertisement (never on a loopback host). */
  advertise: boolean;
}

export interface LanService {
  view(clinicId: string): Promise<LanView>;
  start(clinic: OpenClinic, opts?: { port?: number }): Promise<LanView>;
  stop(clinicId: string): Promise<void>;
  /** `actor` (the admin) is recorded as having paired the tablet that uses the code. */
  createPairingOffer(clinicId: string, actor: Actor): Promise<PairingOffer>;
  cancelPairingOffer(clinicId: string): void;
  listDevices(clinicId: string): Promise<DeviceInfo[]>;
  renameDevice(clinic: OpenClinic, actor: Actor, deviceId: string, name: string): Promise<void>;
  revokeDevice(clinic: OpenClinic, actor: Actor, deviceId: string): Promise<void>;
  /** Something about the receiver changed (state, devices, arrivals). */
  onDidChange(listener: () => void): { dispose(): void };
  /** Resolves when every arrival handed over so far has been filed (tests, shutdown). */
  idle(): Promise<void>;
  dispose(): Promise<void>;
}

/** A typed refusal the router turns into a tRPC code. */
export class LanServiceError extends Error {
  constructor(
    readonly code: 'CONFLICT' | 'NOT_RUNNING' | 'PORT_IN_USE' | 'PORT_NOT_ALLOWED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LanServiceError';
  }
}

const RECENT_MAX = 20;

const emptyState = (): LanState => ({ running: false, addresses: [], port: null, fingerprint: null, advertising: false, pairingOffer: null, pairedDevices: [], uploadsInFlight: [] });

/** The vault's keychain, with the receiver's accounts kept apart per clinic. */
function clinicScopedKeyStore(keyStore: KeyStore, clinicId: string) {
  const account = (a: string) => `lan:${clinicId}:${a}`;
  return {
    get: (a: string) => keyStore.get(account(a)),
    set: (a: string, key: Buffer) => keyStore.set(account(a), key),
    delete: async (a: string) => void (await keyStore.delete(account(a))),
  };
}

/** The patient with exactly this MRN (the search matches prefixes; page until found). */
function findPatientByMrn(patients: PatientsRepository, mrn: string, actor: Actor) {
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const result = patients.search({ query: mrn, limit: 100, cursor }, actor);
    const hit = result.items.find((p) => p.mrn === mrn);
    if (hit) return hit;
    if (!result.nextCursor) return null;
    cursor = result.nextCursor;
  }
  return null;
}

interface Active {
  clinic: OpenClinic;
  receiver: LanReceiver;
  subscription: { dispose(): void };
}

export function createLanService(opts: LanServiceOptions): LanService {
  const log = opts.logger.child({ service: 'lan' });
  const listeners = new Set<() => void>();
  const devicesStores = new Map<string, DevicesStore>();
  const recent = new Map<string, LanArrival[]>();
  const offeredBy = new Map<string, string>();
  const pending = new Set<Promise<void>>();
  let active: Active | null = null;
  let disposed = false;
  // At workstation start: no clinic's receiver runs yet, so every upload area holds only what a
  // crash or kill cut off — plaintext that must not stay (README, security).
  const swept = sweepStartupUploads(opts.dataDir, log);

  const changed = () => {
    for (const l of [...listeners]) {
      try {
        l();
      } catch {
        // one listener's failure is its own
      }
    }
  };
  const lanDir = (clinicId: string) => join(opts.dataDir, 'clinics', clinicId, 'lan');
  const devicesOf = (clinicId: string): DevicesStore => {
    let d = devicesStores.get(clinicId);
    if (!d) devicesStores.set(clinicId, (d = createJsonDevicesStore(join(lanDir(clinicId), 'devices.json'))));
    return d;
  };
  const runningFor = (clinicId: string): LanReceiver | null => (active && active.clinic.id === clinicId && active.receiver.state().running ? active.receiver : null);
  const runningElsewhere = (clinicId: string): boolean => Boolean(active && active.clinic.id !== clinicId && active.receiver.state().running);

  function remember(clinicId: string, arrival: LanArrival): void {
    const list = recent.get(clinicId) ?? [];
    recent.set(clinicId, [arrival, ...list].slice(0, RECENT_MAX));
    changed();
  }

  // ------------------------------------------------------------------ arrivals
  async function file(clinic: OpenClinic, receiver: LanReceiver, e: UploadCompleteEvent): Promise<void> {
    const actor: Actor = { id: `device:${e.deviceId}`, roles: ['system'] };
    const deviceName = receiver.state().pairedDevices.find((d) => d.id === e.deviceId)?.name ?? '';
    const arrival = (outcome: LanArrival['outcome'], errorCode: string | null = null): LanArrival => ({ uploadId: e.uploadId, deviceId: e.deviceId, deviceName, size: e.size, at: Date.now(), outcome, errorCode });
    // The scan row names its device: make sure the record has it (tablets paired before it kept them).
    if (!hasDeviceRow(clinic.record, e.deviceId)) {
      const device = (await devicesOf(clinic.id).list()).find((d) => d.id === e.deviceId);
      if (device) mirrorDevice(clinic.record, device, actor, 'register');
    }
    const bytes = await readFile(e.filePath);
    const m = e.metadata;
    const mrn = m.patientMrn?.trim();
    const patient = mrn ? findPatientByMrn(clinic.patients, mrn, actor) : null;
    const wound = patient && m.woundId ? clinic.wounds.get(m.woundId, actor) : null;
    const capturedAt = Date.parse(m.captureTime);
    const inboxEntry = (reason: NewInboxEntry['reason'], error: NewInboxEntry['error'] = null): NewInboxEntry => ({
      fileName: m.filename,
      size: e.size,
      sha256: e.sha256,
      deviceId: e.deviceId,
      patientMrn: m.patientMrn ?? null,
      worklistId: m.worklistId ?? null,
      woundId: m.woundId ?? null,
      patientId: patient?.id ?? null,
      captureTime: m.captureTime,
      captureDevice: m.device,
      captureApp: m.app,
      reason,
      error,
    });

    if (patient && wound && wound.patientId === patient.id) {
      const job = clinic.imports.start({ bytes, fileName: m.filename, woundId: wound.id, capturedAt, sourceDeviceId: e.deviceId, actor });
      const finished = await clinic.imports.wait(job.id);
      if (finished.phase === 'done') {
        await receiver.acknowledge(e.uploadId);
        log.info('lan.arrival.imported', { uploadId: e.uploadId, deviceId: e.deviceId, scanId: finished.scanId, jobId: job.id });
        remember(clinic.id, arrival('imported'));
        return;
      }
      if (finished.phase === 'cancelled') {
        // The clinic is closing: keep the received file; it is delivered again at the next start.
        log.warn('lan.arrival.deferred', { uploadId: e.uploadId, deviceId: e.deviceId });
        return;
      }
      const error = { code: finished.error?.code ?? 'IMPORT_FAILED', message: finished.error?.message ?? 'the import failed', ...(finished.error?.detected ? { detected: finished.error.detected } : {}) };
      const entry = await scanInboxOf(clinic.store).add(inboxEntry('import_failed', error), bytes);
      auditInbox(clinic.record, actor, 'receive', entry.id);
      await receiver.acknowledge(e.uploadId);
      log.warn('lan.arrival.import_failed', { uploadId: e.uploadId, deviceId: e.deviceId, code: error.code, jobId: job.id });
      remember(clinic.id, arrival('failed', error.code));
      return;
    }

    const reason = patient ? 'unknown_wound' : 'unknown_patient';
    const entry = await scanInboxOf(clinic.store).add(inboxEntry(reason), bytes);
    auditInbox(clinic.record, actor, 'receive', entry.id);
    await receiver.acknowledge(e.uploadId);
    log.info('lan.arrival.inbox', { uploadId: e.uploadId, deviceId: e.deviceId, inboxId: entry.id, reason });
    remember(clinic.id, arrival('inbox'));
  }

  function onUploadComplete(clinic: OpenClinic, receiver: LanReceiver, e: UploadCompleteEvent): Promise<void> {
    const p = file(clinic, receiver, e);
    const tracked = p.catch(() => undefined).finally(() => pending.delete(tracked));
    pending.add(tracked);
    // A rejection reaches the receiver, which keeps the file for redelivery and reports it.
    return p.catch((error: unknown) => {
      log.error('lan.arrival.failed', { uploadId: e.uploadId, deviceId: e.deviceId, error: error instanceof Error ? error.name : 'unknown', code: (error as { code?: unknown } | null)?.code === undefined ? null : String((error as { code: unknown }).code) });
      remember(clinic.id, { uploadId: e.uploadId, deviceId: e.deviceId, deviceName: '', size: e.size, at: Date.now(), outcome: 'failed', errorCode: 'NOT_FILED' });
      throw error;
    });
  }

  // ------------------------------------------------------------------ lifecycle
  async function dropActive(): Promise<void> {
    if (!active) return;
    const a = active;
    active = null;
    a.subscription.dispose();
    await a.receiver.dispose();
  }

  async function start(clinic: OpenClinic, startOpts: { port?: number } = {}): Promise<LanView> {
    if (disposed) throw new LanServiceError('NOT_RUNNING', 'The workstation is shutting down.');
    if (runningElsewhere(clinic.id)) throw new LanServiceError('CONFLICT', 'The LAN receiver is already running for another clinic on this workstation.');
    if (runningFor(clinic.id)) return view(clinic.id);
    await swept;
    await dropActive();
    const port = startOpts.port ?? opts.port;
    const loopback = opts.host === '127.0.0.1' || opts.host === '::1' || opts.host === 'localhost';
    const receiver: LanReceiver = createLanReceiver({
      dataDir: lanDir(clinic.id),
      keyStore: clinicScopedKeyStore(opts.keyStore, clinic.id),
      logger: log,
      devices: recordMirroredDevicesStore(devicesOf(clinic.id), clinic.record, () => offeredBy.get(clinic.id) ?? null),
      host: opts.host,
      port,
      advertise: opts.advertise && !loopback,
      clinicName: clinic.name,
      onUploadComplete: (e) => onUploadComplete(clinic, receiver, e),
    });
    active = { clinic, receiver, subscription: receiver.onDidChangeState(changed) };
    try {
      await receiver.start();
    } catch (error) {
      await dropActive();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new LanServiceError('PORT_IN_USE', `Port ${port} is already in use on this workstation; choose another port.`, { cause: error });
      if (code === 'EACCES') throw new LanServiceError('PORT_NOT_ALLOWED', `Port ${port} needs administrator rights; choose a port above 1023.`, { cause: error });
      throw error;
    }
    changed();
    return view(clinic.id);
  }

  async function view(clinicId: string): Promise<LanView> {
    const base = { defaultPort: opts.port, recent: recent.get(clinicId) ?? [] };
    if (runningElsewhere(clinicId)) return { ...emptyState(), running: true, owner: 'other-clinic', defaultPort: opts.port, recent: [] };
    const receiver = runningFor(clinicId);
    if (receiver) return { ...receiver.state(), owner: 'this-clinic', ...base };
    const devices = (await devicesOf(clinicId).list()).filter((d) => !d.revokedAt).map(({ tokenHash: _omit, ...d }) => d);
    return { ...emptyState(), pairedDevices: devices, owner: null, ...base };
  }

  async function mirror(clinic: OpenClinic, actor: Actor, deviceId: string, action: 'rename' | 'revoke'): Promise<void> {
    const device = (await devicesOf(clinic.id).list()).find((d) => d.id === deviceId);
    if (device) mirrorDevice(clinic.record, device, actor, action);
  }

  function requireRunning(clinicId: string): LanReceiver {
    const r = runningFor(clinicId);
    if (r) return r;
    if (runningElsewhere(clinicId)) throw new LanServiceError('CONFLICT', 'The LAN receiver is running for another clinic on this workstation.');
    throw new LanServiceError('NOT_RUNNING', 'Start the LAN receiver first.');
  }

  return {
    view,
    start,
    async stop(clinicId) {
      if (runningElsewhere(clinicId)) throw new LanServiceError('CONFLICT', 'The LAN receiver is running for another clinic on this workstation.');
      if (active && active.clinic.id === clinicId) {
        await active.receiver.stop();
        changed();
      }
    },
    async createPairingOffer(clinicId, actor) {
      const offer = await requireRunning(clinicId).createPairingOffer();
      offeredBy.set(clinicId, actor.id);
      return offer;
    },
    cancelPairingOffer: (clinicId) => requireRunning(clinicId).cancelPairingOffer(),
    async listDevices(clinicId) {
      return (await devicesOf(clinicId).list()).map(({ tokenHash: _omit, ...d }) => d);
    },
    async renameDevice(clinic, actor, deviceId, name) {
      const r = runningFor(clinic.id);
      if (r) await r.renameDevice(deviceId, name);
      else {
        const trimmed = name.trim();
        // eslint-disable-next-line no-control-regex
        if (!trimmed || trimmed.length > 64 || /[\u0000-\u001f\u007f]/.test(trimmed)) throw new LanError('INVALID_DEVICE_NAME', 'A device name is 1–64 printable characters.');
        await devicesOf(clinic.id).rename(deviceId, trimmed);
        changed();
      }
      await mirror(clinic, actor, deviceId, 'rename');
    },
    async revokeDevice(clinic, actor, deviceId) {
      const r = runningFor(clinic.id);
      if (r) await r.revokeDevice(deviceId);
      else {
        await devicesOf(clinic.id).revoke(deviceId);
        log.info('lan.device.revoked', { deviceId });
        changed();
      }
      await mirror(clinic, actor, deviceId, 'revoke');
    },
    onDidChange(listener) {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    },
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    async dispose() {
      disposed = true;
      await swept;
      if (active) await active.receiver.stop();
      while (pending.size) await Promise.allSettled([...pending]);
      await dropActive();
      listeners.clear();
    },
  };
}

async function sweepStartupUploads(dataDir: string, log: Logger): Promise<void> {
  const clinics = await readdir(join(dataDir, 'clinics')).catch(() => [] as string[]);
  for (const id of clinics) {
    const count = await sweepReceiverUploads(join(dataDir, 'clinics', id, 'lan')).catch(() => 0);
    if (count) log.info('lan.upload.swept', { count, reason: 'workstation_start', clinicId: id });
  }
}

/** `COHERENCY_LAN_HOST` / `COHERENCY_LAN_PORT` / `COHERENCY_LAN_ADVERTISE` with the app's defaults. */
export function lanOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): { host: string; port: number; advertise: boolean } {
  const port = env['COHERENCY_LAN_PORT'] !== undefined && env['COHERENCY_LAN_PORT'] !== '' ? Number(env['COHERENCY_LAN_PORT']) : DEFAULT_PORT;
  return {
    host: env['COHERENCY_LAN_HOST'] || '0.0.0.0',
    port: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : DEFAULT_PORT,
    advertise: env['COHERENCY_LAN_ADVERTISE'] !== '0',
  };
}
