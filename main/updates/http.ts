/**
 * Plain-Node HTTP(S) for the feed: small metadata reads with a size cap, and streamed downloads.
 * The Electron shell passes its own (Chromium's network stack, the system proxy) with the same shape.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { Readable } from 'node:stream';

export interface FeedResponse {
  status: number;
  body: Buffer;
}

/** Reads a URL fully (metadata: at most `limit` bytes); resolves with the status for any HTTP answer. */
export type FetchBytes = (url: URL, limit: number) => Promise<FeedResponse>;

/** Opens a download; the stream ends early (or errors) when the connection drops. */
export type FetchStream = (url: URL) => Promise<{ status: number; body: Readable; length: number | null }>;

const TIMEOUT_MS = 30_000;

function request(url: URL): Promise<IncomingMessage> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: TIMEOUT_MS, headers: { 'cache-control': 'no-cache' } }, resolve);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

export const nodeFetchBytes: FetchBytes = async (url, limit) => {
  const res = await request(url);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) {
      res.destroy();
      throw new Error(`larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return { status: res.statusCode ?? 0, body: Buffer.concat(chunks) };
};

export const nodeFetchStream: FetchStream = async (url) => {
  const res = await request(url);
  const length = Number(res.headers['content-length']);
  return { status: res.statusCode ?? 0, body: res, length: Number.isFinite(length) ? length : null };
};
