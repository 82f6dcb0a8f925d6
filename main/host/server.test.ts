import { request as httpRequest } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import { appRouter, type AppRouter } from '../api/index';
import { createServices } from '../app/index';
import { MAX_REQUEST_BODY_BYTES, startBrowserHost, type BrowserHost } from './server';
import { launchBrowserSession, loopbackFetch, loopbackRequest } from './test-helpers';

function raw(host: BrowserHost, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return loopbackRequest(host, path, { headers, method }).then((r) => ({ ...r, body: r.body.toString('utf8') }));
}

function wsStatus(host: BrowserHost, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/trpc-ws`, { headers: { host: `${host.hostName}:${host.port}`, ...headers } });
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
    const res = await raw(host, `${launch.pathname}${launch.search}`);
    expect(res.status).toBe(302);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    // Host-only: no Domain, so the browser sends it to this random name alone.
    expect(setCookie).not.toMatch(/Domain=/i);
    cookie = setCookie.split(';')[0]!;
  });
  afterAll(async () => {
    await host.close();
    await services.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(rendererDir, { recursive: true, force: true });
  });

  it('listens on loopback only, under a random *.localhost name of its own', async () => {
    expect(host.origin).toBe(`http://${host.hostName}:${host.port}`);
    expect(host.hostName).toMatch(/^cw-[a-z2-7]{26}\.localhost$/);
    expect(new URL(host.launchUrl()).host).toBe(`${host.hostName}:${host.port}`);
    const other = await startBrowserHost({ services, rendererDir });
    expect(other.hostName).not.toBe(host.hostName);
    await other.close();
  });

  it('spends a launch token once', async () => {
    const launch = new URL(host.launchUrl());
    expect((await raw(host, `${launch.pathname}${launch.search}`)).status).toBe(302);
    expect((await raw(host, `${launch.pathname}${launch.search}`)).status).toBe(401);
    expect((await raw(host, '/launch?token=guess')).status).toBe(401);
  });

  it('an older unused launch URL stops working when a newer one is printed', async () => {
    const older = new URL(host.launchUrl());
    const newer = new URL(host.launchUrl());
    const refused = await raw(host, `${older.pathname}${older.search}`);
    expect(refused.status).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect((await raw(host, `${newer.pathname}${newer.search}`)).status).toBe(302);
  });

  it('a launch URL expires after its time limit', async () => {
    const quick = await startBrowserHost({ services, rendererDir, launchTtlMs: 1000 });
    try {
      const url = new URL(quick.launchUrl());
      await new Promise((r) => setTimeout(r, 1200));
      const res = await raw(quick, `${url.pathname}${url.search}`);
      expect(res.status).toBe(401);
      expect(res.body).toContain('expired');
      const fresh = new URL(quick.launchUrl());
      expect((await raw(quick, `${fresh.pathname}${fresh.search}`)).status).toBe(302);
    } finally {
      await quick.close();
    }
  });

  it('refuses requests without the secret (page and API)', async () => {
    expect((await raw(host, '/')).status).toBe(401);
    expect((await raw(host, '/trpc/system.info')).status).toBe(401);
    expect((await raw(host, '/trpc/system.info', { cookie: `${cookie.split('=')[0]}=wrong` })).status).toBe(401);
  });

  it('accepts only browser sessions it issued: a made-up session id gets 401', async () => {
    const [name, value] = cookie.split('=') as [string, string];
    // Same shape as a real one, never issued.
    for (const madeUp of ['A'.repeat(43), `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`, `${value}.AAAAAAAAAAAAAAAA`, 'x'.repeat(16)]) {
      expect((await raw(host, '/trpc/system.info', { cookie: `${name}=${madeUp}` })).status, madeUp).toBe(401);
    }
    // The old cookie format (launch secret + any 16-character session id) means nothing now.
    expect((await raw(host, '/trpc/system.info', { cookie: `coherency_${host.port}=${value}.abcdefghijklmnop` })).status).toBe(401);
    expect(await wsStatus(host, { origin: host.origin, cookie: `${name}=${'B'.repeat(43)}` })).toBe(401);
  });

  it('a replayed cookie is refused on 127.0.0.1 and localhost (what another local origin or process would use)', async () => {
    for (const h of [`127.0.0.1:${host.port}`, `localhost:${host.port}`, `[::1]:${host.port}`]) {
      expect((await raw(host, '/trpc/patients.search?input=%7B%22query%22%3A%22a%22%7D', { cookie, host: h })).status, h).toBe(403);
      expect((await raw(host, '/', { cookie, host: h })).status, h).toBe(403);
      expect(await wsStatus(host, { cookie, host: h, origin: `http://${h}` }), h).toBe(403);
    }
    // …and from another local origin, even with our Host.
    expect((await raw(host, '/trpc/system.info', { cookie, origin: `http://127.0.0.1:${host.port + 1}` })).status).toBe(403);
    expect((await raw(host, '/trpc/system.info', { cookie, origin: `http://localhost:${host.port}` })).status).toBe(403);
  });

  it('refuses a foreign Host (DNS rebinding) even with the secret', async () => {
    const res = await raw(host, '/trpc/system.info', { cookie, host: `evil.example:${host.port}` });
    expect(res.status).toBe(403);
    expect((await raw(host, '/', { cookie, host: `${host.hostName}:${host.port + 1}` })).status).toBe(403);
    expect((await raw(host, '/', { cookie, host: `cw-${'a'.repeat(26)}.localhost:${host.port}` })).status).toBe(403);
  });

  it('refuses a foreign Origin and cross-site fetches (CSRF)', async () => {
    expect((await raw(host, '/trpc/system.info', { cookie, origin: 'http://evil.example' }, 'GET')).status).toBe(403);
    expect((await raw(host, '/trpc/system.info', { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await raw(host, '/trpc/system.info', { cookie, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await raw(host, '/trpc/system.info', { cookie, origin: host.origin })).status).toBe(200);
  });

  it('serves the router over HTTP with the secret', async () => {
    const res = await raw(host, '/trpc/system.info', { cookie });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { result: { data: { transport: string; onnxRuntime: { executionProviders: string[] } } } };
    expect(body.result.data.transport).toBe('http');
    expect(body.result.data.onnxRuntime.executionProviders).toContain('cpu');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuses a request body over the cap before reading it, and one that streams past it', async () => {
    const big = Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1024, 0x41);
    const announced = await loopbackRequest(host, '/trpc/auth.login', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: big });
    expect(announced.status).toBe(413);
    // Chunked (no Content-Length): tRPC stops reading at the cap.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: host.port, path: '/trpc/auth.login', method: 'POST', headers: { host: `${host.hostName}:${host.port}`, cookie, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(1024 * 1024, 0x41));
      req.end();
    });
    expect(streamed).toBe(413);
    expect((await raw(host, '/trpc/system.info', { cookie })).status).toBe(200);
  });

  it('serves the renderer with a strict CSP', async () => {
    const res = await raw(host, '/', { cookie });
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain('worker-src');
    expect(csp).toContain(`ws://${host.hostName}:${host.port}`);
    expect(csp).not.toContain('ws://127.0.0.1');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    // Traversal never leaves the renderer folder: at worst the app's own index.html comes back.
    for (const path of ['/..%2f..%2f..%2fetc/passwd', '/assets/..%2f..%2f..%2fetc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await raw(host, path, { cookie });
      expect(res.body, path).not.toContain('root:');
      expect([200, 400], path).toContain(res.status);
    }
  });

  it('gates WebSocket upgrades the same way', async () => {
    expect(await wsStatus(host, { origin: host.origin })).toBe(401);
    expect(await wsStatus(host, { origin: 'http://evil.example', cookie })).toBe(403);
    expect(await wsStatus(host, { origin: host.origin, cookie })).toBe(101);
  });

  it('streams subscription updates over WebSocket', async () => {
    const h = host;
    class CookieWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie, origin: h.origin, host: `${h.hostName}:${h.port}` } });
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
    const fresh = await launchBrowserSession(host);
    const client = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${host.origin}/trpc`, headers: { cookie: fresh }, fetch: loopbackFetch(host) })],
    });
    const paths = Object.keys(appRouter._def.procedures);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const type = (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[path]!._def.type;
      if (type !== 'query') continue;
      const res = await raw(host, `/trpc/${path}`, { cookie });
      // Anything but "no such procedure": auth errors and bad input prove the path is mounted.
      expect(res.body, path).not.toMatch(/No procedure found|NOT_FOUND/);
    }
    expect((await client.system.info.query()).appVersion).toMatch(/^\d+\.\d+\.\d+/);
  });
});
