// Lint: typescript-eslint with type information (for no-floating-promises), and import boundaries
// that keep the layers of the monorepo pointing one way. Formatting belongs to prettier alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Which libs each lib may import, lowest first. Apps may import any lib but never another app.
const LAYERS = {
  contracts: [],
  config: ['contracts'],
  crypto: ['contracts', 'config'],
  messaging: ['contracts', 'config'],
  federation: ['contracts', 'config', 'crypto', 'messaging'],
  persistence: ['contracts', 'config', 'crypto', 'messaging'],
  workflow: ['contracts', 'config', 'crypto', 'messaging', 'federation'],
  exchange: ['contracts', 'config', 'crypto', 'messaging', 'federation', 'persistence', 'workflow'],
  console: ['contracts', 'config', 'crypto', 'messaging', 'federation', 'persistence', 'workflow', 'exchange'],
  gateway: [
    'contracts',
    'config',
    'crypto',
    'messaging',
    'federation',
    'persistence',
    'workflow',
    'exchange',
    'console',
  ],
};
const LIBS = Object.keys(LAYERS);

const layerRules = LIBS.map((lib) => ({
  files: [`libs/${lib}/src/**/*.ts`],
  ignores: ['**/*.spec.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^@xietong/(?!(${[lib, ...LAYERS[lib]].join('|')})$)`,
            message: `libs/${lib} may import only ${LAYERS[lib].join(', ') || 'no other lib'} (eslint.config.mjs LAYERS).`,
          },
          {
            regex: '^(\\.\\./)+(apps|libs|test)/',
            message: 'Import another package through its @xietong alias, never by a relative path.',
          },
          { regex: '^@xietong/[^/]+/', message: 'Import a lib through its index (@xietong/name), not a deep path.' },
        ],
      },
    ],
  },
}));

const appRules = {
  files: ['apps/**/*.ts'],
  ignores: ['**/*.spec.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^(\\.\\./)+(?!src/)[^/]+/src/',
            message: 'Apps never import each other: move shared code into a lib.',
          },
          { regex: '^@xietong/testing$', message: 'Test support is for tests only.' },
          { regex: '^@xietong/[^/]+/', message: 'Import a lib through its index (@xietong/name), not a deep path.' },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'reports/**',
      '.kafka/**',
      'data/**',
      'conformance/java/target/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'no-control-regex': 'off',
      'max-len': [
        'error',
        {
          code: 140,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          ignoreComments: true,
        },
      ],
    },
  },
  ...layerRules,
  appRules,
  prettier,
  // eslint-config-prettier turns max-len off; prettier wraps code at 120, and this keeps long
  // string literals and comments the only exceptions.
  {
    rules: {
      'max-len': [
        'error',
        {
          code: 140,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          ignoreComments: true,
        },
      ],
    },
  },
);
