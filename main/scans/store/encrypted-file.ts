/**
 * Encrypted scan files (ARCHITECTURE.md "Scan files are PHI too").
 *
 * Layout of one stored file (all integers big-endian):
 *
 *   header (64 bytes):  magic "CWSENC01" (8) | chunkSize u32 | reserved u32 | plaintextLength u64
 *                       | salt (16) | headerTag (16) = first 16 bytes of HMAC-SHA256(fileKey, header[0..48))
 *                       | reserved (8)
 *   chunk i:            ciphertext (chunkSize, the last one shorter) | GCM tag (16)
 *
 * The per-file key is HKDF-SHA256(clinic key, salt, "coherency/scan-file/v1"), so every file has
 * its own key; chunk i is AES-256-GCM with the 96-bit nonce = i and AAD = header[0..48) ‖ i ‖ last?,
 * so chunks cannot be reordered, swapped between files, or the file truncated unnoticed.
 * A byte range is served by decrypting only the chunks it touches (potree-core reads octree.bin
 * by range).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

const MAGIC = Buffer.from('CWSENC01', 'ascii');
export const HEADER_BYTES = 64;
const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
const HKDF_INFO = Buffer.from('coherency/scan-file/v1', 'utf8');

export type EncryptedFileErrorCode = 'NOT_ENCRYPTED_FILE' | 'TAMPERED' | 'WRONG_KEY' | 'RANGE' | 'TRUNCATED';

export class EncryptedFileError extends Error {
  override readonly name = 'EncryptedFileError';
  constructor(
    readonly code: EncryptedFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Header {
  chunkSize: number;
  plaintextLength: number;
  salt: Buffer;
  aadPrefix: Buffer;
  key: Buffer;
}

function deriveKey(clinicKey: Buffer, salt: Buffer): Buffer {
  if (clinicKey.length !== 32) throw new RangeError('clinic key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', clinicKey, salt, HKDF_INFO, 32));
}

function headerTag(key: Buffer, first48: Buffer): Buffer {
  return createHmac('sha256', key).update(first48).digest().subarray(0, 16);
}

function chunkNonce(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(Math.floor(index / 2 ** 32), 4);
  nonce.writeUInt32BE(index >>> 0, 8);
  return nonce;
}

function chunkAad(prefix: Buffer, index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(prefix.length + 9);
  prefix.copy(aad, 0);
  aad.writeUInt32BE(Math.floor(index / 2 ** 32), prefix.length);
  aad.writeUInt32BE(index >>> 0, prefix.length + 4);
  aad[prefix.length + 8] = last ? 1 : 0;
  return aad;
}

function chunkCount(plaintextLength: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(plaintextLength / chunkSize));
}

/** Size on disk of a file holding `plaintextLength` bytes. */
export function encryptedSize(plaintextLength: number, chunkSize = DEFAULT_CHUNK_BYTES): number {
  return HEADER_BYTES + plaintextLength + chunkCount(plaintextLength, chunkSize) * TAG_BYTES;
}

/**
 * Streams plaintext into an encrypted file. The file appears under `path` only once complete
 * (written to `path.partial`, then renamed), so a crash never leaves a half file that looks whole.
 */
export class EncryptedFileWriter {
  private handle: FileHandle | null = null;
  private pending = Buffer.alloc(0);
  private index = 0;
  private written = 0;
  private position = HEADER_BYTES;
  private readonly salt = randomBytes(16);
  private readonly key: Buffer;
  private readonly tmpPath: string;

  constructor(
    private readonly path: string,
    clinicKey: Buffer,
    private readonly chunkSize = DEFAULT_CHUNK_BYTES,
  ) {
    this.key = deriveKey(clinicKey, this.salt);
    this.tmpPath = `${path}.partial`;
  }

  private async fh(): Promise<FileHandle> {
    this.handle ??= await open(this.tmpPath, 'w', 0o600);
    return this.handle;
  }

  /** The AAD prefix must be known before the first chunk, but the length only at the end: the
   *  prefix therefore binds magic, chunk size and salt; the length is bound by the last-chunk flag
   *  and the header HMAC. */
  private aadPrefix(): Buffer {
    const p = Buffer.alloc(28);
    MAGIC.copy(p, 0);
    p.writeUInt32BE(this.chunkSize, 8);
    this.salt.copy(p, 12);
    return p;
  }

  private async writeChunk(plain: Buffer, last: boolean): Promise<void> {
    const cipher = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.index));
    cipher.setAAD(chunkAad(this.aadPrefix(), this.index, last));
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    const fh = await this.fh();
    await fh.write(body, 0, body.length, this.position);
    this.position += body.length;
    this.index++;
  }

  async write(data: Uint8Array): Promise<void> {
    this.written += data.length;
    let buf = this.pending.length ? Buffer.concat([this.pending, data]) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // Keep at least one byte back so that the last chunk is always written by close() with last=true.
    while (buf.length > this.chunkSize) {
      await this.writeChunk(buf.subarray(0, this.chunkSize), false);
      buf = buf.subarray(this.chunkSize);
    }
    this.pending = Buffer.from(buf);
  }

  async close(): Promise<{ plaintextLength: number; storedLength: number }> {
    await this.writeChunk(this.pending, true);
    this.pending = Buffer.alloc(0);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(this.chunkSize, 8);
    header.writeBigUInt64BE(BigInt(this.written), 16);
    this.salt.copy(header, 24);
    headerTag(this.key, header.subarray(0, 40)).copy(header, 40);
    const fh = await this.fh();
    await fh.write(header, 0, HEADER_BYTES, 0);
    await fh.sync();
    await fh.close();
    this.handle = null;
    await rename(this.tmpPath, this.path);
    return { plaintextLength: this.written, storedLength: this.position };
  }

  async abort(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
    await rm(this.tmpPath, { force: true });
  }
}

/** Random access to an encrypted file: `read(start, endExclusive)` decrypts only what it needs. */
export class EncryptedFileReader {
  private constructor(
    private readonly fh: FileHandle,
    private readonly header: Header,
  ) {}

  static async open(path: string, clinicKey: Buffer): Promise<EncryptedFileReader> {
    const fh = await open(path, 'r');
    try {
      const raw = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await fh.read(raw, 0, HEADER_BYTES, 0);
      if (bytesRead < HEADER_BYTES || !raw.subarray(0, 8).equals(MAGIC)) {
        throw new EncryptedFileError('NOT_ENCRYPTED_FILE', 'not an encrypted scan file (bad magic or short header)');
      }
      const chunkSize = raw.readUInt32BE(8);
      const plaintextLength = Number(raw.readBigUInt64BE(16));
      const salt = Buffer.from(raw.subarray(24, 40));
      const key = deriveKey(clinicKey, salt);
      if (!timingSafeEqual(headerTag(key, raw.subarray(0, 40)), raw.subarray(40, 56))) {
        throw new EncryptedFileError('WRONG_KEY', 'the file was not written with this clinic key, or its header was altered');
      }
      if (chunkSize < 1024 || chunkSize > 64 * 1024 * 1024) throw new EncryptedFileError('TAMPERED', 'implausible chunk size');
      const stat = await fh.stat();
      if (stat.size !== encryptedSize(plaintextLength, chunkSize)) {
        throw new EncryptedFileError('TRUNCATED', `stored file is ${stat.size} bytes, expected ${encryptedSize(plaintextLength, chunkSize)}`);
      }
      const aadPrefix = Buffer.alloc(28);
      MAGIC.copy(aadPrefix, 0);
      aadPrefix.writeUInt32BE(chunkSize, 8);
      salt.copy(aadPrefix, 12);
      return new EncryptedFileReader(fh, { chunkSize, plaintextLength, salt, aadPrefix, key });
    } catch (error) {
      await fh.close();
      throw error;
    }
  }

  get size(): number {
    return this.header.plaintextLength;
  }

  private async decryptChunk(index: number): Promise<Buffer> {
    const { chunkSize, plaintextLength } = this.header;
    const count = chunkCount(plaintextLength, chunkSize);
    const plainLen = index === count - 1 ? plaintextLength - chunkSize * (count - 1) : chunkSize;
    const stored = Buffer.alloc(plainLen + TAG_BYTES);
    const offset = HEADER_BYTES + index * (chunkSize + TAG_BYTES);
    const { bytesRead } = await this.fh.read(stored, 0, stored.length, offset);
    if (bytesRead !== stored.length) throw new EncryptedFileError('TRUNCATED', `chunk ${index} is short`);
    const decipher = createDecipheriv('aes-256-gcm', this.header.key, chunkNonce(index));
    decipher.setAAD(chunkAad(this.header.aadPrefix, index, index === count - 1));
    decipher.setAuthTag(stored.subarray(plainLen));
    try {
      return Buffer.concat([decipher.update(stored.subarray(0, plainLen)), decipher.final()]);
    } catch {
      throw new EncryptedFileError('TAMPERED', `chunk ${index} failed authentication`);
    }
  }

  /** Plaintext bytes [start, end). */
  async read(start = 0, end = this.size): Promise<Buffer> {
    if (!(start >= 0 && end >= start && end <= this.size)) {
      throw new EncryptedFileError('RANGE', `range ${start}-${end} outside 0-${this.size}`);
    }
    if (start === end) return Buffer.alloc(0);
    const { chunkSize } = this.header;
    const first = Math.floor(start / chunkSize);
    const last = Math.floor((end - 1) / chunkSize);
    const parts: Buffer[] = [];
    for (let i = first; i <= last; i++) parts.push(await this.decryptChunk(i));
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return joined.subarray(start - first * chunkSize, end - first * chunkSize);
  }

  /** Plaintext as a stream of chunk-sized buffers, for whole-file responses. */
  async *stream(start = 0, end = this.size): AsyncGenerator<Buffer> {
    const step = this.header.chunkSize * 16;
    for (let at = start; at < end; at += step) yield await this.read(at, Math.min(end, at + step));
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
