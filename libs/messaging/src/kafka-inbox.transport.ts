import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { InboundRecord, InboxConsumer } from './inbox-consumer';

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

  constructor(private readonly createConsumer: () => InboxConsumer) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    const handler = this.getHandlerByPattern(INBOX_BATCH);
    if (!handler) return callback(new Error(`no @EventPattern('${INBOX_BATCH}') handler is registered`));
    try {
      this.consumer = this.createConsumer();
      await this.consumer.start(async (records: InboundRecord[]) => {
        const first = records[0];
        const result = await handler(records, new InboxBatchContext([first.topic, first.partition]));
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      });
      callback();
    } catch (e) {
      callback(e);
    }
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }

  on(): never {
    throw new Error('KafkaInboxTransport does not emit events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
