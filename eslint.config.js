import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Libraries that are adapters: only their adapter folders (chosen by src/app.ts) import them. */
const ADAPTER_LIBRARIES = ['kysely', 'pg', 'better-sqlite3', 'fastify', 'nodemailer', 'imapflow', 'smtp-server', 'mailparser', 'liquidjs', 'prom-client', 'pino', 'undici'].map((name) => ({
  name,
  message: `${name} is an adapter's library: keep it out of the core and the routes.`,
}));

/** The adapter folders of src/: only src/app.ts (the composition root) and other adapters import them. */
const ADAPTER_FOLDERS = 'store|delivery|secrets|probes|metrics|templates|inbound|relay|webhooks';
const ONLY_APP_CHOOSES = 'The composition root (src/app.ts and its parts, src/app-*.ts) alone chooses adapters: take what you need from it (or from the ports), never import an adapter.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'data/**', 'test-artifacts/**', '.tmp/**', 'sdk/dist/**', 'sdk/src/generated/**', 'sdk/.builds/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  // Boundaries (docs/architecture.md): the core holds the rules and imports nothing outside
  // src/core, nor any adapter library; HTTP routes reach the core, never a store, delivery,
  // secrets or probe adapter (src/app.ts hands them what they need through the ports).
  {
    files: ['src/core/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./', message: 'src/core imports nothing outside src/core: define a port and let src/app.ts plug an adapter in.' }], paths: ADAPTER_LIBRARIES }] },
  },
  {
    files: ['src/core/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./\\.\\./', message: 'src/core imports nothing outside src/core: define a port and let src/app.ts plug an adapter in.' }], paths: ADAPTER_LIBRARIES }] },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(\\.\\./)+(app|store|delivery|secrets|probes|metrics|templates|inbound|relay|webhooks)(/|\\.js$)', message: 'HTTP routes take their dependencies from the ports (src/ports.ts), never from an adapter.' }],
          paths: ADAPTER_LIBRARIES.filter((p) => p.name !== 'fastify'),
        },
      ],
    },
  },
  // CLI commands and the other top-level modules get adapters from src/app.ts, like the routes.
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: `^(\\.\\./)+(${ADAPTER_FOLDERS})(/|\\.js$)`, message: ONLY_APP_CHOOSES }] }] },
  },
  {
    files: ['src/*.ts'],
    ignores: ['src/app.ts', 'src/app-*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: `^\\./(${ADAPTER_FOLDERS})(/|\\.js$)`, message: ONLY_APP_CHOOSES }] }] },
  },
  // The examples are scripts users run with plain Node.
  {
    files: ['examples/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly' } },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
