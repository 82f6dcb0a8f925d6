/** Upload buffers: what a connection may reserve is capped, so announcing uploads cannot exhaust memory. */
import { describe, expect, it } from 'vitest';
import { createUploadBuffers, UploadBufferError } from './upload-buffers';

const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return error instanceof UploadBufferError ? error.code : String(error);
  }
};

describe('upload buffers', () => {
  it('refuses a reservation past the per-connection cap (200 announced uploads used to reserve 200 × the size)', () => {
    const b = createUploadBuffers({ maxBytesPerConnection: 1000 });
    const first = b.begin('win-1', 'a.ply', 600);
    expect(code(() => b.begin('win-1', 'b.ply', 600))).toBe('UPLOAD_QUOTA');
    let refused = 0;
    for (let i = 0; i < 200; i++) if (code(() => b.begin('win-1', `x${i}.ply`, 500)) === 'UPLOAD_QUOTA') refused++;
    expect(refused).toBe(200);
    expect(b.reserved('win-1')).toBe(600);
    expect(b.cancel('win-1', first.uploadId)).toBe(true);
    expect(code(() => b.begin('win-1', 'b.ply', 1000))).toBe('OK');
  });

  it('caps all connections together too, and frees a reservation when the upload is taken', () => {
    const b = createUploadBuffers({ maxBytesPerConnection: 1000, maxBytesTotal: 1500 });
    const a = b.begin('w1', 'a', 1000);
    expect(code(() => b.begin('w2', 'b', 600))).toBe('UPLOAD_QUOTA');
    b.append('w1', a.uploadId, 0, Buffer.alloc(1000, 7));
    expect(b.take('w1', a.uploadId).bytes.length).toBe(1000);
    expect(b.reserved()).toBe(0);
    expect(code(() => b.begin('w2', 'b', 600))).toBe('OK');
  });

  it('keeps chunks in order, within the announced size, to their own connection', () => {
    const b = createUploadBuffers({ maxBytesPerConnection: 1000 });
    const { uploadId } = b.begin('w1', 'a', 10);
    expect(code(() => b.append('w2', uploadId, 0, Buffer.alloc(5)))).toBe('UPLOAD_NOT_FOUND');
    expect(code(() => b.append('w1', uploadId, 5, Buffer.alloc(5)))).toBe('UPLOAD_OFFSET');
    expect(code(() => b.append('w1', uploadId, 0, Buffer.alloc(11)))).toBe('UPLOAD_TOO_LONG');
    b.append('w1', uploadId, 0, Buffer.alloc(5));
    expect(code(() => b.take('w1', uploadId))).toBe('UPLOAD_INCOMPLETE');
    expect(b.cancel('w2', uploadId)).toBe(false);
  });

  it('drops uploads idle past the limit', () => {
    let t = 0;
    const b = createUploadBuffers({ maxBytesPerConnection: 1000, idleMs: 100, now: () => t });
    b.begin('w1', 'a', 900);
    t = 101;
    expect(code(() => b.begin('w1', 'b', 900))).toBe('OK');
  });
});
