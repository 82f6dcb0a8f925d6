#!/usr/bin/env node
// `coherency` command. Runs the built CLI (out/main/cli.js) when present, otherwise the
// TypeScript sources through tsx, so `npx coherency …` works straight after `npm ci`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'main', 'cli.js');
if (existsSync(built) && !process.env.COHERENCY_CLI_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'main', 'cli', 'index.ts')).href);
}
