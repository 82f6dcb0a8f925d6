import { cpSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { WORKER_ENTRIES } from './main/shared/workers';

const root = import.meta.dirname;

/** Main-process entries: the Electron shell, the browser host, the CLI, and one bundle per worker. */
const mainEntries: Record<string, string> = {
  index: resolve(root, 'main/electron/index.ts'),
  host: resolve(root, 'main/host/index.ts'),
  cli: resolve(root, 'main/cli/index.ts'),
  ...Object.fromEntries(
    Object.entries(WORKER_ENTRIES)
      .map(([name, file]) => [`workers/${name}`, resolve(root, 'main', file)] as const)
      .filter(([, path]) => existsSync(path)),
  ),
};

/** The record's SQL migrations are read at run time: ship them beside the main bundle. */
const copyMigrations = {
  name: 'coherency-copy-migrations',
  writeBundle() {
    cpSync(resolve(root, 'main/records/migrations'), resolve(root, 'out/main/migrations'), { recursive: true });
  },
};

export default defineConfig({
  main: {
    plugins: [copyMigrations],
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: mainEntries,
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be a single CommonJS file with its dependencies inlined.
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: { index: resolve(root, 'renderer/index.html') } },
      chunkSizeWarningLimit: 4096,
    },
  },
});
