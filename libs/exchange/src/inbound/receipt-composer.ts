import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '@xietong/contracts';
import type { Federation } from '@xietong/federation';
import type { MessageRecord, NewOutboxRecord } from '@xietong/persistence';
import { outboundRow } from '../message-rows';
import type { WireCodec } from '../wire-codec';

export interface ComposedMessage {
  row: MessageRecord;
  outbox: NewOutboxRecord;
}

export type ReceiptItem =
  | { messageId: string; status: 'ACCEPTED' }
  | { messageId: string; status: 'REJECTED'; code: ErrorCode; detail: string };

/**
 * One receipt message answering every message of one sender processed in a batch, or undefined
 * if the sender is unknown or no agreement links the two agencies. One signature per sender and
 * batch instead of one per message.
 */
export function composeReceipt(
  codec: WireCodec,
  federation: Federation,
  self: string,
  to: string,
  items: ReceiptItem[],
  now: Date,
): ComposedMessage | undefined {
  const zone = federation.agreementsFor(self, to, 'RECEIPT')[0];
  const recipient = federation.member(to);
  if (!zone || !recipient || items.length === 0) return undefined;
  const body = {
    items: items.map((i) => ({
      messageId: i.messageId,
      status: i.status,
      reasonCode: i.status === 'REJECTED' ? i.code : null,
      reason: i.status === 'REJECTED' ? i.detail.slice(0, 500) : null,
    })),
    receivedAt: now.toISOString(),
  };
  const messageId = randomUUID();
  const { envelope, value } = codec.compose({
    type: 'RECEIPT',
    sender: self,
    recipient: to,
    zone: zone.id,
    correlationId: messageId,
    causationId: items.length === 1 ? items[0].messageId : null,
    messageId,
    createdAt: now,
    body,
    envelopes: federation.accepts(to, 'RECEIPT').envelopes,
  });
  return {
    row: outboundRow(envelope, body, federation.serial, value),
    outbox: { messageId, topic: recipient.inbox, recordKey: messageId, value },
  };
}
