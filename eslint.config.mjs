// Lint: typescript-eslint with type information (for no-floating-promises), and import boundaries
// that keep the layers of the monorepo pointing one way. Formatting belongs to prettier alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { sizeRule } from './eslint.size.mjs';

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
  // Development helpers (local Kafka and PostgreSQL, the dev token issuer and identity provider): no
  // lib imports them, only the apps of DEV_APPS and the tests.
  dev: [
    'contracts',
    'config',
    'crypto',
    'messaging',
    'federation',
    'persistence',
    'workflow',
    'exchange',
    'console',
    'gateway',
  ],
};
const DEV_APPS = ['demo', 'cli', 'bench'];
const LIBS = Object.keys(LAYERS);

// Data access (CONTRIBUTING.md): SQL and TypeORM calls belong in libs/persistence alone. Elsewhere
// the database drivers cannot be imported, and a `.query(` / `createQueryBuilder(` / `getRepository(`
// call or a `.manager` read is an error. Specs and test support are exempt.
const DATA_ACCESS = {
  imports: {
    regex: '^(typeorm|@nestjs/typeorm|pg|better-sqlite3)(/.*)?$',
    message:
      'SQL and TypeORM belong in libs/persistence: add a repository method there (CONTRIBUTING.md, Data access).',
  },
  syntax: [
    ...['query', 'createQueryBuilder', 'getRepository'].map((name) => ({
      selector: `CallExpression[callee.type='MemberExpression'][callee.property.name='${name}']`,
      message: `.${name}() is data access: it belongs in a repository of libs/persistence (CONTRIBUTING.md, Data access).`,
    })),
    {
      selector: "MemberExpression[property.name='manager']",
      message: 'An entity manager is data access: it belongs in libs/persistence (CONTRIBUTING.md, Data access).',
    },
  ],
};
const DATA_ACCESS_EXEMPT = [
  'libs/persistence/**',
  // The deliberately naive baseline of the bench, and its harness, which measures the database from outside.
  'apps/bench/src/naive-*.ts',
  'apps/bench/src/main.ts',
  'apps/bench/src/growth.ts',
  'apps/bench/src/metrics-scale.ts',
];

const layerPatterns = (lib) => [
  {
    regex: `^@xietong/(?!(${[lib, ...LAYERS[lib]].join('|')})$)`,
    message: `libs/${lib} may import only ${LAYERS[lib].join(', ') || 'no other lib'} (eslint.config.mjs LAYERS).`,
  },
  {
    regex: '^(\\.\\./)+(apps|libs|test)/',
    message: 'Import another package through its @xietong alias, never by a relative path.',
  },
  { regex: '^@xietong/[^/]+/', message: 'Import a lib through its index (@xietong/name), not a deep path.' },
];

// One entry per lib; a file exempt from the data-access rule gets its layer patterns alone (a later
// entry's options replace an earlier one's, they do not merge).
const layerRules = LIBS.flatMap((lib) => [
  {
    files: [`libs/${lib}/src/**/*.ts`],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...layerPatterns(lib), DATA_ACCESS.imports] }],
      'no-restricted-syntax': ['error', ...DATA_ACCESS.syntax],
    },
  },
  {
    files: DATA_ACCESS_EXEMPT.filter((f) => f.startsWith(`libs/${lib}/`)),
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(lib) }], 'no-restricted-syntax': 'off' },
  },
]).filter((entry) => entry.files.length > 0);

const appPatterns = [
  {
    regex: '^(\\.\\./)+(?!src/)[^/]+/src/',
    message: 'Apps never import each other: move shared code into a lib.',
  },
  { regex: '^@xietong/testing$', message: 'Test support is for tests only.' },
  { regex: '^@xietong/[^/]+/', message: 'Import a lib through its index (@xietong/name), not a deep path.' },
];

const devImport = {
  regex: '^@xietong/dev$',
  message: `Development helpers are for apps/{${DEV_APPS.join(',')}} and the tests (eslint.config.mjs DEV_APPS).`,
};
const appRule = (files, { dev, dataAccess }) => ({
  files,
  ignores: ['**/*.spec.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [...appPatterns, ...(dev ? [] : [devImport]), ...(dataAccess ? [DATA_ACCESS.imports] : [])] },
    ],
    'no-restricted-syntax': dataAccess ? ['error', ...DATA_ACCESS.syntax] : 'off',
  },
});
// Later entries replace the options of earlier ones for the files they name.
const appRules = [
  appRule(['apps/**/*.ts'], { dev: false, dataAccess: true }),
  appRule(
    DEV_APPS.map((app) => `apps/${app}/**/*.ts`),
    { dev: true, dataAccess: true },
  ),
  appRule(
    DATA_ACCESS_EXEMPT.filter((f) => f.startsWith('apps/')),
    { dev: true, dataAccess: false },
  ),
];

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
  ...appRules,
  sizeRule,
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
