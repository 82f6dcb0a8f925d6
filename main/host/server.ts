/**
 * The browser host: the same tRPC router the Electron app uses over IPC, served over HTTP and
 * WebSocket on 127.0.0.1 only, together with the built renderer. Used where no Electron binary
 * is installed (`npm start`) and by the Playwright e2e tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { createReadStream } from 'node:fs';
import { appRouter, createContextInner } from '../api/index';
import { newConnectionId, type Services } from '../app/index';
import { BACKUP_FILES_PREFIX, SCAN_FILES_PREFIX } from '../file-routes/index';
import { contentSecurityPolicy } from '../shared/csp';
import { HostGate } from './security';
import { serveStatic } from './static';

export const TRPC_HTTP_PATH = '/trpc';
export const TRPC_WS_PATH = '/trpc-ws';

export interface BrowserHostOptions {
  services: Services;
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** How long a printed launch URL stays usable (default 2 minutes). */
  launchTtlMs?: number;
}

/**
 * The most a request body may hold: one upload chunk (4 MiB, about 5.6 MB in base64) with room
 * for JSON and a small batch. Larger bodies are refused (413) before they are read in full.
 */
export const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;

export interface BrowserHost {
  port: number;
  /** `http://cw-<random>.localhost:<port>`: the only origin this host answers (see security.ts). */
  origin: string;
  /** The random `cw-….localhost` name (tests send it as Host when they connect to 127.0.0.1). */
  hostName: string;
  /** A fresh one-time URL that logs a browser tab in. */
  launchUrl(): string;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const gate = new HostGate({ port, ...(opts.launchTtlMs !== undefined ? { launchTtlMs: opts.launchTtlMs } : {}) });
  const origin = gate.origin;
  const headers = { ...SECURITY_HEADERS, 'content-security-policy': contentSecurityPolicy({ connect: [`ws://${gate.hostName}:${port}`] }) };

  // Each browser that spent a launch URL is one connection (one staff sign-in); the id comes from
  // its cookie, checked by the gate before any tRPC request or WebSocket upgrade reaches here.
  const hostId = newConnectionId('http');
  const createContext = ({ req }: { req: IncomingMessage }) => {
    const secret = gate.checkSecret(req);
    if (!secret.ok) throw new Error('unauthenticated request reached the router');
    return createContextInner({ services: opts.services, transport: 'http', connectionId: `${hostId}:${secret.browserSession}` });
  };
  const trpcHandler = createHTTPHandler({ router: appRouter, createContext, basePath: `${TRPC_HTTP_PATH}/`, maxBodySize: MAX_REQUEST_BODY_BYTES });

  const deny = (res: ServerResponse, status: number, reason: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(status === 401 ? `401 Unauthorized: ${reason}. Open the one-time URL that \`npm start\` printed (it works once, for 2 minutes; \`kill -USR2 <host pid>\` prints a fresh one).\n` : `403 Forbidden: ${reason}.\n`);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const originCheck = gate.checkOrigin(req);
    if (!originCheck.ok) return deny(res, originCheck.status, originCheck.reason);
    const url = new URL(req.url ?? '/', origin);

    if (url.pathname === '/launch') {
      const launch = gate.spendLaunchToken(url.searchParams.get('token'));
      if (!launch.ok) return deny(res, launch.status, launch.reason);
      res.writeHead(302, { ...SECURITY_HEADERS, 'set-cookie': launch.cookie, location: '/', 'cache-control': 'no-store' });
      res.end();
      return;
    }

    const secretCheck = gate.checkSecret(req);
    if (!secretCheck.ok) return deny(res, secretCheck.status, secretCheck.reason);

    if (url.pathname === TRPC_HTTP_PATH || url.pathname.startsWith(`${TRPC_HTTP_PATH}/`)) {
      // An announced body over the cap is refused before a byte of it is read.
      if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BODY_BYTES) {
        res.writeHead(413, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(`413 Payload Too Large: at most ${MAX_REQUEST_BODY_BYTES} bytes per request.\n`);
        req.resume();
        return;
      }
      res.setHeader('cache-control', 'no-store');
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      trpcHandler(req, res);
      return;
    }
    if (url.pathname.startsWith(SCAN_FILES_PREFIX)) {
      if (req.method !== 'GET') return deny(res, 403, 'method not allowed here');
      const connectionId = `${hostId}:${secretCheck.browserSession}`;
      void opts.services.scanFiles.serve(connectionId, url.pathname.slice(SCAN_FILES_PREFIX.length), req.headers.range).then((r) => {
        res.writeHead(r.status, { ...SECURITY_HEADERS, ...r.headers });
        res.end(r.body ?? undefined);
      });
      return;
    }
    if (url.pathname.startsWith(BACKUP_FILES_PREFIX)) {
      // A backup download (capability URL from backup.downloadUrl); the file is encrypted already.
      if (req.method !== 'GET') return deny(res, 403, 'method not allowed here');
      const connectionId = `${hostId}:${secretCheck.browserSession}`;
      void opts.services.backups.serveDownload(connectionId, url.pathname.slice(BACKUP_FILES_PREFIX.length)).then((r) => {
        res.writeHead(r.status, { ...SECURITY_HEADERS, ...r.headers });
        if (!r.file) return void res.end(r.text ?? '');
        createReadStream(r.file).on('error', () => res.destroy()).pipe(res);
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 403, 'method not allowed here');
    serveStatic(opts.rendererDir, req, res, headers).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const wssHandler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
  });
  server.on('upgrade', (req, socket, head) => {
    const check = gate.check(req);
    const path = new URL(req.url ?? '/', origin).pathname;
    if (!check.ok || path !== TRPC_WS_PATH) {
      const status = check.ok ? 404 : check.status;
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  return {
    port,
    origin,
    hostName: gate.hostName,
    launchUrl: () => `${origin}/launch?token=${gate.issueLaunchToken()}`,
    async close() {
      wssHandler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
