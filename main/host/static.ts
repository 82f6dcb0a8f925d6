import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Serves the built renderer; unknown paths fall back to index.html (client-side routes). */
export async function serveStatic(rootDir: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
  } catch {
    res.writeHead(400).end('bad path');
    return;
  }
  if (rel.split(sep).includes('..')) {
    res.writeHead(400).end('bad path');
    return;
  }
  let file = join(rootDir, rel || 'index.html');
  let info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    file = join(rootDir, 'index.html');
    info = await stat(file).catch(() => null);
    if (!info) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('The renderer is not built. Run `npm start` (it builds first).');
      return;
    }
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const cache = file.includes(`${sep}assets${sep}`) ? 'private, max-age=31536000, immutable' : 'no-store';
  res.writeHead(200, { ...headers, 'content-type': type, 'content-length': String(info.size), 'cache-control': cache });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
