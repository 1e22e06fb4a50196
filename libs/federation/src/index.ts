export * from './manifest';
export * from './division-code';
export * from './federation';
export * from './manifest-codec';
export * from './manifest-store';
export * from './manifest-builder';
export * from './zone-data';
export * from './federation-files';
