#!/usr/bin/env node
// `npm start`: the Electron app where its binary is installed; otherwise build and start the
// browser host (same router over HTTP on 127.0.0.1, same renderer) and print its one-time URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-path.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const useBrowserHost = process.argv.includes('--browser-host') || process.env.COHERENCY_BROWSER_HOST === '1' || !electronBinary();

if (!process.argv.includes('--no-build') || !existsSync(join(root, 'out', 'main', 'host.js'))) {
  const build = spawnSync(bin('electron-vite'), ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const child = useBrowserHost
  ? (console.log('Electron is not installed here: starting the browser host.'),
    spawn(process.execPath, [join(root, 'out', 'main', 'host.js')], { cwd: root, stdio: 'inherit' }))
  : spawn(bin('electron-vite'), ['preview', '--skipBuild'], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
