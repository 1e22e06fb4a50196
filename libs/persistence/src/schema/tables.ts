import type { CaseKindName } from '@xietong/contracts';
import { col } from './column';
import { table } from './table-spec';

/**
 * Every table of the gateway, defined once (types per dialect in ./column.ts). The migrations
 * under ../migrations are the history that built these tables and stay as they were;
 * test/medium/schema-spec.test.ts fails when a migrated database differs from what is here.
 */

export type Direction = 'out' | 'in';
/**
 * out: pending -> sent -> accepted | rejected, or pending -> failed when the broker can never take
 * the record (reason_code / reason say why); in: accepted.
 */
export type MessageStatus = 'pending' | 'sent' | 'accepted' | 'rejected' | 'failed';

/** Messages this gateway sent or received, one row each. */
export const MESSAGE = table(
  'message',
  {
    messageId: col.varchar(36).primary(),
    direction: col.varchar(3).of<Direction>(),
    type: col.varchar(20),
    sender: col.varchar(6),
    recipient: col.varchar(6),
    zone: col.varchar(40),
    correlationId: col.varchar(64),
    causationId: col.varchar(36).nullable(),
    createdAt: col.instant(),
    bodySchema: col.varchar(64),
    /** The business body as JSON text (personal data stays a JWE inside it). */
    body: col.text(),
    status: col.varchar(12).of<MessageStatus>(),
    reasonCode: col.varchar(40).nullable(),
    reason: col.text().nullable(),
    sentAt: col.instant().nullable(),
    receiptAt: col.instant().nullable(),
    receivedAt: col.instant().nullable(),
    /** Detached JWS over the record value (both directions), kept for audit re-verification. */
    signature: col.text().nullable(),
    manifestSerial: col.integer().nullable(),
    /** Exact record value: as received (inbound) or as published (outbound, written with the outbox row). */
    record: col.binary().nullable().lazy(),
    /** Where an inbound message was read: `topic/partition/offset`. */
    recordPosition: col.varchar(300).nullable().lazy(),
    /**
     * Outbound: SHA-256 of the county system's request (type, recipient, body before encryption,
     * causation), to tell a retry of a messageId from a different message reusing it.
     */
    requestDigest: col.varchar(64).nullable().lazy(),
    /**
     * When personal data was erased from this message (retention, docs/retention.md): the body
     * holds the marker instead, the record bytes are gone, a PERSONAL_DATA_ERASED entry covers it.
     */
    erasedAt: col.instant().nullable().optional(),
  },
  [{ name: 'ix_message_correlation', columns: ['correlationId'] }],
);

/** Records waiting to be signed and published by the relay; a published row is deleted. */
export const OUTBOX = table(
  'outbox',
  {
    id: col.serial(),
    messageId: col.varchar(36).unique(),
    topic: col.varchar(200),
    recordKey: col.varchar(64),
    /** Single-object encoded envelope; the relay signs exactly these bytes. */
    value: col.binary(),
    /** failed: refused for good (the message row holds the reason); it leaves the pending queue. */
    status: col.varchar(8).of<'pending' | 'sent' | 'failed'>(),
    attempts: col.integer(),
    nextAttemptAt: col.instant(),
    lastError: col.text().nullable(),
    createdAt: col.instant(),
    sentAt: col.instant().nullable(),
  },
  // The relay's claim: an ordered scan over pending rows only (QueueTables1765200000000).
  [{ name: 'ix_outbox_claim', columns: ['id'], where: `status = 'pending'` }],
);

/** Records that can never be valid, kept whole with a reason code. */
export const QUARANTINE = table(
  'quarantine',
  {
    id: col.serial(),
    reasonCode: col.varchar(40),
    reason: col.text(),
    topic: col.varchar(200),
    partition: col.integer(),
    offset: col.varchar(20),
    recordKey: col.text().nullable(),
    value: col.binary().nullable(),
    /** JSON object of header name to base64 value. */
    headers: col.text(),
    messageId: col.varchar(64).nullable(),
    claimedSender: col.varchar(64).nullable(),
    type: col.varchar(20).nullable(),
    receivedAt: col.instant(),
    deadLettered: col.boolean(),
    /** When and by whom the record was put back into the inbox (quarantine replay). */
    replayedAt: col.instant().nullable().optional(),
    replayedBy: col.varchar(200).nullable().optional(),
  },
  [
    { name: 'ix_quarantine_reason', columns: ['reasonCode'] },
    { name: 'ix_quarantine_position', columns: ['topic', 'partition', 'offset'] },
  ],
);

/** One lead, complaint or assistance request this gateway transferred (transferor) or handles (handler). */
export const CASE_FILE = table(
  'case_file',
  {
    kind: col.varchar(10).of<CaseKindName>().primary(),
    caseNo: col.varchar(64).primary(),
    partner: col.varchar(6).primary(),
    role: col.varchar(10).of<'transferor' | 'handler'>(),
    state: col.varchar(20),
    riskTier: col.varchar(10).nullable(),
    subject: col.text().nullable(),
    /** Local date the handler received it (both sides agree: it comes with the receipt). */
    receivedOn: col.varchar(10).nullable(),
    /** The clock running now (time-limits.json id), its start and its due date. */
    clock: col.varchar(40).nullable(),
    clockStart: col.varchar(10).nullable(),
    dueOn: col.varchar(10).nullable(),
    dueProvisional: col.boolean(),
    reminders: col.integer(),
    lastReminderAt: col.instant().nullable(),
    createdAt: col.instant(),
    updatedAt: col.instant(),
    /** JSON array of warnings for manual review, e.g. a credit code failing its checksum. */
    flags: col.text().nullable(),
  },
  [
    { name: 'ix_case_due', columns: ['role', 'dueOn'] },
    { name: 'ix_case_state', columns: ['state', 'kind'] },
  ],
);

/** Every decryption of complainant personal data (who, what, when, from where). */
export const PERSONAL_DATA_ACCESS = table('personal_data_access', {
  id: col.serial(),
  messageId: col.varchar(36),
  caseNo: col.varchar(64),
  subject: col.varchar(200),
  roles: col.varchar(100),
  ip: col.varchar(64),
  accessedAt: col.instant(),
});

/** The hash-chained audit log. */
export const AUDIT_EVENT = table('audit_event', {
  seq: col.bigint().primary(),
  occurredAt: col.instant(),
  kind: col.varchar(30),
  actor: col.varchar(200),
  messageId: col.varchar(36).nullable(),
  caseNo: col.varchar(64).nullable(),
  partner: col.varchar(6).nullable(),
  detail: col.text(),
  prevHash: col.varchar(64),
  hash: col.varchar(64),
});

/** The chain's last entry (one row, id 1), locked by the chainer. */
export const AUDIT_HEAD = table('audit_head', {
  id: col.integer().primary(),
  seq: col.bigint(),
  hash: col.varchar(64),
});

/** Signed chain heads. */
export const AUDIT_CHECKPOINT = table('audit_checkpoint', {
  seq: col.bigint().primary(),
  hash: col.varchar(64),
  signedAt: col.instant(),
  jws: col.text(),
});

/** Every signed manifest the gateway took into force, by serial. */
export const MANIFEST_ARCHIVE = table('manifest_archive', {
  serial: col.integer().primary(),
  jws: col.text(),
  takenAt: col.instant(),
});

/**
 * Audit events written inside business transactions, waiting to be chained. On PostgreSQL each
 * row carries its writing transaction's id (default pg_current_xact_id()) for the chain order.
 */
export const AUDIT_PENDING = table(
  'audit_pending',
  {
    id: col.serial(),
    tx: col.xid8().onlyOn('postgres'),
    occurredAt: col.instant(),
    kind: col.varchar(30),
    actor: col.varchar(200),
    messageId: col.varchar(36).nullable(),
    caseNo: col.varchar(64).nullable(),
    partner: col.varchar(6).nullable(),
    detail: col.text(),
  },
  [{ name: 'ix_audit_pending_tx', columns: ['tx', 'id'], only: 'postgres' }],
);

/** Signed audit checkpoints held for another party, with both signatures. */
export const AUDIT_WITNESS = table('audit_witness', {
  agency: col.varchar(6).primary(),
  seq: col.bigint().primary(),
  witness: col.varchar(6).primary(),
  hash: col.varchar(64),
  signedAt: col.instant(),
  /** The agency's checkpoint JWS. */
  checkpoint: col.text(),
  witnessedAt: col.instant(),
  /** The witness's JWS over the checkpoint. */
  countersignature: col.text(),
});

/** pending -> delivered, or failed once the retry schedule is spent, the endpoint answered 410 or was deleted. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** Where county systems want events pushed (docs/webhooks.md); managed by an admin. */
export const WEBHOOK_ENDPOINT = table('webhook_endpoint', {
  id: col.varchar(36).primary(),
  url: col.text(),
  /** JSON array of the event types sent there; `["*"]` for all. */
  eventTypes: col.text(),
  description: col.varchar(200).nullable(),
  /** The `whsec_` signing secret, encrypted (AES-256-GCM under the key of XIETONG_WEBHOOK_KEY_FILE). */
  secret: col.text(),
  /** The secret before the last rotation, still signing beside the new one until previousSecretUntil. */
  previousSecret: col.text().nullable(),
  previousSecretUntil: col.instant().nullable(),
  enabled: col.boolean(),
  /** Why it was disabled: `gone` (410), `failing` (failed since failingSince for too long), `admin`. */
  disabledReason: col.varchar(200).nullable(),
  /** First failed attempt since the last success. */
  failingSince: col.instant().nullable(),
  createdAt: col.instant(),
  updatedAt: col.instant(),
});

/** One event (the `webhook-id` and the signed body), written in the transaction that caused it. */
export const WEBHOOK_EVENT = table('webhook_event', {
  id: col.varchar(40).primary(),
  type: col.varchar(40),
  /** The JSON body sent, exactly as signed. */
  payload: col.text(),
  createdAt: col.instant(),
});

/** An event to send to one endpoint: the durable queue of the webhook dispatcher. */
export const WEBHOOK_DELIVERY = table(
  'webhook_delivery',
  {
    id: col.serial(),
    eventId: col.varchar(40),
    endpointId: col.varchar(36),
    status: col.varchar(10).of<WebhookDeliveryStatus>(),
    attempts: col.integer(),
    /** Due time of the next attempt; a claimed row is leased by moving it past the request timeout. */
    nextAttemptAt: col.instant(),
    lastStatusCode: col.integer().nullable(),
    lastError: col.text().nullable(),
    createdAt: col.instant(),
    deliveredAt: col.instant().nullable(),
  },
  [
    { name: 'ix_webhook_delivery_claim', columns: ['nextAttemptAt'], where: `status = 'pending'` },
    { name: 'ix_webhook_delivery_endpoint', columns: ['endpointId', 'id'] },
  ],
);

/** Every HTTP attempt of a delivery: the delivery log of an endpoint (status code, timing, error). */
export const WEBHOOK_ATTEMPT = table(
  'webhook_attempt',
  {
    id: col.serial(),
    deliveryId: col.bigint(),
    endpointId: col.varchar(36),
    eventId: col.varchar(40),
    attemptedAt: col.instant(),
    statusCode: col.integer().nullable(),
    durationMs: col.integer(),
    error: col.text().nullable(),
  },
  [{ name: 'ix_webhook_attempt_endpoint', columns: ['endpointId', 'id'] }],
);

/** What the retention worker removed, per data class, and when it last ran (for `/metrics`). */
export const RETENTION_TALLY = table('retention_tally', {
  class: col.varchar(30).primary(),
  total: col.bigint(),
  lastRunAt: col.instant(),
});

/**
 * Archives written by `archive export`, one row each in sequence: the period, how far the audit
 * chain goes in it (the anchor for a chain whose archived prefix was pruned) and the archive's
 * digest (SHA-256 of its manifest.json), which the next archive links to.
 */
export const ARCHIVE = table('archive', {
  seq: col.integer().primary(),
  fromAt: col.instant(),
  untilAt: col.instant(),
  /** The last audit entry in this archive or an earlier one (0: none yet), and its hash. */
  auditSeq: col.bigint(),
  auditHash: col.varchar(64),
  digest: col.varchar(64),
  /** The TSA's time in the archive's token (null: no TSA was configured). */
  timestampedAt: col.instant().nullable(),
  createdAt: col.instant(),
  /** When the rows of this archive's period left the database (archive prune). */
  prunedAt: col.instant().nullable(),
});

/** RFC 3161 tokens over signed audit checkpoints (over the checkpoint JWS), from the configured TSA. */
export const CHECKPOINT_TIMESTAMP = table('checkpoint_timestamp', {
  seq: col.bigint().primary(),
  /** The TimeStampResp (DER) as the TSA sent it. */
  token: col.binary(),
  genTime: col.instant(),
});

/** All tables, in the order the migrations create them. */
export const TABLES = [
  MESSAGE,
  OUTBOX,
  QUARANTINE,
  CASE_FILE,
  PERSONAL_DATA_ACCESS,
  AUDIT_EVENT,
  AUDIT_HEAD,
  AUDIT_CHECKPOINT,
  MANIFEST_ARCHIVE,
  AUDIT_PENDING,
  AUDIT_WITNESS,
  WEBHOOK_ENDPOINT,
  WEBHOOK_EVENT,
  WEBHOOK_DELIVERY,
  WEBHOOK_ATTEMPT,
  RETENTION_TALLY,
  ARCHIVE,
  CHECKPOINT_TIMESTAMP,
] as const;
