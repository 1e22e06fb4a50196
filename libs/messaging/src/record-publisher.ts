import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer;
  /** Header values as text, or as the exact bytes received (dead-letter copies of hostile records). */
  headers: Record<string, string | Buffer>;
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

  connect(): Promise<void> {
    this.connected ??= this.producer.connect();
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
    if (this.connected) await this.producer.disconnect();
  }
}
