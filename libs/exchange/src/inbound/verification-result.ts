import type { Envelope, ErrorCode } from '@xietong/contracts';
import type { InboundRecord } from '@xietong/messaging';

/** A record whose signature, sender, agreement, recipient and schema all checked out. */
export interface VerifiedMessage {
  ok: true;
  record: InboundRecord;
  envelope: Envelope;
  body: Record<string, unknown>;
  signature: string;
  kid: string;
}

/** A record that can never be valid, with what could be read of it. */
export interface RefusedRecord {
  ok: false;
  record: InboundRecord;
  code: ErrorCode;
  detail: string;
  /** Present when the envelope decoded (the claimed sender is then known). */
  envelope?: Envelope;
}

export type VerificationResult = VerifiedMessage | RefusedRecord;
