import { Failpoints } from '@xietong/config';
import { DomainError, isProtocolType } from '@xietong/contracts';
import type { ManifestStore } from '@xietong/federation';
import { HEADERS, type InboundRecord, type RecordPublisher } from '@xietong/messaging';
import type {
  AuditRepository,
  Database,
  MessageRecord,
  MessageRepository,
  NewOutboxRecord,
  NewQuarantineRecord,
  OutboxRepository,
  QuarantineRepository,
  ReceiptUpdate,
} from '@xietong/persistence';
import type { CheckpointWitnessing, WitnessStep } from '../audit/checkpoint-witnessing';
import type { CaseEvent, CaseTracker } from '../cases/case-tracker';
import { inboundRow, recordPosition } from '../message-rows';
import type { OutboxSignal } from '../outbound/outbox-signal';
import { composeReceipt, type ReceiptItem } from './receipt-composer';
import type { RecordVerifier } from './record-verifier';
import type { RefusedRecord, VerifiedMessage } from './verification-result';
import type { WireCodec } from '../wire-codec';
import { ExchangeMetrics } from '../exchange-metrics';

type Log = (level: 'log' | 'warn' | 'error', message: string) => void;

export interface BatchOutcome {
  accepted: number;
  receipts: number;
  quarantined: number;
  /** Records the broker delivered again after a crash (stored before from the same position): skipped. */
  redelivered: number;
}

/**
 * Own inbox -> verify -> decode -> dedupe -> persist -> receipt, one consumer batch at a time.
 * Everything a batch changes (messages, receipts to send, quarantine, statuses from receipts)
 * is written in one transaction; only then may the consumer commit the offsets. A record that
 * can never be valid is quarantined (table and dead-letter topic) and the batch moves on.
 */
export class InboundService {
  /** Redelivered records this process skipped since it started (a metric). */
  redelivered = 0;

  constructor(
    private readonly self: string,
    private readonly deadLetters: string,
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
    private readonly log: Log,
    private readonly audit: AuditRepository,
    private readonly failpoints = new Failpoints(),
    private readonly metrics = new ExchangeMetrics(),
    /** Audit witnessing (AUDIT_CHECKPOINT, AUDIT_COUNTERSIGN); without it they are quarantined. */
    private readonly witnessing?: CheckpointWitnessing,
  ) {}

  async handleBatch(records: InboundRecord[]): Promise<BatchOutcome> {
    // An expired manifest is a transient condition: throw, so the batch waits for a new one.
    const federation = this.manifests.federation;
    const now = new Date();
    const results = await Promise.all(records.map((r) => this.verifier.verify(r, federation, now)));
    const verified = results.filter((r): r is VerifiedMessage => r.ok);
    const refused = results.filter((r): r is RefusedRecord => !r.ok);
    // Checkpoint signatures are checked and countersigned before the transaction, like record signatures.
    const witnessing = this.witnessing
      ? await this.witnessing.prepare(verified, federation, now)
      : new Map<string, WitnessStep>();

    const outcome = await this.db.transaction(async (em) => {
      const known = await this.messages.existing(
        em,
        verified.map((v) => v.envelope.messageId),
      );
      let redelivered = 0;
      let accepted = 0;
      const rows: MessageRecord[] = [];
      const outgoing: NewOutboxRecord[] = [];
      const receipts: (ReceiptUpdate & { receiptId: string })[] = [];
      const answers = new Map<string, ReceiptItem[]>();
      const answer = (to: string, item: ReceiptItem) => answers.set(to, [...(answers.get(to) ?? []), item]);
      let quarantined = [...refused];
      const witnessed: Extract<WitnessStep, { ok: true }>[] = [];
      const fresh: VerifiedMessage[] = [];
      for (const v of verified) {
        const position = recordPosition(v.record);
        if (known.has(v.envelope.messageId)) {
          // The same record from the same position is the broker redelivering a batch whose offsets
          // were not committed (a crash after our commit): already applied, nothing to record. The
          // same message at another position is a copy someone published again: a replay.
          if (known.get(v.envelope.messageId) === position) redelivered++;
          else
            quarantined.push({
              ok: false,
              record: v.record,
              code: 'REPLAY',
              detail: `message ${v.envelope.messageId} was already received`,
              envelope: v.envelope,
            });
          continue;
        }
        known.set(v.envelope.messageId, position);
        fresh.push(v);
      }
      // Lifecycle first: a result the case cannot take (or about an unknown case) is refused whole.
      const caseRefusals = await this.cases.apply(
        em,
        fresh.filter((v) => v.envelope.type !== 'RECEIPT').map(toCaseEvent),
        now,
        false,
      );
      const deliveredAt = new Map<string, Date>();
      for (const v of fresh) {
        if (isProtocolType(v.envelope.type) && v.envelope.type !== 'RECEIPT') {
          // Audit witnessing: stored with its own entries, answered by a countersignature, never by a receipt.
          const step = witnessing.get(v.envelope.messageId) ?? {
            ok: false,
            code: 'UNSUPPORTED_TYPE',
            detail: `this gateway does not witness audit checkpoints (${v.envelope.type})`,
          };
          if (step.ok) {
            witnessed.push(step);
            accepted++;
          } else quarantined.push({ ...step, record: v.record, envelope: v.envelope });
          continue;
        }
        const refusal = caseRefusals.get(v.envelope.messageId);
        if (refusal) {
          quarantined.push({
            ok: false,
            record: v.record,
            code: refusal.code,
            detail: refusal.message,
            envelope: v.envelope,
          });
          continue;
        }
        rows.push(
          inboundRow(v.envelope, v.body, v.signature, federation.serial, now, v.record.value, recordPosition(v.record)),
        );
        accepted++;
        if (v.envelope.type === 'RECEIPT') {
          const body = v.body as {
            receivedAt: string;
            items: { messageId: string; status: string; reasonCode: string | null; reason: string | null }[];
          };
          for (const item of body.items) {
            const status = item.status === 'ACCEPTED' ? 'accepted' : 'rejected';
            receipts.push({
              receiptId: v.envelope.messageId,
              messageId: item.messageId,
              sender: v.envelope.sender,
              status,
              reasonCode: item.reasonCode,
              reason: item.reason,
            });
            if (status === 'accepted') deliveredAt.set(item.messageId, new Date(body.receivedAt));
          }
        } else {
          answer(v.envelope.sender, { messageId: v.envelope.messageId, status: 'ACCEPTED' });
        }
      }
      // Records quarantined before (a redelivered batch) are not recorded or answered again.
      const seen =
        quarantined.length > 0
          ? await this.quarantine.quarantinedPositions(
              em,
              quarantined.map((q) => q.record),
            )
          : new Set<string>();
      if (seen.size > 0) {
        redelivered += quarantined.filter((q) => seen.has(recordPosition(q.record))).length;
        quarantined = quarantined.filter((q) => !seen.has(recordPosition(q.record)));
      }
      for (const q of quarantined) {
        // Answer an identifiable sender, but never a receipt or a witness message, and never a replay.
        if (!q.envelope || q.code === 'REPLAY' || isProtocolType(q.envelope.type)) continue;
        answer(q.envelope.sender, {
          messageId: q.envelope.messageId,
          status: 'REJECTED',
          code: q.code,
          detail: q.detail,
        });
      }
      for (const [to, items] of answers) {
        const receipt = composeReceipt(this.codec, federation, this.self, to, items, now);
        if (receipt) {
          rows.push(receipt.row);
          outgoing.push(receipt.outbox);
        }
      }
      await this.messages.insertMany(em, rows);
      const applied = await this.messages.applyReceipts(em, receipts, now);
      for (const r of receipts.filter((x) => !applied.has(x.messageId))) {
        this.log(
          'warn',
          `receipt ${r.receiptId} from ${r.sender} for ${r.messageId} matched no open outbound message (already receipted, or never sent by this agency)`,
        );
      }
      const delivered = await this.messages.findHeaders(
        em,
        [...applied].filter((id) => deliveredAt.has(id)),
      );
      await this.cases.delivered(
        em,
        delivered.map((m) => ({
          type: m.type,
          partner: m.recipient,
          correlationId: m.correlationId,
          receivedAt: deliveredAt.get(m.messageId)!,
        })),
        now,
      );
      await this.outbox.insertMany(em, outgoing, now);
      const countersignatures = (await this.witnessing?.persist(em, witnessed, federation.serial, now)) ?? 0;
      const qRows = quarantined.map((q) => quarantineRow(q, now));
      const qIds = await this.quarantine.insertMany(em, qRows);
      await this.audit.append(em, [
        ...rows.map((m) =>
          m.direction === 'in'
            ? {
                kind: m.type === 'RECEIPT' ? 'RECEIPT_RECEIVED' : 'RECEIVED',
                actor: 'inbound',
                messageId: m.messageId,
                caseNo: m.correlationId,
                partner: m.sender,
                detail: { type: m.type, kid: readKid(m.signature), manifestSerial: m.manifestSerial },
                occurredAt: now,
              }
            : {
                kind: 'RECEIPT_SENT',
                actor: 'inbound',
                messageId: m.messageId,
                caseNo: m.correlationId,
                partner: m.recipient,
                detail: receiptSummary(m.body),
                occurredAt: now,
              },
        ),
        ...quarantined.map((q) => ({
          kind: 'QUARANTINED',
          actor: 'inbound',
          messageId: q.envelope?.messageId ?? null,
          caseNo: q.envelope?.correlationId.slice(0, 64) ?? null,
          partner: q.envelope?.sender ?? null,
          detail: {
            reason: q.code,
            detail: q.detail.slice(0, 500),
            topic: q.record.topic,
            partition: q.record.partition,
            offset: q.record.offset,
          },
          occurredAt: now,
        })),
      ]);
      const stored = rows.filter((m) => m.direction === 'in').map((m) => ({ type: m.type, createdAt: m.createdAt }));
      return {
        quarantined,
        qRows,
        qIds,
        receipts: outgoing.length + countersignatures,
        accepted,
        redelivered,
        stored,
      };
    });
    this.metrics.observeDelivered(outcome.stored, new Date());
    this.failpoints.pass('inbound.after-store', records.length);
    if (outcome.redelivered > 0) {
      this.redelivered += outcome.redelivered;
      this.log(
        'log',
        `skipped ${outcome.redelivered} records the broker delivered again (stored before from the same position; offsets were not committed before a restart)`,
      );
    }
    if (outcome.receipts > 0) this.signal.notify();
    if (outcome.qRows.length > 0) await this.deadLetter(outcome.qRows, outcome.qIds);
    return {
      accepted: outcome.accepted,
      receipts: outcome.receipts,
      quarantined: outcome.quarantined.length,
      redelivered: outcome.redelivered,
    };
  }

  /** Copies quarantined records to the dead-letter topic; the table stays the record of truth. */
  private async deadLetter(rows: NewQuarantineRecord[], ids: string[]): Promise<void> {
    for (const q of rows)
      this.log('warn', `quarantined ${q.topic}[${q.partition}]@${q.offset}: ${q.reasonCode} ${q.reason}`);
    try {
      await this.publisher.publish(rows.map((q) => deadLetterRecord(this.deadLetters, q)));
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
      await this.publisher.publish(rows.map((q) => deadLetterRecord(this.deadLetters, q)));
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

function quarantineRow(q: RefusedRecord, now: Date): NewQuarantineRecord {
  const headers = Object.fromEntries(
    Object.entries(q.record.headers)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, (v as Buffer).toString('base64')]),
  );
  return {
    reasonCode: q.code,
    reason: q.detail.slice(0, 2000),
    topic: q.record.topic,
    partition: q.record.partition,
    offset: q.record.offset,
    recordKey: q.record.key?.toString('utf8') ?? null,
    value: q.record.value,
    headers: JSON.stringify(headers),
    messageId: q.envelope?.messageId ?? null,
    claimedSender: q.envelope?.sender.slice(0, 64) ?? null,
    type: q.envelope?.type ?? null,
    receivedAt: now,
    deadLettered: false,
  };
}

function toCaseEvent(v: VerifiedMessage): CaseEvent {
  const e = v.envelope;
  return {
    messageId: e.messageId,
    direction: 'in',
    type: e.type,
    partner: e.sender,
    correlationId: e.correlationId,
    body: v.body,
  };
}

function readKid(jws: string | null): string | null {
  if (!jws) return null;
  try {
    return (JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString('utf8')) as { kid?: string }).kid ?? null;
  } catch {
    return null;
  }
}

/** Audit detail of a receipt: how many items, and which were rejected why (the receipt itself is stored). */
function receiptSummary(body: string): Record<string, unknown> {
  const items = (JSON.parse(body) as { items: { messageId: string; status: string; reasonCode: string | null }[] })
    .items;
  const rejected = items
    .filter((i) => i.status === 'REJECTED')
    .map((i) => ({ messageId: i.messageId, reasonCode: i.reasonCode }));
  return { items: items.length, accepted: items.length - rejected.length, rejected };
}
