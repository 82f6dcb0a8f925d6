import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseInWorker, readPointCloud, readPointCloudFile, ScanFormatError } from './index';

const samples = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '..', 'shared', 'samples', 'scans');
const big = join(samples, 'ply', 'dardavesis__808-30.ply');

describe('scans service', () => {
  it('reads a file by path', async () => {
    const cloud = await readPointCloudFile(join(samples, 'pts', 'pdal__bunny_8.pts'));
    expect(cloud.format).toBe('pts');
    expect(cloud.count).toBe(8);
  });

  it('parses in a worker: same cloud as in-thread, buffers transferred, progress reported', async () => {
    const bytes = new Uint8Array(readFileSync(big));
    const local = await readPointCloud(bytes, { fileName: 'scan.ply' });
    const progress: number[] = [];
    const copy = bytes.slice();
    const cloud = await parseInWorker(copy, { fileName: 'scan.ply', onProgress: (f) => progress.push(f) });
    expect(copy.byteLength).toBe(0); // transferred, not copied
    expect(cloud.count).toBe(local.count);
    expect(cloud.positions).toEqual(local.positions);
    expect(cloud.colors).toEqual(local.colors);
    expect(cloud.sourceApp).toBe(local.sourceApp);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
  }, 60_000);

  it('copies a view that does not fill its buffer instead of detaching it', async () => {
    const buffer = new TextEncoder().encode('xx1 2 3\n');
    const view = buffer.subarray(2);
    const cloud = await parseInWorker(view, { fileName: 'a.xyz' });
    expect([...cloud.positions]).toEqual([1, 2, 3]);
    expect(buffer.byteLength).toBe(8);
  }, 60_000);

  it('rebuilds a ScanFormatError from the worker', async () => {
    const error = await parseInWorker(new TextEncoder().encode('ply\nformat ascii 9.0\nend_header\n'), { fileName: 'x.ply' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScanFormatError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED', format: 'ply', offset: 4 });
    expect((error as Error).message).toMatch(/^PLY at byte 4: PLY version other than 1.x \[UNSUPPORTED\]$/);
  }, 60_000);

  it('cancels: aborting terminates the worker and rejects with CANCELLED', async () => {
    const bytes = new Uint8Array(readFileSync(big));
    const controller = new AbortController();
    let progressAfterAbort = 0;
    const started = Date.now();
    const pending = parseInWorker(bytes, {
      fileName: 'scan.ply',
      signal: controller.signal,
      onProgress: () => {
        if (controller.signal.aborted) progressAfterAbort++;
      },
    });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ name: 'ScanFormatError', code: 'CANCELLED' });
    expect(progressAfterAbort).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(parseInWorker(new Uint8Array(4), { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('parse worker protocol', () => {
  it('answers a malformed request with a typed INTERNAL error reply', async () => {
    const { startParseWorker } = await import('./index');
    const { parseReplySchema } = await import('./formats/parse-worker.schema');
    const worker = startParseWorker();
    try {
      const reply = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ type: 'parse', bytes: 'not a buffer' });
      });
      expect(parseReplySchema.parse(reply)).toMatchObject({ type: 'result', ok: false, error: { code: 'INTERNAL', message: 'malformed request' } });
    } finally {
      await worker.terminate();
    }
  }, 60_000);
});
