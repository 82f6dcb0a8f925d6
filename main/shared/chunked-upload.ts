/**
 * Files the renderer sends in base64 chunks over tRPC (so IPC and HTTP carry them the same way):
 * announced with their size, then chunks in order, then taken whole by the service that asked for
 * them. An upload belongs to the connection that began it (another window gets NOT_FOUND, as for
 * a made-up id) and is dropped after `idleMs` without a chunk. Where the bytes go is the caller's
 * `UploadSink`: memory for scans (never plaintext on disk), a staging file for models.
 *
 * Each upload reserves its whole announced size at `begin`. With `maxBytesPerConnection` (and
 * `maxBytesTotal`, default twice that) what one connection and all of them may hold at once is capped:
 * without a cap, a client could announce upload after upload of the largest size and exhaust the
 * workstation's memory or disk before sending a byte.
 */
import { randomBytes } from 'node:crypto';

export type UploadErrorCode = 'UPLOAD_NOT_FOUND' | 'UPLOAD_OUT_OF_ORDER' | 'UPLOAD_TOO_LONG' | 'UPLOAD_INCOMPLETE' | 'UPLOAD_QUOTA';

export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    readonly code: UploadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadSink {
  write(chunk: Buffer, offset: number): void | Promise<void>;
  /** The upload went stale: remove what was written. */
  discard(): void | Promise<void>;
}

export interface ChunkedUploads<S extends UploadSink> {
  /** A new upload of `size` bytes, owned by `connectionId`, into the sink made for its id; returns the id. */
  begin(connectionId: string, size: number, makeSink: (uploadId: string) => S | Promise<S>): Promise<string>;
  chunk(connectionId: string, uploadId: string, offset: number, data: Buffer): Promise<{ received: number }>;
  /** The complete upload's sink, removed from the table (the caller owns it now). */
  take(connectionId: string, uploadId: string): S;
  /** Drops an upload of this connection and discards its sink (false when there is none). */
  cancel(connectionId: string, uploadId: string): Promise<boolean>;
  /** Bytes reserved now, by one connection or by all. */
  reserved(connectionId?: string): number;
}

export interface ChunkedUploadOptions {
  idleMs: number;
  now?: () => number;
  /** The most one connection may have reserved at once (no cap when absent). */
  maxBytesPerConnection?: number;
  /** The most all connections together may have reserved (default twice the per-connection cap). */
  maxBytesTotal?: number;
}

interface Upload<S> {
  connectionId: string;
  sink: S;
  size: number;
  received: number;
  lastTouched: number;
  /** Chunks of one upload are taken one after another (a write may be async). */
  queue: Promise<unknown>;
}

export function createChunkedUploads<S extends UploadSink>(opts: ChunkedUploadOptions): ChunkedUploads<S> {
  const now = opts.now ?? Date.now;
  const uploads = new Map<string, Upload<S>>();
  const perConnection = opts.maxBytesPerConnection ?? Infinity;
  const total = opts.maxBytesTotal ?? 2 * perConnection;
  const reserved = (connectionId?: string) => {
    let n = 0;
    for (const u of uploads.values()) if (connectionId === undefined || u.connectionId === connectionId) n += u.size;
    return n;
  };

  const owned = (connectionId: string, uploadId: string): Upload<S> => {
    const u = uploads.get(uploadId);
    if (!u || u.connectionId !== connectionId) throw new UploadError('UPLOAD_NOT_FOUND', 'No such upload (it may have expired).');
    return u;
  };

  return {
    async begin(connectionId, size, makeSink) {
      const t = now();
      for (const [id, u] of uploads) {
        if (t - u.lastTouched > opts.idleMs) {
          uploads.delete(id);
          await u.sink.discard();
        }
      }
      if (!Number.isSafeInteger(size) || size <= 0) throw new UploadError('UPLOAD_TOO_LONG', 'An upload announces its size in bytes, at least 1.');
      if (reserved(connectionId) + size > perConnection) throw new UploadError('UPLOAD_QUOTA', 'Too many uploads in progress from this window: finish or cancel one first.');
      if (reserved() + size > total) throw new UploadError('UPLOAD_QUOTA', 'The workstation is receiving too many uploads at once: try again in a moment.');
      const uploadId = randomBytes(16).toString('hex');
      const sink = await makeSink(uploadId);
      uploads.set(uploadId, { connectionId, sink, size, received: 0, lastTouched: t, queue: Promise.resolve() });
      return uploadId;
    },

    async chunk(connectionId, uploadId, offset, data) {
      const u = owned(connectionId, uploadId);
      // Checked when its turn comes, so two requests for the same bytes cannot both be written.
      const run = u.queue.then(async () => {
        if (offset !== u.received) throw new UploadError('UPLOAD_OUT_OF_ORDER', `Expected the chunk at byte ${u.received}.`);
        if (offset + data.length > u.size) throw new UploadError('UPLOAD_TOO_LONG', 'The upload is longer than announced.');
        await u.sink.write(data, offset);
        u.received += data.length;
        u.lastTouched = now();
        return { received: u.received };
      });
      u.queue = run.catch(() => undefined);
      return run;
    },

    take(connectionId, uploadId) {
      const u = owned(connectionId, uploadId);
      if (u.received !== u.size) throw new UploadError('UPLOAD_INCOMPLETE', `The upload is incomplete (${u.received} of ${u.size} bytes).`);
      uploads.delete(uploadId);
      return u.sink;
    },

    async cancel(connectionId, uploadId) {
      const u = uploads.get(uploadId);
      if (!u || u.connectionId !== connectionId) return false;
      uploads.delete(uploadId);
      await u.sink.discard();
      return true;
    },

    reserved,
  };
}
