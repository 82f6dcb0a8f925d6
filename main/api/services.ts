/**
 * The service container both composition roots (main/electron, main/host) build the same way.
 * Services are plain Node objects; nothing here knows which transport is in use.
 */
import { getSystemInfo, sampleMemory } from '../system/index';
import { createConsoleLogger, type Logger } from '../shared/logger';
import { createKeytarKeyStore, type KeyStore } from '../vault/index';
import { createWorkstation, type Workstation } from './workstation';

export interface Services {
  system: {
    info: typeof getSystemInfo;
    sampleMemory: typeof sampleMemory;
    /** Versions only Electron knows (absent in the browser host). */
    electronVersions?: { electron: string; chrome: string };
  };
  workstation: Workstation;
  logger: Logger;
}

export interface ServiceOptions {
  dataDir: string;
  electronVersions?: { electron: string; chrome: string };
  /** The OS keychain by default (keytar); tests may pass another real KeyStore. */
  keyStore?: KeyStore;
  logger?: Logger;
  idleTimeoutMs?: number;
}

export function createServices(opts: ServiceOptions): Services & { dispose(): Promise<void> } {
  const logger = opts.logger ?? createConsoleLogger({ app: 'coherency' });
  const workstation = createWorkstation({
    dataDir: opts.dataDir,
    keyStore: opts.keyStore ?? createKeytarKeyStore(),
    logger,
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
  });
  return {
    system: {
      info: getSystemInfo,
      sampleMemory,
      ...(opts.electronVersions ? { electronVersions: opts.electronVersions } : {}),
    },
    workstation,
    logger,
    dispose: () => workstation.dispose(),
  };
}
