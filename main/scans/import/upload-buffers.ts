/**
 * Scan files uploaded from the app (desktop or browser host) in chunks, held in memory until they
 * are imported — never written in plaintext. Each upload reserves its whole announced size at
 * `begin`, so what one connection (one window or browser session) may hold at once is capped:
 * without a cap, a client could announce upload after upload of the largest size and exhaust the
 * workstation's memory before sending a byte. Uploads idle for 30 minutes are dropped.
 */
import { randomBytes } from 'node:crypto';

export type UploadBufferErrorCode = 'UPLOAD_NOT_FOUND' | 'UPLOAD_OFFSET' | 'UPLOAD_TOO_LONG' | 'UPLOAD_INCOMPLETE' | 'UPLOAD_QUOTA';

export class UploadBufferError extends Error {
  override readonly name = 'UploadBufferError';
  constructor(
    readonly code: UploadBufferErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadBuffers {
  /** Reserves `size` bytes for a new upload of this connection (UPLOAD_QUOTA beyond the caps). */
  begin(connectionId: string, fileName: string, size: number): { uploadId: string };
  /** Writes the next chunk, which must start where the last one ended. */
  append(connectionId: string, uploadId: string, offset: number, chunk: Buffer): { received: number };
  /** Hands over a complete upload (and forgets it). */
  take(connectionId: string, uploadId: string): { fileName: string; bytes: Buffer };
  /** Drops an upload (true if there was one). */
  cancel(connectionId: string, uploadId: string): boolean;
  /** Bytes reserved now by a connection (tests, diagnostics). */
  reserved(connectionId?: string): number;
}

export interface UploadBufferOptions {
  /** The most one connection may have reserved at once (default: one largest file). */
  maxBytesPerConnection: number;
  /** The most all connections together may have reserved (default twice the per-connection cap). */
  maxBytesTotal?: number;
  idleMs?: number;
  now?: () => number;
}

interface Upload {
  connectionId: string;
  fileName: string;
  bytes: Buffer;
  received: number;
  lastTouched: number;
}

export function createUploadBuffers(opts: UploadBufferOptions): UploadBuffers {
  const perConnection = opts.maxBytesPerConnection;
  const total = opts.maxBytesTotal ?? 2 * perConnection;
  const idleMs = opts.idleMs ?? 30 * 60_000;
  const now = opts.now ?? Date.now;
  const uploads = new Map<string, Upload>();

  const sweep = () => {
    const t = now();
    for (const [id, u] of uploads) if (t - u.lastTouched > idleMs) uploads.delete(id);
  };
  const reserved = (connectionId?: string) => {
    let n = 0;
    for (const u of uploads.values()) if (connectionId === undefined || u.connectionId === connectionId) n += u.bytes.length;
    return n;
  };
  const own = (connectionId: string, uploadId: string): Upload => {
    const u = uploads.get(uploadId);
    if (!u || u.connectionId !== connectionId) throw new UploadBufferError('UPLOAD_NOT_FOUND', 'No such upload (it may have expired).');
    return u;
  };

  return {
    begin(connectionId, fileName, size) {
      sweep();
      if (!Number.isSafeInteger(size) || size <= 0) throw new UploadBufferError('UPLOAD_TOO_LONG', 'An upload announces its size in bytes, at least 1.');
      if (reserved(connectionId) + size > perConnection) {
        throw new UploadBufferError('UPLOAD_QUOTA', 'Too many uploads in progress from this window: finish or cancel one first.');
      }
      if (reserved() + size > total) throw new UploadBufferError('UPLOAD_QUOTA', 'The workstation is receiving too many uploads at once: try again in a moment.');
      const uploadId = randomBytes(16).toString('hex');
      uploads.set(uploadId, { connectionId, fileName, bytes: Buffer.alloc(size), received: 0, lastTouched: now() });
      return { uploadId };
    },
    append(connectionId, uploadId, offset, chunk) {
      const u = own(connectionId, uploadId);
      if (offset !== u.received) throw new UploadBufferError('UPLOAD_OFFSET', `Expected the chunk at byte ${u.received}.`);
      if (offset + chunk.length > u.bytes.length) throw new UploadBufferError('UPLOAD_TOO_LONG', 'The upload is longer than announced.');
      chunk.copy(u.bytes, offset);
      u.received += chunk.length;
      u.lastTouched = now();
      return { received: u.received };
    },
    take(connectionId, uploadId) {
      const u = own(connectionId, uploadId);
      if (u.received !== u.bytes.length) throw new UploadBufferError('UPLOAD_INCOMPLETE', `The upload is incomplete (${u.received} of ${u.bytes.length} bytes).`);
      uploads.delete(uploadId);
      return { fileName: u.fileName, bytes: u.bytes };
    },
    cancel(connectionId, uploadId) {
      const u = uploads.get(uploadId);
      if (!u || u.connectionId !== connectionId) return false;
      uploads.delete(uploadId);
      return true;
    },
    reserved,
  };
}
