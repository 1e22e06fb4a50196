import { Injectable, Optional } from '@nestjs/common';
import { Failpoints, type GatewayConfig } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { ManifestStore, type Federation } from '@xietong/federation';
import { HEADERS, RecordPublisher, type InboundRecord } from '@xietong/messaging';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  QuarantineRepository,
  WebhookRepository,
  type NewQuarantineRecord,
  type Tx,
} from '@xietong/persistence';
import { CheckpointWitnessing, type WitnessStep } from '../audit/checkpoint-witnessing';
import { CaseTracker } from '../cases/case-tracker';
import { ErasureNotices } from '../control/erasure-notices';
import { ExchangeMetrics } from '../exchange-metrics';
import { OutboxSignal } from '../outbound/outbox-signal';
import { AgencyId, Logs, token, type Log } from '../tokens';
import { WireCodec } from '../wire-codec';
import { planInbound, type InboundLookups, type InboundPlan } from './inbound-planner';
import { composeReceipt } from './receipt-composer';
import { RecordVerifier } from './record-verifier';
import type { VerifiedMessage } from './verification-result';
import { inboundWebhookEvents } from '../webhooks/webhook-events';

/**
 * How long a dead-letter copy is re-sent through a leader's fail-over before giving up: the quarantine
 * table is the record of truth and the sweep re-sends later, so the inbox partition need not wait.
 */
const DEAD_LETTER_RETRY_MS = 10_000;

export interface BatchOutcome {
  accepted: number;
  receipts: number;
  quarantined: number;
  /** Records the broker delivered again after a crash (stored before from the same position): skipped. */
  redelivered: number;
}

/** The inbound slice of the configuration: consumer concurrency, dead-letter re-send interval. */
export const InboundSettings = token<InboundSettings>('InboundSettings');
export type InboundSettings = GatewayConfig['inbound'];

/**
 * Own inbox -> verify -> plan -> persist -> receipt, one consumer batch at a time. What a batch
 * changes is planned by {@link planInbound} (no I/O) and written in one transaction (messages,
 * receipts to send, quarantine, statuses from receipts, case files, audit); only then may the
 * consumer commit the offsets. A record that can never be valid is quarantined (table and
 * dead-letter topic) and the batch moves on.
 */
@Injectable()
export class InboundService {
  /** Redelivered records this process skipped since it started (a metric). */
  redelivered = 0;
  private readonly deadLetters: string;
  private readonly log: Log;

  constructor(
    private readonly self: AgencyId,
    private readonly manifests: ManifestStore,
    private readonly verifier: RecordVerifier,
    private readonly codec: WireCodec,
    private readonly db: Database,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRepository,
    private readonly quarantine: QuarantineRepository,
    private readonly publisher: RecordPublisher,
    private readonly signal: OutboxSignal,
    private readonly cases: CaseTracker,
    private readonly audit: AuditRepository,
    private readonly failpoints: Failpoints,
    private readonly metrics: ExchangeMetrics,
    logs: Logs,
    /** Audit witnessing (AUDIT_CHECKPOINT, AUDIT_COUNTERSIGN); without it they are quarantined. */
    @Optional() private readonly witnessing?: CheckpointWitnessing,
    /** Erasure notices (ERASURE_NOTICE); without it they are refused UNSUPPORTED_TYPE. */
    @Optional() private readonly erasures?: ErasureNotices,
    /** Events for the county's webhooks, written in the batch's transaction (docs/webhooks.md). */
    @Optional() private readonly webhooks?: WebhookRepository,
  ) {
    // Topic names come from the federation id: the last known manifest names them even once it has expired.
    this.deadLetters = manifests.lastKnown.deadLetterTopic(self);
    this.log = logs('Inbound');
  }

  async handleBatch(records: InboundRecord[]): Promise<BatchOutcome> {
    // An expired manifest is a transient condition: throw, so the batch waits for a new one.
    const federation = this.manifests.federation;
    const now = new Date();
    const results = await Promise.all(records.map((r) => this.verifier.verify(r, federation, now)));
    // Checkpoint signatures are checked and countersigned before the transaction, like record signatures.
    const witnessing = this.witnessing
      ? await this.witnessing.prepare(
          results.filter((r): r is VerifiedMessage => r.ok),
          federation,
          now,
        )
      : new Map<string, WitnessStep>();
    // Erasure notices reach the eraser before the transaction too (it is idempotent: a redelivery asks again).
    const erasures = await this.erasures?.prepare(results.filter((r): r is VerifiedMessage => r.ok));
    const { plan, quarantineIds, countersignatures } = await this.db.transaction(async (em) => {
      const plan = await planInbound(results, this.lookups(em, federation, now), {
        manifestSerial: federation.serial,
        now,
        witnessing,
        erasures,
      });
      return { plan, ...(await this.persist(em, plan, federation.serial, now)) };
    });
    this.metrics.observeDelivered(
      plan.rows.filter((m) => m.direction === 'in').map((m) => ({ type: m.type, createdAt: m.createdAt })),
      new Date(),
    );
    this.failpoints.pass('inbound.after-store', records.length);
    if (plan.redelivered > 0) {
      this.redelivered += plan.redelivered;
      this.log(
        'log',
        `skipped ${plan.redelivered} records the broker delivered again (stored before from the same position; ` +
          'offsets were not committed before a restart)',
      );
    }
    const receipts = plan.outbox.length + countersignatures;
    if (receipts > 0) this.signal.notify();
    if (plan.quarantine.length > 0)
      await this.deadLetter(
        plan.quarantine.map((q) => q.row),
        quarantineIds,
      );
    return {
      accepted: plan.accepted,
      receipts,
      quarantined: plan.quarantine.length,
      redelivered: plan.redelivered,
    };
  }

  /** The planner's lookups, answered inside the batch's transaction. */
  private lookups(em: Tx, federation: Federation, now: Date): InboundLookups {
    return {
      storedPositions: (ids) => this.messages.existing(em, ids),
      planCases: (events) => this.cases.plan(em, events, now, false),
      quarantinedPositions: (records) => this.quarantine.quarantinedPositions(em, records),
      pingsSince: (senders, since) => this.messages.receivedSince(em, 'PING', senders, since),
      composeReceipt: (to, items) => composeReceipt(this.codec, federation, this.self, to, items, now),
    };
  }

  /** Writes a plan; returns the ids of its quarantine rows and how many countersignatures it queued. */
  private async persist(
    em: Tx,
    plan: InboundPlan,
    serial: number,
    now: Date,
  ): Promise<{ quarantineIds: string[]; countersignatures: number }> {
    await this.cases.save(em, plan.cases);
    await this.messages.insertMany(em, plan.rows);
    const applied = await this.messages.applyReceipts(em, plan.receiptUpdates, now);
    for (const r of plan.receiptUpdates.filter((x) => !applied.has(x.messageId))) {
      this.log(
        'warn',
        `receipt ${r.receiptId} from ${r.sender} for ${r.messageId} matched no open outbound message ` +
          '(already receipted, or never sent by this agency)',
      );
    }
    const delivered = await this.messages.findHeaders(
      em,
      [...applied].filter((id) => plan.deliveredAt.has(id)),
    );
    await this.cases.delivered(
      em,
      delivered.map((m) => ({
        type: m.type,
        partner: m.recipient,
        correlationId: m.correlationId,
        receivedAt: plan.deliveredAt.get(m.messageId)!,
      })),
      now,
    );
    await this.outbox.insertMany(em, plan.outbox, now);
    const countersignatures = (await this.witnessing?.persist(em, plan.witnessed, serial, now)) ?? 0;
    const quarantineIds = await this.quarantine.insertMany(
      em,
      plan.quarantine.map((q) => q.row),
    );
    await this.webhooks?.record(em, inboundWebhookEvents(plan, applied, quarantineIds, now), now);
    await this.audit.append(em, plan.audit);
    return { quarantineIds, countersignatures };
  }

  /** Copies quarantined records to the dead-letter topic; the table stays the record of truth. */
  private async deadLetter(rows: NewQuarantineRecord[], ids: string[]): Promise<void> {
    for (const q of rows)
      this.log('warn', `quarantined ${q.topic}[${q.partition}]@${q.offset}: ${q.reasonCode} ${q.reason}`);
    try {
      await this.publisher.publish(
        rows.map((q) => deadLetterRecord(this.deadLetters, q)),
        DEAD_LETTER_RETRY_MS,
      );
      await this.quarantine.markDeadLettered(ids);
    } catch (e) {
      this.log(
        'error',
        `dead-letter publish of ${rows.length} quarantined records failed; they stay in the quarantine table and are re-sent later: ${(e as Error).message}`,
      );
    }
  }

  /**
   * Puts a quarantined record back into this agency's inbox, exact key, value and headers, once
   * what refused it is fixed (typically a key or agreement the manifest lacked): the inbound path
   * then checks it again like any record, stores it or quarantines it anew. A replay refusal (the
   * message is already here) cannot be replayed, and each row only once. Recorded in the audit log.
   */
  async replayQuarantined(id: string, actor: string, now = new Date()): Promise<ReplayedRecord> {
    const inbox = this.manifests.federation.member(this.self)?.inbox;
    if (!inbox) throw new DomainError('MANIFEST_INVALID', `agency ${this.self} has no inbox in the manifest in force`);
    const replayed = await this.db.transaction(async (em) => {
      const q = await this.quarantine.claim(em, id);
      if (!q) throw new DomainError('NOT_FOUND', `no quarantined record ${id}`);
      if (q.reasonCode === 'REPLAY')
        throw new DomainError(
          'NOT_REPLAYABLE',
          `record ${id} was refused as a replay: message ${q.messageId} is already stored here`,
        );
      if (q.replayedAt)
        throw new DomainError(
          'NOT_REPLAYABLE',
          `record ${id} was already replayed at ${new Date(q.replayedAt).toISOString()} by ${q.replayedBy}`,
        );
      const headers = Object.fromEntries(
        Object.entries(JSON.parse(q.headers) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
      );
      const meta = await this.publisher.publishOne({
        topic: inbox,
        key: q.recordKey ?? '',
        value: q.value ?? Buffer.alloc(0),
        headers,
      });
      await this.quarantine.markReplayed(em, id, actor, now);
      await this.audit.append(em, [
        {
          kind: 'QUARANTINE_REPLAYED',
          actor,
          messageId: q.messageId,
          caseNo: null,
          partner: q.claimedSender?.slice(0, 6) ?? null,
          detail: {
            quarantineId: id,
            reason: q.reasonCode,
            topic: inbox,
            partition: meta.partition,
            offset: meta.offset,
          },
          occurredAt: now,
        },
      ]);
      return { quarantineId: id, topic: inbox, partition: meta.partition, offset: meta.offset };
    });
    this.log(
      'log',
      `quarantined record ${id} replayed into ${replayed.topic}[${replayed.partition}]@${replayed.offset} by ${actor}`,
    );
    return replayed;
  }

  /**
   * Re-sends quarantined records whose dead-letter copy was never acknowledged (broker down at the
   * time, or a crash before marking), taking only rows older than `graceMs` so the live path is
   * not raced. Returns how many were re-sent; throws (nothing marked) if the broker refuses.
   */
  async resendDeadLetters(graceMs: number, now = new Date(), limit = 500): Promise<number> {
    const sent = await this.db.transaction(async (em) => {
      const rows = await this.quarantine.claimNotDeadLettered(em, limit, new Date(now.getTime() - graceMs));
      if (rows.length === 0) return 0;
      await this.publisher.publish(
        rows.map((q) => deadLetterRecord(this.deadLetters, q)),
        DEAD_LETTER_RETRY_MS,
      );
      await this.quarantine.markDeadLettered(
        rows.map((r) => r.id),
        em,
      );
      return rows.length;
    });
    if (sent > 0) this.log('log', `re-sent ${sent} quarantined records to ${this.deadLetters}`);
    return sent;
  }
}

export interface ReplayedRecord {
  quarantineId: string;
  topic: string;
  partition: number;
  offset: string;
}

/** The dead-letter copy of a quarantined record: its exact key, value and headers, plus the reason. */
function deadLetterRecord(topic: string, q: NewQuarantineRecord) {
  const headers = Object.fromEntries(
    Object.entries(JSON.parse(q.headers) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  );
  return {
    topic,
    key: q.recordKey ?? '',
    value: q.value ?? Buffer.alloc(0),
    headers: { ...headers, [HEADERS.reason]: q.reasonCode, [HEADERS.reasonDetail]: q.reason.slice(0, 500) },
  };
}
