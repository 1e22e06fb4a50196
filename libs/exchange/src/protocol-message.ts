import { randomUUID } from 'node:crypto';
import type { MessageType } from '@xietong/contracts';
import type { Federation } from '@xietong/federation';
import type { MessageRecord, NewOutboxRecord } from '@xietong/persistence';
import { outboundRow } from './message-rows';
import type { WireCodec } from './wire-codec';

export interface ComposedMessage {
  row: MessageRecord;
  outbox: NewOutboxRecord;
}

export interface ProtocolMessageInput {
  type: MessageType;
  self: string;
  to: string;
  body: unknown;
  /** Default: the message's own id (a receipt). */
  correlationId?: string;
  causationId: string | null;
  now: Date;
}

/**
 * The newest local body version of `type` that member `to` declares (manifest `accepts`), in an
 * envelope version it reads; undefined if it reads none: a gateway never sends what a member has
 * not declared.
 */
export function writableVersion(
  codec: WireCodec,
  federation: Federation,
  to: string,
  type: MessageType,
): number | undefined {
  if (!federation.member(to)) return undefined;
  const { envelopes, versions } = federation.accepts(to, type);
  const local = codec.local.versions(type).filter((e) => versions.includes(e.version));
  if (local.length === 0) return undefined;
  try {
    codec.envelope.writerFor(type, envelopes);
  } catch {
    return undefined;
  }
  return local[local.length - 1].version;
}

/**
 * A message of the gateways' own protocol (a receipt, the audit witnessing) from this gateway to
 * `to`, under the first agreement, in manifest order, the two share; undefined if `to` is no
 * member, no agreement links them, or `to` reads no version of the type.
 */
export function composeProtocolMessage(
  codec: WireCodec,
  federation: Federation,
  input: ProtocolMessageInput,
): ComposedMessage | undefined {
  const zone = federation.agreementsFor(input.self, input.to, input.type)[0];
  const recipient = federation.member(input.to);
  const bodyVersion = writableVersion(codec, federation, input.to, input.type);
  if (!zone || !recipient || bodyVersion === undefined) return undefined;
  const messageId = randomUUID();
  const correlationId = input.correlationId ?? messageId;
  const { envelope, value } = codec.compose({
    type: input.type,
    sender: input.self,
    recipient: input.to,
    zone: zone.id,
    correlationId,
    causationId: input.causationId,
    messageId,
    createdAt: input.now,
    body: input.body,
    bodyVersion,
    envelopes: federation.accepts(input.to, input.type).envelopes,
  });
  return {
    row: outboundRow(envelope, input.body, federation.serial, value),
    outbox: { messageId, topic: recipient.inbox, recordKey: correlationId, value },
  };
}
