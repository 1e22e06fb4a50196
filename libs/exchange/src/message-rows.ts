import type { Envelope } from '@xietong/contracts';
import type { MessageRecord } from '@xietong/persistence';

/**
 * The stored row of a message this gateway is about to send (status pending), with the exact
 * record value it will publish: the outbox row goes once it is sent, the audit keeps these bytes.
 */
export function outboundRow(e: Envelope, body: unknown, manifestSerial: number, record: Buffer): MessageRecord {
  return {
    ...envelopeColumns(e, body, manifestSerial),
    direction: 'out',
    status: 'pending',
    receivedAt: null,
    signature: null,
    record,
  };
}

/** The stored row of a verified inbound message (status accepted). */
export function inboundRow(
  e: Envelope,
  body: unknown,
  signature: string,
  manifestSerial: number,
  receivedAt: Date,
  record: Buffer | null,
  recordPosition: string | null = null,
): MessageRecord {
  return {
    ...envelopeColumns(e, body, manifestSerial),
    direction: 'in',
    status: 'accepted',
    receivedAt,
    signature,
    record,
    recordPosition,
  };
}

/** Where a record was read from the broker: `topic/partition/offset` (unique for the topic's lifetime). */
export function recordPosition(r: { topic: string; partition: number; offset: string }): string {
  return `${r.topic}/${r.partition}/${r.offset}`;
}

function envelopeColumns(e: Envelope, body: unknown, manifestSerial: number) {
  return {
    messageId: e.messageId,
    type: e.type,
    sender: e.sender,
    recipient: e.recipient,
    zone: e.zone,
    correlationId: e.correlationId,
    causationId: e.causationId,
    createdAt: new Date(e.createdAt),
    bodySchema: e.bodySchema.toString('hex'),
    body: JSON.stringify(body),
    reasonCode: null,
    reason: null,
    sentAt: null,
    receiptAt: null,
    manifestSerial,
  };
}
