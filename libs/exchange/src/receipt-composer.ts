import type { Envelope, ErrorCode } from '@xietong/contracts';
import type { Federation } from '@xietong/federation';
import type { MessageRecord, NewOutboxRecord } from '@xietong/persistence';
import { outboundRow } from './message-rows';
import type { WireCodec } from './wire-codec';

export interface ComposedMessage {
  row: MessageRecord;
  outbox: NewOutboxRecord;
}

/** Builds the signed-to-be receipt for one inbound message, or undefined if no agreement allows one. */
export function composeReceipt(
  codec: WireCodec,
  federation: Federation,
  self: string,
  answered: Envelope,
  outcome: { status: 'ACCEPTED' } | { status: 'REJECTED'; code: ErrorCode; detail: string },
  now: Date,
): ComposedMessage | undefined {
  const zone = federation.agreementsFor(self, answered.sender, 'RECEIPT')[0];
  const recipient = federation.member(answered.sender);
  if (!zone || !recipient) return undefined;
  const body = {
    messageId: answered.messageId,
    status: outcome.status,
    reasonCode: outcome.status === 'REJECTED' ? outcome.code : null,
    reason: outcome.status === 'REJECTED' ? outcome.detail.slice(0, 500) : null,
    receivedAt: now.toISOString(),
  };
  const { envelope, value } = codec.compose({
    type: 'RECEIPT',
    sender: self,
    recipient: answered.sender,
    zone: zone.id,
    correlationId: answered.correlationId,
    causationId: answered.messageId,
    createdAt: now,
    body,
  });
  return {
    row: outboundRow(envelope, body, federation.serial),
    outbox: { messageId: envelope.messageId, topic: recipient.inbox, recordKey: answered.correlationId, value },
  };
}
