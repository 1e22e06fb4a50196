export * from './records';
export * from './column-types';
export * from './entities';
export * from './database';
export * from './message.repository';
export * from './outbox.repository';
export * from './quarantine.repository';
export * from './case.repository';
