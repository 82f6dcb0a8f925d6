/**
 * The service over HTTPS (or plain HTTP behind a TLS-terminating proxy, and in tests):
 * `/trpc/*` the router, `/health` (200 when the database answers), `/metrics` (Prometheus text).
 * Requests are capped at 8 MiB; every request gets an id that its log lines carry.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { serviceRouter } from '../api/index';
import { createContextInner } from '../api/trpc';
import { answerHot, hotRoute } from './hot-path';
import type { Config } from './config';
import type { ServerServices } from './services';

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `hotPath: false` sends every call through tRPC's standard handler (http.test.ts compares the two). */
export async function listen(services: ServerServices, config: Pick<Config, 'PORT' | 'HOST' | 'TLS_CERT_FILE' | 'TLS_KEY_FILE' | 'PLAIN_HTTP'>, options: { hotPath?: boolean } = {}): Promise<RunningServer> {
  const hotPath = options.hotPath ?? true;
  const contextOf = (req: http.IncomingMessage) => {
    const auth = req.headers.authorization;
    return createContextInner(services, auth?.startsWith('Bearer ') ? auth.slice(7).trim() : null, req.socket.remoteAddress ?? 'unknown');
  };
  const trpc = createHTTPHandler({
    router: serviceRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req }) => contextOf(req),
  });
  const handler: http.RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') {
      services.database.query('SELECT 1').then(
        () => send(res, 200, 'application/json', JSON.stringify({ status: 'ok', database: services.database.kind })),
        () => send(res, 503, 'application/json', JSON.stringify({ status: 'unavailable' })),
      );
      return;
    }
    if (path === '/metrics' && req.method === 'GET') return send(res, 200, 'text/plain; version=0.0.4', services.metrics.render());
    const hot = hotPath ? hotRoute(req) : null;
    if (hot) return void answerHot(hot, req, res, contextOf(req), MAX_BODY_BYTES);
    if (path?.startsWith('/trpc/')) return void trpc(req, res);
    send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
  };
  const tls = config.TLS_CERT_FILE && config.TLS_KEY_FILE;
  if (!tls && !config.PLAIN_HTTP) throw new Error('Give TLS_CERT_FILE and TLS_KEY_FILE (HTTPS), or PLAIN_HTTP=1 behind a TLS-terminating proxy.');
  const server = tls ? https.createServer({ cert: readFileSync(config.TLS_CERT_FILE!), key: readFileSync(config.TLS_KEY_FILE!) }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
