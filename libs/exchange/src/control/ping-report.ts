import type { MessageRecord, OutboxRecord } from '@xietong/persistence';

/** Where a ping that has not come back is held up. */
export type PingHop = 'relay' | 'broker' | 'partner';

/** How far a ping got (GET /api/v1/pings/{id}, xietong ping). */
export interface PingReport {
  id: string;
  to: string;
  /** queued (outbox) → published (broker ack) → answered (the partner's receipt); failed: the broker refused it for good. */
  state: 'queued' | 'published' | 'answered' | 'failed';
  /** ok: ACCEPTED receipt; rejected: the partner refused it; pending: still within the timeout; stalled: past it. */
  result: 'ok' | 'rejected' | 'pending' | 'stalled' | 'failed';
  queuedAt: string;
  publishedAt: string | null;
  receiptAt: string | null;
  /** From queued to the receipt applied here. */
  roundTripMs: number | null;
  /** The hop it waits on or stopped at; null once answered ok. */
  hop: PingHop | null;
  detail: string;
  reasonCode: string | null;
}

type PingRow = Pick<
  MessageRecord,
  'messageId' | 'recipient' | 'createdAt' | 'status' | 'reasonCode' | 'reason' | 'sentAt' | 'receiptAt'
>;

/**
 * Reads a ping's message row (and, while it is pending, its outbox row and the broker's state as
 * this gateway sees it) as a report. Not published: our relay has not taken the row (no attempt
 * yet while the broker is up), or the broker is unreachable or refusing (attempts, last error).
 * Published without a receipt: the partner's inbound or gateway (or the way back). `queue`
 * undefined: not looked up (the partners' overview).
 */
export function pingReport(
  m: PingRow,
  queue: Pick<OutboxRecord, 'status' | 'attempts' | 'lastError'> | null | undefined,
  brokerUp: boolean,
  timeoutMs: number,
  now: Date,
): PingReport {
  const queuedAt = new Date(m.createdAt);
  const late = now.getTime() - queuedAt.getTime() > timeoutMs;
  const waiting = late ? 'stalled' : 'pending';
  const base = {
    id: m.messageId,
    to: m.recipient,
    queuedAt: queuedAt.toISOString(),
    publishedAt: m.sentAt ? new Date(m.sentAt).toISOString() : null,
    receiptAt: m.receiptAt ? new Date(m.receiptAt).toISOString() : null,
    roundTripMs: m.receiptAt ? new Date(m.receiptAt).getTime() - queuedAt.getTime() : null,
    reasonCode: m.reasonCode ?? null,
  };
  switch (m.status) {
    case 'accepted':
      return { ...base, state: 'answered', result: 'ok', hop: null, detail: `${m.recipient} answered ACCEPTED` };
    case 'rejected':
      return {
        ...base,
        state: 'answered',
        result: 'rejected',
        hop: 'partner',
        detail: `${m.recipient} answered REJECTED ${m.reasonCode ?? ''}: ${m.reason ?? ''}`.trim(),
      };
    case 'failed':
      return {
        ...base,
        state: 'failed',
        result: 'failed',
        hop: 'broker',
        detail: `the broker refused it: ${m.reason ?? ''}`,
      };
    case 'sent':
      return {
        ...base,
        state: 'published',
        result: waiting,
        hop: 'partner',
        detail: late
          ? `published, but no receipt from ${m.recipient} within ${timeoutMs} ms: its inbound or its gateway is down (or its receipts cannot reach us)`
          : `published, waiting for ${m.recipient}'s receipt`,
      };
    default:
      return { ...base, state: 'queued', result: waiting, ...queuedHop(queue, brokerUp, late) };
  }
}

function queuedHop(
  queue: Pick<OutboxRecord, 'status' | 'attempts' | 'lastError'> | null | undefined,
  brokerUp: boolean,
  late: boolean,
): { hop: PingHop | null; detail: string } {
  if (queue === undefined) return { hop: null, detail: 'queued, not published yet' };
  if (!brokerUp) return { hop: 'broker', detail: 'not published: the broker is unreachable from this gateway' };
  if (queue && queue.attempts > 0)
    return {
      hop: 'broker',
      detail: `not published after ${queue.attempts} attempt(s) of our relay: ${queue.lastError ?? 'the broker refused it'}`,
    };
  return {
    hop: 'relay',
    detail: late
      ? 'not published: no relay of this gateway has taken it from the outbox (is the relay role running?)'
      : 'queued in the outbox for our relay',
  };
}
