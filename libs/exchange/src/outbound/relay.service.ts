import { Injectable, Optional } from '@nestjs/common';
import { Failpoints } from '@xietong/config';
import { signDetached } from '@xietong/crypto';
import {
  HEADERS,
  isKafkaUnreachable,
  TopicLimits,
  BrokerStatus,
  RecordPublisher,
  type PublishOutcome,
} from '@xietong/messaging';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  type OutboxRecord,
  type Tx,
} from '@xietong/persistence';
import { ExchangeMetrics } from '../exchange-metrics';
import { Logs, RecordSigner, token, type Log } from '../tokens';
import { OutboxSignal } from './outbox-signal';

/** The relay's batch size and pacing (config slice `relay`). */
export const RelaySettings = token<RelaySettings>('RelaySettings');
export interface RelaySettings {
  batchSize: number;
  /** First poll interval once the outbox is empty; it doubles while idle, up to idlePollMaxMs. */
  pollMs: number;
  idlePollMaxMs: number;
  maxBackoffMs: number;
}

/**
 * Outbox -> sign -> Kafka. Claims due rows (row-locked on PostgreSQL), signs each record value
 * with a detached JWS, publishes them with the idempotent producer in batches under each topic's
 * `max.message.bytes`, and marks the rows sent only after the broker acknowledged them. A row the
 * broker can never take (too large even alone, invalid) is marked failed with its reason and
 * leaves the queue; a transient failure (network, replicas, authorization) is retried with backoff.
 */
@Injectable()
export class RelayService {
  private readonly log: Log;
  private running = false;
  private loop?: Promise<void>;
  private unwatch?: Promise<(() => Promise<void>) | undefined>;

  constructor(
    private readonly db: Database,
    private readonly outbox: OutboxRepository,
    private readonly messages: MessageRepository,
    private readonly publisher: RecordPublisher,
    private readonly signer: RecordSigner,
    private readonly signal: OutboxSignal,
    private readonly settings: RelaySettings,
    private readonly audit: AuditRepository,
    private readonly failpoints: Failpoints,
    private readonly limits: TopicLimits,
    private readonly metrics: ExchangeMetrics,
    logs: Logs,
    /** While the cluster is down the relay waits for it (rows stay pending) and the gate reports the outage. */
    @Optional() private readonly broker?: BrokerStatus,
  ) {
    this.log = logs('Relay');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Other processes' submissions (PostgreSQL NOTIFY) wake the relay like in-process ones do.
    this.unwatch = this.outbox
      .watch(
        () => this.signal.notify(),
        (e) => this.log('warn', `outbox wake-up connection lost, polling meanwhile: ${e.message}`),
      )
      .catch((e: Error) => {
        this.log('warn', `no outbox wake-up from other processes, polling only: ${e.message}`);
        return undefined;
      });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signal.notify();
    await this.loop;
    await (
      await this.unwatch
    )?.();
  }

  /** Publishes one batch; returns how many rows left the queue (sent or failed for good). */
  async tick(now = new Date()): Promise<number> {
    return this.db.transaction(async (em) => {
      const rows = await this.outbox.claim(em, this.settings.batchSize, now);
      if (rows.length === 0) return 0;
      const claimedAt = performance.now();
      const signatures = await Promise.all(rows.map((r) => signDetached(r.value, this.signer)));
      const outcomes = await this.publisher.publishBounded(
        rows.map((r, i) => toRecord(r, signatures[i])),
        (topic) => this.limits.maxMessageBytes(topic),
      );
      const sent = rows.flatMap((r, i) => (outcomes[i].kind === 'sent' ? [{ row: r, signature: signatures[i] }] : []));
      this.metrics.observePublished(sent.length, (performance.now() - claimedAt) / 1000);
      const failed = rows.flatMap((r, i) => {
        const o = outcomes[i];
        return o.kind === 'failed' ? [{ row: r, code: o.code, reason: o.reason }] : [];
      });
      const retry = rows.filter((_, i) => outcomes[i].kind === 'retry');
      if (sent.length > 0) this.failpoints.pass('relay.after-ack', sent.length);
      if (retry.length > 0) await this.deferTransient(em, retry, outcomes, rows, now);
      if (failed.length > 0) await this.fail(em, failed);
      if (sent.length > 0) await this.recordSent(em, sent);
      return sent.length + failed.length;
    });
  }

  private async recordSent(em: Tx, sent: { row: OutboxRecord; signature: string }[]): Promise<void> {
    const sentAt = new Date();
    await this.outbox.markSent(
      em,
      sent.map((s) => s.row.id),
      sentAt,
    );
    await this.messages.markSent(
      em,
      sent.map((s) => ({ messageId: s.row.messageId, signature: s.signature })),
      sentAt,
    );
    // One entry per acknowledged publish and topic, listing its messages.
    const byTopic = new Map<string, string[]>();
    for (const { row: r } of sent) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.messageId]);
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
  }

  private async fail(em: Tx, failed: { row: OutboxRecord; code: string; reason: string }[]): Promise<void> {
    for (const f of failed) {
      this.log('error', `message ${f.row.messageId} to ${f.row.topic} failed for good (${f.code}): ${f.reason}`);
    }
    await this.outbox.markFailed(
      em,
      failed.map((f) => ({ id: f.row.id, reason: f.reason })),
    );
    await this.messages.markFailed(
      em,
      failed.map((f) => ({ messageId: f.row.messageId, reasonCode: f.code, reason: f.reason })),
    );
    await this.audit.append(
      em,
      failed.map((f) => ({
        kind: 'PUBLISH_FAILED',
        actor: 'relay',
        messageId: f.row.messageId,
        detail: { topic: f.row.topic, code: f.code, reason: f.reason },
        occurredAt: new Date(),
      })),
    );
  }

  /** Transient failures: an operator (or time) can fix them, so say so loudly and try again later. */
  private async deferTransient(
    em: Tx,
    retry: OutboxRecord[],
    outcomes: PublishOutcome[],
    rows: OutboxRecord[],
    now: Date,
  ): Promise<void> {
    const first = outcomes[rows.indexOf(retry[0])] as { reason: string };
    const topics = [...new Set(retry.map((r) => r.topic))].join(', ');
    if (this.broker && isKafkaUnreachable(first.reason)) this.broker.reportFailure(first.reason);
    else
      this.log(
        'error',
        `publish of ${retry.length} outbox rows to ${topics} failed (attempt ${retry[0].attempts + 1}), will retry with backoff: ${first.reason}`,
      );
    await this.outbox.defer(em, retry, first.reason, now, this.settings.maxBackoffMs);
  }

  private async run(): Promise<void> {
    let failures = 0;
    let idle = 0;
    while (this.running) {
      if (this.broker && !this.broker.up) {
        // Nothing can be published: wait for the cluster (or a stop) without claiming rows.
        await Promise.race([this.broker.whenUp(), this.signal.wait(this.settings.maxBackoffMs)]);
        continue;
      }
      try {
        const sent = await this.tick();
        failures = 0;
        if (sent >= this.settings.batchSize) continue;
        // Wake-ups bring new rows; the poll is only for rows whose backoff ended and for lost
        // wake-ups, so it slows down while nothing comes: an idle gateway barely touches the database.
        idle = sent > 0 ? 0 : idle + 1;
        const { pollMs, idlePollMaxMs } = this.settings;
        await this.signal.wait(Math.min(Math.max(pollMs, idlePollMaxMs), pollMs * 2 ** Math.min(idle, 20)));
      } catch (e) {
        failures++;
        const wait = Math.min(this.settings.maxBackoffMs, 100 * 2 ** Math.min(failures, 10));
        if (this.broker && isKafkaUnreachable(e)) this.broker.reportFailure(e);
        else this.log('error', `relay cycle failed (${failures}x), next try in ${wait} ms: ${(e as Error).message}`);
        await this.signal.wait(wait);
      }
    }
  }
}

function toRecord(r: OutboxRecord, jws: string) {
  return { topic: r.topic, key: r.recordKey, value: r.value, headers: { [HEADERS.signature]: jws } };
}
