/**
 * The tus data store: @tus/file-store, plus a SHA-256 fed as the bytes arrive and a byte count per
 * upload. When an upload's bytes all passed through this process in order, its digest is ready
 * the moment the last byte lands; otherwise (a restart mid-upload, a failed write) it falls back to
 * hashing the file from disk. Upload ids are generated hex, so every file stays in `directory`.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import { FileStore } from '@tus/file-store';

export interface HashingFileStoreOptions {
  directory: string;
  /** Unfinished uploads older than this are removed by `deleteExpired()`. */
  expirationPeriodInMilliseconds: number;
  /** Called for every body chunk that reaches the store (progress, bytes-on-the-wire accounting). */
  onBytes?: (uploadId: string, bytes: number) => void;
}

export class HashingFileStore extends FileStore {
  private readonly hashes = new Map<string, { hash: Hash; offset: number }>();
  private readonly onBytes: (uploadId: string, bytes: number) => void;

  constructor(opts: HashingFileStoreOptions) {
    super({ directory: opts.directory, expirationPeriodInMilliseconds: opts.expirationPeriodInMilliseconds });
    this.onBytes = opts.onBytes ?? (() => undefined);
  }

  override async write(readable: IncomingMessage | Readable, fileId: string, offset: number): Promise<number> {
    let state = this.hashes.get(fileId);
    if (offset === 0) state = { hash: createHash('sha256'), offset: 0 };
    if (!state || state.offset !== offset) {
      // Bytes before `offset` did not pass through here in order: digest() will read the file.
      this.hashes.delete(fileId);
      state = undefined;
    } else {
      this.hashes.set(fileId, state);
    }
    const hash = state?.hash;
    const onBytes = this.onBytes;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hash?.update(chunk);
        onBytes(fileId, chunk.length);
        callback(null, chunk);
      },
    });
    readable.once('error', (e) => tap.destroy(e));
    readable.pipe(tap);
    try {
      const newOffset = await super.write(tap, fileId, offset);
      if (state) state.offset = newOffset;
      return newOffset;
    } catch (e) {
      this.hashes.delete(fileId);
      throw e;
    }
  }

  /** Lower-case hex SHA-256 of the stored file (`size` bytes). */
  async digest(fileId: string, size: number, filePath: string): Promise<string> {
    const state = this.hashes.get(fileId);
    this.hashes.delete(fileId);
    if (state && state.offset === size) return state.hash.digest('hex');
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(filePath, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  forget(fileId: string): void {
    this.hashes.delete(fileId);
  }
}
