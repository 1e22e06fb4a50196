import { signDetached, type Signer } from '@xietong/crypto';
import { HEADERS } from '@xietong/messaging';
import type { ComposeInput, WireCodec } from './wire-codec';

/** A record value and its signature header, exactly as a gateway puts it on the wire. */
export interface SignedRecord {
  messageId: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Composes and signs one record outside the outbox (CLI, demo, tests, partner tooling). */
export async function composeSignedRecord(
  codec: WireCodec,
  signer: Signer,
  input: ComposeInput,
): Promise<SignedRecord> {
  const { envelope, value } = codec.compose(input);
  return {
    messageId: envelope.messageId,
    key: envelope.correlationId,
    value,
    headers: { [HEADERS.signature]: await signDetached(value, signer) },
  };
}
