export * from './column';
export * from './table-spec';
export * from './tables';
