// Lint for every TypeScript folder, type-aware (typescript-eslint), run by `npm run lint` inside
// `npm test` with --max-warnings=0. Formatting is Prettier's job (`npm run format`), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      '.cache/',
      '.vscode-test/',
      'bench/out/',
      'test/lab/out/',
      'test/e2e/workspace/',
      'test/fixtures/',
      'samples/',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.mjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Unions such as `'vxlan' | 'host-gw' | string` name the values we know while accepting others.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Methods are passed around from plain objects of arrow functions (no `this`), where this only misfires.
      '@typescript-eslint/unbound-method': 'off',
      // An async function without await still promises its callers a Promise (VS Code API shapes).
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON and fixtures whose shape the assertions check; `any` there is the point.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // page.evaluate() results are cast to what the page returns; the cast is the documentation.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
