export * from './key-material';
export * from './detached-jws';
export * from './personal-data-cipher';
export * from './sm2';
export * from './secret-box';
export * from './webhook-signature';
export * from './timestamp';
