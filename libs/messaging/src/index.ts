export * from './topics';
export * from './kafka-client';
export * from './topic-admin';
export * from './record-publisher';
export * from './inbox-consumer';
export * from './kafka-inbox.transport';
export * from './local-kafka';
export * from './kafka-plan';
