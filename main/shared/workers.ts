/**
 * Worker threads, one registry for source and build.
 *
 * CPU-heavy work (parsing, octree building, inference) runs in `worker_threads`. A worker is
 * named here once; `electron.vite.config.ts` builds each entry to `out/main/workers/<name>.js`,
 * and under vitest / the CLI from source the `.ts` file runs through tsx. Callers only ever say
 * `spawnWorker('scan-parse')`, so the two cannot drift apart.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Worker name → source file, relative to `main/`. */
export const WORKER_ENTRIES = {
  'scan-parse': 'scans/formats/parse.worker.ts',
  'segment-inference': 'analysis/segmentation/inference.worker.ts',
  'octree-build': 'scans/octree/build.worker.ts',
  'wound-find': 'analysis/wound-finder/wound-find.worker.ts',
  'wound-measure': 'analysis/assessment/measure.worker.ts',
  'review-compare': 'review/compare.worker.ts',
} as const satisfies Record<string, string>;

export type WorkerName = keyof typeof WORKER_ENTRIES;

const here = fileURLToPath(import.meta.url);
const runningFromSource = here.endsWith('.ts');

export function workerPath(name: WorkerName): string {
  if (runningFromSource) {
    return resolve(dirname(here), '..', WORKER_ENTRIES[name]);
  }
  // Built: this module is inlined into a chunk in out/main or out/main/chunks.
  for (const base of [dirname(here), resolve(dirname(here), '..')]) {
    const candidate = join(base, 'workers', `${name}.js`);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`worker bundle "${name}" not found next to ${here}; run the build`);
}

/**
 * Starts a registered worker. From TypeScript sources (vitest, the CLI through tsx) the worker
 * registers tsx itself before importing its entry: Node 20 does not apply an `--import tsx` given
 * in a worker's execArgv to the worker's own entry module (ERR_UNKNOWN_FILE_EXTENSION).
 */
export function spawnWorker(name: WorkerName, options: WorkerOptions = {}): Worker {
  const path = workerPath(name);
  if (!runningFromSource) return new Worker(path, options);
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(path).href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
