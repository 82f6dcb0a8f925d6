/**
 * The encrypted scan store: originals and octree files of every scan, each encrypted with its
 * own key derived from the clinic key (see encrypted-file.ts), under `<clinicDir>/scans/<scanId>/`.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EncryptedFileReader, EncryptedFileWriter } from './encrypted-file';

export { EncryptedFileError, EncryptedFileReader, EncryptedFileWriter, encryptedSize } from './encrypted-file';

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
  /** Removes every file of a scan (idempotent). */
  remove(scanId: string): Promise<void>;
  dirOf(scanId: string): string;
}

function check(scanId: string, name?: string): void {
  if (!SCAN_ID.test(scanId)) throw new ScanStoreError('BAD_NAME', 'invalid scan id');
  if (name !== undefined && !FILE_NAME.test(name)) throw new ScanStoreError('BAD_NAME', `invalid stored file name "${name.slice(0, 64)}"`);
}

export function createScanStore(deps: { rootDir: string; clinicKey: Buffer }): ScanStore {
  const key = Buffer.from(deps.clinicKey);
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
        return await EncryptedFileReader.open(pathOf(scanId, name), key);
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
    async remove(scanId) {
      await rm(dirOf(scanId), { recursive: true, force: true });
    },
  };
  return store;
}
