/**
 * An update file is installed only when its bytes are exactly the ones the signed metadata names:
 * the size first (a cut-off download is "incomplete"), then the SHA-512. Used twice: on a
 * plain-Node download (the CLI's check of a feed), and in the desktop app on the file
 * electron-updater downloaded, right before it is handed to the installer.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FeedUnreachableError, FileHashMismatchError, FileIncompleteError } from './errors';
import type { FetchStream } from './http';
import type { UpdateFile } from './metadata';

/** Checks a file on disk against the signed size and SHA-512; deletes it when it does not match. */
export async function verifyDownloadedFile(path: string, expected: Pick<UpdateFile, 'name' | 'sha512' | 'size'>): Promise<void> {
  try {
    const size = (await stat(path)).size;
    if (size < expected.size) throw new FileIncompleteError(expected.name, size, expected.size);
    if (size > expected.size) throw new FileHashMismatchError(expected.name, `${size} bytes where the metadata says ${expected.size}`);
    const hash = createHash('sha512');
    await pipeline(createReadStream(path), hash);
    const actual = hash.digest('base64');
    if (actual !== expected.sha512) throw new FileHashMismatchError(expected.name, `SHA-512 ${actual.slice(0, 16)}… where the metadata says ${expected.sha512.slice(0, 16)}…`);
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

/**
 * Downloads `file` into `dir` (as `<name>.partial`, renamed when verified) and returns its path.
 * A connection that drops, a short or long body, or other bytes: refused, and nothing is left.
 */
export async function downloadUpdateFile(file: UpdateFile, dir: string, fetchStream: FetchStream): Promise<string> {
  const partial = join(dir, `${file.name}.partial`);
  const final = join(dir, file.name);
  let response: Awaited<ReturnType<FetchStream>>;
  try {
    response = await fetchStream(new URL(file.url));
  } catch (error) {
    throw new FeedUnreachableError(file.url, error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (response.status !== 200) {
    response.body.destroy();
    throw new FeedUnreachableError(file.url, `HTTP ${response.status}`);
  }
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > file.size) return done(new FileHashMismatchError(file.name, `more than the ${file.size} bytes the metadata says`));
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.body, count, createWriteStream(partial, { mode: 0o600 }));
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof FileHashMismatchError) throw error;
    // The connection dropped: what arrived is less than the signed size.
    throw new FileIncompleteError(file.name, received, file.size);
  }
  await verifyDownloadedFile(partial, file);
  await rename(partial, final);
  return final;
}
