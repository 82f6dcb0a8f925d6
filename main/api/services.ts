/**
 * The service container both composition roots (main/electron, main/host) build the same way.
 * Services are plain Node objects; nothing here knows which transport is in use.
 */
import { getSystemInfo, sampleMemory } from '../system/index';
import { createConsoleLogger, type Logger } from '../shared/logger';
import { createKeytarKeyStore, type KeyStore } from '../vault/index';
import { createScanFileGate, type ScanFileGate } from './scan-files';
import { createWorkstation, type Workstation } from './workstation';
import { createBackupService, type BackupService } from './backups';
import { createWoundFinding, type WoundFinding } from './wound-finding';
import { createLanService, lanOptionsFromEnv, type LanService, type LanServiceOptions } from './lan-wiring';
import { createBackupScheduler, type BackupScheduler } from '../backup/index';
import { appendAudit } from '../records/index';
import { listBackupFiles } from './backup-archive';
import type { OpenClinic } from './workstation';
import { createHomeService, workstationHealth, type HomeService } from '../home/index';
import { describeActiveModel } from '../analysis/segmentation/index';
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
  logger: Logger;
}

export interface ServiceOptions {
  dataDir: string;
  electronVersions?: { electron: string; chrome: string };
  /** The OS keychain by default (keytar); tests may pass another real KeyStore. */
  keyStore?: KeyStore;
  logger?: Logger;
  idleTimeoutMs?: number;
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
  });
  const lan = createLanService({ dataDir: opts.dataDir, keyStore, logger, ...lanOptionsFromEnv(), ...opts.lan });
  const woundFinding = createWoundFinding({ dataDir: opts.dataDir, logger });
  const backups = createBackupService({ workstation, keyStore, logger });
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
        model: () => {
          const info = describeActiveModel(opts.dataDir);
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
