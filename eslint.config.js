// @ts-check
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'storybook-static/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        DOMException: 'readonly',
        TextEncoder: 'readonly',
        crypto: 'readonly',
        performance: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'test/**/*.{ts,tsx}', 'stories/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // The core runs in Node, workers and any framework: React stays out.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react/*', 'react-dom', 'react-dom/*', '@tanstack/react-query'], message: 'src/core must not import React.' },
            { group: ['**/react/**', '../react', '../react/*'], message: 'src/core must not import the React layer.' },
          ],
        },
      ],
    },
  },
  {
    // The ./testing entry runs in Node and browsers with no framework; the
    // Testing Library helper has its own entry, ./testing/react.
    files: ['src/testing/**/*.{ts,tsx}'],
    ignores: ['src/testing/react/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react/*', 'react-dom', 'react-dom/*', '@tanstack/react-query', '@testing-library/*'],
              message: 'src/testing must not import React: use src/testing/react.',
            },
            { group: ['**/react/**', '../react', '../react/*', './react', './react/*'], message: 'src/testing must not import the React layer.' },
          ],
        },
      ],
    },
  },
  {
    // Entity capabilities are opt-in (the ./caps entry): outside src/core/caps
    // nothing imports their code, only their types, so an app that does not
    // turn them on does not ship them. The root entry re-exports them; the
    // devtools (an opt-in entry too) look up the caps that are on.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/core/caps/**', 'src/index.ts', 'src/devtools/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/caps/*', './caps/*'],
              allowTypeImports: true,
              message: 'Only types of entity capabilities may be imported here: their code is opt-in (react-xmpp-disco/caps).',
            },
          ],
        },
      ],
    },
  },
  {
    // Named exports only (DESIGN.md "Style"); module declarations mirror xmpp.js's defaults.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/**/*.d.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
)
