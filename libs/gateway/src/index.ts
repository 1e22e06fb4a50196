export * from './gateway.module';
export * from './start-gateway';
export * from './http/domain-error.filter';
export * from './run-gateway-process';
export * from './auth/roles';
export * from './auth/token-issuer';
export * from './console/dev-identity-provider';
export { ConsoleSessionStore } from './console/console-session.store';
export { CONTRACT_SCHEMAS, OPERATIONS } from './http/openapi-contract';
