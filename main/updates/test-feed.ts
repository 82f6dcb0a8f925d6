/**
 * A local HTTP update feed for tests: a folder laid out as electron-builder publishes a release
 * (installer + channel file), signed with `signReleaseDir` exactly as `npm run release:sign` does,
 * served by plain node:http. `cutAfter` makes the server drop the connection part-way through a file.
 */
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { dump } from 'js-yaml';
import { rawPublicKey, type TrustedKey } from './signature';

export interface TestKey {
  key: KeyObject;
  trusted: TrustedKey;
}

export function newTestKey(name: string): TestKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { key: privateKey, trusted: { name, publicKey: rawPublicKey(privateKey).toString('base64') } };
}

export interface TestRelease {
  version: string;
  /** Installer name, e.g. `Coherency-Workstation-1.2.0.AppImage`. */
  installer: string;
  bytes: Buffer;
  sha512: string;
}

/** Writes an installer and its channel file (as electron-builder's `latest-linux.yml`) into `dir`. */
export function writeRelease(dir: string, opts: { version: string; channelFile?: string; size?: number; stagingPercentage?: number }): TestRelease {
  const installer = `Coherency-Workstation-${opts.version}.AppImage`;
  const bytes = randomBytes(opts.size ?? 256 * 1024);
  writeFileSync(join(dir, installer), bytes);
  const sha512 = createHash('sha512').update(bytes).digest('base64');
  const doc: Record<string, unknown> = {
    version: opts.version,
    files: [{ url: installer, sha512, size: bytes.length, blockMapSize: 1234 }],
    path: installer,
    sha512,
    releaseDate: '2026-05-01T10:00:00.000Z',
  };
  if (opts.stagingPercentage !== undefined) doc['stagingPercentage'] = opts.stagingPercentage;
  writeFileSync(join(dir, opts.channelFile ?? 'latest-linux.yml'), dump(doc, { lineWidth: -1 }));
  return { version: opts.version, installer, bytes, sha512 };
}

export interface TestFeed {
  dir: string;
  url: string;
  /** Requests the server answered, by path. */
  requests: string[];
  /** Drop the connection after this many bytes of the named file (a cut-off download). */
  cutAfter: Map<string, number>;
  close(): Promise<void>;
}

export async function startTestFeed(): Promise<TestFeed> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-feed-'));
  const requests: string[] = [];
  const cutAfter = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/feed\//, '');
    requests.push(path);
    const file = join(dir, normalize(path));
    if (!file.startsWith(dir + '/')) return void res.writeHead(400).end();
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return void res.writeHead(404).end('not found');
    }
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    const cut = cutAfter.get(path);
    if (cut === undefined) return void createReadStream(file).pipe(res);
    createReadStream(file, { start: 0, end: cut - 1 })
      .on('end', () => res.socket?.destroy())
      .pipe(res, { end: false });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dir,
    url: `http://127.0.0.1:${port}/feed`,
    requests,
    cutAfter,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
