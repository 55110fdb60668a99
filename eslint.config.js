// Lint, including the layering rules (ARCHITECTURE.md §2): a wrong import fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const restrict = (paths, patterns, why) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message: why })),
      patterns: patterns.map((group) => ({ group: [group], message: why })),
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
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', 'eslint.config.js'],
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
    files: ['src/preload/**/*.ts'],
    rules: restrict([], ['**/engine/**', '**/renderer/**'], 'preload only hands over named functions and the engine port'),
  },
);
