/**
 * The service container both composition roots (main/electron, main/host) build the same way.
 * Services are plain Node objects; nothing here knows which transport is in use.
 */
import { appVersion, getSystemInfo, sampleMemory } from '../system/index';
import { createUpdateService, nodeFetchBytes, TRUSTED_RELEASE_KEYS, type FetchBytes, type UpdateDriver, type UpdateService, type UpdateSink } from '../updates/index';
import { adoptLegacyActiveModel } from '../analysis/segmentation/index';
import { createConsoleLogger, type Logger } from '../shared/logger';
import { createKeytarKeyStore, type KeyStore } from '../vault/index';
import { createScanFileGate, type ScanFileGate } from '../file-routes/index';
import { createWorkstation, type OpenClinic, type Workstation } from './workstation';
import { createBackupScheduler, createBackupService, listBackupFiles, type BackupScheduler, type BackupService } from '../backup/index';
import { createModelInstaller, createWoundFinding, type ModelInstaller, type WoundFinding } from '../analysis/index';
import { createScanUploads, type ScanUploads } from '../scans/index';
import { createLanService, inboxStoreDir, lanOptionsFromEnv, scanInboxOf, type LanService, type LanServiceOptions } from '../inbox/index';
import { appendAudit } from '../records/index';
import { createHomeService, SYNC_NOT_CONFIGURED, workstationHealth, type HomeService } from '../home/index';
import type { WorkstationHealth } from '../../common/home';
import type { SyncStatus } from '../../common/sync';
import { dirname, join } from 'node:path';

export interface Services {
  system: {
    info: typeof getSystemInfo;
    sampleMemory: typeof sampleMemory;
    /** Versions only Electron knows (absent in the browser host). */
    electronVersions?: { electron: string; chrome: string };
  };
  workstation: Workstation;
  /** The LAN scan receiver (one per workstation, bound to the clinic whose IT admin starts it). */
  lan: LanService;
  scanFiles: ScanFileGate;
  /** Backups, restore and key rotation (IT admins), and the browser host's backup downloads. */
  backups: BackupService;
  /** Automatic backups into a folder IT chose, with retention (runs while the app runs). */
  backupSchedule: BackupScheduler<OpenClinic>;
  /** Each role's home screen; `health` is IT's view of this workstation for one clinic. */
  home: HomeService & { health(clinic: OpenClinic): Promise<WorkstationHealth> };
  /** "Find wound": one segmenter per workstation, created on first use. */
  woundFinding: WoundFinding;
  /** The wound model in use, and installing a clinic's own (IT admins). */
  models: ModelInstaller;
  /** Scan files uploaded from the renderer in chunks, held in memory until imported, capped per connection. */
  scanUploads: ScanUploads;
  /** Self-update: the channel, what the feed offers (verified), why an update was refused. */
  updates: UpdateService;
  logger: Logger;
}

export interface ServiceOptions {
  dataDir: string;
  electronVersions?: { electron: string; chrome: string };
  /** The OS keychain by default (keytar); tests may pass another real KeyStore. */
  keyStore?: KeyStore;
  logger?: Logger;
  idleTimeoutMs?: number;
  /** Absolute session lifetime; default `COHERENCY_SESSION_HOURS` hours, else a working day (10 h). */
  sessionMaxAgeMs?: number;
  /** LAN receiver: interface, default port, DNS-SD; defaults from `COHERENCY_LAN_HOST`/`_PORT`/`_ADVERTISE`. */
  lan?: Partial<Pick<LanServiceOptions, 'host' | 'port' | 'advertise'>>;
  /**
   * Self-update. The desktop shell passes its electron-updater driver and the packaged feed URL;
   * without a driver (browser host) a check only verifies what the feed offers. The feed defaults
   * to `COHERENCY_UPDATE_FEED`.
   */
  updates?: { feedUrl?: string | null; createDriver?: (sink: UpdateSink) => UpdateDriver; fetchBytes?: FetchBytes; noDriverReason?: string };
  /** How often due automatic backups are looked for (default a minute; `COHERENCY_BACKUP_TICK_MS`); 0 = never (tests call tick()). */
  backupTickMs?: number;
  /** The scheduler's clock (tests). */
  now?: () => number;
}

export function createServices(opts: ServiceOptions): Services & { dispose(): Promise<void> } {
  const logger = opts.logger ?? createConsoleLogger({ app: 'coherency' });
  const keyStore = opts.keyStore ?? createKeytarKeyStore();
  const workstation = createWorkstation({
    dataDir: opts.dataDir,
    keyStore,
    logger,
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    ...sessionLifetime(opts.sessionMaxAgeMs),
    ...syncInterval(),
  });
  const lan = createLanService({ dataDir: opts.dataDir, keyStore, logger, ...lanOptionsFromEnv(), ...opts.lan });
  const woundFinding = createWoundFinding({ dataDir: opts.dataDir, logger });
  // Before per-clinic models: the workstation's one model becomes each enrolled clinic's choice.
  try {
    adoptLegacyActiveModel(opts.dataDir, workstation.listClinics().map((c) => c.id));
  } catch (error) {
    logger.warn('the earlier workstation-wide wound model was not adopted', { error: error instanceof Error ? error.name : 'unknown' });
  }
  const models = createModelInstaller({ dataDir: opts.dataDir, logger });
  const backups = createBackupService({
    workstation,
    keyStore,
    logger,
    incomingDirs: async (clinic) => (await scanInboxOf(clinic.store).list()).map((e) => inboxStoreDir(e.id)),
  });
  const tickMs = opts.backupTickMs ?? (Number(process.env['COHERENCY_BACKUP_TICK_MS']) || 60_000);
  const backupSchedule = createBackupScheduler<OpenClinic>({
    dataDir: opts.dataDir,
    keyStore,
    logger,
    tickMs,
    ...(opts.now ? { now: opts.now } : {}),
    clinicIds: () => workstation.listClinics().map((c) => c.id),
    openClinic: (id) => workstation.clinic(id),
    writeBackup: (clinic, password, folder) => backups.exportBackup(clinic, { id: 'system', roles: ['system'] }, { password, folder }),
    listBackups: async (folder, clinicId) => (await listBackupFiles(folder)).filter((b) => b.clinicId === clinicId),
    lastManualBackupAt: (clinicId) => backups.lastBackupAt(clinicId),
    audit: (clinic, actor, action) => void appendAudit(clinic.record, { actorId: actor.id, actorRole: [...actor.roles].sort().join(','), action: `backup.${action}`, entity: 'clinic', entityId: clinic.id }),
  });
  if (tickMs > 0) backupSchedule.start();
  const home = Object.assign(createHomeService(), {
    health: (clinic: OpenClinic) =>
      workstationHealth({
        dataDir: opts.dataDir,
        receiver: () => lan.view(clinic.id),
        backups: () => backupSchedule.view(clinic.id),
        // The model THIS clinic uses (each clinic has its own since per-clinic models).
        model: () => {
          const info = models.active(clinic.id);
          return { name: info.manifest.name, version: info.manifest.version, source: info.source, file: join(dirname(info.manifestPath), info.manifest.file), bytes: info.manifest.bytes ?? null };
        },
        sync: () => syncHealth(clinic.sync.status()),
      }),
  });
  return {
    system: {
      info: getSystemInfo,
      sampleMemory,
      ...(opts.electronVersions ? { electronVersions: opts.electronVersions } : {}),
    },
    workstation,
    scanFiles: createScanFileGate(workstation),
    backups,
    backupSchedule,
    home,
    woundFinding,
    models,
    scanUploads: createScanUploads(),
    updates: createUpdateService({
      dataDir: opts.dataDir,
      installed: appVersion(),
      platform: process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux',
      arch: process.arch,
      feedUrl: opts.updates?.feedUrl !== undefined ? opts.updates.feedUrl : (process.env['COHERENCY_UPDATE_FEED'] || null),
      trustedKeys: TRUSTED_RELEASE_KEYS,
      fetchBytes: opts.updates?.fetchBytes ?? nodeFetchBytes,
      logger,
      ...(opts.updates?.createDriver ? { createDriver: opts.updates.createDriver } : {}),
      noDriverReason: opts.updates?.noDriverReason ?? 'The browser host does not install updates (the desktop app installs signed builds itself); it checks what the feed offers, verified the same way.',
    }),
    logger,
    lan,
    // The receiver first: arrivals being filed finish before the clinics close.
    dispose: () =>
      backupSchedule
        .dispose()
        .then(() => lan.dispose())
        .finally(() => Promise.all([workstation.dispose(), woundFinding.dispose()]))
        .then(() => undefined),
  };
}

/** The IT home's sync line from the Sync panel's status (no patient data in it). */
function syncHealth(s: SyncStatus): { configured: boolean; note: string } {
  if (s.state === 'not_enrolled') return { configured: false, note: SYNC_NOT_CONFIGURED };
  const last = s.lastSyncAt ? `last synced ${new Date(s.lastSyncAt).toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'not synced yet';
  const words = { connected: 'Connected to the Coherency service', offline: 'Offline: the Coherency service cannot be reached', revoked: "The service revoked this workstation's access: connect it again under Sync", error: 'Sync failed: see Sync' }[s.state];
  return { configured: true, note: `${words}; ${last}; ${s.queued} waiting, ${s.rejected} refused.` };
}

/** `COHERENCY_SYNC_INTERVAL_MS` (1 s … 1 h) between sync cycles when given; else the sync default (15 s). */
function syncInterval(env: NodeJS.ProcessEnv = process.env): { syncIntervalMs?: number } {
  const ms = Number(env['COHERENCY_SYNC_INTERVAL_MS'] ?? '');
  return Number.isInteger(ms) && ms >= 1000 && ms <= 3_600_000 ? { syncIntervalMs: ms } : {};
}

/** `COHERENCY_SESSION_HOURS` (a positive number, at most a week) when no lifetime is given; else the auth default. */
function sessionLifetime(given: number | undefined, env: NodeJS.ProcessEnv = process.env): { sessionMaxAgeMs?: number } {
  if (given !== undefined) return { sessionMaxAgeMs: given };
  const hours = Number(env['COHERENCY_SESSION_HOURS'] ?? '');
  return Number.isFinite(hours) && hours > 0 && hours <= 168 ? { sessionMaxAgeMs: hours * 3600_000 } : {};
}
