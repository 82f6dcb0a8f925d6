/**
 * Constant-rate ("open loop", wrk2-style) HTTP load: request i is due at t0 + i / rate whatever
 * happened to the ones before it, and its latency counts from when it was due, so a stall shows
 * in the figures instead of hiding behind requests that were never sent (coordinated omission).
 *
 * Why not autocannon for this: its `overallRate` is a per-second quota per connection — every
 * connection sends its whole second's share back to back at the top of each second, then waits —
 * so "100 req/s" arrives as bursts of concurrent requests and the percentiles measure the burst.
 * bench/sync still uses autocannon for what it is made for: closed-loop maximum throughput.
 */
import http from 'node:http';

export interface OpenLoopRequest {
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface OpenLoopResult {
  /** Milliseconds from due to answered, sorted. */
  latencies: number[];
  sent: number;
  errors: number;
  /** Requests answered per second over the run. */
  achieved: number;
}

export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function openLoop(options: { rate: number; seconds: number; next: (i: number) => OpenLoopRequest; maxSockets?: number }): Promise<OpenLoopResult> {
  const { rate, seconds, next } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let done = 0;
  const t0 = performance.now();
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const finish = (due: number, ok: boolean) => {
    latencies.push(performance.now() - due);
    if (!ok) errors++;
    if (++done === total) resolveAll();
  };
  const fire = (i: number) => {
    const due = t0 + (i * 1000) / rate;
    const r = next(i);
    const u = new URL(r.url);
    const req = http.request({ hostname: u.hostname, port: u.port, path: r.path, method: r.method ?? 'GET', agent, headers: { ...r.headers, ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => finish(due, res.statusCode === 200));
      res.on('error', () => finish(due, false));
    });
    req.on('error', () => finish(due, false));
    req.end(r.body);
  };
  let sent = 0;
  while (sent < total) {
    const dueNow = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    while (sent < dueNow) fire(sent++);
    await new Promise((r) => setTimeout(r, Math.max(0, (sent * 1000) / rate - (performance.now() - t0))));
  }
  if (total > 0) await all;
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, sent, errors, achieved: done / elapsed };
}
