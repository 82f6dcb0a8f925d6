/**
 * The tus data store: @tus/file-store, plus a SHA-256 fed as the bytes arrive and a byte count per
 * upload. When an upload's bytes all passed through this process in order, its digest is ready
 * the moment the last byte lands; otherwise (a restart mid-upload, a failed write) it falls back to
 * hashing the file from disk. Upload ids are generated hex, so every file stays in `directory`.
 * Every file it creates is owner-only (0600).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { FileConfigstore, FileStore } from '@tus/file-store';
import type { Upload } from '@tus/utils';

/**
 * tus' bookkeeping (`<id>.json`, which holds the tablet's metadata, MRN included) written
 * owner-only, like the partial file itself: nothing in the upload area is readable by other users.
 */
class PrivateConfigstore extends FileConfigstore {
  override async set(key: string, value: Upload): Promise<void> {
    if (!/^[0-9a-f]{32}$/.test(key)) throw new Error('not an upload id');
    const path = join(this.directory, `${key}.json`);
    await writeFile(path, JSON.stringify(value), { mode: 0o600 });
    await chmod(path, 0o600);
  }
}

/** Creates `dir` owner-only (0700), tightening it if it exists already with looser permissions. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Removes every unfinished upload in `uploadsDir` (partial files and their tus bookkeeping): the
 * plaintext of an upload lives only while it is being received. Returns how many were removed.
 */
export async function sweepUploadArea(uploadsDir: string): Promise<number> {
  const names = await readdir(uploadsDir).catch(() => [] as string[]);
  await Promise.all(names.map((n) => rm(join(uploadsDir, n), { recursive: true, force: true })));
  return names.filter((n) => !n.endsWith('.json')).length;
}

export interface HashingFileStoreOptions {
  directory: string;
  /** tus' own expiry (Upload-Expires); 0 = none. The receiver removes idle uploads itself. */
  expirationPeriodInMilliseconds?: number;
  /** Called for every body chunk that reaches the store (progress, bytes-on-the-wire accounting). */
  onBytes?: (uploadId: string, bytes: number) => void;
}

export class HashingFileStore extends FileStore {
  private readonly hashes = new Map<string, { hash: Hash; offset: number }>();
  private readonly onBytes: (uploadId: string, bytes: number) => void;

  constructor(opts: HashingFileStoreOptions) {
    super({ directory: opts.directory, configstore: new PrivateConfigstore(opts.directory), expirationPeriodInMilliseconds: opts.expirationPeriodInMilliseconds });
    this.onBytes = opts.onBytes ?? (() => undefined);
  }

  /** As FileStore's, but the empty file is created owner-only (0600) and never over an existing one. */
  override async create(file: Upload): Promise<Upload> {
    if (!/^[0-9a-f]{32}$/.test(file.id)) throw new Error('not an upload id');
    const filePath = join(this.directory, file.id);
    await mkdir(dirname(filePath), { recursive: true, mode: 0o700 });
    await (await open(filePath, 'wx', 0o600)).close();
    await this.configstore.set(file.id, file);
    file.storage = { type: 'file', path: filePath };
    return file;
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
