import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRange } from '../../shared/http-range';
import { EncryptedFileError, createScanStore, encryptedSize } from './index';

const key = randomBytes(32);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const newStore = (k = key) => {
  const rootDir = mkdtempSync(join(tmpdir(), 'cw-store-'));
  dirs.push(rootDir);
  return { rootDir, store: createScanStore({ rootDir, clinicKey: k }) };
};

/** Plaintext that is easy to recognise: a repeating marker plus a counter. */
function plaintext(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) b.writeUInt32LE((0x504f5452 ^ i) >>> 0, i);
  b.write('POTREE-OCTREE-PLAINTEXT-MARKER', 0);
  return b;
}

describe('encrypted scan store', () => {
  it('stores no plaintext bytes and round-trips exactly', async () => {
    const { rootDir, store } = newStore();
    const data = plaintext(300_000);
    await store.put('scan1', 'octree.bin', data);
    const stored = readFileSync(join(rootDir, 'scan1', 'octree.bin.enc'));
    expect(stored.length).toBe(encryptedSize(data.length));
    expect(stored.includes(Buffer.from('POTREE-OCTREE-PLAINTEXT-MARKER'))).toBe(false);
    // No 16-byte window of the plaintext appears in the stored file.
    for (let at = 0; at < data.length - 16; at += 4099) expect(stored.includes(data.subarray(at, at + 16))).toBe(false);
    expect((await store.readAll('scan1', 'octree.bin')).equals(data)).toBe(true);
  });

  it('returns exactly the plaintext bytes of any range', async () => {
    const { store } = newStore();
    const data = plaintext(200_003);
    await store.put('s', 'octree.bin', data);
    const reader = await store.open('s', 'octree.bin');
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const ranges: Array<[number, number]> = [
      [0, 1], [0, 65536], [65535, 65537], [65536, 131072], [199_999, 200_003], [200_003, 200_003], [12345, 198765],
    ];
    for (let i = 0; i < 40; i++) {
      const a = rnd(data.length);
      ranges.push([a, a + rnd(data.length - a)]);
    }
    for (const [a, b] of ranges) expect((await reader.read(a, b)).equals(data.subarray(a, b)), `${a}-${b}`).toBe(true);
    await expect(reader.read(0, data.length + 1)).rejects.toMatchObject({ code: 'RANGE' });
    await reader.close();
  });

  it('streams writes in pieces and keeps empty files', async () => {
    const { store } = newStore();
    const data = plaintext(150_000);
    async function* pieces() {
      for (let at = 0; at < data.length; at += 7777) yield data.subarray(at, at + 7777);
    }
    await store.put('s', 'original.ply', pieces());
    expect((await store.readAll('s', 'original.ply')).equals(data)).toBe(true);
    await store.put('s', 'empty.bin', new Uint8Array(0));
    expect((await store.readAll('s', 'empty.bin')).length).toBe(0);
    expect(await store.list('s')).toEqual(['empty.bin', 'original.ply']);
  });

  it('refuses another clinic key, tampering, truncation and chunk swaps', async () => {
    const { rootDir, store } = newStore();
    const data = plaintext(200_000);
    await store.put('s', 'octree.bin', data);
    const file = join(rootDir, 's', 'octree.bin.enc');
    const original = readFileSync(file);

    await expect(createScanStore({ rootDir, clinicKey: randomBytes(32) }).open('s', 'octree.bin')).rejects.toMatchObject({ code: 'WRONG_KEY' });

    const flipped = Buffer.from(original);
    flipped[70_000]! ^= 1;
    writeFileSync(file, flipped);
    const r1 = await store.open('s', 'octree.bin');
    await expect(r1.read(65_536, 70_100)).rejects.toBeInstanceOf(EncryptedFileError);
    expect((await r1.read(0, 100)).equals(data.subarray(0, 100))).toBe(true); // other chunks still fine
    await r1.close();

    writeFileSync(file, original.subarray(0, original.length - 100));
    await expect(store.open('s', 'octree.bin')).rejects.toMatchObject({ code: 'TRUNCATED' });

    // Swap chunk 0 and chunk 1 (same length): AAD binds the index.
    const swapped = Buffer.from(original);
    const c = 65_536 + 16;
    original.copy(swapped, 64, 64 + c, 64 + 2 * c);
    original.copy(swapped, 64 + c, 64, 64 + c);
    writeFileSync(file, swapped);
    const r2 = await store.open('s', 'octree.bin');
    await expect(r2.read(0, 10)).rejects.toMatchObject({ code: 'TAMPERED' });
    await r2.close();

    writeFileSync(file, Buffer.from('ply\nformat ascii 1.0\n'));
    await expect(store.open('s', 'octree.bin')).rejects.toMatchObject({ code: 'NOT_ENCRYPTED_FILE' });
  });

  it('rejects path-like ids and names, and removes a scan with all its files', async () => {
    const { rootDir, store } = newStore();
    await expect(store.put('../x', 'a.bin', new Uint8Array(1))).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(store.put('s', '../a.bin', new Uint8Array(1))).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(store.put('s', 'a/b', new Uint8Array(1))).rejects.toMatchObject({ code: 'BAD_NAME' });
    await store.put('s', 'a.bin', new Uint8Array(10));
    await store.put('t', 'a.bin', new Uint8Array(10));
    await store.remove('s');
    expect(readdirSync(rootDir)).toEqual(['t']);
    await expect(store.open('s', 'a.bin')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(statSync(join(rootDir, 't', 'a.bin.enc')).mode & 0o077).toBe(0);
  });
});

describe('HTTP byte ranges', () => {
  it('parses single ranges exactly', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 10 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 100 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 100 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ kind: 'partial', start: 95, end: 100 });
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=5-1', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('items=0-1', 100)).toEqual({ kind: 'unsatisfiable' });
  });
});
