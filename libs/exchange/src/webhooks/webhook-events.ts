import { randomUUID } from 'node:crypto';
import { isProtocolType } from '@xietong/contracts';
import type { NewWebhookEvent } from '@xietong/persistence';
import type { InboundPlan } from '../inbound/inbound-planner';

/**
 * The events pushed to the county's own systems (docs/webhooks.md). Each is a small JSON document
 * `{type, timestamp, data}` without personal data: ids, codes and links into the HTTP API.
 */
export const WEBHOOK_EVENT_TYPES = [
  'message.received',
  'message.accepted',
  'message.rejected',
  'record.quarantined',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(v: unknown): v is WebhookEventType {
  return typeof v === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(v);
}

/** A new `webhook-id`: `msg_` and a UUID without dashes (the same id on every attempt). */
export const newWebhookId = (): string => `msg_${randomUUID().replace(/-/g, '')}`;

function event(type: WebhookEventType, data: Record<string, unknown>, now: Date): NewWebhookEvent {
  return { id: newWebhookId(), type, payload: JSON.stringify({ type, timestamp: now.toISOString(), data }) };
}

/**
 * What an inbound batch tells the county's systems, from the plan its transaction writes: a
 * business message received (lead, complaint, results, 协查, 督办), a sent message the partner's
 * receipt accepted or rejected (only those the receipt matched: `applied`), a record quarantined.
 */
export function inboundWebhookEvents(
  plan: InboundPlan,
  applied: ReadonlySet<string>,
  quarantineIds: readonly string[],
  now: Date,
): NewWebhookEvent[] {
  const received = plan.rows
    .filter((m) => m.direction === 'in' && !isProtocolType(m.type))
    .map((m) =>
      event(
        'message.received',
        {
          messageId: m.messageId,
          messageType: m.type,
          sender: m.sender,
          correlationId: m.correlationId,
          zone: m.zone,
          createdAt: m.createdAt.toISOString(),
          links: { message: `/api/v1/messages/${m.messageId}` },
        },
        now,
      ),
    );
  const receipts = plan.receiptUpdates
    .filter((r) => applied.has(r.messageId))
    .map((r) =>
      event(
        r.status === 'accepted' ? 'message.accepted' : 'message.rejected',
        {
          messageId: r.messageId,
          partner: r.sender,
          receiptId: r.receiptId,
          ...(r.status === 'rejected' ? { reasonCode: r.reasonCode } : {}),
          links: { message: `/api/v1/messages/${r.messageId}` },
        },
        now,
      ),
    );
  const quarantined = plan.quarantine.map((q, i) =>
    event(
      'record.quarantined',
      {
        quarantineId: quarantineIds[i] ?? null,
        reasonCode: q.row.reasonCode,
        messageId: q.row.messageId,
        claimedSender: q.row.claimedSender,
        position: `${q.row.topic}/${q.row.partition}/${q.row.offset}`,
        links: { quarantine: '/api/v1/quarantine' },
      },
      now,
    ),
  );
  return [...received, ...receipts, ...quarantined];
}
