export * from './gateway.module';
export * from './start-gateway';
export * from './http/domain-error.filter';
export * from './run-gateway-process';
export { Public, requireRole, ROLES, Roles, type Caller, type Role } from '@xietong/exchange';
export { CONTRACT_SCHEMAS, OPERATIONS } from './http/openapi-contract';
// The console moved to libs/console (#22); its development identity provider and form helpers stay reachable here.
export * from '@xietong/console';
