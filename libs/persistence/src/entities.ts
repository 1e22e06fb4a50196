import { EntitySchema } from 'typeorm';
import { columnTypes, type Dialect } from './column-types';
import type { CaseRecord, MessageRecord, OutboxRecord, QuarantineRecord } from './records';

export interface Entities {
  message: EntitySchema<MessageRecord>;
  outbox: EntitySchema<OutboxRecord>;
  quarantine: EntitySchema<QuarantineRecord>;
  caseFile: EntitySchema<CaseRecord>;
}

/** Entity schemas for one dialect; the migrations create exactly these tables. */
export function defineEntities(dialect: Dialect): Entities {
  const t = columnTypes(dialect);
  const message = new EntitySchema<MessageRecord>({
    name: 'message',
    columns: {
      messageId: { name: 'message_id', type: 'varchar', length: 36, primary: true },
      direction: { type: 'varchar', length: 3 },
      type: { type: 'varchar', length: 20 },
      sender: { type: 'varchar', length: 6 },
      recipient: { type: 'varchar', length: 6 },
      zone: { type: 'varchar', length: 40 },
      correlationId: { name: 'correlation_id', type: 'varchar', length: 64 },
      causationId: { name: 'causation_id', type: 'varchar', length: 36, nullable: true },
      createdAt: { name: 'created_at', type: t.instant },
      bodySchema: { name: 'body_schema', type: 'varchar', length: 64 },
      body: { type: 'text' },
      status: { type: 'varchar', length: 12 },
      reasonCode: { name: 'reason_code', type: 'varchar', length: 40, nullable: true },
      reason: { type: 'text', nullable: true },
      sentAt: { name: 'sent_at', type: t.instant, nullable: true },
      receiptAt: { name: 'receipt_at', type: t.instant, nullable: true },
      receivedAt: { name: 'received_at', type: t.instant, nullable: true },
      signature: { type: 'text', nullable: true },
      manifestSerial: { name: 'manifest_serial', type: 'integer', nullable: true },
      record: { type: t.binary, nullable: true, select: false },
      recordPosition: { name: 'record_position', type: 'varchar', length: 300, nullable: true, select: false },
      requestDigest: { name: 'request_digest', type: 'varchar', length: 64, nullable: true, select: false },
    },
  });
  const outbox = new EntitySchema<OutboxRecord>({
    name: 'outbox',
    columns: {
      id: { type: t.serial, primary: true, generated: 'increment' },
      messageId: { name: 'message_id', type: 'varchar', length: 36 },
      topic: { type: 'varchar', length: 200 },
      recordKey: { name: 'record_key', type: 'varchar', length: 64 },
      value: { type: t.binary },
      status: { type: 'varchar', length: 8 },
      attempts: { type: 'integer' },
      nextAttemptAt: { name: 'next_attempt_at', type: t.instant },
      lastError: { name: 'last_error', type: 'text', nullable: true },
      createdAt: { name: 'created_at', type: t.instant },
      sentAt: { name: 'sent_at', type: t.instant, nullable: true },
    },
  });
  const quarantine = new EntitySchema<QuarantineRecord>({
    name: 'quarantine',
    columns: {
      id: { type: t.serial, primary: true, generated: 'increment' },
      reasonCode: { name: 'reason_code', type: 'varchar', length: 40 },
      reason: { type: 'text' },
      topic: { type: 'varchar', length: 200 },
      partition: { type: 'integer' },
      offset: { type: 'varchar', length: 20 },
      recordKey: { name: 'record_key', type: 'text', nullable: true },
      value: { type: t.binary, nullable: true },
      headers: { type: 'text' },
      messageId: { name: 'message_id', type: 'varchar', length: 64, nullable: true },
      claimedSender: { name: 'claimed_sender', type: 'varchar', length: 64, nullable: true },
      type: { type: 'varchar', length: 20, nullable: true },
      receivedAt: { name: 'received_at', type: t.instant },
      deadLettered: { name: 'dead_lettered', type: 'boolean' },
      replayedAt: { name: 'replayed_at', type: t.instant, nullable: true },
      replayedBy: { name: 'replayed_by', type: 'varchar', length: 200, nullable: true },
    },
  });
  const caseFile = new EntitySchema<CaseRecord>({
    name: 'case_file',
    columns: {
      kind: { type: 'varchar', length: 10, primary: true },
      caseNo: { name: 'case_no', type: 'varchar', length: 64, primary: true },
      partner: { type: 'varchar', length: 6, primary: true },
      role: { type: 'varchar', length: 10 },
      state: { type: 'varchar', length: 20 },
      riskTier: { name: 'risk_tier', type: 'varchar', length: 10, nullable: true },
      subject: { type: 'text', nullable: true },
      receivedOn: { name: 'received_on', type: 'varchar', length: 10, nullable: true },
      clock: { type: 'varchar', length: 40, nullable: true },
      clockStart: { name: 'clock_start', type: 'varchar', length: 10, nullable: true },
      dueOn: { name: 'due_on', type: 'varchar', length: 10, nullable: true },
      dueProvisional: { name: 'due_provisional', type: 'boolean' },
      reminders: { type: 'integer' },
      lastReminderAt: { name: 'last_reminder_at', type: t.instant, nullable: true },
      flags: { type: 'text', nullable: true },
      createdAt: { name: 'created_at', type: t.instant },
      updatedAt: { name: 'updated_at', type: t.instant },
    },
  });
  return { message, outbox, quarantine, caseFile };
}
