/**
 * The service container both composition roots (main/electron, main/host) build the same way.
 * Services are plain Node objects; nothing here knows which transport is in use.
 */
import { getSystemInfo, sampleMemory } from '../system/index';
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
import { createHomeService, workstationHealth, type HomeService } from '../home/index';
import type { WorkstationHealth } from '../../common/home';
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

/** `COHERENCY_SESSION_HOURS` (a positive number, at most a week) when no lifetime is given; else the auth default. */
function sessionLifetime(given: number | undefined, env: NodeJS.ProcessEnv = process.env): { sessionMaxAgeMs?: number } {
  if (given !== undefined) return { sessionMaxAgeMs: given };
  const hours = Number(env['COHERENCY_SESSION_HOURS'] ?? '');
  return Number.isFinite(hours) && hours > 0 && hours <= 168 ? { sessionMaxAgeMs: hours * 3600_000 } : {};
}
