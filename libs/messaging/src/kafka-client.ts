import { Kafka, logLevel, type LogEntry } from 'kafkajs';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
}

/** A kafkajs client whose logs go to the given sink (warnings and errors only). */
export function createKafka(settings: KafkaSettings, log?: (level: 'warn' | 'error', message: string) => void): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...extra } = entry.log;
      // kafkajs warns that bounded retries weaken the idempotent producer's exactly-once: a publish
      // that gives up is retried by the relay, and the receiver applies a messageId once anyway.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      // Protocol error responses are retried by kafkajs; a failure that persists reaches the caller.
      const retried = entry.namespace === 'Connection' && message.startsWith('Response');
      log(
        entry.level === logLevel.ERROR && !retried ? 'error' : 'warn',
        `kafka ${entry.namespace}: ${message} ${JSON.stringify(extra).slice(0, 300)}`,
      );
    },
  });
}
