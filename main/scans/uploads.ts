/**
 * Scan files chosen in the app or the browser host travel as base64 chunks over tRPC, so the
 * desktop (IPC) and the browser host (HTTP) carry them the same way. They are held in memory
 * until imported (never written in plaintext), owned by the connection that began it, and what a
 * connection may reserve at once is capped (one largest file; twice that for the workstation).
 */
import { MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES } from '../../common/scans';
import { createChunkedUploads } from '../shared/chunked-upload';

const UPLOAD_IDLE_MS = 30 * 60_000;

export interface ScanUpload {
  fileName: string;
  bytes: Buffer;
}

export interface ScanUploads {
  begin(connectionId: string, fileName: string, size: number): Promise<{ uploadId: string; chunkBytes: number }>;
  chunk(connectionId: string, uploadId: string, offset: number, data: Buffer): Promise<{ received: number }>;
  /** The finished upload, handed over once (UploadError NOT_FOUND / INCOMPLETE otherwise). */
  take(connectionId: string, uploadId: string): ScanUpload;
  /** Gives up an upload and frees what it reserved (false when there is none). */
  cancel(connectionId: string, uploadId: string): Promise<boolean>;
  /** Bytes reserved now, by one connection or by all. */
  reserved(connectionId?: string): number;
}

export interface ScanUploadOptions {
  now?: () => number;
  idleMs?: number;
  /** Default: one largest scan file. */
  maxBytesPerConnection?: number;
  /** Default: twice the per-connection cap. */
  maxBytesTotal?: number;
}

export function createScanUploads(opts: ScanUploadOptions = {}): ScanUploads {
  const uploads = createChunkedUploads<ScanUpload & { write(chunk: Buffer, offset: number): void; discard(): void }>({
    idleMs: opts.idleMs ?? UPLOAD_IDLE_MS,
    maxBytesPerConnection: opts.maxBytesPerConnection ?? MAX_UPLOAD_BYTES,
    ...(opts.maxBytesTotal !== undefined ? { maxBytesTotal: opts.maxBytesTotal } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return {
    async begin(connectionId, fileName, size) {
      const bytes = Buffer.alloc(size);
      const uploadId = await uploads.begin(connectionId, size, () => ({ fileName, bytes, write: (chunk, offset) => void chunk.copy(bytes, offset), discard: () => undefined }));
      return { uploadId, chunkBytes: UPLOAD_CHUNK_BYTES };
    },
    chunk: (connectionId, uploadId, offset, data) => uploads.chunk(connectionId, uploadId, offset, data),
    take(connectionId, uploadId) {
      const { fileName, bytes } = uploads.take(connectionId, uploadId);
      return { fileName, bytes };
    },
    cancel: (connectionId, uploadId) => uploads.cancel(connectionId, uploadId),
    reserved: (connectionId) => uploads.reserved(connectionId),
  };
}
