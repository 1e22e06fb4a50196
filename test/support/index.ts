export * from './databases';
export * from './exchange-harness';
export * from './record-forge';
export * from './hostile-records';
export * from './rows-fetched';
export * from './wait-for';
export * from './rebuild';
export * from './tsa';
