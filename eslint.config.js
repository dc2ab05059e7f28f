import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Another module is imported only through its index.ts (docs/development.md): from a module's
// folder `../<module>/<file>` and from a subfolder `../../<module>/<file>` must name index.ts.
const MODULE_ENTRY = {
  regex: String.raw`^(\.\./)+[^./][^/]*/(?!index\.ts$)`,
  message: "Import another module only through its index.ts (docs/development.md, 'Layout and conventions').",
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.buffalo/**', 'dist/**', 'src/dashboard/public/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', performance: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/sandbox/**', '!**/sandbox/index.ts'], message: 'Runtime code never imports the sandbox (only src/cli start wiring and tests do, through src/sandbox/index.ts).' },
          MODULE_ENTRY,
        ],
      }],
    },
  },
  {
    // Files directly in src/ (main, config, …) import modules through their index.ts too.
    files: ['src/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [MODULE_ENTRY, { regex: String.raw`^\./[^/]+/(?!index\.ts$)`, message: MODULE_ENTRY.message }] }],
    },
  },
  {
    // The sandbox itself and the CLI's start wiring may use the simulators.
    files: ['src/sandbox/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [MODULE_ENTRY] }] },
  },
  {
    // Tests and benches may reach into any module and use the simulators.
    files: ['test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
