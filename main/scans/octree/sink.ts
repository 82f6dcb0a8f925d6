/**
 * Where the octree's three files go. The writer calls, in this order: for octree.bin `begin` then
 * `write`s in file order (node by node), then the same for hierarchy.bin and for metadata.json,
 * then `close`; or `abort` when the build fails or is cancelled. A sink may keep the buffers it is
 * given (the writer never reuses them).
 *
 * `begin` announces each file's final length before its first byte, so a sink that writes a
 * header first (the encrypted scan store) does not have to buffer the file.
 */
import { open, rename, rm, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { OctreeError, type OctreeFileName } from './format';

export interface OctreeSink {
  begin?(name: OctreeFileName, byteLength: number): void | Promise<void>;
  write(name: OctreeFileName, bytes: Uint8Array): void | Promise<void>;
  close?(): void | Promise<void>;
  abort?(reason: unknown): void | Promise<void>;
}

/**
 * Writes the files into `dir` (created if missing) under temporary names and renames them into
 * place on `close`, so a reader never sees a half-written octree; `abort` removes them.
 */
export function createDirectorySink(dir: string): OctreeSink {
  const partial = (name: OctreeFileName): string => join(dir, `.${name}.partial`);
  const written: OctreeFileName[] = [];
  let current: { name: OctreeFileName; handle: FileHandle } | null = null;

  const finishCurrent = async (): Promise<void> => {
    if (!current) return;
    const { handle } = current;
    current = null;
    await handle.close();
  };

  return {
    async begin(name) {
      await finishCurrent();
      await mkdir(dir, { recursive: true });
      current = { name, handle: await open(partial(name), 'w') };
      written.push(name);
    },
    async write(name, bytes) {
      if (!current || current.name !== name) throw new OctreeError('WRITE_FAILED', `write to ${name} before begin`);
      let done = 0;
      while (done < bytes.byteLength) {
        const { bytesWritten } = await current.handle.write(bytes, done, bytes.byteLength - done);
        done += bytesWritten;
      }
    },
    async close() {
      await finishCurrent();
      for (const name of written) await rename(partial(name), join(dir, name));
    },
    async abort() {
      await finishCurrent().catch(() => undefined);
      for (const name of written) await rm(partial(name), { force: true });
    },
  };
}

/** Keeps the files in memory, e.g. for tests or for a caller that encrypts whole files. */
export interface MemorySink extends OctreeSink {
  /** The complete files; filled in on `close`. */
  readonly files: Map<OctreeFileName, Uint8Array>;
}

export function createMemorySink(): MemorySink {
  const parts = new Map<OctreeFileName, Uint8Array[]>();
  const files = new Map<OctreeFileName, Uint8Array>();
  return {
    files,
    write(name, bytes) {
      let list = parts.get(name);
      if (!list) parts.set(name, (list = []));
      list.push(bytes);
    },
    close() {
      for (const [name, list] of parts) {
        const size = list.reduce((sum, b) => sum + b.byteLength, 0);
        const file = new Uint8Array(size);
        let at = 0;
        for (const b of list) {
          file.set(b, at);
          at += b.byteLength;
        }
        files.set(name, file);
      }
      parts.clear();
    },
    abort() {
      parts.clear();
      files.clear();
    },
  };
}
