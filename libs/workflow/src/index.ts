export * from './local-date';
export * from './working-day-calendar';
export * from './time-limits';
export * from './uscc';
export * from './resident-id';
export * from './jurisdiction-router';
export * from './lifecycle';
