import type { CaseKindName } from '@xietong/contracts';

/** Row shapes of the gateway's tables. */

export type Direction = 'out' | 'in';
/**
 * out: pending -> sent -> accepted | rejected, or pending -> failed when the broker can never take
 * the record (reason_code / reason say why); in: accepted.
 */
export type MessageStatus = 'pending' | 'sent' | 'accepted' | 'rejected' | 'failed';

export interface MessageRecord {
  messageId: string;
  direction: Direction;
  type: string;
  sender: string;
  recipient: string;
  zone: string;
  correlationId: string;
  causationId: string | null;
  createdAt: Date;
  bodySchema: string;
  /** The business body as JSON text (personal data stays a JWE inside it). */
  body: string;
  status: MessageStatus;
  reasonCode: string | null;
  reason: string | null;
  sentAt: Date | null;
  receiptAt: Date | null;
  receivedAt: Date | null;
  /** Detached JWS over the record value (both directions), kept for audit re-verification. */
  signature: string | null;
  manifestSerial: number | null;
  /** Exact record value: as received (inbound) or as published (outbound, written with the outbox row). */
  record?: Buffer | null;
  /** Where an inbound message was read: `topic/partition/offset`. */
  recordPosition?: string | null;
  /**
   * Outbound: SHA-256 of the county system's request (type, recipient, body before encryption,
   * causation), to tell a retry of a messageId from a different message reusing it.
   */
  requestDigest?: string | null;
}

export interface OutboxRecord {
  id: string;
  messageId: string;
  topic: string;
  recordKey: string;
  /** Single-object encoded envelope; the relay signs exactly these bytes. */
  value: Buffer;
  /** failed: refused for good (the message row holds the reason); it leaves the pending queue. */
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface QuarantineRecord {
  id: string;
  reasonCode: string;
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  recordKey: string | null;
  value: Buffer | null;
  /** JSON object of header name to base64 value. */
  headers: string;
  messageId: string | null;
  claimedSender: string | null;
  type: string | null;
  receivedAt: Date;
  deadLettered: boolean;
  /** When and by whom the record was put back into the inbox (quarantine replay). */
  replayedAt?: Date | null;
  replayedBy?: string | null;
}

/** One lead, complaint or assistance request this gateway transferred (transferor) or handles (handler). */
export interface CaseRecord {
  kind: CaseKindName;
  caseNo: string;
  partner: string;
  role: 'transferor' | 'handler';
  state: string;
  riskTier: string | null;
  subject: string | null;
  /** Local date the handler received it (both sides agree: it comes with the receipt). */
  receivedOn: string | null;
  /** The clock running now (time-limits.json id), its start and its due date. */
  clock: string | null;
  clockStart: string | null;
  dueOn: string | null;
  dueProvisional: boolean;
  reminders: number;
  lastReminderAt: Date | null;
  /** JSON array of warnings for manual review, e.g. a credit code failing its checksum. */
  flags: string | null;
  createdAt: Date;
  updatedAt: Date;
}
