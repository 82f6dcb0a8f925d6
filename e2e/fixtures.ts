import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

export interface HostProcess {
  /** `http://cw-<random>.localhost:<port>`: Chromium resolves it to loopback; Node does not (use `hostName` as Host to 127.0.0.1). */
  origin: string;
  hostName: string;
  port: number;
  dataDir: string;
  /** A fresh one-time launch URL (printing it cancels any older unused one). */
  launchUrl(): Promise<string>;
}

const ROOT = join(import.meta.dirname, '..');

/**
 * Starts `out/main/host.js` (built by `npm test` before Playwright runs) with its own data dir, or
 * with `opts.dataDir` (a restart after `kill()`). `stop()` ends it and removes the data dir;
 * `kill()` is kill -9 and leaves the data dir as the kill left it.
 */
export async function startHost(env: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<HostProcess & { stop(): Promise<void>; kill(): Promise<void> }> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cw-e2e-'));
  // The host's own temp dir, removed with its data dir (onnxruntime drops telemetry files in TMPDIR).
  const hostTmp = mkdtempSync(join(tmpdir(), 'cw-e2e-tmp-'));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(ROOT, 'out', 'main', 'host.js')], {
    cwd: ROOT,
    env: { ...process.env, COHERENCY_DATA_DIR: dataDir, TMPDIR: hostTmp, ...env },
  });
  const pending: Array<(url: string) => void> = [];
  const urls: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const m = /^COHERENCY_LAUNCH_URL=(.+)$/.exec(line);
      if (m) {
        const waiter = pending.shift();
        if (waiter) waiter(m[1]!);
        else urls.push(m[1]!);
      }
    }
  });
  const nextUrl = () =>
    new Promise<string>((resolve, reject) => {
      const queued = urls.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error(`browser host printed no launch URL; stderr: ${stderr}`)), 20_000);
      pending.push((url) => {
        clearTimeout(timer);
        resolve(url);
      });
    });
  const first = new URL(await nextUrl());
  return {
    origin: first.origin,
    hostName: first.hostname,
    port: Number(first.port),
    dataDir,
    async launchUrl() {
      // Launch URLs expire within minutes and only the newest works: always ask for a fresh one.
      urls.length = 0;
      child.kill('SIGUSR2');
      return nextUrl();
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(hostTmp, { recursive: true, force: true });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(hostTmp, { recursive: true, force: true });
    },
  };
}

/** `host`: a browser host per test file; `page` arrives logged in through a launch URL. */
export const test = base.extend<{ loggedInPage: Page }, { host: HostProcess }>({
  host: [
    async ({}, use) => {
      const host = await startHost();
      await use(host);
      await host.stop();
    },
    { scope: 'worker' },
  ],
  loggedInPage: async ({ page, host }, use) => {
    await page.goto(await host.launchUrl());
    await use(page);
  },
});

/** An HTTP request to the host from outside the browser: to 127.0.0.1, with the host's name as Host. */
export function hostRequest(host: Pick<HostProcess, 'port' | 'hostName'>, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: host.port, path, headers: { host: `${host.hostName}:${host.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export { expect };
