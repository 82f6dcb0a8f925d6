#!/usr/bin/env node
// After `npm ci`: fetch the Electron binary when the network allows it, and say in one line
// what was skipped. Never fails the install: without Electron, `npm start` runs the browser host.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const skipped = [];

function electronInstalled() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const rel = readFileSync(join(dir, 'path.txt'), 'utf8');
    return existsSync(join(dir, 'dist', rel));
  } catch {
    return false;
  }
}

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  skipped.push('Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD is set)');
} else if (!electronInstalled()) {
  const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  const result = spawnSync(process.execPath, [installer], { stdio: 'pipe', timeout: 300_000, encoding: 'utf8' });
  if (result.status !== 0 || !electronInstalled()) skipped.push('Electron binary (download unreachable)');
}

// onnxruntime-node's install script would fetch its CUDA provider from NuGet; package.json's
// allowScripts denies that script (npm skips it silently), so the provider is absent unless
// installed by hand. The CPU provider is inside the npm package.
if (process.platform === 'linux' && process.arch === 'x64') {
  const ortBin = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', 'linux', 'x64');
  if (!existsSync(join(ortBin, 'libonnxruntime_providers_cuda.so'))) {
    skipped.push('onnxruntime CUDA provider (on a CUDA machine run `node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12`)');
  }
}

if (skipped.length > 0) {
  console.log(`coherency: skipped ${skipped.join('; ')} — \`npm start\` uses the browser host where Electron is missing.`);
}
