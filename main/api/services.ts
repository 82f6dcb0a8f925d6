/**
 * The service container both composition roots (main/electron, main/host) build the same way.
 * Services are plain Node objects; nothing here knows which transport is in use.
 */
import { getSystemInfo, sampleMemory } from '../system/index';

export interface Services {
  system: {
    info: typeof getSystemInfo;
    sampleMemory: typeof sampleMemory;
    /** Versions only Electron knows (absent in the browser host). */
    electronVersions?: { electron: string; chrome: string };
  };
}

export interface ServiceOptions {
  dataDir: string;
  electronVersions?: { electron: string; chrome: string };
}

export function createServices(opts: ServiceOptions): Services & { dispose(): Promise<void> } {
  return {
    system: {
      info: getSystemInfo,
      sampleMemory,
      ...(opts.electronVersions ? { electronVersions: opts.electronVersions } : {}),
    },
    async dispose() {},
  };
}
