export * from './gateway.module';
export * from './start-gateway';
export * from './http/domain-error.filter';
