import { request as httpRequest } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import { appRouter, type AppRouter } from '../api/index';
import { createServices } from '../app/index';
import { startBrowserHost, type BrowserHost } from './server';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsStatus(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/trpc-ws`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('browser host', () => {
  let host: BrowserHost;
  let cookie: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-host-'));
  const rendererDir = mkdtempSync(join(tmpdir(), 'cw-renderer-'));
  const services = createServices({ dataDir });

  beforeAll(async () => {
    mkdirSync(join(rendererDir, 'assets'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test</title>');
    host = await startBrowserHost({ services, rendererDir });
    const launch = new URL(host.launchUrl());
    const res = await raw(host.port, `${launch.pathname}${launch.search}`);
    expect(res.status).toBe(302);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = setCookie.split(';')[0]!;
  });
  afterAll(async () => {
    await host.close();
    await services.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(rendererDir, { recursive: true, force: true });
  });

  it('listens on loopback only', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
  });

  it('spends a launch token once', async () => {
    const launch = new URL(host.launchUrl());
    expect((await raw(host.port, `${launch.pathname}${launch.search}`)).status).toBe(302);
    expect((await raw(host.port, `${launch.pathname}${launch.search}`)).status).toBe(401);
    expect((await raw(host.port, '/launch?token=guess')).status).toBe(401);
  });

  it('refuses requests without the secret (page and API)', async () => {
    expect((await raw(host.port, '/')).status).toBe(401);
    expect((await raw(host.port, '/trpc/system.info')).status).toBe(401);
    expect((await raw(host.port, '/trpc/system.info', { cookie: `${cookie.split('=')[0]}=wrong` })).status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) even with the secret', async () => {
    const res = await raw(host.port, '/trpc/system.info', { cookie, host: `evil.example:${host.port}` });
    expect(res.status).toBe(403);
    expect((await raw(host.port, '/', { cookie, host: `127.0.0.1:${host.port + 1}` })).status).toBe(403);
  });

  it('refuses a foreign Origin and cross-site fetches (CSRF)', async () => {
    expect((await raw(host.port, '/trpc/system.info', { cookie, origin: 'http://evil.example' }, 'GET')).status).toBe(403);
    expect((await raw(host.port, '/trpc/system.info', { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await raw(host.port, '/trpc/system.info', { cookie, origin: `http://127.0.0.1:${host.port}` })).status).toBe(200);
  });

  it('serves the router over HTTP with the secret', async () => {
    const res = await raw(host.port, '/trpc/system.info', { cookie });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { result: { data: { transport: string; onnxRuntime: { executionProviders: string[] } } } };
    expect(body.result.data.transport).toBe('http');
    expect(body.result.data.onnxRuntime.executionProviders).toContain('cpu');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('serves the renderer with a strict CSP', async () => {
    const res = await raw(host.port, '/', { cookie });
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain('worker-src');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    // Traversal never leaves the renderer folder: at worst the app's own index.html comes back.
    for (const path of ['/..%2f..%2f..%2fetc/passwd', '/assets/..%2f..%2f..%2fetc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await raw(host.port, path, { cookie });
      expect(res.body, path).not.toContain('root:');
      expect([200, 400], path).toContain(res.status);
    }
  });

  it('gates WebSocket upgrades the same way', async () => {
    const okOrigin = `http://127.0.0.1:${host.port}`;
    expect(await wsStatus(host.port, { origin: okOrigin })).toBe(401);
    expect(await wsStatus(host.port, { origin: 'http://evil.example', cookie })).toBe(403);
    expect(await wsStatus(host.port, { origin: okOrigin, cookie })).toBe(101);
  });

  it('streams subscription updates over WebSocket', async () => {
    const origin = `http://127.0.0.1:${host.port}`;
    class CookieWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie, origin } });
      }
    }
    const wsClient = createWSClient({ url: `ws://127.0.0.1:${host.port}/trpc-ws`, WebSocket: CookieWebSocket as unknown as typeof globalThis.WebSocket });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    const samples = await new Promise<number[]>((resolve, reject) => {
      const got: number[] = [];
      const sub = client.system.memory.subscribe(
        { intervalMs: 100 },
        {
          onData: (s) => {
            got.push(s.rssBytes);
            if (got.length === 2) {
              sub.unsubscribe();
              resolve(got);
            }
          },
          onError: reject,
        },
      );
    });
    expect(samples).toHaveLength(2);
    expect(samples.every((n) => n > 0)).toBe(true);
    await wsClient.close();
  });

  it('mounts every procedure of the one appRouter (none exists in one transport only)', async () => {
    const client = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${host.origin}/trpc`, headers: { cookie } })],
    });
    const paths = Object.keys(appRouter._def.procedures);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const type = (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[path]!._def.type;
      if (type !== 'query') continue;
      const res = await raw(host.port, `/trpc/${path}`, { cookie });
      // Anything but "no such procedure": auth errors and bad input prove the path is mounted.
      expect(res.body, path).not.toMatch(/No procedure found|NOT_FOUND/);
    }
    expect((await client.system.info.query()).appVersion).toMatch(/^\d+\.\d+\.\d+/);
  });
});
