import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{main,common,server,renderer,tools,bench,scripts}/**/*.test.ts'],
    exclude: ['node_modules/**', 'out/**', 'e2e/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A private TMPDIR per run; the run fails if a test leaves anything in it.
    globalSetup: ['./vitest.tmpdir.ts'],
    // The keychain tests need a Secret Service; scripts/test.mjs runs vitest inside
    // dbus-run-session with gnome-keyring unlocked (see README "Tests").
  },
});
