/**
 * Helpers for the LAN receiver's tests. Everything here binds to 127.0.0.1 only.
 */
import { lstat, readdir } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import type { KeyStore, LanLogFields, LanLogger } from './types';

/** An in-memory keychain with the vault's KeyStore shape (the real one needs a Secret Service). */
export function createMemoryKeyStore(): KeyStore & { readonly entries: Map<string, Buffer> } {
  const entries = new Map<string, Buffer>();
  return {
    entries,
    get: async (account) => (entries.has(account) ? Buffer.from(entries.get(account)!) : null),
    set: async (account, key) => void entries.set(account, Buffer.from(key)),
    delete: async (account) => void entries.delete(account),
  };
}

export interface LoggedLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: LanLogFields;
  at: number;
}

export function createMemoryLogger(): LanLogger & { readonly lines: LoggedLine[]; text(): string } {
  const lines: LoggedLine[] = [];
  const at = (level: LoggedLine['level']) => (message: string, fields: LanLogFields = {}) => void lines.push({ level, message, fields, at: Date.now() });
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), text: () => lines.map((l) => JSON.stringify(l)).join('\n') };
}

/**
 * A TCP relay on 127.0.0.1 between a client and the receiver that counts client→server bytes and
 * can stall: once `stallAfter` bytes have gone through, it stops relaying (the connection hangs the
 * way a tablet walking out of Wi-Fi range does). `passThrough()` relays everything again for new
 * connections. Closing either side closes the other.
 */
export interface Relay {
  port: number;
  clientToServerBytes(): number;
  /** Resolves when the stall point was reached. */
  stalled: Promise<void>;
  passThrough(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number, opts: { stallAfter?: number } = {}): Promise<Relay> {
  let forwarded = 0;
  let stallAfter = opts.stallAfter ?? Number.POSITIVE_INFINITY;
  let onStall!: () => void;
  const stalled = new Promise<void>((r) => (onStall = r));
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    let stalledHere = false;
    client.on('data', (chunk: Buffer) => {
      if (stalledHere) return;
      const room = stallAfter - forwarded;
      if (chunk.length >= room) {
        const part = chunk.subarray(0, Math.max(0, room));
        forwarded += part.length;
        if (part.length) upstream.write(part);
        stalledHere = true;
        client.pause();
        onStall();
        return;
      }
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    clientToServerBytes: () => forwarded,
    stalled,
    passThrough: () => void (stallAfter = Number.POSITIVE_INFINITY),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Every path under `dir` (relative), with its size for files: a before/after picture of a folder. */
export async function snapshotTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const st = await lstat(p);
      out.push(`${relative(dir, p)}${st.isDirectory() ? '/' : ` ${st.size}`}`);
      if (st.isDirectory()) await walk(p);
    }
  }
  await walk(dir);
  return out.sort();
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000, label = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** As `waitFor`, for a condition that has to be awaited (e.g. one that reads files). */
export async function waitForAsync(fn: () => Promise<boolean>, timeoutMs = 10_000, label = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
