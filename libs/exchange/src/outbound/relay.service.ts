import { Failpoints } from '@xietong/config';
import { signDetached, type Signer } from '@xietong/crypto';
import { HEADERS, type RecordPublisher } from '@xietong/messaging';
import type {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRecord,
  OutboxRepository,
} from '@xietong/persistence';
import type { OutboxSignal } from './outbox-signal';

export interface RelaySettings {
  batchSize: number;
  pollMs: number;
  maxBackoffMs: number;
}

type Log = (level: 'log' | 'warn' | 'error', message: string) => void;

/**
 * Outbox -> sign -> Kafka. Claims due rows (row-locked on PostgreSQL), signs each record value
 * with a detached JWS, publishes the batch with the idempotent producer and marks the rows sent
 * only after the broker acknowledged them; a failed publish is retried with backoff.
 */
export class RelayService {
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly db: Database,
    private readonly outbox: OutboxRepository,
    private readonly messages: MessageRepository,
    private readonly publisher: RecordPublisher,
    private readonly signer: Signer,
    private readonly signal: OutboxSignal,
    private readonly settings: RelaySettings,
    private readonly log: Log,
    private readonly audit: AuditRepository,
    private readonly failpoints = new Failpoints(),
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signal.notify();
    await this.loop;
  }

  /** Publishes one batch; returns how many rows were sent. */
  async tick(now = new Date()): Promise<number> {
    return this.db.transaction(async (em) => {
      const rows = await this.outbox.claim(em, this.settings.batchSize, now);
      if (rows.length === 0) return 0;
      const signatures = await Promise.all(rows.map((r) => signDetached(r.value, this.signer)));
      try {
        await this.publisher.publish(rows.map((r, i) => toRecord(r, signatures[i])));
      } catch (e) {
        this.log('warn', `publish of ${rows.length} outbox rows failed, will retry: ${(e as Error).message}`);
        await this.outbox.defer(em, rows, (e as Error).message, now, this.settings.maxBackoffMs);
        return 0;
      }
      this.failpoints.pass('relay.after-ack', rows.length);
      const sentAt = new Date();
      await this.outbox.markSent(
        em,
        rows.map((r) => r.id),
        sentAt,
      );
      await this.messages.markSent(
        em,
        rows.map((r, i) => ({ messageId: r.messageId, signature: signatures[i] })),
        sentAt,
      );
      // One entry per acknowledged producer batch and topic, listing its messages.
      const byTopic = new Map<string, string[]>();
      for (const r of rows) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.messageId]);
      await this.audit.append(
        em,
        [...byTopic].map(([topic, ids]) => ({
          kind: 'PUBLISHED',
          actor: 'relay',
          messageId: ids.length === 1 ? ids[0] : null,
          detail: { topic, kid: this.signer.kid, messages: ids },
          occurredAt: sentAt,
        })),
      );
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const sent = await this.tick();
        failures = 0;
        if (sent < this.settings.batchSize) await this.signal.wait(this.settings.pollMs);
      } catch (e) {
        failures++;
        const wait = Math.min(this.settings.maxBackoffMs, 100 * 2 ** Math.min(failures, 10));
        this.log('error', `relay cycle failed (${failures}x), next try in ${wait} ms: ${(e as Error).message}`);
        await this.signal.wait(wait);
      }
    }
  }
}

function toRecord(r: OutboxRecord, jws: string) {
  return { topic: r.topic, key: r.recordKey, value: r.value, headers: { [HEADERS.signature]: jws } };
}
