/**
 * The two calls every connected workstation makes all day — `GET /trpc/sync.pull?input=…` and
 * `POST /trpc/sync.push` (single, not batched) — answered through tRPC's server-side caller instead
 * of its fetch adapter. The caller runs the same procedure with the same middleware (device
 * credential, tenancy, rate limit, input and output schemas); what is skipped is the adapter's
 * per-request WHATWG Request/Response/AbortSignal/stream machinery, which cost about as much CPU as
 * the pull itself (bench/sync). The answer is tRPC's wire format exactly — `{"result":{"data":…}}`,
 * or the router's error shape with tRPC's HTTP status — and http.test.ts compares the two paths
 * request by request. Everything else (batches, other procedures, odd content types) goes to the
 * standard handler.
 */
import type http from 'node:http';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import { createCaller, serviceRouter } from '../api/index';
import type { Context } from '../api/trpc';

type Route = { path: 'sync.pull'; type: 'query' } | { path: 'sync.push'; type: 'mutation' };

/** The route this request takes on the hot path, or null for the standard handler. */
export function hotRoute(req: http.IncomingMessage): Route | null {
  const url = req.url ?? '';
  if (req.method === 'GET' && url.startsWith('/trpc/sync.pull?') && !url.includes('batch=')) return { path: 'sync.pull', type: 'query' };
  if (req.method === 'POST' && url === '/trpc/sync.push' && (req.headers['content-type'] ?? '').startsWith('application/json')) return { path: 'sync.push', type: 'mutation' };
  return null;
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Over the cap: answer now; the rest of the body is read and dropped.
      if (size > max) reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // A client that goes away mid-body: nothing to answer, nothing left waiting.
    req.on('close', () => {
      if (!req.complete) reject(new TRPCError({ code: 'CLIENT_CLOSED_REQUEST' }));
    });
  });
}

function parseInput(text: string | null): unknown {
  if (text === null || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    // As tRPC's adapter words it: a bad request, with the parser's message.
    throw new TRPCError({ code: 'BAD_REQUEST', cause });
  }
}

export async function answerHot(route: Route, req: http.IncomingMessage, res: http.ServerResponse, ctx: Context, maxBodyBytes: number): Promise<void> {
  let input: unknown;
  ctx.services.metrics.count('coherency_hot_path_requests_total', 1, { procedure: route.path });
  try {
    input = route.type === 'query' ? parseInput(new URL(req.url ?? '/', 'http://x').searchParams.get('input')) : parseInput(await readBody(req, maxBodyBytes));
    const caller = createCaller(ctx);
    const data = route.path === 'sync.pull' ? await caller.sync.pull(input as never) : await caller.sync.push(input as never);
    send(res, 200, JSON.stringify({ result: { data } }));
  } catch (cause) {
    const error = cause instanceof TRPCError ? cause : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause });
    const shape = getErrorShape({ config: serviceRouter._def._config, error, type: route.type, path: route.path, input, ctx });
    send(res, getHTTPStatusCodeFromError(error), JSON.stringify({ error: shape }));
  }
}

function send(res: http.ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
