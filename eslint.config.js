// `npm run lint`: ESLint's and typescript-eslint's recommended rules, and the design's import
// rules (eslint.boundaries.js), which CI runs.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import boundaries from './eslint.boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.cache/', 'bench/results/', 'coverage/', 'packages/*/dist/', 'packages/*/src/graphql-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly' } },
    rules: {
      // `_`-prefixed names are the convention for parts deliberately left unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // The browser clients: the rules of hooks; and names are checked by TypeScript against the DOM lib.
    files: ['packages/*/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    rules: { ...reactHooks.configs.flat.recommended.rules, 'no-undef': 'off' },
  },
  // Who may import whom (DESIGN.md's parts), in a file of its own with its table.
  ...boundaries,
);
