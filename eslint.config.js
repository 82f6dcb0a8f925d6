// Lint, including the import directions of ARCHITECTURE.md / STYLE.md habit 1, written once as data.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';

/**
 * Domains: one folder under main/ each (ARCHITECTURE.md "One home per domain"), with the zone below.
 * The ones not written yet are listed so that their folder is checked from its first file.
 */
const SERVICES = [
  'records', 'vault', 'auth', 'scans', 'lan', 'inbox', 'analysis', 'backup', 'system', 'clinic',
  // the home screen per role
  'home',
  // clinic operations
  'commands', 'bookings', 'stock', 'purchasing', 'billing', 'orders', 'operations',
  // next: sync, clinical review, IT
  'sync', 'review', 'annotations', 'reports', 'updates',
];

/** What main/api/ may hold: routers, their tests, and the four infrastructure files (ARCHITECTURE.md). */
const API_FILES = ['main/api/*.router.ts', 'main/api/*.router.test.ts', 'main/api/trpc.ts', 'main/api/context.ts', 'main/api/index.ts', 'main/api/event-stream.ts', 'main/api/event-stream.test.ts', 'main/api/permissions.test.ts'];

/** Patterns, relative to any importing file, that reach into a layer. */
const ban = (group, message) => ({ group, message });
const electron = ban(['electron', 'electron/*'], 'Only main/electron/ and preload/ may import electron (ARCHITECTURE.md).');
const node = ban(['node:*'], 'This layer runs in the browser or everywhere: no node:* imports.');
const mainAny = ban(['**/main/**', '../main/*', '../../main/*'], 'The renderer reaches main only through tRPC (type imports of main/api are allowed).');
const apiLayer = ban(['**/api', '**/api/*', '../api/*', '../../api/*'], 'Services never import main/api/.');
const shells = ban(['**/electron/*', '**/host/*', '**/cli/*'], 'Composition roots (electron, host, cli) are imported by nothing.');
/** main/app/ builds the services: a service may name its types (an open clinic), never run it. */
const appRuntime = { group: ['**/app', '**/app/*', '../app/*', '../../app/*'], allowTypeImports: true, message: 'Services never import the composition root (main/app/) at run time; `import type` only.' };
/** Routers reach a service through an index.ts (its own or a sub-domain's), never a file inside it. */
const serviceFiles = { regex: `^\\.\\./(${[...SERVICES, 'app', 'file-routes'].join('|')})/(.+/)?(?!index$)[^/]+$`, message: 'main/api/ imports a service only through an index.ts.' };
/** Routers parse, call one service method and map: files, crypto and paths are a service's work. */
const noIo = ban(['node:fs', 'node:fs/*', 'node:crypto', 'node:path', 'node:child_process', 'node:worker_threads'], 'A router does no file or crypto work: move it into the domain\'s service.');
const upToCommonOnly = ban(['**/main/**', '**/renderer/**', '**/server/**', '**/preload/**', '../main/*', '../renderer/*', '../server/*', '../preload/*'], 'common/ imports only common/ and packages that run anywhere.');

/** Another service's internals: `../<service>/<file>` — only its index may be imported, and only as types (checked by consistent-type-imports + review). */
const otherServiceInternals = (self, { tests = false } = {}) =>
  ban(
    SERVICES.filter((s) => s !== self).flatMap((s) => [
      `../${s}/*`,
      `../../${s}/*`,
      `!../${s}/index`,
      `!../../${s}/index`,
      // A test may use another domain's test helpers (a real keychain, a test record).
      ...(tests ? [`!../${s}/test-*`, `!../../${s}/test-*`] : []),
    ]),
    'A service imports another service only through its index.ts.',
  );

/** Checks of the layout itself that no import pattern can express. */
const layout = {
  rules: {
    'routers-only': {
      meta: { type: 'problem', schema: [], messages: { notRouter: 'main/api/ holds tRPC routers (<domain>.router.ts) and trpc.ts, context.ts, index.ts, event-stream.ts only: put this file in its domain folder under main/ (ARCHITECTURE.md "One home per domain").' } },
      create: (context) => ({ Program: (node) => context.report({ node, messageId: 'notRouter' }) }),
    },
  },
};
const TESTS = ['**/*.test.ts', '**/*.fixture.ts'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'native-models/training/**', 'coverage/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: '.only must not be committed.' },
      ],
    },
  },
  // Everything outside main/electron and preload: no electron.
  { files: ['**/*.{ts,tsx,js,mjs}'], ignores: ['main/electron/**', 'preload/**', 'e2e/**', 'electron.vite.config.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [electron] }] } },
  { files: ['common/**'], rules: { 'no-restricted-imports': ['error', { patterns: [electron, node, upToCommonOnly] }] } },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            electron,
            node,
            { group: ['**/main/api/*', '**/main/api'], allowTypeImports: true, message: 'Only `import type` from main/api.' },
            ban(['**/main/**', '!**/main/api', '!**/main/api/**'], 'The renderer never imports main/ (type imports of main/api only).'),
          ],
        },
      ],
    },
  },
  ...SERVICES.map((s) => ({
    files: [`main/${s}/**`],
    ignores: TESTS,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [electron, apiLayer, shells, appRuntime, otherServiceInternals(s)] }] },
  })),
  // A domain's tests may drive it end to end through the real router and composition root.
  ...SERVICES.map((s) => ({
    files: TESTS.map((t) => `main/${s}/${t}`),
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [electron, shells, otherServiceInternals(s, { tests: true })] }] },
  })),
  { files: ['main/shared/**'], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [electron, apiLayer, shells, appRuntime] }] } },
  // The composition root and the file routes both shells serve: plain Node, built by the shells.
  { files: ['main/app/**', 'main/file-routes/**'], rules: { 'no-restricted-imports': ['error', { patterns: [electron, shells] }] } },
  { files: ['main/api/**'], ignores: TESTS, rules: { 'no-restricted-imports': ['error', { patterns: [electron, shells, serviceFiles, noIo] }] } },
  { files: ['main/api/**'], ignores: API_FILES, plugins: { layout }, rules: { 'layout/routers-only': 'error' } },
  // No import cycles between files anywhere (type-only imports are not cycles: they vanish at run time).
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.json'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  { files: ['server/**'], rules: { 'no-restricted-imports': ['error', { patterns: [electron, mainAny, ban(['**/renderer/**'], 'server/ imports server/ and common/ only.')] }] } },
  { files: ['**/*.test.ts', 'e2e/**', 'bench/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
  // Playwright fixtures with no dependencies are declared with an empty pattern.
  { files: ['e2e/**'], rules: { 'no-empty-pattern': 'off' } },
);
