/**
 * laz-perf (LASzip compiled to WASM) behind a small typed facade. The module is created once
 * and reused; after any decoder failure it is thrown away, because a C++ exception that
 * escapes into JavaScript leaves the WASM heap in an unknown state.
 */
import { createRequire } from 'node:module';

interface LasZipInstance {
  open(pointer: number, length: number): void;
  getPoint(pointer: number): void;
  getCount(): number;
  getPointLength(): number;
  getPointFormat(): number;
  delete(): void;
}

export interface LazPerfModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  LASZip: new () => LasZipInstance;
}

type Factory = () => Promise<LazPerfModule>;

let pending: Promise<LazPerfModule> | undefined;

export function lazPerf(): Promise<LazPerfModule> {
  if (!pending) {
    const { createLazPerf } = createRequire(import.meta.url)('laz-perf') as { createLazPerf: Factory };
    pending = withoutProcessHooks(createLazPerf);
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}

/**
 * Emscripten's Node glue adds process-wide 'uncaughtException' and 'unhandledRejection'
 * listeners that rethrow (turning any unhandled rejection anywhere into a crash), once per
 * module instance. Take them off again so the host keeps its own error handling.
 */
async function withoutProcessHooks(factory: Factory): Promise<LazPerfModule> {
  const before = {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };
  const strip = () => {
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  };
  try {
    return await factory();
  } finally {
    strip();
  }
}

/** Drops the shared module so that the next call builds a fresh one. */
export function discardLazPerf(): void {
  pending = undefined;
}

export type { LasZipInstance };
