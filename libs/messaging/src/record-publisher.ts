import {
  CompressionTypes,
  Partitioners,
  type Admin,
  type Kafka,
  type PartitionMetadata,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
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

/** Answers after which the producer's id or sequence numbers are no good: a new producer is needed. */
const PRODUCER_REFUSED = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);

/** Answers that no amount of retrying the same batch will change soon (an operator must act). */
const NOT_WORTH_WAITING = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'UNKNOWN_TOPIC_OR_PARTITION',
]);

/** The kafkajs protocol error type behind an error, following its causes. */
export function kafkaErrorType(e: unknown): string | undefined {
  for (let c = e as { type?: unknown; cause?: unknown } | undefined, i = 0; c && i < 10; c = c.cause as never, i++) {
    if (typeof c.type === 'string') return c.type;
  }
  return undefined;
}

export interface PublisherTimings {
  /**
   * How long one batch is re-sent, unchanged, before its records are handed back as `retry`
   * (long enough for a partition leader's fail-over; the batch keeps its sequence numbers, so a
   * copy the old leader had already replicated is recognised by the new one and not written twice).
   */
  retryForMs: number;
  /** How long the broker may wait for the in-sync replicas before answering a produce request. */
  ackTimeoutMs: number;
  /** A send that has not settled after this long is abandoned and its producer replaced. */
  stuckAfterMs: number;
  /** Pause between two attempts of one batch. */
  backoffMs: number;
  /** How long the partition counts of a topic are trusted. */
  metadataTtlMs: number;
}

const DEFAULT_TIMINGS: PublisherTimings = {
  retryForMs: 60_000,
  ackTimeoutMs: 10_000,
  stuckAfterMs: 90_000,
  backoffMs: 500,
  metadataTtlMs: 60_000,
};

/** The send of one partition's batch: what kafkajs may throw, or an acknowledgement that misses it. */
class SendFailure extends Error {
  constructor(
    message: string,
    readonly type?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/**
 * Idempotent producer (acks=all, one in-flight request): a retried batch is written once.
 *
 * Every produce request carries the records of ONE partition, and its answer must acknowledge that
 * partition. kafkajs groups a multi-partition send by leader and, when it retries after a leader
 * dies, skips every leader that already answered: the records of a partition whose leadership
 * moved to such a broker are never sent, yet the send resolves (kafkajs issue 1303; 529 of 45,000
 * acknowledged records were missing in our cluster suite before this). With one partition per
 * request there is nothing to skip, and an answer that does not name the partition is a failure.
 *
 * Sends to one partition are serialised here (the relay, receipts and dead letters share the
 * producer), partitions are sent concurrently. The partition of a record is the Java client's
 * murmur2 of its key, so a case's records keep landing on one partition (their order).
 */
export class RecordPublisher {
  private producer: Producer;
  private connected?: Promise<void>;
  private admin?: Admin;
  private adminConnected?: Promise<void>;
  private readonly partitionsOf = new Map<string, { partitions: PartitionMetadata[]; until: number }>();
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly timings: PublisherTimings;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    timings: Partial<PublisherTimings> = {},
    private readonly log: (level: 'warn' | 'error', message: string) => void = () => undefined,
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Partitions are chosen here (byPartition); named so kafkajs does not warn about its default.
      createPartitioner: Partitioners.DefaultPartitioner,
      // kafkajs's own retries stay short: this class retries the same batch for `retryForMs`.
      retry: { initialRetryTime: 200, retries: 3, maxRetryTime: 5_000 },
      // As fresh as the partition counts used by byPartition: a partition the producer does not know
      // yet would be dropped from the request silently (and answered as not acknowledged).
      metadataMaxAge: this.timings.metadataTtlMs,
    });
  }

  /** Connects once; after a failed attempt (cluster down) the next call tries again. */
  connect(): Promise<void> {
    const producer = this.producer;
    this.connected ??= producer.connect().catch((e: unknown) => {
      if (this.producer === producer) this.connected = undefined;
      throw e;
    });
    return this.connected;
  }

  /** Publishes every record (dead letters, tools); throws the first failure. Re-sends for `retryForMs` at most. */
  async publish(records: OutgoingRecord[], retryForMs = this.timings.retryForMs): Promise<void> {
    if (records.length === 0) return;
    const deadline = Date.now() + retryForMs;
    await this.connect();
    const groups = await this.byPartition(records.map((r, i) => ({ r, i })));
    const failures = await Promise.all(
      [...groups].map(([lane, { topic, partition, items }]) =>
        this.inLane(lane, () =>
          this.sendPartition(
            topic,
            partition,
            items.map((x) => x.r),
            deadline,
          ),
        ),
      ),
    );
    const failure = failures.find((f) => f instanceof SendFailure);
    if (failure) throw failure.cause instanceof Error ? failure.cause : failure;
  }

  /**
   * Publishes records in producer batches that each stay under their topic's `max.message.bytes`
   * (`limitOf`), in order per partition, and answers what became of each record (same order as
   * `records`). A record too large even alone is failed without being sent; a batch the broker
   * refuses for a permanent reason is retried record by record so that only the bad record fails;
   * after a transient failure that outlasts `retryForMs`, the partition's remaining records are
   * left for a later attempt (kept in order).
   */
  async publishBounded(
    records: OutgoingRecord[],
    limitOf: (topic: string) => Promise<number>,
  ): Promise<PublishOutcome[]> {
    const outcomes: PublishOutcome[] = new Array(records.length);
    if (records.length === 0) return outcomes;
    // One deadline for the whole call: the relay holds its claim (a transaction) meanwhile.
    const deadline = Date.now() + this.timings.retryForMs;
    await this.connect();
    const limits = new Map<string, number>();
    for (const topic of new Set(records.map((r) => r.topic))) limits.set(topic, await limitOf(topic));
    const sendable: { r: OutgoingRecord; i: number }[] = [];
    records.forEach((r, i) => {
      const bytes = recordBytes(r.key, r.value, r.headers);
      const limit = limits.get(r.topic)!;
      if (bytes + RECORD_BATCH_OVERHEAD > limit)
        outcomes[i] = {
          kind: 'failed',
          code: 'RECORD_TOO_LARGE',
          reason: `record of ${bytes} bytes exceeds max.message.bytes ${limit} of topic ${r.topic}`,
        };
      else sendable.push({ r, i });
    });
    let groups: Map<string, { topic: string; partition: number; items: { r: OutgoingRecord; i: number }[] }>;
    try {
      groups = await this.byPartition(sendable);
    } catch (e) {
      for (const { i } of sendable) outcomes[i] = { kind: 'retry', reason: describe(e) };
      return outcomes;
    }
    await Promise.all(
      [...groups].map(([lane, { topic, partition, items }]) =>
        this.inLane(lane, async () => {
          const batches: number[][] = [];
          let current: number[] = [];
          let size = RECORD_BATCH_OVERHEAD;
          for (const { r, i } of items) {
            const bytes = recordBytes(r.key, r.value, r.headers);
            if (current.length > 0 && size + bytes > limits.get(topic)!) {
              batches.push(current);
              current = [];
              size = RECORD_BATCH_OVERHEAD;
            }
            current.push(i);
            size += bytes;
          }
          if (current.length > 0) batches.push(current);
          await this.sendInOrder(topic, partition, batches, records, outcomes, deadline);
        }),
      ),
    );
    return outcomes;
  }

  private async sendInOrder(
    topic: string,
    partition: number,
    batches: number[][],
    records: OutgoingRecord[],
    outcomes: PublishOutcome[],
    deadline: number,
  ): Promise<'done' | 'stopped'> {
    for (const [b, batch] of batches.entries()) {
      const failure = await this.sendPartition(
        topic,
        partition,
        batch.map((i) => records[i]),
        deadline,
      );
      if (!(failure instanceof SendFailure)) {
        for (const i of batch) outcomes[i] = { kind: 'sent' };
        continue;
      }
      const code = PERMANENT[failure.type ?? ''];
      if (code && batch.length > 1) {
        // Find the bad record(s): the others of the batch must not wait behind them.
        const singles = batch.map((i) => [i]);
        if ((await this.sendInOrder(topic, partition, singles, records, outcomes, deadline)) === 'done') continue;
        // A transient failure among the singles: the batch's last record carries its retry outcome.
        const retry = outcomes[batch[batch.length - 1]];
        for (const rest of batches.slice(b + 1)) for (const i of rest) outcomes[i] = retry;
        return 'stopped';
      }
      if (code) {
        outcomes[batch[0]] = { kind: 'failed', code, reason: failure.message };
        continue;
      }
      for (const rest of batches.slice(b))
        for (const i of rest) outcomes[i] = { kind: 'retry', reason: failure.message };
      return 'stopped';
    }
    return 'done';
  }

  /**
   * Sends one partition's batch and re-sends it unchanged until the partition's leader acknowledges
   * it, a permanent refusal, or `deadline` (epoch ms). Answers the failure, or the acknowledgement.
   */
  private async sendPartition(
    topic: string,
    partition: number,
    rs: OutgoingRecord[],
    deadline: number,
  ): Promise<SendFailure | RecordMetadata> {
    for (let attempt = 1; ; attempt++) {
      const failure = await this.attempt(topic, partition, rs);
      if (!(failure instanceof SendFailure)) return failure;
      if (failure.type && PERMANENT[failure.type]) return failure;
      if (this.closed || Date.now() + this.timings.backoffMs >= deadline) return failure;
      if (failure.type && NOT_WORTH_WAITING.has(failure.type)) return failure;
      if (attempt === 1)
        this.log('warn', `publish to ${topic}[${partition}] failed, re-sending the same batch: ${failure.message}`);
      await new Promise((r) => setTimeout(r, this.timings.backoffMs));
    }
  }

  private async attempt(topic: string, partition: number, rs: OutgoingRecord[]): Promise<SendFailure | RecordMetadata> {
    const producer = this.producer;
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(() => resolve('stuck'), this.timings.stuckAfterMs);
    });
    try {
      await this.connect();
      const send = producer.send({
        topic,
        acks: -1,
        timeout: this.timings.ackTimeoutMs,
        compression: CompressionTypes.None,
        messages: rs.map((r) => ({ key: r.key, value: r.value, headers: r.headers, partition })),
      });
      send.catch(() => undefined);
      const answer = await Promise.race([send, stuck]);
      if (answer === 'stuck') {
        // kafkajs still owns the request and its sequence numbers: only a new producer can go on.
        const message = `Request timed out: no answer to a produce request to ${topic}[${partition}] in ${this.timings.stuckAfterMs} ms`;
        this.replaceProducer(producer, message);
        return new SendFailure(message, 'REQUEST_TIMED_OUT');
      }
      const ack = answer.find((m) => m.topicName === topic && m.partition === partition);
      if (!ack || ack.errorCode !== 0)
        return new SendFailure(
          `the answer to a produce request to ${topic}[${partition}] does not acknowledge that partition`,
          'NOT_ACKNOWLEDGED',
        );
      return ack;
    } catch (e) {
      const type = kafkaErrorType(e);
      const message = `${type ?? (e as Error).name}: ${(e as Error).message}`;
      if (type && PRODUCER_REFUSED.has(type)) this.replaceProducer(producer, message);
      return new SendFailure(message, type, e);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Drops a producer the broker no longer takes (or that hangs) for a new one, with a new producer
   * id. Only the producer that failed: lanes failing together replace it once, not each other's.
   */
  private replaceProducer(failed: Producer, why: string): void {
    if (this.producer !== failed || this.closed) return;
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = undefined;
    this.log(
      'warn',
      `idempotent producer replaced (${why}); a batch re-sent by the new one may be stored twice in the topic, the receiver keeps one`,
    );
    void old.disconnect().catch(() => undefined);
  }

  /** Runs `work` after the earlier work of the same partition (one lane per topic-partition). */
  private inLane<T>(lane: string, work: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(lane) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.lanes.set(lane, settled);
    void settled.then(() => {
      if (this.lanes.get(lane) === settled) this.lanes.delete(lane);
    });
    return next;
  }

  /** Groups records by topic-partition, keeping their order inside each partition. */
  private async byPartition<T extends { r: OutgoingRecord }>(
    items: T[],
  ): Promise<Map<string, { topic: string; partition: number; items: T[] }>> {
    const groups = new Map<string, { topic: string; partition: number; items: T[] }>();
    for (const topic of new Set(items.map((x) => x.r.topic))) {
      const partitionMetadata = await this.partitions(topic);
      for (const x of items) {
        if (x.r.topic !== topic) continue;
        const partition = this.partitioner({ topic, partitionMetadata, message: { key: x.r.key, value: null } });
        const lane = `${topic}\u0000${partition}`;
        const g = groups.get(lane) ?? { topic, partition, items: [] };
        g.items.push(x);
        groups.set(lane, g);
      }
    }
    return groups;
  }

  /** The partitions of a topic, from the cluster's metadata (cached for `metadataTtlMs`). */
  private async partitions(topic: string): Promise<PartitionMetadata[]> {
    const known = this.partitionsOf.get(topic);
    if (known && known.until > Date.now()) return known.partitions;
    this.admin ??= this.kafka.admin({ retry: { retries: 2 } });
    const admin = this.admin;
    this.adminConnected ??= admin.connect().catch((e: unknown) => {
      this.adminConnected = undefined;
      throw e;
    });
    let partitions: PartitionMetadata[];
    try {
      await this.adminConnected;
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      partitions = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
    } catch (e) {
      // Keyed records need the partition count only, which a broker's fail-over does not change.
      if (known) return known.partitions;
      throw e;
    }
    if (partitions.length === 0)
      throw new SendFailure(`topic ${topic} has no partitions`, 'UNKNOWN_TOPIC_OR_PARTITION');
    this.partitionsOf.set(topic, { partitions, until: Date.now() + this.timings.metadataTtlMs });
    return partitions;
  }

  /** Publishes one record and answers where the broker put it. */
  async publishOne(r: OutgoingRecord): Promise<{ partition: number; offset: string }> {
    await this.connect();
    const [[lane, { partition }]] = [...(await this.byPartition([{ r }]))];
    const deadline = Date.now() + this.timings.retryForMs;
    const ack = await this.inLane(lane, () => this.sendPartition(r.topic, partition, [r], deadline));
    if (ack instanceof SendFailure) throw ack.cause instanceof Error ? ack.cause : ack;
    return { partition, offset: String(ack.baseOffset ?? ack.offset) };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.lanes.values()]);
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
    if (this.adminConnected) await this.admin?.disconnect().catch(() => undefined);
  }
}

function describe(e: unknown): string {
  const type = kafkaErrorType(e);
  return `${type ?? (e as Error).name}: ${(e as Error).message}`;
}
