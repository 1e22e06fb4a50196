export * from './local-kafka';
export * from './local-postgres';
export * from './token-issuer';
export * from './dev-identity-provider';
