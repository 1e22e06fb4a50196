import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { installBatchCodecs, UNDECODABLE_HEADER } from './batch-codecs';

export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | undefined>;
  /**
   * Set when the record stands in for one of a compressed batch that could not be inflated (see
   * batch-codecs.ts): why. The record is to be quarantined; its value, if any, is the compressed batch.
   */
  undecodable?: string;
}

/** Processes one batch; must not throw for bad records (quarantine them), only for transient failures. */
export type BatchHandler = (records: InboundRecord[]) => Promise<void>;

export interface InboxConsumerOptions {
  groupId: string;
  topic: string;
  /** Wait between attempts of a batch that failed transiently (doubles up to 30 s). */
  retryMs?: number;
  /** Partitions processed at the same time (records of one key stay in order: one partition). */
  concurrency?: number;
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
  /**
   * The highest offset per partition the database holds. On joining the group, a partition whose
   * committed offset is past it (a database restored from a backup) is re-read from there; the
   * handler's messageId dedupe keeps every record exactly once.
   */
  storedOffsets?: (topic: string) => Promise<Map<number, bigint>>;
  /** Failures whose cause is logged elsewhere (an expired manifest): their retries are not logged again. */
  reportedElsewhere?: (e: unknown) => boolean;
}

/** A batch that keeps failing is logged when it first fails, then at most this often. */
const RETRY_LOG_EVERY_MS = 60_000;

/**
 * Batch consumer of one inbox topic with manual offset commits: offsets are committed only
 * after the handler returned, so a batch that failed (database down) is retried in place and
 * nothing is skipped.
 */
export class InboxConsumer {
  private readonly consumer: Consumer;
  private stopping = false;
  private handler?: BatchHandler;
  /** Offset comparisons started by a group join; close() waits for them (they use an admin client). */
  private readonly rewinds = new Set<Promise<void>>();
  private admin?: Admin;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: InboxConsumerOptions,
  ) {
    installBatchCodecs();
    // A 10 s session lets the group hand a crashed instance's partitions to the others quickly.
    // The broker answers a fetch as soon as a record is there; maxWait only paces the empty fetches
    // of an idle inbox (at 50 ms two idle gateways used 125 ms of CPU per second, at 500 ms 51 ms).
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 500,
      sessionTimeout: 10_000,
      heartbeatInterval: 2_000,
    });
    // kafkajs gives up on a consumer whose batch failed with an error it does not know as
    // retriable (a handler error after the group moved on, on an overloaded machine): the gateway
    // would stay up with its inbox unread. Start it again; uncommitted batches come again.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping || !this.handler) return;
      this.options.log?.('error', `inbox consumer stopped (${payload.error.message}); starting it again in 1 s`);
      const handler = this.handler;
      setTimeout(() => {
        if (this.stopping) return;
        this.start(handler).catch((e: Error) =>
          this.options.log?.('error', `inbox consumer did not start again: ${e.message}`),
        );
      }, 1000).unref();
    });
    if (options.storedOffsets) {
      this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
        const partitions = payload.memberAssignment[options.topic] ?? [];
        if (this.stopping) return;
        const rewind: Promise<void> = this.rewindBehind(partitions)
          .catch((e: Error) => {
            if (!this.stopping) options.log?.('error', `could not compare stored and committed offsets: ${e.message}`);
          })
          .finally(() => this.rewinds.delete(rewind));
        this.rewinds.add(rewind);
      });
    }
  }

  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
        let wait = this.options.retryMs ?? 500;
        let attempts = 0;
        let loggedAt = 0;
        // A batch can take longer than the session on a loaded machine: keep the membership while
        // it is being stored, or the group hands the partition on and the commit is refused.
        const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_MS);
        try {
          for (;;) {
            try {
              await handler(records);
              break;
            } catch (e) {
              if (this.stopping || !isRunning() || isStale()) throw e;
              attempts++;
              if (!this.options.reportedElsewhere?.(e) && Date.now() - loggedAt >= RETRY_LOG_EVERY_MS) {
                loggedAt = Date.now();
                this.options.log?.(
                  'warn',
                  `batch ${batch.topic}[${batch.partition}]@${batch.firstOffset()} failed (${attempts}x), retrying in ${wait} ms (logged at most once a minute): ${(e as Error).message}`,
                );
              }
              await new Promise((r) => setTimeout(r, wait));
              wait = Math.min(wait * 2, 30_000);
              await heartbeat().catch(() => undefined);
            }
          }
        } finally {
          clearInterval(beat);
        }
        resolveOffset(batch.lastOffset());
        // Commit only after the batch is stored: a crash before this line means redelivery,
        // which the handler's messageId dedupe makes harmless.
        await this.consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
        ]);
        await heartbeat();
      },
    });
  }

  /** Leaves the cluster after a start that failed part-way (cluster down), so that start can be tried again. */
  async abandonStart(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }

  /** Seeks back the assigned partitions whose committed offset is past what the database stored. */
  private async rewindBehind(partitions: number[]): Promise<void> {
    if (partitions.length === 0) return;
    const { topic, groupId } = this.options;
    const stored = await this.options.storedOffsets!(topic);
    if (this.stopping) return;
    const admin = this.kafka.admin();
    this.admin = admin;
    let committed: { partition: number; offset: string }[];
    try {
      await admin.connect();
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      committed = t?.partitions ?? [];
    } finally {
      if (this.admin === admin) this.admin = undefined;
      await admin.disconnect();
    }
    if (this.stopping) return;
    for (const partition of partitions) {
      const c = BigInt(committed.find((x) => x.partition === partition)?.offset ?? '-1');
      const last = stored.get(partition);
      if (c < 0n) continue;
      if (last === undefined) {
        if (c > 0n)
          this.options.log?.(
            'warn',
            `${topic}[${partition}]: the group committed offset ${c} but the database holds no record of this partition; if it was restored from before its first record, re-read with the replay tools`,
          );
        continue;
      }
      if (last + 1n < c) {
        this.options.log?.(
          'warn',
          `${topic}[${partition}]: the database ends at offset ${last}, the group committed ${c} (restored from a backup?): re-reading from ${last + 1n}`,
        );
        this.consumer.seek({ topic, partition, offset: String(last + 1n) });
      }
    }
  }

  async close(): Promise<void> {
    this.stopping = true;
    // A comparison still running would outlive the gateway (and a test's environment): cut its
    // admin connection and wait for it to settle before leaving the group.
    await this.admin?.disconnect().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.rewinds]), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    await this.consumer.disconnect();
  }
}

/** How often a batch in progress tells the group coordinator it is alive (the session is 10 s). */
const HEARTBEAT_MS = 2_000;

function toRecord(topic: string, partition: number, m: KafkaMessage): InboundRecord {
  const headers: Record<string, Buffer | undefined> = {};
  let undecodable: string | undefined;
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (k === UNDECODABLE_HEADER) {
      undecodable = String(Array.isArray(v) ? v[0] : v);
      continue;
    }
    headers[k] = Array.isArray(v)
      ? v[0] === undefined
        ? undefined
        : Buffer.from(v[0])
      : v === undefined
        ? undefined
        : Buffer.from(v);
  }
  const record: InboundRecord = { topic, partition, offset: m.offset, key: m.key, value: m.value, headers };
  if (undecodable !== undefined) record.undecodable = undecodable;
  return record;
}
