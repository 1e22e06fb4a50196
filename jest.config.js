// Six projects: unit specs beside the code (ports mocked), medium tests under test/medium
// (services with real repositories on PostgreSQL and SQLite, no broker), integration tests under
// test/integration that run against a real Kafka broker and real PostgreSQL / SQLite, the
// conformance tests under test/conformance (Java checker, Apache Avro + Nimbus JOSE), the browser
// tests under test/browser (Debian's Chromium through playwright-core), and the
// fault suite under test/faults (gateways as OS processes from dist/, its own broker to kill).
const { readFileSync } = require('node:fs');

const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.exclude;
delete swcrc.jsc.baseUrl;
delete swcrc.jsc.paths;
swcrc.jsc.baseUrl = __dirname;

const moduleNameMapper = {
  '^@xietong/testing$': '<rootDir>/test/support/index.ts',
  '^@xietong/(.*)$': '<rootDir>/libs/$1/src/index.ts',
};

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  // NestJS 12, jose 6, openid-client and json-schema-ref-parser ship ES modules only: let swc turn
  // them into CommonJS too.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|jose|openid-client|oauth4webapi|@apidevtools)/)'],
  moduleNameMapper,
  // dist/ holds the built copies (and, through --copy-files, the snapshot files): jest would count
  // those snapshots as obsolete and exit 1.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      // Services with their real repositories on PostgreSQL and SQLite, no broker.
      ...common,
      displayName: 'medium',
      testMatch: ['<rootDir>/test/medium/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/run-setup.js',
      globalTeardown: '<rootDir>/test/support/run-teardown.js',
      testEnvironment: '<rootDir>/test/medium/shanghai-environment.js',
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
    },
    {
      // The independent Java checker of conformance/java against our records and theirs; the
      // gateway round trip needs the broker, so it shares the integration set-up.
      ...common,
      displayName: 'conformance',
      testMatch: ['<rootDir>/test/conformance/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
    },
    {
      // The secured 3-broker cluster of issue 12: the suite starts and stops it itself (beforeAll).
      ...common,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/run-setup.js',
      globalTeardown: '<rootDir>/test/support/run-teardown.js',
    },
    {
      // Issue 26: gateways and brokers in network namespaces, faults on the links between them,
      // a real Prometheus; as root only (the global setup says why elsewhere).
      ...common,
      displayName: 'network',
      testMatch: ['<rootDir>/test/network/*.test.ts'],
      globalSetup: '<rootDir>/test/network/global-setup.js',
      globalTeardown: '<rootDir>/test/network/global-teardown.js',
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      globalSetup: '<rootDir>/test/browser/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
    },
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/faults/global-setup.js',
      globalTeardown: '<rootDir>/test/faults/global-teardown.js',
    },
  ],
};
