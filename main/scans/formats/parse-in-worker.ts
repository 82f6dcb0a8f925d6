/**
 * Parsing scan bytes in a `scan-parse` worker thread: what the import pipeline and the analysis of
 * stored scans use, so no parse runs on the main thread. Exported through the service's index.ts.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PointCloud } from '../../../common/point-cloud';
import { spawnWorker, workerPath } from '../../shared/workers';
import { ScanFormatError } from './errors';
import { parseReplySchema, type ParseRequest } from './parse-worker.schema';

export interface ParseInWorkerOptions {
  fileName?: string;
  onProgress?: (fraction: number) => void;
  /** Aborting terminates the worker; the promise rejects with a CANCELLED ScanFormatError. */
  signal?: AbortSignal;
  maxPoints?: number;
  applyE57Pose?: boolean;
}

/**
 * Parses scan bytes in a `scan-parse` worker thread. The bytes are transferred, not copied,
 * when they fill their whole buffer: the caller's array is then detached (empty) afterwards.
 */
export function parseInWorker(bytes: Uint8Array | ArrayBuffer, options: ParseInWorkerOptions = {}): Promise<PointCloud> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(cancelled());
  let buffer: ArrayBuffer;
  if (bytes instanceof ArrayBuffer) buffer = bytes;
  else if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) buffer = bytes.buffer;
  else buffer = new Uint8Array(bytes).buffer; // a copy: Buffer#slice would share memory

  return new Promise<PointCloud>((resolve, reject) => {
    let worker: Worker;
    try {
      worker = startParseWorker();
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = () => finish(() => reject(cancelled()));
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (raw: unknown) => {
      const parsed = parseReplySchema.safeParse(raw);
      if (!parsed.success) {
        finish(() => reject(new Error('scan parse worker sent a malformed reply')));
        return;
      }
      const reply = parsed.data;
      if (reply.type === 'progress') {
        if (!settled) options.onProgress?.(reply.fraction);
      } else if (reply.ok) {
        const cloud = reply.cloud;
        finish(() => resolve(cloud));
      } else {
        const e = reply.error;
        const code = e.code;
        if (code === 'INTERNAL') finish(() => reject(new Error(`scan parse worker: ${e.message}`)));
        else finish(() => reject(new ScanFormatError(code, e.format, e.offset, e.reason ?? e.message, { line: e.line, detected: e.detected })));
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`scan parse worker exited (code ${code}) before replying`))));

    const request: ParseRequest = {
      type: 'parse',
      bytes: buffer,
      ...(options.fileName === undefined ? {} : { fileName: options.fileName }),
      ...(options.maxPoints === undefined ? {} : { maxPoints: options.maxPoints }),
      ...(options.applyE57Pose === undefined ? {} : { applyE57Pose: options.applyE57Pose }),
    };
    worker.postMessage(request, [buffer]);
  });
}

/**
 * `spawnWorker('scan-parse')`, except when running from TypeScript sources (vitest, the CLI
 * through tsx): Node 20 does not apply an `--import tsx` given in a worker's execArgv to the
 * worker's own entry module (ERR_UNKNOWN_FILE_EXTENSION), so there the worker registers tsx
 * itself before importing its entry. The path still comes from the one worker registry.
 */
export function startParseWorker(): Worker {
  const entry = workerPath('scan-parse');
  if (!entry.endsWith('.ts')) return spawnWorker('scan-parse');
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

function cancelled(): ScanFormatError {
  return new ScanFormatError('CANCELLED', 'unknown', 0, 'parsing was cancelled');
}
