/**
 * bench/startup: time from `npm start` (browser host, already built) to the first paint of the
 * System screen in Debian's Chromium. Median of 5. Compared with a peer in the same run: the
 * time Chromium needs to paint a static page from a plain node:http server on the same machine
 * (the floor no app can beat), printed as a ratio.
 *
 *   npx tsx bench/startup/run.ts [--runs 5]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../playwright.config';

const root = join(import.meta.dirname, '..', '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function appStartup(browser: Browser): Promise<{ totalMs: number; urlMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--browser-host', '--no-build'], {
    cwd: root,
    env: { ...process.env, COHERENCY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /COHERENCY_LAUNCH_URL=(\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`npm start exited ${code}`)));
  });
  const urlMs = performance.now() - t0;
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  // Signed out, the System screen is one click from the first screen.
  await page.getByRole('button', { name: 'System', exact: true }).click();
  await page.getByTestId('app-version').waitFor({ state: 'visible' });
  // Wait for the frame that shows it to be painted.
  await page.evaluate(() => new Promise((r) => {
    const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame;
    raf(() => raf(() => r(null)));
  }));
  const totalMs = performance.now() - t0;
  await context.close();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
  return { totalMs, urlMs };
}

async function peerStartup(browser: Browser): Promise<number> {
  const t0 = performance.now();
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><h1 id="x">System</h1>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('#x').waitFor();
  await page.evaluate(() => new Promise((r) => {
    const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame;
    raf(() => raf(() => r(null)));
  }));
  const ms = performance.now() - t0;
  await context.close();
  await new Promise((r) => server.close(r));
  return ms;
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'out', 'main', 'host.js'))) throw new Error('build first: npx electron-vite build');
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  await appStartup(browser); // warm the file cache once; not counted
  const app: number[] = [];
  const url: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await appStartup(browser);
    app.push(r.totalMs);
    url.push(r.urlMs);
    peer.push(await peerStartup(browser));
  }
  await browser.close();
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`npm start → System screen painted: median ${median(app).toFixed(0)} ms  (runs: ${fmt(app)})`);
  console.log(`  of which host up and launch URL printed: median ${median(url).toFixed(0)} ms`);
  console.log(`peer (static page from node:http, same browser): median ${median(peer).toFixed(0)} ms`);
  console.log(`ratio app / peer: ${(median(app) / median(peer)).toFixed(1)}×`);
}

void main();
