import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Logs, provideFactory, provideValue, token } from '@xietong/config';
import { BrokerStatus } from './broker-status';
import { createKafka, type KafkaSettings } from './kafka-client';
import { RecordPublisher } from './record-publisher';
import { TopicLimits } from './topic-limits';

/** The kafkajs client of this gateway. */
export const KAFKA = token<Kafka>('Kafka');

/** The Kafka slice of the gateway's configuration; maxMessageBytes: a topic's limit when the broker cannot say. */
export const BrokerSettings = token<BrokerSettings>('BrokerSettings');
export type BrokerSettings = KafkaSettings & { maxMessageBytes: number };

/** The topics {@link BrokerStatus} checks for (this agency's inbox and dead-letter topic). */
export const WatchedTopics = token<WatchedTopics>('WatchedTopics');
export type WatchedTopics = string[];

export interface MessagingOptions {
  settings: BrokerSettings;
  /** Where the watched topics come from (the federation's manifest names them: a higher lib provides them). */
  watchedTopics: FactoryProvider<WatchedTopics>;
  /** The modules `watchedTopics` injects from. */
  imports?: ModuleMetadata['imports'];
}

/** The gateway's broker: the client, its status watch, the idempotent publisher and the topics' size limits. */
@Module({})
export class MessagingModule {
  static forRoot({ settings, watchedTopics, imports = [] }: MessagingOptions): DynamicModule {
    const providers = [
      provideValue(BrokerSettings, settings),
      watchedTopics,
      provideFactory(
        BrokerStatus,
        [BrokerSettings, WatchedTopics, Logs],
        (s, topics, logs) => new BrokerStatus({ settings: s, topics, log: logs('Kafka') }),
      ),
      provideFactory(KAFKA, [BrokerSettings, Logs, BrokerStatus], (s, logs, broker) =>
        createKafka(s, logs('Gateway'), broker),
      ),
      provideFactory(RecordPublisher, [KAFKA, Logs], (kafka, logs) => new RecordPublisher(kafka, {}, logs('Gateway'))),
      provideFactory(
        TopicLimits,
        [KAFKA, BrokerSettings, Logs, BrokerStatus],
        (kafka, s, logs, broker) =>
          new TopicLimits(kafka, { defaultMaxMessageBytes: s.maxMessageBytes }, logs('Gateway'), broker),
      ),
    ];
    return {
      module: MessagingModule,
      imports,
      providers,
      exports: [BrokerSettings, BrokerStatus, KAFKA, RecordPublisher, TopicLimits],
    };
  }
}
