export * from './gateway-config';
export * from './repo-root';
export * from './failpoints';
