// The SQL of the queries on the hot path, as issued on each dialect, kept in
// __snapshots__/hot-queries.spec.ts.snap so that a change to any of them shows in review. The
// shapes the benchmark measured must stay: the outbox claim scans the partial index over pending
// rows, updates go by primary key, inserts are one multi-row statement per chunk.
import { recordingDatabase } from '../../../test/support/recording-database';
import { AuditRepository } from './audit.repository';
import { CaseRepository } from './case.repository';
import type { Dialect } from './column-types';
import { MessageRepository } from './message.repository';
import { OutboxRepository } from './outbox.repository';
import type { CaseRecord, MessageRecord, OutboxRecord } from './records';

const NOW = new Date('2026-11-30T02:03:04.005Z');
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const message = (n: number): MessageRecord => ({
  messageId: id(n),
  direction: 'out',
  type: 'LEAD',
  sender: '341825',
  recipient: '330100',
  zone: 'yrd',
  correlationId: `JD-${n}`,
  causationId: null,
  createdAt: NOW,
  bodySchema: 'a'.repeat(64),
  body: '{}',
  status: 'pending',
  reasonCode: null,
  reason: null,
  sentAt: null,
  receiptAt: null,
  receivedAt: null,
  signature: null,
  manifestSerial: 1,
  record: Buffer.from([0xc3, 1, n]),
  requestDigest: 'd'.repeat(64),
});

const outboxRow = (n: number): OutboxRecord => ({
  id: String(n),
  messageId: id(n),
  topic: 'xt.330100.inbox',
  recordKey: `JD-${n}`,
  value: Buffer.from([n]),
  status: 'pending',
  attempts: 2,
  nextAttemptAt: NOW,
  lastError: null,
  createdAt: NOW,
  sentAt: null,
});

describe.each<Dialect>(['postgres', 'better-sqlite3'])('hot queries on %s', (dialect) => {
  it('outbox claim: ids from the partial index over pending rows, then the rows by id', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    await new OutboxRepository(db).claim(em, 500, NOW);
    expect(queries).toHaveLength(1);
    expect(queries[0].sql).toBe(OutboxRepository.claimStatement(dialect));
    expect(queries[0]).toMatchSnapshot();
  });

  it('outbox mark sent: delete by primary key', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    await new OutboxRepository(db).markSent(em, ['7', '8'], NOW);
    expect(queries).toMatchSnapshot();
  });

  it('outbox defer and mark failed: one update by primary key per row', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    const outbox = new OutboxRepository(db);
    await outbox.defer(em, [outboxRow(7)], 'broker down', NOW, 60_000);
    await outbox.markFailed(em, [{ id: '8', reason: 'record too large' }]);
    expect(queries).toMatchSnapshot();
  });

  it('message insert: one multi-row statement for the batch', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    await new MessageRepository(db).insertMany(em, [message(1), message(2)]);
    expect(queries).toHaveLength(1);
    expect(queries).toMatchSnapshot();
  });

  it('message insert of absent ids: multi-row, skipping ids stored already, returning those inserted', async () => {
    const { db, em, queries } = recordingDatabase(dialect, () => [{ message_id: id(2) }]);
    const inserted = await new MessageRepository(db).insertAbsent(em, [message(1), message(2)]);
    expect([...inserted]).toEqual([id(2)]);
    expect(queries.map((q) => q.sql)).toMatchSnapshot();
  });

  it('message mark sent: status and signature by primary key, one statement for the batch', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    await new MessageRepository(db).markSent(
      em,
      [
        { messageId: id(1), signature: 'sig-1' },
        { messageId: id(2), signature: 'sig-2' },
      ],
      NOW,
    );
    expect(queries).toMatchSnapshot();
  });

  it('message mark failed: by primary key, only while still pending', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    await new MessageRepository(db).markFailed(em, [{ messageId: id(1), reasonCode: 'TOO_LARGE', reason: 'big' }]);
    expect(queries).toMatchSnapshot();
  });

  it('receipt update: status by primary key, one statement for the batch', async () => {
    const { db, em, queries } = recordingDatabase(dialect, () => []);
    await new MessageRepository(db).applyReceipts(
      em,
      [
        { messageId: id(1), sender: '330100', status: 'accepted', reasonCode: null, reason: null },
        { messageId: id(2), sender: '330100', status: 'rejected', reasonCode: 'NO_JURISDICTION', reason: 'not ours' },
      ],
      NOW,
    );
    expect(queries).toMatchSnapshot();
  });

  it('case lookup by number: by primary key, one query per kind', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    await new CaseRepository(db).load(em, [
      { kind: 'LEAD', caseNo: 'JD-1', partner: '330100' },
      { kind: 'LEAD', caseNo: 'JD-2', partner: '330100' },
      { kind: 'COMPLAINT', caseNo: 'TS-1', partner: '320100' },
    ]);
    await new CaseRepository(db).find('LEAD', 'JD-1');
    expect(queries).toMatchSnapshot();
  });

  it('case save: one multi-row upsert on the primary key', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    const row: CaseRecord = {
      kind: 'LEAD',
      caseNo: 'JD-1',
      partner: '330100',
      role: 'transferor',
      state: 'SENT',
      riskTier: null,
      subject: null,
      receivedOn: null,
      clock: null,
      clockStart: null,
      dueOn: null,
      dueProvisional: false,
      reminders: 0,
      lastReminderAt: null,
      flags: null,
      createdAt: NOW,
      updatedAt: NOW,
    };
    await new CaseRepository(db).save(em, [row, { ...row, caseNo: 'JD-2' }]);
    expect(queries).toHaveLength(1);
    expect(queries).toMatchSnapshot();
  });

  it('audit_pending: the insert inside business transactions and the chainer read', async () => {
    const { db, em, queries } = recordingDatabase(dialect);
    await new AuditRepository(db).append(em, [
      { kind: 'MESSAGE_SUBMITTED', actor: 'county-1', messageId: id(1), occurredAt: NOW },
      { kind: 'MESSAGE_SUBMITTED', actor: 'county-1', messageId: id(2), occurredAt: NOW, detail: { n: 2 } },
    ]);
    expect(queries).toMatchSnapshot();
    expect(AuditRepository.pendingStatement(dialect, 5000)).toMatchSnapshot();
  });
});
