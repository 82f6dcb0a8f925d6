// Lint, including the import directions of ARCHITECTURE.md / STYLE.md habit 1, written once as data.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const SERVICES = ['records', 'vault', 'auth', 'scans', 'lan', 'analysis', 'sync', 'reports', 'system', 'clinic', 'backup', 'home'];

/** Patterns, relative to any importing file, that reach into a layer. */
const ban = (group, message) => ({ group, message });
const electron = ban(['electron', 'electron/*'], 'Only main/electron/ and preload/ may import electron (ARCHITECTURE.md).');
const node = ban(['node:*'], 'This layer runs in the browser or everywhere: no node:* imports.');
const mainAny = ban(['**/main/**', '../main/*', '../../main/*'], 'The renderer reaches main only through tRPC (type imports of main/api are allowed).');
const apiLayer = ban(['**/api', '**/api/*', '../api/*', '../../api/*'], 'Services never import main/api/.');
const shells = ban(['**/electron/*', '**/host/*', '**/cli/*'], 'Composition roots (electron, host, cli) are imported by nothing.');
const upToCommonOnly = ban(['**/main/**', '**/renderer/**', '**/server/**', '**/preload/**', '../main/*', '../renderer/*', '../server/*', '../preload/*'], 'common/ imports only common/ and packages that run anywhere.');

/** Another service's internals: `../<service>/<file>` — only its index may be imported, and only as types (checked by consistent-type-imports + review). */
const otherServiceInternals = (self) =>
  ban(
    SERVICES.filter((s) => s !== self).flatMap((s) => [`../${s}/*`, `../../${s}/*`, `!../${s}/index`, `!../../${s}/index`]),
    'A service imports another service only through its index.ts.',
  );

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
    rules: { 'no-restricted-imports': ['error', { patterns: [electron, apiLayer, shells, otherServiceInternals(s)] }] },
  })),
  { files: ['main/shared/**'], rules: { 'no-restricted-imports': ['error', { patterns: [electron, apiLayer, shells] }] } },
  { files: ['main/api/**'], rules: { 'no-restricted-imports': ['error', { patterns: [electron, shells] }] } },
  { files: ['server/**'], rules: { 'no-restricted-imports': ['error', { patterns: [electron, mainAny, ban(['**/renderer/**'], 'server/ imports server/ and common/ only.')] }] } },
  { files: ['**/*.test.ts', 'e2e/**', 'bench/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
  // Playwright fixtures with no dependencies are declared with an empty pattern.
  { files: ['e2e/**'], rules: { 'no-empty-pattern': 'off' } },
);
