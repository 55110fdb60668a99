// Lint, including the layering rules (ARCHITECTURE.md §2): a wrong import fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import codeLayering from './eslint/code-layering.js';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Engine layers, lowest first (ARCHITECTURE.md §2; in the style of VS Code's code-layering): a file
// may import from its own layer or a lower one, never from a higher one. This list is the order.
export const ENGINE_LAYERS = [
  { name: 'shared', folders: ['src/shared/**'] },
  // analytics/: option pricing and chains over the shared model, used by the API and recording alike.
  // paths.ts: where the repository's files are (migrations, schema, the built page), from src/ or a bundle.
  {
    name: 'feed, pipeline, capture, analytics',
    folders: ['src/engine/feed/**', 'src/engine/pipeline/**', 'src/engine/capture/**', 'src/engine/analytics/**', 'src/engine/paths.ts'],
  },
  // auth/ (login flows, session store) sits beside brokers/: its flows call each broker's auth REST
  // and the adapters hand those flows out. sim/ too: each simulator writes its broker's wire format
  // with that broker's codec (who may import a simulator is narrower still: SIMULATORS below).
  { name: 'brokers, auth, sim', folders: ['src/engine/brokers/**', 'src/engine/auth/**', 'src/engine/sim/**'] },
  { name: 'store', folders: ['src/engine/store/**'] },
  // backfill.ts beside instruments/: both put what a broker serves (history, masters) in the journal.
  { name: 'instruments, backfill', folders: ['src/engine/instruments/**', 'src/engine/backfill.ts'] },
  // export/ reads the journal out for the CLI and the Engine API alike. service.ts and recorder.ts
  // are re-exports of api/ and recording/.
  {
    name: 'recording, api, export',
    folders: ['src/engine/recording/**', 'src/engine/recorder.ts', 'src/engine/api/**', 'src/engine/service.ts', 'src/engine/export/**'],
  },
  // The processes' shells: the bridge server, the CLI, the desktop engine's entry (host.ts), and what
  // only they use (last-resort.ts: commit the journal on a crash; ui-build.ts: build the page to serve).
  {
    name: 'bridge, cli, host',
    folders: ['src/engine/bridge/**', 'src/engine/cli/**', 'src/engine/host.ts', 'src/engine/last-resort.ts', 'src/engine/ui-build.ts'],
  },
];

// Simulators are started only by the registry's simulated venues and the CLI (and tests, which the
// layering block does not cover); nothing else in the engine or the app may reach them.
export const SIMULATORS = {
  target: ['src/engine/sim/**'],
  from: ['src/engine/sim/**', 'src/engine/brokers/registry.ts', 'src/engine/cli/**'],
  message: "simulators are imported only by the broker registry's simulated venues, the CLI and tests",
};

// Known upward imports, each named exactly ({ from, to: [...], why }) so nothing else slips through;
// a line whose import no longer occurs is reported, so the list only shrinks. None now: the broker
// adapters (issue 11) reach the journal, the master import and backfill through the StoreContext
// their callers lend them (brokers/types.ts), not by importing the layers above brokers/.
/** @type {Array<{ from: string; to: string[]; why: string }>} */
export const KNOWN_UPWARD = [];

const restrict = (paths, patterns, why) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message: why })),
      // A pattern is a glob, or { regex } where a glob cannot say "all but" (gitignore rules cannot
      // re-allow a file below an excluded folder).
      patterns: patterns.map((p) => (typeof p === 'string' ? { group: [p], message: why } : { ...p, message: why })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'e2e/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', 'eslint.config.js', 'eslint/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, 'electron', 'react', 'react-dom'],
      ['**/engine/**', '**/main/**', '**/preload/**', '**/renderer/**'],
      'src/shared is pure TypeScript: no Node, DOM, Electron or other layers',
    ),
    languageOptions: { globals: {} },
  },
  {
    // Tests run under Node whatever layer they test.
    files: ['src/shared/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: restrict(['electron'], ['**/renderer/**', '**/main/**', '**/preload/**'], 'src/engine is Electron-free and never imports the UI'),
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: restrict(
      [...nodeBuiltins, 'electron', 'ws', 'better-sqlite3'],
      ['**/engine/**', '**/main/**', '**/preload/**'],
      'src/renderer runs in the page: no Node built-ins, Electron or engine imports (talk over the bridge)',
    ),
  },
  {
    // Tests and their helpers may reach any layer (a store test reads its rows back through export/).
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/testing.ts'],
    plugins: { local: { rules: { 'code-layering': codeLayering } } },
    rules: {
      'local/code-layering': [
        'error',
        { layers: ENGINE_LAYERS, scope: ['src/engine/**'], onlyFrom: [SIMULATORS], exceptions: KNOWN_UPWARD },
      ],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    rules: restrict(
      ['better-sqlite3', 'pg'],
      ['**/renderer/**', '**/preload/**', { regex: '(^|/)engine/(?!(auth|brokers)/)' }],
      'src/main runs windows and logins; the engine runs in its own process: of src/engine, main may import only auth/ and brokers/ (login)',
    ),
  },
  {
    // Its tests also start simulators and use the engine's test helpers.
    files: ['src/main/**/*.test.ts'],
    rules: restrict(
      ['better-sqlite3', 'pg'],
      ['**/renderer/**', '**/preload/**', { regex: '(^|/)engine/(?!(auth|brokers|sim)/|testing$)' }],
      'src/main tests: of src/engine, only auth/, brokers/, sim/ and testing',
    ),
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: restrict([], ['**/engine/**', '**/renderer/**'], 'preload only hands over named functions and the engine port'),
  },
);
