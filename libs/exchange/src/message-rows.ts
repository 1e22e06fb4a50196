import type { Envelope } from '@xietong/contracts';
import type { MessageRecord } from '@xietong/persistence';

/** The stored row of a message this gateway is about to send (status pending). */
export function outboundRow(e: Envelope, body: unknown, manifestSerial: number): MessageRecord {
  return { ...envelopeColumns(e, body, manifestSerial), direction: 'out', status: 'pending', receivedAt: null, signature: null };
}

/** The stored row of a verified inbound message (status accepted). */
export function inboundRow(e: Envelope, body: unknown, signature: string, manifestSerial: number, receivedAt: Date, record: Buffer | null): MessageRecord {
  return { ...envelopeColumns(e, body, manifestSerial), direction: 'in', status: 'accepted', receivedAt, signature, record };
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
