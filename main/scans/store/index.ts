/**
 * The encrypted scan store: originals and octree files of every scan, each encrypted with its
 * own key derived from the clinic key (see encrypted-file.ts), under `<clinicDir>/scans/<scanId>/`.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EncryptedFileError, EncryptedFileReader, EncryptedFileWriter } from './encrypted-file';

export { EncryptedFileError, EncryptedFileReader, EncryptedFileWriter, encryptedSize } from './encrypted-file';
export { listStoredFiles, listLeftovers, reencryptFile, rekeyStoreFiles, whichKeyOpens, type StoredFile, type RekeyProgress } from './maintenance';

const SCAN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SUFFIX = '.enc';

export class ScanStoreError extends Error {
  override readonly name = 'ScanStoreError';
  constructor(
    readonly code: 'BAD_NAME' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

export interface ScanStore {
  /** A streaming writer; the file becomes visible when `close()` resolves. */
  createWriter(scanId: string, name: string): Promise<EncryptedFileWriter>;
  put(scanId: string, name: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<{ plaintextLength: number }>;
  open(scanId: string, name: string): Promise<EncryptedFileReader>;
  readAll(scanId: string, name: string): Promise<Buffer>;
  list(scanId: string): Promise<string[]>;
  /** The folders (scan ids, inbox folders) under the store's root, sorted. */
  listFolders(): Promise<string[]>;
  /** Removes one stored file of a scan (idempotent). */
  removeFile(scanId: string, name: string): Promise<void>;
  /** Removes every file of a scan (idempotent). */
  remove(scanId: string): Promise<void>;
  dirOf(scanId: string): string;
  /** The root folder of this store. */
  readonly rootDir: string;
  /**
   * After a clinic key rotation: write with `key` from now on, and read with it, falling back to
   * `previous` for files the rotation has not moved yet (WRONG_KEY under `key`).
   */
  useKey(key: Buffer, previous?: Buffer): void;
}

function check(scanId: string, name?: string): void {
  if (!SCAN_ID.test(scanId)) throw new ScanStoreError('BAD_NAME', 'invalid scan id');
  if (name !== undefined && !FILE_NAME.test(name)) throw new ScanStoreError('BAD_NAME', `invalid stored file name "${name.slice(0, 64)}"`);
}

export function createScanStore(deps: { rootDir: string; clinicKey: Buffer }): ScanStore {
  let key = Buffer.from(deps.clinicKey);
  let previous: Buffer | null = null;
  const dirOf = (scanId: string) => {
    check(scanId);
    return join(deps.rootDir, scanId);
  };
  const pathOf = (scanId: string, name: string) => {
    check(scanId, name);
    return join(deps.rootDir, scanId, name + SUFFIX);
  };
  const store: ScanStore = {
    dirOf,
    rootDir: deps.rootDir,
    useKey(next, prev) {
      const old = key;
      key = Buffer.from(next);
      previous?.fill(0);
      previous = prev ? Buffer.from(prev) : null;
      old.fill(0);
    },
    async createWriter(scanId, name) {
      const path = pathOf(scanId, name);
      await mkdir(dirOf(scanId), { recursive: true, mode: 0o700 });
      return new EncryptedFileWriter(path, key);
    },
    async put(scanId, name, data) {
      const writer = await store.createWriter(scanId, name);
      try {
        if (data instanceof Uint8Array) await writer.write(data);
        else for await (const part of data) await writer.write(part);
        return await writer.close();
      } catch (error) {
        await writer.abort();
        throw error;
      }
    },
    async open(scanId, name) {
      try {
        try {
          return await EncryptedFileReader.open(pathOf(scanId, name), key);
        } catch (error) {
          if (previous && error instanceof EncryptedFileError && error.code === 'WRONG_KEY') return await EncryptedFileReader.open(pathOf(scanId, name), previous);
          throw error;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ScanStoreError('NOT_FOUND', `no stored file "${name}" for this scan`);
        throw error;
      }
    },
    async readAll(scanId, name) {
      const reader = await store.open(scanId, name);
      try {
        return await reader.read();
      } finally {
        await reader.close();
      }
    },
    async list(scanId) {
      const entries = await readdir(dirOf(scanId)).catch(() => [] as string[]);
      return entries.filter((e) => e.endsWith(SUFFIX)).map((e) => e.slice(0, -SUFFIX.length)).sort();
    },
    async listFolders() {
      const entries = await readdir(deps.rootDir, { withFileTypes: true }).catch(() => []);
      return entries.filter((e) => e.isDirectory() && SCAN_ID.test(e.name)).map((e) => e.name).sort();
    },
    async removeFile(scanId, name) {
      await rm(pathOf(scanId, name), { force: true });
    },
    async remove(scanId) {
      await rm(dirOf(scanId), { recursive: true, force: true });
    },
  };
  return store;
}
