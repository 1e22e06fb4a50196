export * from './domain-error';
export * from './message-type';
export * from './schema-catalog';
export * from './compatibility';
export * from './body-validation';
export { AVRO_PARSE_OPTIONS } from './avro/logical-types';
export { SingleObjectCodec } from './avro/single-object';
export { rabinFingerprint } from './avro/rabin-fingerprint';
export * from './envelope';
