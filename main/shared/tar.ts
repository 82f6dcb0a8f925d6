/**
 * A small POSIX ustar writer and reader, for the backup archive (a `.cwbackup` is a plain tar:
 * `tar -tvf` lists it, `tar -xf` unpacks it). Only regular files and the directory part of a name
 * in the ustar `prefix` field; sizes of 8 GiB and more use the GNU base-256 size encoding.
 *
 * The writer streams each entry into place and patches its header once the size is known, so an
 * entry never has to be held in memory. The reader only indexes (name, offset, size): callers
 * read or copy the byte ranges they need.
 */
import { open, type FileHandle } from 'node:fs/promises';

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777; // 8 GiB - 1 in 11 octal digits

export type TarErrorCode = 'NOT_TAR' | 'TRUNCATED' | 'BAD_NAME';

export class TarError extends Error {
  override readonly name = 'TarError';
  constructor(
    readonly code: TarErrorCode,
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

export interface TarEntry {
  name: string;
  /** Byte offset of the entry's data in the archive. */
  offset: number;
  size: number;
}

function splitName(name: string): { prefix: string; base: string } {
  if (!name || name.startsWith('/') || name.split('/').some((p) => p === '' || p === '.' || p === '..')) throw new TarError('BAD_NAME', 'invalid entry name');
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  const cut = name.lastIndexOf('/');
  const prefix = name.slice(0, cut);
  const base = name.slice(cut + 1);
  if (cut < 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(base) > 100) throw new TarError('BAD_NAME', 'entry name too long for ustar');
  return { prefix, base };
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

function writeSize(header: Buffer, size: number): void {
  if (size <= MAX_OCTAL_SIZE) return writeOctal(header, size, 124, 12);
  // GNU base-256: high bit of the first byte set, big-endian binary in the rest.
  header.fill(0, 124, 136);
  header[124] = 0x80;
  header.writeBigUInt64BE(BigInt(size), 128);
}

function readSize(header: Buffer): number {
  if ((header[124]! & 0x80) !== 0) return Number(header.readBigUInt64BE(128));
  return parseOctal(header, 124, 12);
}

function parseOctal(header: Buffer, offset: number, length: number): number {
  const text = header.toString('ascii', offset, offset + length).replace(/\0.*$/s, '').trim();
  if (!/^[0-7]*$/.test(text)) return Number.NaN;
  return text === '' ? 0 : parseInt(text, 8);
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

function buildHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  const { prefix, base } = splitName(name);
  const h = Buffer.alloc(BLOCK);
  h.write(base, 0, 100, 'utf8');
  writeOctal(h, 0o600, 100, 8);
  writeOctal(h, 0, 108, 8);
  writeOctal(h, 0, 116, 8);
  writeSize(h, size);
  writeOctal(h, mtimeSeconds, 136, 12);
  h[156] = 0x30; // '0': regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  h.write(checksum(h).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** Streams entries into a new archive file (opened with 'wx': an existing file is never replaced). */
export class TarWriter {
  private position = 0;
  private constructor(private readonly fh: FileHandle) {}

  static async create(path: string): Promise<TarWriter> {
    return new TarWriter(await open(path, 'wx', 0o600));
  }

  /** Writes one entry from `data`; returns its size. */
  async add(name: string, data: Buffer | AsyncIterable<Uint8Array>, mtime = Date.now()): Promise<number> {
    const headerAt = this.position;
    const mtimeSeconds = Math.floor(mtime / 1000);
    splitName(name);
    this.position += BLOCK; // header written once the size is known
    let size = 0;
    const write = async (chunk: Uint8Array) => {
      await this.fh.write(chunk, 0, chunk.length, this.position);
      this.position += chunk.length;
      size += chunk.length;
    };
    if (Buffer.isBuffer(data)) await write(data);
    else for await (const chunk of data) await write(chunk);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) {
      await this.fh.write(Buffer.alloc(pad), 0, pad, this.position);
      this.position += pad;
    }
    await this.fh.write(buildHeader(name, size, mtimeSeconds), 0, BLOCK, headerAt);
    return size;
  }

  /** The end-of-archive marker, fsync and close. */
  async finish(): Promise<number> {
    await this.fh.write(Buffer.alloc(BLOCK * 2), 0, BLOCK * 2, this.position);
    this.position += BLOCK * 2;
    await this.fh.sync();
    await this.fh.close();
    return this.position;
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/**
 * Indexes an archive. NOT_TAR when the first header is not a ustar header; TRUNCATED when an
 * entry runs past the end of the file or the end-of-archive marker is missing.
 */
export async function readTarIndex(path: string): Promise<{ entries: TarEntry[]; bytes: number }> {
  const fh = await open(path, 'r');
  try {
    const { size: bytes } = await fh.stat();
    const entries: TarEntry[] = [];
    const header = Buffer.alloc(BLOCK);
    let at = 0;
    for (;;) {
      const { bytesRead } = await fh.read(header, 0, BLOCK, at);
      if (bytesRead < BLOCK) {
        if (entries.length === 0 && at === 0) throw new TarError('NOT_TAR', 'the file is too short to be an archive', 0);
        throw new TarError('TRUNCATED', `the archive ends at byte ${bytes}, before its end marker`, bytes);
      }
      if (header.every((b) => b === 0)) return { entries, bytes };
      const magicOk = header.toString('ascii', 257, 262) === 'ustar';
      const sumOk = parseOctal(header, 148, 8) === checksum(header);
      if (!magicOk || !sumOk) {
        if (entries.length === 0) throw new TarError('NOT_TAR', 'the file is not an archive (no ustar header)', at);
        throw new TarError('TRUNCATED', `the archive is damaged at byte ${at} (bad entry header)`, at);
      }
      const size = readSize(header);
      const base = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const prefix = header.toString('utf8', 345, 500).replace(/\0.*$/s, '');
      const name = prefix ? `${prefix}/${base}` : base;
      const offset = at + BLOCK;
      if (!Number.isFinite(size) || offset + size > bytes) throw new TarError('TRUNCATED', `entry ${entries.length + 1} runs past the end of the file (byte ${bytes})`, bytes);
      if (header[156] === 0x30 || header[156] === 0) entries.push({ name, offset, size });
      at = offset + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await fh.close();
  }
}

/** The bytes of one entry as a stream of pieces (at most `piece` bytes each). */
export async function* readTarEntry(path: string, entry: TarEntry, piece = 1 << 20): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    for (let done = 0; done < entry.size; ) {
      const n = Math.min(piece, entry.size - done);
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, entry.offset + done);
      if (bytesRead !== n) throw new TarError('TRUNCATED', 'the archive ended inside an entry', entry.offset + done + bytesRead);
      done += n;
      yield buf;
    }
  } finally {
    await fh.close();
  }
}
