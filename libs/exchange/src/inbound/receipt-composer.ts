import type { ErrorCode } from '@xietong/contracts';
import type { Federation } from '@xietong/federation';
import { composeProtocolMessage, type ComposedMessage } from '../protocol-message';
import type { WireCodec } from '../wire-codec';

export type { ComposedMessage } from '../protocol-message';

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
  if (items.length === 0) return undefined;
  const body = {
    items: items.map((i) => ({
      messageId: i.messageId,
      status: i.status,
      reasonCode: i.status === 'REJECTED' ? i.code : null,
      reason: i.status === 'REJECTED' ? i.detail.slice(0, 500) : null,
    })),
    receivedAt: now.toISOString(),
  };
  return composeProtocolMessage(codec, federation, {
    type: 'RECEIPT',
    self,
    to,
    body,
    causationId: items.length === 1 ? items[0].messageId : null,
    now,
  });
}
