/**
 * Chunked uploads (scan files, wound models): chunks in order into the caller's sink, owned by
 * the connection that began them, handed over once when complete, dropped when idle.
 */
import { describe, expect, it } from 'vitest';
import { createChunkedUploads, UploadError, type UploadSink } from './chunked-upload';

class MemorySink implements UploadSink {
  bytes: Buffer;
  discarded = false;
  constructor(size: number) {
    this.bytes = Buffer.alloc(size);
  }
  write(chunk: Buffer, offset: number) {
    chunk.copy(this.bytes, offset);
  }
  discard() {
    this.discarded = true;
  }
}

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'OK';
  } catch (error) {
    return error instanceof UploadError ? error.code : `not an UploadError: ${String(error)}`;
  }
}

describe('chunked uploads', () => {
  it('writes chunks in order and hands the complete upload over once', async () => {
    const uploads = createChunkedUploads<MemorySink>({ idleMs: 1000 });
    const id = await uploads.begin('win-1', 6, () => new MemorySink(6));
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await uploads.chunk('win-1', id, 0, Buffer.from('abc'))).toEqual({ received: 3 });
    expect(await uploads.chunk('win-1', id, 3, Buffer.from('def'))).toEqual({ received: 6 });
    expect(uploads.take('win-1', id).bytes.toString()).toBe('abcdef');
    expect(await codeOf(() => uploads.take('win-1', id))).toBe('UPLOAD_NOT_FOUND');
  });

  it('refuses another connection, a made-up id, a chunk out of order, one past the end and an early take', async () => {
    const uploads = createChunkedUploads<MemorySink>({ idleMs: 1000 });
    const id = await uploads.begin('win-1', 4, () => new MemorySink(4));
    expect(await codeOf(() => uploads.chunk('win-2', id, 0, Buffer.from('ab')))).toBe('UPLOAD_NOT_FOUND');
    expect(await codeOf(() => uploads.chunk('win-1', 'f'.repeat(32), 0, Buffer.from('ab')))).toBe('UPLOAD_NOT_FOUND');
    expect(await codeOf(() => uploads.chunk('win-1', id, 2, Buffer.from('ab')))).toBe('UPLOAD_OUT_OF_ORDER');
    expect(await codeOf(() => uploads.chunk('win-1', id, 0, Buffer.from('abcde')))).toBe('UPLOAD_TOO_LONG');
    await uploads.chunk('win-1', id, 0, Buffer.from('ab'));
    expect(await codeOf(() => uploads.take('win-1', id))).toBe('UPLOAD_INCOMPLETE');
    expect(await codeOf(() => uploads.take('win-2', id))).toBe('UPLOAD_NOT_FOUND');
    // Nothing refused changed what was received.
    expect(await uploads.chunk('win-1', id, 2, Buffer.from('cd'))).toEqual({ received: 4 });
    expect(uploads.take('win-1', id).bytes.toString()).toBe('abcd');
  });

  it('takes parallel requests for the same bytes once (a replayed chunk is out of order, not written twice)', async () => {
    const uploads = createChunkedUploads<MemorySink>({ idleMs: 1000 });
    // A sink whose writes take a while, as a file's do.
    const sink = new MemorySink(4);
    const slow = Object.assign(sink, { write: async (chunk: Buffer, offset: number) => { await new Promise((r) => setTimeout(r, 20)); chunk.copy(sink.bytes, offset); } });
    const id = await uploads.begin('win-1', 4, () => slow);
    const outcomes = await Promise.allSettled([uploads.chunk('win-1', id, 0, Buffer.from('ab')), uploads.chunk('win-1', id, 0, Buffer.from('ab'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as UploadError).code).toBe('UPLOAD_OUT_OF_ORDER');
    expect(await uploads.chunk('win-1', id, 2, Buffer.from('cd'))).toEqual({ received: 4 });
    expect(uploads.take('win-1', id).bytes.toString()).toBe('abcd');
  });

  it('drops an upload idle for longer than idleMs (its sink discarded) when the next one begins', async () => {
    let t = 0;
    const uploads = createChunkedUploads<MemorySink>({ idleMs: 1000, now: () => t });
    const stale = new MemorySink(2);
    const old = await uploads.begin('win-1', 2, () => stale);
    t = 500;
    const fresh = await uploads.begin('win-1', 2, () => new MemorySink(2));
    expect(stale.discarded).toBe(false);
    t = 1200;
    await uploads.begin('win-1', 2, () => new MemorySink(2));
    expect(stale.discarded).toBe(true);
    expect(await codeOf(() => uploads.chunk('win-1', old, 0, Buffer.from('ab')))).toBe('UPLOAD_NOT_FOUND');
    expect(await uploads.chunk('win-1', fresh, 0, Buffer.from('ab'))).toEqual({ received: 2 });
  });

  it('refuses a reservation past the per-connection cap (200 announced uploads used to reserve 200 × the size), and cancel frees it', async () => {
    const uploads = createChunkedUploads<MemorySink>({ idleMs: 1000, maxBytesPerConnection: 1000 });
    const first = await uploads.begin('win-1', 600, () => new MemorySink(600));
    expect(await codeOf(() => uploads.begin('win-1', 600, () => new MemorySink(600)))).toBe('UPLOAD_QUOTA');
    let refused = 0;
    for (let i = 0; i < 200; i++) if ((await codeOf(() => uploads.begin('win-1', 500, () => new MemorySink(500)))) === 'UPLOAD_QUOTA') refused++;
    expect(refused).toBe(200);
    expect(uploads.reserved('win-1')).toBe(600);
    expect(await uploads.cancel('win-2', first)).toBe(false);
    expect(await uploads.cancel('win-1', first)).toBe(true);
    expect(uploads.reserved()).toBe(0);
    expect(await codeOf(() => uploads.begin('win-1', 1000, () => new MemorySink(1000)))).toBe('OK');
  });

  it('caps all connections together (default twice the per-connection cap) and frees a reservation when taken', async () => {
    const uploads = createChunkedUploads<MemorySink>({ idleMs: 1000, maxBytesPerConnection: 1000, maxBytesTotal: 1500 });
    const a = await uploads.begin('w1', 1000, () => new MemorySink(1000));
    expect(await codeOf(() => uploads.begin('w2', 600, () => new MemorySink(600)))).toBe('UPLOAD_QUOTA');
    await uploads.chunk('w1', a, 0, Buffer.alloc(1000, 7));
    expect(uploads.take('w1', a).bytes.length).toBe(1000);
    expect(await codeOf(() => uploads.begin('w2', 600, () => new MemorySink(600)))).toBe('OK');
    const capped = createChunkedUploads<MemorySink>({ idleMs: 1000, maxBytesPerConnection: 1000 });
    await capped.begin('w1', 1000, () => new MemorySink(1000));
    await capped.begin('w2', 1000, () => new MemorySink(1000));
    expect(await codeOf(() => capped.begin('w3', 1, () => new MemorySink(1)))).toBe('UPLOAD_QUOTA');
  });
});
