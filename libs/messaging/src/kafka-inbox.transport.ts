import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { BrokerGate } from './broker-status';
import type { BatchHandler, InboundRecord, InboxConsumer } from './inbox-consumer';
import { isKafkaUnreachable } from './kafka-client';

/** Pattern of the handler that receives each consumer batch of the agency's inbox. */
export const INBOX_BATCH = 'xietong.inbox.batch';

/** Handler context: the topic and partition a batch came from. */
export class InboxBatchContext extends BaseRpcContext<[string, number]> {
  get topic(): string {
    return this.args[0];
  }
  get partition(): number {
    return this.args[1];
  }
}

/**
 * Nest microservice transport over the batch {@link InboxConsumer}: each consumer batch is handed
 * to the `@EventPattern(INBOX_BATCH)` handler and its offsets are committed only after the
 * handler resolved. Nest's own Kafka transport works per message and retries a throwing handler
 * forever; this one lets the handler quarantine bad records and batch the good ones.
 */
export class KafkaInboxTransport extends Server implements CustomTransportStrategy {
  private consumer?: InboxConsumer;
  private closed = false;
  private starting?: Promise<void>;
  private wake?: () => void;

  /**
   * With a `broker` gate, a cluster that is down when the transport starts does not fail the
   * start: the consumer starts in the background once the cluster answers, retrying with backoff.
   */
  constructor(
    private readonly createConsumer: () => InboxConsumer,
    private readonly brokerGate?: () => BrokerGate,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    const handler = this.getHandlerByPattern(INBOX_BATCH);
    if (!handler) return callback(new Error(`no @EventPattern('${INBOX_BATCH}') handler is registered`));
    const batches: BatchHandler = async (records: InboundRecord[]) => {
      const first = records[0];
      const result = await handler(records, new InboxBatchContext([first.topic, first.partition]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    };
    try {
      this.consumer = this.createConsumer();
      const broker = this.brokerGate?.();
      if (broker && !broker.up) {
        this.starting = this.startWhenReachable(this.consumer, batches, broker);
        return callback();
      }
      try {
        await this.consumer.start(batches);
      } catch (e) {
        // The cluster went away between the gateway's check and this start: wait for it like above.
        if (!broker || !isKafkaUnreachable(e)) throw e;
        broker.reportFailure(e);
        await this.consumer.abandonStart();
        this.starting = this.startWhenReachable(this.consumer, batches, broker);
      }
      callback();
    } catch (e) {
      callback(e);
    }
  }

  private async startWhenReachable(consumer: InboxConsumer, batches: BatchHandler, broker: BrokerGate): Promise<void> {
    for (let wait = 1_000; !this.closed; wait = Math.min(wait * 2, 30_000)) {
      await this.unlessClosed(broker.whenUp());
      if (this.closed) return;
      try {
        await consumer.start(batches);
        return;
      } catch (e) {
        // The gate logs the outage (throttled); the consumer leaves and tries again.
        broker.reportFailure(e);
        await consumer.abandonStart();
        await this.unlessClosed(new Promise((r) => setTimeout(r, wait).unref()));
      }
    }
  }

  private unlessClosed(p: Promise<unknown>): Promise<unknown> {
    return Promise.race([p, new Promise<void>((r) => (this.wake = r))]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.starting;
    await this.consumer?.close();
  }

  on(): never {
    throw new Error('KafkaInboxTransport does not emit events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
