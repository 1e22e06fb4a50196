import { Kafka, logLevel } from 'kafkajs';
import {
  checkTopicsVisible,
  classifyKafkaFailure,
  errorChain,
  isKafkaUnreachable,
  securityOptions,
  type KafkaFailure,
  type KafkaLogAbsorber,
  type KafkaSettings,
} from './kafka-client';

/** What a part that needs the cluster asks before trying (relay, inbox consumer, topic limits). */
export interface BrokerGate {
  readonly up: boolean;
  /** Resolves once the cluster is reachable (at once if it is). */
  whenUp(): Promise<void>;
  /** A client of this gateway failed to use the cluster: check again soon. */
  reportFailure(error: unknown): void;
}

export interface BrokerState {
  status: 'up' | 'down' | 'unknown';
  /** Why it is down, in one line naming the brokers. */
  reason?: string;
  /** When the status last changed. */
  since: Date;
  /** When the cluster was last asked. */
  checkedAt?: Date;
}

export interface BrokerStatusOptions {
  settings: KafkaSettings;
  /** The topics this gateway cannot work without (its inbox and dead-letter topic). */
  topics: string[];
  log: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** Between checks while the cluster is up. */
  intervalMs?: number;
  /**
   * First wait after a failed check (500 ms); doubles up to maxBackoffMs (5 s). A check is one
   * connection attempt, cheap enough to keep the time between the cluster's return and delivery short.
   */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** At most one line about an unreachable cluster per this many ms. */
  logEveryMs?: number;
  /** A check that takes longer has failed. */
  probeTimeoutMs?: number;
}

/**
 * Whether the Kafka cluster is usable by this gateway, known from a background check (connect,
 * see its topics) rather than asked per request: /health answers from it at once. While the
 * cluster is down the check repeats with backoff, the gateway's clients wait for it, and one line
 * naming KAFKA_BROKERS is logged at most once a minute instead of kafkajs's line per attempt.
 */
export class BrokerStatus implements BrokerGate, KafkaLogAbsorber {
  private current: BrokerState = { status: 'unknown', since: new Date() };
  private readonly client: Kafka;
  private checking?: Promise<KafkaFailure | undefined>;
  private timer?: NodeJS.Timeout;
  private nextCheckAt = Infinity;
  private running = false;
  private failures = 0;
  private lastReportAt = 0;
  private absorbed = 0;
  private lastAbsorbed?: string;
  /** One promise shared by everyone waiting (the relay asks on every wake-up during an outage). */
  private upPromise?: Promise<void>;
  private resolveUp?: () => void;
  private readonly upListeners: (() => void)[] = [];

  constructor(private readonly options: BrokerStatusOptions) {
    this.client = new Kafka({
      clientId: `${options.settings.clientId}-health`,
      brokers: options.settings.brokers,
      ...securityOptions(options.settings),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      authenticationTimeout: 3_000,
      // kafkajs connects a new client to the FIRST configured broker and moves to the next one only
      // on a retry: with no retry, a probe whose first broker is down called the whole cluster down
      // (and held the relay) while the other brokers served. One attempt per configured broker.
      retry: { retries: options.settings.brokers.length - 1, initialRetryTime: 100, maxRetryTime: 500 },
    });
  }

  get state(): BrokerState {
    return { ...this.current };
  }

  get up(): boolean {
    return this.current.status === 'up';
  }

  /** The brokers as configured, for messages an operator acts on. */
  get brokers(): string {
    return `KAFKA_BROKERS=${this.options.settings.brokers.join(',')}`;
  }

  whenUp(): Promise<void> {
    if (this.up) return Promise.resolve();
    this.upPromise ??= new Promise((resolve) => (this.resolveUp = resolve));
    return this.upPromise;
  }

  /** Called whenever the cluster becomes reachable (now too, if it is). */
  onUp(listener: () => void): void {
    this.upListeners.push(listener);
    if (this.up) listener();
  }

  /**
   * Checks the cluster now (bounded), records and reports the result. With `attempts` > 1 an answer
   * that is neither fatal nor "unreachable" (a topic whose metadata has not spread yet) is asked again.
   */
  check(attempts = 1): Promise<KafkaFailure | undefined> {
    this.checking ??= this.probeAttempts(attempts)
      .then((failure) => {
        this.record(failure);
        return failure;
      })
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Keeps checking in the background: every intervalMs while up, with backoff while down. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.up ? this.intervalMs : this.backoffMs());
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  reportFailure(error: unknown): void {
    this.note(errorChain(error));
  }

  absorb(message: string): boolean {
    if (this.up && !isKafkaUnreachable(message)) return false;
    this.note(message);
    return true;
  }

  private note(text: string): void {
    this.absorbed++;
    this.lastAbsorbed = text.slice(0, 300);
    if (this.current.status !== 'up') return;
    // The clients saw a failure the last check did not: look again soon, and say so at most once a minute.
    if (this.running && this.nextCheckAt > Date.now() + 1_000) this.schedule(1_000);
    this.reportThrottled(
      'warn',
      () =>
        `Kafka clients failed ${this.absorbed}x since the last report (${this.brokers}), the cluster still answers: ${this.lastAbsorbed}`,
    );
  }

  private get intervalMs(): number {
    return this.options.intervalMs ?? 10_000;
  }

  private backoffMs(): number {
    const min = this.options.minBackoffMs ?? 500;
    return Math.min(this.options.maxBackoffMs ?? 5_000, min * 2 ** Math.min(Math.max(this.failures - 1, 0), 16));
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.nextCheckAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.nextCheckAt = Infinity;
      void this.check().then(() => this.schedule(this.up ? this.intervalMs : this.backoffMs()));
    }, ms);
    this.timer.unref();
  }

  private async probeAttempts(attempts: number): Promise<KafkaFailure | undefined> {
    for (let i = 1; ; i++) {
      const failure = await this.probe();
      if (!failure || failure.fatal || i >= attempts || isKafkaUnreachable(failure.reason)) return failure;
      await new Promise((r) => setTimeout(r, 250 * i));
    }
  }

  private async probe(): Promise<KafkaFailure | undefined> {
    const { topics, settings } = this.options;
    // Room for one connection timeout per configured broker.
    const timeoutMs = this.options.probeTimeoutMs ?? 5_000 + 3_500 * (settings.brokers.length - 1);
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = checkTopicsVisible(this.client, topics, 0);
      work.catch(() => undefined);
      await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Connection timeout: no answer in ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return undefined;
    } catch (e) {
      return classifyKafkaFailure(e, settings, topics);
    } finally {
      clearTimeout(timer);
    }
  }

  private record(failure: KafkaFailure | undefined): void {
    const now = new Date();
    const was = this.current;
    if (!failure) {
      this.failures = 0;
      this.current = { status: 'up', since: was.status === 'up' ? was.since : now, checkedAt: now };
      if (was.status === 'up') return;
      if (was.status === 'down') {
        const s = Math.round((now.getTime() - was.since.getTime()) / 1000);
        this.options.log('log', `Kafka reachable again after ${s} s (${this.brokers}): ready`);
      }
      this.absorbed = 0;
      this.lastReportAt = 0;
      this.resolveUp?.();
      this.upPromise = this.resolveUp = undefined;
      for (const l of this.upListeners) l();
      return;
    }
    this.failures++;
    this.current = {
      status: 'down',
      reason: failure.reason,
      since: was.status === 'down' ? was.since : now,
      checkedAt: now,
    };
    if (was.status !== 'down') this.lastReportAt = 0;
    this.reportThrottled('error', () => {
      const s = Math.round((now.getTime() - this.current.since.getTime()) / 1000);
      const first = s === 0 ? 'Kafka not usable' : `Kafka still not usable after ${s} s`;
      return `${first} (${this.brokers}): ${failure.reason}; running degraded (/health/ready 503), retrying in the background (this line repeats at most every ${Math.round(this.logEveryMs / 1000)} s)`;
    });
  }

  private get logEveryMs(): number {
    return this.options.logEveryMs ?? 60_000;
  }

  private reportThrottled(level: 'warn' | 'error', line: () => string): void {
    if (Date.now() - this.lastReportAt < this.logEveryMs) return;
    this.lastReportAt = Date.now();
    this.options.log(level, line());
    this.absorbed = 0;
  }
}
