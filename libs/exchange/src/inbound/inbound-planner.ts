import { isAnsweredByReceipt, printable, WITNESS_TYPES } from '@xietong/contracts';
import type { InboundRecord } from '@xietong/messaging';
import type {
  AuditInput,
  CaseRecord,
  MessageRecord,
  NewOutboxRecord,
  NewQuarantineRecord,
  ReceiptUpdate,
} from '@xietong/persistence';
import type { WitnessStep } from '../audit/checkpoint-witnessing';
import type { CaseEvent, CasePlan } from '../cases/case-tracker';
import { controlRefusal, PING_RATE, type ControlState } from '../control/control-steps';
import type { ControlStep } from '../control/erasure-notices';
import { inboundRow, recordPosition } from '../message-rows';
import type { ComposedMessage, ReceiptItem } from './receipt-composer';
import type { RefusedRecord, VerificationResult, VerifiedMessage } from './verification-result';

/**
 * What the inbound planner needs to know beyond the batch itself. Lookups only: nothing here
 * writes. The service answers them inside the batch's transaction; unit specs answer them from
 * memory.
 */
export interface InboundLookups {
  /** Stored messages among these ids, with the broker position each was read from (null: sent from here). */
  storedPositions(messageIds: string[]): Promise<Map<string, string | null>>;
  /** The case files these events would change and the events the lifecycle refuses; saves nothing. */
  planCases(events: CaseEvent[]): Promise<CasePlan>;
  /** Positions (`topic/partition/offset`) among these records that were quarantined before. */
  quarantinedPositions(records: InboundRecord[]): Promise<Set<string>>;
  /** Pings per sender among `senders` stored here since `since` (the per-sender ping rate). */
  pingsSince(senders: string[], since: Date): Promise<Map<string, number>>;
  /** The receipt message answering `items` to `to`, or undefined (unknown sender, no agreement). */
  composeReceipt(to: string, items: ReceiptItem[]): ComposedMessage | undefined;
}

/** Everything one consumer batch changes, to be written in one transaction. */
export interface InboundPlan {
  /** Message rows to insert: the accepted inbound messages, then the receipts this gateway sends. */
  rows: MessageRecord[];
  /** The outbox rows of those receipts (the relay signs and sends them). */
  outbox: NewOutboxRecord[];
  /** Statuses that partners' receipts set on messages this gateway sent. */
  receiptUpdates: (ReceiptUpdate & { receiptId: string })[];
  /** When the partner received each message its receipt accepted (starts the transferor's clocks). */
  deliveredAt: Map<string, Date>;
  /** Case files the accepted messages change. */
  cases: CaseRecord[];
  /** Audit witness messages (AUDIT_CHECKPOINT, AUDIT_COUNTERSIGN) accepted, for the witnessing to store. */
  witnessed: Extract<WitnessStep, { ok: true }>[];
  /** Records refused for good, with the rows that keep them whole. */
  quarantine: { refused: RefusedRecord; row: NewQuarantineRecord }[];
  /** Audit events of the batch, in the order the rows above are written. */
  audit: AuditInput[];
  /** Messages stored (inbound business messages, receipts and witness messages). */
  accepted: number;
  /** Records the broker delivered again after a crash (stored or quarantined before from the same position). */
  redelivered: number;
}

/**
 * Plans one consumer batch of verified and refused records: deduplicates (a redelivery is
 * skipped, another copy of a stored message is a REPLAY), applies the lifecycle (a result the case
 * cannot take is refused whole), stores receipts' statuses, answers each sender with one receipt,
 * and quarantines what can never be valid. Audit witness messages take the step the witnessing
 * prepared for them (`at.witnessing`, by messageId; without one they are UNSUPPORTED_TYPE) and are
 * never answered by a receipt. Control messages are answered like business ones: a PING beyond
 * {@link PING_RATE} is refused RATE_LIMITED, an ERASURE_NOTICE takes the step prepared for it
 * (`at.erasures`; without one it is UNSUPPORTED_TYPE). No I/O of its own: what it must know comes
 * through `lookups`.
 */
export async function planInbound(
  results: VerificationResult[],
  lookups: InboundLookups,
  at: {
    manifestSerial: number;
    now: Date;
    witnessing?: ReadonlyMap<string, WitnessStep>;
    erasures?: ReadonlyMap<string, ControlStep>;
  },
): Promise<InboundPlan> {
  const { now } = at;
  const verified = results.filter((r): r is VerifiedMessage => r.ok);
  let quarantined = results.filter((r): r is RefusedRecord => !r.ok);
  const known = await lookups.storedPositions(verified.map((v) => v.envelope.messageId));
  let redelivered = 0;
  const fresh: VerifiedMessage[] = [];
  for (const v of verified) {
    const position = recordPosition(v.record);
    const id = v.envelope.messageId;
    if (known.has(id)) {
      // The same record from the same position is the broker redelivering a batch whose offsets
      // were not committed (a crash after our commit): already applied, nothing to record. The
      // same message at another position is a copy someone published again: a replay.
      if (known.get(id) === position) redelivered++;
      else quarantined.push(refuse(v, 'REPLAY', `message ${id} was already received`));
      continue;
    }
    known.set(id, position);
    fresh.push(v);
  }

  const pingers = [...new Set(fresh.filter((v) => v.envelope.type === 'PING').map((v) => v.envelope.sender))];
  const control: ControlState = {
    erasures: at.erasures,
    pings:
      pingers.length > 0 ? await lookups.pingsSince(pingers, new Date(now.getTime() - PING_RATE.windowMs)) : new Map(),
  };

  // Lifecycle first: a result the case cannot take (or about an unknown case) is refused whole.
  const cases = await lookups.planCases(fresh.filter((v) => v.envelope.type !== 'RECEIPT').map(toCaseEvent));
  const rows: MessageRecord[] = [];
  const receiptUpdates: InboundPlan['receiptUpdates'] = [];
  const deliveredAt = new Map<string, Date>();
  const answers = new Map<string, ReceiptItem[]>();
  const answer = (to: string, item: ReceiptItem) => answers.set(to, [...(answers.get(to) ?? []), item]);
  const witnessed: InboundPlan['witnessed'] = [];
  let accepted = 0;
  for (const v of fresh) {
    if (WITNESS_TYPES.includes(v.envelope.type)) {
      // Audit witnessing: stored with its own entries, answered by a countersignature, never by a receipt.
      const step = at.witnessing?.get(v.envelope.messageId) ?? {
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
    const refusal = cases.refused.get(v.envelope.messageId) ?? controlRefusal(v, control);
    if (refusal) {
      quarantined.push(refuse(v, refusal.code, refusal.message));
      continue;
    }
    const e = v.envelope;
    rows.push(inboundRow(e, v.body, v.signature, at.manifestSerial, now, v.record.value, recordPosition(v.record)));
    accepted++;
    if (e.type !== 'RECEIPT') {
      answer(e.sender, { messageId: e.messageId, status: 'ACCEPTED' });
      continue;
    }
    const body = v.body as unknown as ReceiptBody;
    for (const item of body.items) {
      const status = item.status === 'ACCEPTED' ? 'accepted' : 'rejected';
      receiptUpdates.push({
        receiptId: e.messageId,
        messageId: item.messageId,
        sender: e.sender,
        status,
        reasonCode: item.reasonCode,
        reason: item.reason,
      });
      if (status === 'accepted') deliveredAt.set(item.messageId, new Date(body.receivedAt));
    }
  }

  // Records quarantined before (a redelivered batch) are not recorded or answered again.
  if (quarantined.length > 0) {
    const seen = await lookups.quarantinedPositions(quarantined.map((q) => q.record));
    redelivered += quarantined.filter((q) => seen.has(recordPosition(q.record))).length;
    quarantined = quarantined.filter((q) => !seen.has(recordPosition(q.record)));
  }
  for (const q of quarantined) {
    // Answer an identifiable sender, but never a receipt or a witness message, and never a replay.
    if (!q.envelope || q.code === 'REPLAY' || !isAnsweredByReceipt(q.envelope.type)) continue;
    answer(q.envelope.sender, { messageId: q.envelope.messageId, status: 'REJECTED', code: q.code, detail: q.detail });
  }
  const outbox: NewOutboxRecord[] = [];
  for (const [to, items] of answers) {
    const receipt = lookups.composeReceipt(to, items);
    if (receipt) {
      rows.push(receipt.row);
      outbox.push(receipt.outbox);
    }
  }
  return {
    rows,
    outbox,
    receiptUpdates,
    deliveredAt,
    cases: cases.changed,
    witnessed,
    quarantine: quarantined.map((refused) => ({ refused, row: quarantineRow(refused, now) })),
    audit: [...rows.map((m) => rowEvent(m, now)), ...quarantined.map((q) => quarantineEvent(q, now))],
    accepted,
    redelivered,
  };
}

interface ReceiptBody {
  receivedAt: string;
  items: { messageId: string; status: string; reasonCode: string | null; reason: string | null }[];
}

function refuse(v: VerifiedMessage, code: RefusedRecord['code'], detail: string): RefusedRecord {
  return { ok: false, record: v.record, code, detail, envelope: v.envelope };
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

/** The row that keeps a refused record whole: exact key, value and headers, and why. */
export function quarantineRow(q: RefusedRecord, now: Date): NewQuarantineRecord {
  const headers = Object.fromEntries(
    Object.entries(q.record.headers)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, (v as Buffer).toString('base64')]),
  );
  return {
    reasonCode: q.code,
    reason: printable(q.detail.slice(0, 2000)),
    topic: q.record.topic,
    partition: q.record.partition,
    offset: q.record.offset,
    recordKey: q.record.key ? printable(q.record.key.toString('utf8')) : null,
    value: q.record.value,
    headers: JSON.stringify(headers),
    messageId: q.envelope?.messageId ?? null,
    claimedSender: q.envelope?.sender.slice(0, 64) ?? null,
    type: q.envelope?.type ?? null,
    receivedAt: now,
    deadLettered: false,
  };
}

/** RECEIVED / RECEIPT_RECEIVED for a stored inbound message, RECEIPT_SENT for a receipt this gateway sends. */
function rowEvent(m: MessageRecord, now: Date): AuditInput {
  return m.direction === 'in'
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
      };
}

function quarantineEvent(q: RefusedRecord, now: Date): AuditInput {
  return {
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
