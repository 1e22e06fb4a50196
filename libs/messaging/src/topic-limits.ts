import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import type { BrokerGate } from './broker-status';
import { isKafkaUnreachable } from './kafka-client';

/** Kafka's own default for `max.message.bytes` (the broker's `message.max.bytes`). */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Size of a v2 record batch header: the broker compares header plus records with `max.message.bytes`. */
export const RECORD_BATCH_OVERHEAD = 61;

export interface TopicLimitSettings {
  /** Used until the broker has answered, and when it refuses DescribeConfigs or is down. */
  defaultMaxMessageBytes: number;
  /** How long an answer from the broker is trusted. */
  ttlMs?: number;
  /** How long a lookup may take before the default is used. */
  timeoutMs?: number;
}

/**
 * Upper bound of the bytes one record takes inside a v2 record batch: the varint lengths,
 * attributes, timestamp and offset deltas at their widest, key, value and headers.
 */
export function recordBytes(key: string, value: Buffer, headers: Record<string, string | Buffer>): number {
  let n = 41 + Buffer.byteLength(key) + value.length;
  for (const [k, v] of Object.entries(headers)) n += 10 + Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/**
 * Each topic's `max.message.bytes`, read from the broker with DescribeConfigs when the client is
 * allowed to, cached, and the configured default otherwise, so that size checks keep working while
 * the brokers are away.
 */
export class TopicLimits {
  private readonly known = new Map<string, { bytes: number; until: number }>();
  private readonly inFlight = new Map<string, Promise<number>>();

  constructor(
    private readonly kafka: Kafka | undefined,
    private readonly settings: TopicLimitSettings,
    private readonly log: (level: 'warn', message: string) => void = () => undefined,
    /** While the cluster is known to be down the default is used without asking (the gate reports the outage). */
    private readonly broker?: BrokerGate,
  ) {}

  /** The limit as known now, without waiting for the broker (starts a refresh when stale). */
  current(topic: string): number {
    const k = this.known.get(topic);
    if (!k || k.until < Date.now()) void this.maxMessageBytes(topic);
    return k?.bytes ?? this.settings.defaultMaxMessageBytes;
  }

  /** The topic's limit, asking the broker when the cached answer is missing or stale. */
  async maxMessageBytes(topic: string): Promise<number> {
    const k = this.known.get(topic);
    if (k && k.until >= Date.now()) return k.bytes;
    let pending = this.inFlight.get(topic);
    if (!pending) {
      pending = this.lookup(topic).finally(() => this.inFlight.delete(topic));
      this.inFlight.set(topic, pending);
    }
    return pending;
  }

  /** Looks up several topics at once (start-up), never failing. */
  async prefetch(topics: string[]): Promise<void> {
    await Promise.all([...new Set(topics)].map((t) => this.maxMessageBytes(t)));
  }

  /** Records a limit learnt otherwise (a broker refusal naming it, a test). */
  remember(topic: string, bytes: number): void {
    this.known.set(topic, { bytes, until: Date.now() + (this.settings.ttlMs ?? 300_000) });
  }

  private async lookup(topic: string): Promise<number> {
    const fallback = this.known.get(topic)?.bytes ?? this.settings.defaultMaxMessageBytes;
    if (!this.kafka || (this.broker && !this.broker.up)) return fallback;
    const admin = this.kafka.admin({ retry: { retries: 0 } });
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = (async () => {
        await admin.connect();
        const res = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
        });
        const entry = res.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes');
        const bytes = Number(entry?.configValue);
        if (!Number.isInteger(bytes) || bytes <= 0) throw new Error(`no max.message.bytes in the answer`);
        return bytes;
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${this.settings.timeoutMs ?? 5000} ms`)),
          this.settings.timeoutMs ?? 5000,
        );
      });
      answer.catch(() => undefined);
      const bytes = await Promise.race([answer, timeout]);
      this.remember(topic, bytes);
      return bytes;
    } catch (e) {
      if (this.broker && isKafkaUnreachable(e)) this.broker.reportFailure(e);
      else
        this.log(
          'warn',
          `could not read max.message.bytes of ${topic} (${(e as Error).message}); using ${fallback} bytes`,
        );
      // Ask again in a while rather than on every record.
      this.known.set(topic, { bytes: fallback, until: Date.now() + 30_000 });
      return fallback;
    } finally {
      clearTimeout(timer);
      await admin.disconnect().catch(() => undefined);
    }
  }
}
