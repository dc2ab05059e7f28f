import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
        ],
      }],
    },
  },
  {
    // Tests, benches and the sandbox itself may use the simulators.
    files: ['test/**', 'bench/**', 'src/sandbox/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
