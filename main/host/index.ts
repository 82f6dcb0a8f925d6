/**
 * Entry of the browser host (`node out/main/host.js`, started by `npm start` where no Electron
 * binary is installed). A composition root: builds the services and serves them on 127.0.0.1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices } from '../app/index';
import { defaultDataDir } from '../shared/paths';
import { startBrowserHost } from './server';

const here = dirname(fileURLToPath(import.meta.url));

async function run(): Promise<void> {
  const dataDir = defaultDataDir();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const services = createServices({ dataDir });
  const port = Number(process.env['COHERENCY_PORT'] ?? 0);
  const ttlS = Number(process.env['COHERENCY_LAUNCH_TTL_S'] ?? '');
  const host = await startBrowserHost({
    services,
    rendererDir: process.env['COHERENCY_RENDERER_DIR'] ?? join(here, '..', 'renderer'),
    port,
    ...(Number.isFinite(ttlS) && ttlS > 0 ? { launchTtlMs: ttlS * 1000 } : {}),
  });
  // Before the first URL is printed: a SIGUSR2 that arrives before its handler kills the process.
  // A new launch URL on demand (e.g. the tab was closed, or the printed one expired): send SIGUSR2.
  process.on('SIGUSR2', () => process.stdout.write(`COHERENCY_LAUNCH_URL=${host.launchUrl()}\n`));
  const url = host.launchUrl();
  process.stdout.write(`Coherency Workstation (browser host) on ${host.origin}\n`);
  process.stdout.write(`Open this one-time URL in Chromium: ${url}\n`);
  process.stdout.write(`COHERENCY_LAUNCH_URL=${url}\n`);
  if (process.env['COHERENCY_LAUNCH_FILE']) writeFileSync(process.env['COHERENCY_LAUNCH_FILE'], url, { mode: 0o600 });

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await host.close();
    await services.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

run().catch((error: unknown) => {
  process.stderr.write(`browser host failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
