import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import { RECORD_BATCH_OVERHEAD, recordBytes } from './topic-limits';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer;
  /** Header values as text, or as the exact bytes received (dead-letter copies of hostile records). */
  headers: Record<string, string | Buffer>;
}

/** What became of one record of a bounded publish. */
export type PublishOutcome =
  | { kind: 'sent' }
  /** The broker will never take this record: retrying cannot help. */
  | { kind: 'failed'; code: 'RECORD_TOO_LARGE' | 'RECORD_INVALID'; reason: string }
  /** Network, missing replicas, authorization...: an operator or time can fix it. */
  | { kind: 'retry'; reason: string };

/** Broker answers that no retry can change: the record itself is refused. */
const PERMANENT: Record<string, 'RECORD_TOO_LARGE' | 'RECORD_INVALID'> = {
  MESSAGE_TOO_LARGE: 'RECORD_TOO_LARGE',
  RECORD_LIST_TOO_LARGE: 'RECORD_TOO_LARGE',
  INVALID_RECORD: 'RECORD_INVALID',
  CORRUPT_MESSAGE: 'RECORD_INVALID',
  INVALID_TIMESTAMP: 'RECORD_INVALID',
};

/** The kafkajs protocol error type behind an error, following its causes. */
export function kafkaErrorType(e: unknown): string | undefined {
  for (let c = e as { type?: unknown; cause?: unknown } | undefined, i = 0; c && i < 10; c = c.cause as never, i++) {
    if (typeof c.type === 'string') return c.type;
  }
  return undefined;
}

/**
 * Idempotent producer (acks=all, one in-flight request): a retried batch is written once.
 * `publish` resolves only after the broker acknowledged every record.
 */
export class RecordPublisher {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(kafka: Kafka) {
    // The Java client's murmur2 partitioner, named explicitly: a case's records must keep landing on
    // one partition (their order) whatever kafkajs's default becomes.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects once; after a failed attempt (cluster down) the next call tries again. */
  connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((e: unknown) => {
      this.connected = undefined;
      throw e;
    });
    return this.connected;
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, rs]) => ({
        topic,
        messages: rs.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
      })),
    });
  }

  /**
   * Publishes records in producer batches that each stay under their topic's `max.message.bytes`
   * (`limitOf`), in order, and answers what became of each record (same order as `records`).
   * A record too large even alone is failed without being sent; a batch the broker refuses for a
   * permanent reason is retried record by record so that only the bad record fails; after a
   * transient failure the topic's remaining records are left for a later attempt (kept in order).
   */
  async publishBounded(
    records: OutgoingRecord[],
    limitOf: (topic: string) => Promise<number>,
  ): Promise<PublishOutcome[]> {
    const outcomes: PublishOutcome[] = new Array(records.length);
    const byTopic = new Map<string, number[]>();
    records.forEach((r, i) => byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), i]));
    if (records.length > 0) await this.connect();
    for (const [topic, indexes] of byTopic) {
      const limit = await limitOf(topic);
      const batches: number[][] = [];
      let current: number[] = [];
      let size = RECORD_BATCH_OVERHEAD;
      for (const i of indexes) {
        const r = records[i];
        const bytes = recordBytes(r.key, r.value, r.headers);
        if (bytes + RECORD_BATCH_OVERHEAD > limit) {
          outcomes[i] = {
            kind: 'failed',
            code: 'RECORD_TOO_LARGE',
            reason: `record of ${bytes} bytes exceeds max.message.bytes ${limit} of topic ${topic}`,
          };
          continue;
        }
        if (current.length > 0 && size + bytes > limit) {
          batches.push(current);
          current = [];
          size = RECORD_BATCH_OVERHEAD;
        }
        current.push(i);
        size += bytes;
      }
      if (current.length > 0) batches.push(current);
      await this.sendInOrder(topic, batches, records, outcomes);
    }
    return outcomes;
  }

  private async sendInOrder(
    topic: string,
    batches: number[][],
    records: OutgoingRecord[],
    outcomes: PublishOutcome[],
  ): Promise<'done' | 'stopped'> {
    for (const [b, batch] of batches.entries()) {
      const error = await this.trySend(
        topic,
        batch.map((i) => records[i]),
      );
      if (!error) {
        for (const i of batch) outcomes[i] = { kind: 'sent' };
        continue;
      }
      const code = PERMANENT[kafkaErrorType(error) ?? ''];
      if (code && batch.length > 1) {
        // Find the bad record(s): the others of the batch must not wait behind them.
        const singles = batch.map((i) => [i]);
        if ((await this.sendInOrder(topic, singles, records, outcomes)) === 'done') continue;
        // A transient failure among the singles: the batch's last record carries its retry outcome.
        const retry = outcomes[batch[batch.length - 1]];
        for (const rest of batches.slice(b + 1)) for (const i of rest) outcomes[i] = retry;
        return 'stopped';
      }
      if (code) {
        outcomes[batch[0]] = { kind: 'failed', code, reason: `${kafkaErrorType(error)}: ${error.message}` };
        continue;
      }
      const reason = `${kafkaErrorType(error) ?? error.name}: ${error.message}`;
      for (const rest of batches.slice(b)) for (const i of rest) outcomes[i] = { kind: 'retry', reason };
      return 'stopped';
    }
    return 'done';
  }

  private async trySend(topic: string, rs: OutgoingRecord[]): Promise<Error | undefined> {
    try {
      await this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [{ topic, messages: rs.map((r) => ({ key: r.key, value: r.value, headers: r.headers })) }],
      });
      return undefined;
    } catch (e) {
      return e as Error;
    }
  }

  /** Publishes one record and answers where the broker put it. */
  async publishOne(r: OutgoingRecord): Promise<{ partition: number; offset: string }> {
    await this.connect();
    const [meta] = await this.producer.send({
      topic: r.topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: [{ key: r.key, value: r.value, headers: r.headers }],
    });
    return { partition: meta.partition, offset: String(meta.baseOffset ?? meta.offset) };
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
  }
}
