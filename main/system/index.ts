/**
 * What this workstation is running: versions, platform and the ONNX Runtime execution
 * providers that onnxruntime-node reports here. Backs the System screen and `coherency version`.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SystemInfo, Transport, ExecutionProviderInfo, MemorySample } from '../../common/system';

const requireHere = createRequire(import.meta.url);

/** The app's own package.json: walk up from this module (source, out/main or an asar). */
function findPackageJson(): { version: string; productName?: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version: string; productName?: string };
      if (pkg.name === 'coherency-workstation') return pkg;
    }
    const parent = dirname(dir);
    if (parent === dir) return { version: '0.0.0-unknown' };
    dir = parent;
  }
}

/** The app's version (package.json), as the updater compares it. */
export function appVersion(): string {
  return findPackageJson().version;
}

let cachedProviders: Promise<SystemInfo['onnxRuntime']> | undefined;

/** onnxruntime-node's own list; a provider compiled in but whose library is absent is marked so. */
export function onnxRuntimeInfo(): Promise<SystemInfo['onnxRuntime']> {
  cachedProviders ??= (async () => {
    try {
      const ort = await import('onnxruntime-node');
      const binDir = dirname(requireHere.resolve('onnxruntime-node'));
      const backends = ort.listSupportedBackends();
      const providers: ExecutionProviderInfo[] = backends.map((b) => {
        let available = b.bundled;
        let note: string | undefined;
        if (!b.bundled) {
          const lib = `libonnxruntime_providers_${b.name}.so`;
          const dir = join(binDir, '..', 'bin', `napi-v6`, process.platform, process.arch);
          available = existsSync(join(dir, lib));
          if (!available) note = 'provider library not installed (npm ci skips its download)';
        }
        return { name: b.name, bundled: b.bundled, available, ...(note ? { note } : {}) };
      });
      return {
        version: ort.env.versions.node ?? ort.env.versions.common ?? null,
        executionProviders: providers.filter((p) => p.available).map((p) => p.name),
        providers,
      };
    } catch (error) {
      return {
        version: null,
        executionProviders: [],
        providers: [],
        error: `onnxruntime-node could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  })();
  return cachedProviders;
}

export async function getSystemInfo(opts: { transport: Transport; electronVersions?: Partial<Record<'electron' | 'chrome', string>> }): Promise<SystemInfo> {
  const pkg = findPackageJson();
  return {
    appName: pkg.productName ?? 'Coherency Workstation',
    appVersion: pkg.version,
    transport: opts.transport,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    cpus: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    versions: {
      node: process.versions.node,
      v8: process.versions.v8,
      electron: opts.electronVersions?.electron ?? process.versions['electron'] ?? null,
      chrome: opts.electronVersions?.chrome ?? process.versions['chrome'] ?? null,
    },
    onnxRuntime: await onnxRuntimeInfo(),
  };
}

export function sampleMemory(): MemorySample {
  const m = process.memoryUsage();
  return {
    at: Date.now(),
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    externalBytes: m.external,
    systemFreeBytes: os.freemem(),
  };
}
