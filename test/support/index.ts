export * from './databases';
export * from './exchange-harness';
