export * from './gateway-config';
export * from './repo-root';
export * from './failpoints';
export * from './runtime-flags';
export * from './secret-file';
export * from './retention-config';
