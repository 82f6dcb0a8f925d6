/**
 * Whole-store operations for backup, restore and key rotation. Each file moves from one key to
 * another by writing the re-encrypted copy BESIDE the original (`<name>.enc.next`, itself written
 * to `.partial` and renamed when complete) and then renaming it over the original: at every
 * moment each file is whole and opens with one of the two keys, so a crash loses nothing as long
 * as both keys are kept until the sweep has finished.
 */
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EncryptedFileError, EncryptedFileReader, EncryptedFileWriter } from './encrypted-file';

const SUFFIX = '.enc';
const NEXT = '.enc.next';

export interface StoredFile {
  scanId: string;
  /** The stored name without `.enc` (e.g. `octree.bin`). */
  name: string;
  /** Absolute path of the encrypted file. */
  path: string;
}

/** Every encrypted file under a store's root, in a stable order. */
export async function listStoredFiles(rootDir: string): Promise<StoredFile[]> {
  const out: StoredFile[] = [];
  const dirs = (await readdir(rootDir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const scanId of dirs) {
    const names = (await readdir(join(rootDir, scanId)).catch(() => [] as string[])).filter((n) => n.endsWith(SUFFIX)).sort();
    for (const n of names) out.push({ scanId, name: n.slice(0, -SUFFIX.length), path: join(rootDir, scanId, n) });
  }
  return out;
}

/** Leftovers of an interrupted re-keying: `.enc.next` files and their `.partial` (never an import's own `.enc.partial`). */
export async function listLeftovers(rootDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(rootDir, { withFileTypes: true }).catch(() => [])) {
    if (!d.isDirectory()) continue;
    for (const n of await readdir(join(rootDir, d.name)).catch(() => [] as string[])) if (n.endsWith(NEXT) || n.endsWith(`${NEXT}.partial`)) out.push(join(rootDir, d.name, n));
  }
  return out.sort();
}

/** Which of the keys opens the file's header: 'a', 'b' or null (neither). Cheap: reads 64 bytes. */
export async function whichKeyOpens(path: string, a: Buffer, b: Buffer): Promise<'a' | 'b' | null> {
  for (const [label, key] of [['a', a], ['b', b]] as const) {
    try {
      const reader = await EncryptedFileReader.open(path, key);
      await reader.close();
      return label;
    } catch (error) {
      if (!(error instanceof EncryptedFileError && error.code === 'WRONG_KEY')) throw error;
    }
  }
  return null;
}

/** Copies an encrypted file under another key to `dest` (which appears only when complete). */
export async function reencryptFile(src: string, srcKey: Buffer, dest: string, destKey: Buffer): Promise<{ plaintextLength: number }> {
  const reader = await EncryptedFileReader.open(src, srcKey);
  const writer = new EncryptedFileWriter(dest, destKey);
  try {
    for await (const part of reader.stream()) await writer.write(part);
    return { plaintextLength: (await writer.close()).plaintextLength };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    await reader.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => null);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  } finally {
    await fh.close();
  }
}

export interface RekeyProgress {
  done: number;
  total: number;
}

/**
 * Moves every file of the store to `newKey`: files that open with `oldKey` are re-encrypted
 * beside themselves and renamed over; files already under `newKey` are left alone (so the sweep
 * can be repeated after a crash). A file neither key opens is a typed WRONG_KEY error and stays.
 */
export async function rekeyStoreFiles(rootDir: string, oldKey: Buffer, newKey: Buffer, onProgress?: (p: RekeyProgress) => void): Promise<{ moved: number; already: number }> {
  for (const left of await listLeftovers(rootDir)) await rm(left, { force: true });
  const files = await listStoredFiles(rootDir);
  let moved = 0;
  let already = 0;
  for (const [i, f] of files.entries()) {
    const which = await whichKeyOpens(f.path, newKey, oldKey);
    if (which === 'a') already++;
    else if (which === 'b') {
      const next = f.path.slice(0, -SUFFIX.length) + NEXT;
      await reencryptFile(f.path, oldKey, next, newKey);
      await rename(next, f.path);
      moved++;
    } else {
      throw new EncryptedFileError('WRONG_KEY', `stored file ${f.scanId}/${f.name} opens with neither the old nor the new clinic key`);
    }
    onProgress?.({ done: i + 1, total: files.length });
  }
  for (const dir of new Set(files.map((f) => join(rootDir, f.scanId)))) await fsyncDir(dir);
  return { moved, already };
}
