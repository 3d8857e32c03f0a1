import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './scripts/lint/layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        performance: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        Headers: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        structuredClone: 'readonly',
      },
    },
    plugins: { layers },
    rules: {
      // The floors of docs/architecture.md: each may import only those below it, at any depth.
      'layers/floors': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // core is the pure model: no I/O, no clock, no randomness (see docs/architecture.md).
    files: ['core/**/*.ts'],
    rules: {
      // Which of our floors core may import is layers/floors' job; this keeps it off I/O.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:fs*',
            'node:net',
            'node:http*',
            'node:child_process',
            'node:dgram',
            'node:dns*',
            'node:os',
            'node:worker_threads',
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core is pure: take time as an argument' },
        { object: 'Math', property: 'random', message: 'core is pure: no randomness' },
      ],
    },
  },
);
