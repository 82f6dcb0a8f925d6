/**
 * Talking to a browser host from a test the way its browser tab does. The host answers only its
 * random `cw-….localhost` name, which Chromium resolves to loopback but Node's resolver does
 * not: these helpers connect to 127.0.0.1 and send that name as Host.
 */
import { request as httpRequest } from 'node:http';
import type { BrowserHost } from './server';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request to 127.0.0.1:`port`; `headers.host` defaults to the host's own name. */
export function loopbackRequest(
  host: Pick<BrowserHost, 'port' | 'hostName'>,
  path: string,
  opts: { headers?: Record<string, string>; method?: string; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: host.port, path, method: opts.method ?? 'GET', headers: { host: `${host.hostName}:${host.port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A `fetch` for tRPC's httpBatchLink that reaches the host over loopback with its Host name. */
export function loopbackFetch(host: Pick<BrowserHost, 'port' | 'hostName'>): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const res = await loopbackRequest(host, `${url.pathname}${url.search}`, { method: init?.method ?? 'GET', headers: { host: url.host, ...headers }, ...(body !== undefined ? { body } : {}) });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
    return new Response(res.status === 204 || res.status === 304 ? null : res.body, { status: res.status, headers: out });
  }) as typeof fetch;
}

/** Opens a fresh launch URL as a new browser would; returns the `name=value` of its cookie. */
export async function launchBrowserSession(host: BrowserHost): Promise<string> {
  const launch = new URL(host.launchUrl());
  const res = await loopbackRequest(host, `${launch.pathname}${launch.search}`);
  if (res.status !== 302) throw new Error(`launch answered ${res.status}`);
  return String(res.headers['set-cookie']).split(';')[0]!;
}
