import { recordingDatabase } from '../../../test/support/recording-database';
import { MessageRepository, type ReceiptUpdate } from './message.repository';

const NOW = new Date('2026-11-30T02:00:00.000Z');
const receipt = (messageId: string, status: ReceiptUpdate['status']): ReceiptUpdate => ({
  messageId,
  sender: '330100',
  status,
  reasonCode: null,
  reason: null,
});

describe('MessageRepository', () => {
  it('applies one receipt per message (the last given), reading the ids PostgreSQL returns with a count', async () => {
    const { db, em, queries } = recordingDatabase('postgres', () => [[{ message_id: 'm-1' }], 1]);
    const updated = await new MessageRepository(db).applyReceipts(
      em,
      [receipt('m-1', 'rejected'), receipt('m-2', 'accepted'), receipt('m-1', 'accepted')],
      NOW,
    );
    expect([...updated]).toEqual(['m-1']);
    expect(queries).toHaveLength(1);
    expect(queries[0].args).toEqual([
      'm-1',
      '330100',
      'accepted',
      null,
      null,
      'm-2',
      '330100',
      'accepted',
      null,
      null,
      NOW,
    ]);
  });

  it("reads the ids SQLite's UPDATE ... RETURNING gives as plain rows", async () => {
    const { db, em } = recordingDatabase('better-sqlite3', () => [{ message_id: 'm-2' }]);
    const updated = await new MessageRepository(db).applyReceipts(em, [receipt('m-2', 'accepted')], NOW);
    expect([...updated]).toEqual(['m-2']);
  });

  it('reads signed records a page at a time after the last id, until a page is empty', async () => {
    const page = [
      {
        message_id: 'm-1',
        direction: 'in',
        type: 'LEAD',
        sender: '330100',
        recipient: '341825',
        signature: 'sig',
        manifest_serial: '3',
        zone: 'yrd',
        correlation_id: 'JD-1',
        causation_id: null,
        created_at: '2026-11-30 01:00:00.000',
        body_schema: 's',
        body: '{}',
        record: Buffer.from([1]),
      },
    ];
    const { db, queries } = recordingDatabase('better-sqlite3', (_sql, args) => (args[0] === '' ? page : []));
    const rows = [];
    for await (const r of new MessageRepository(db).signedRecords('JD-1', 50)) rows.push(r);
    // Parameters in the order their markers appear: SQLite's `?` are positional.
    expect(queries.map((q) => q.args)).toEqual([
      ['', 'JD-1', 50],
      ['m-1', 'JD-1', 50],
    ]);
    expect(queries[0].sql.indexOf('correlation_id = ?')).toBeLessThan(queries[0].sql.indexOf('LIMIT ?'));
    expect(rows).toEqual([
      {
        messageId: 'm-1',
        direction: 'in',
        type: 'LEAD',
        sender: '330100',
        recipient: '341825',
        signature: 'sig',
        manifestSerial: 3,
        value: Buffer.from([1]),
        derived: {
          zone: 'yrd',
          correlationId: 'JD-1',
          causationId: null,
          createdAt: new Date('2026-11-30T01:00:00.000Z'),
          bodySchema: 's',
          body: '{}',
        },
      },
    ]);
  });

  it('finds the last stored offset per partition from received messages and quarantined records', async () => {
    const { db } = recordingDatabase('postgres', (sql) =>
      sql.includes('FROM message')
        ? [{ position: 'inbox/0/7' }, { position: 'inbox/0/12' }, { position: 'inbox/1/3' }]
        : [{ partition: '1', offset: '9' }],
    );
    const last = await new MessageRepository(db).lastStoredOffsets('inbox');
    expect([...last]).toEqual([
      [0, 12n],
      [1, 9n],
    ]);
  });

  it('reads the last receipt and the messages awaiting one per partner, none yet read as undefined', async () => {
    const { db, queries } = recordingDatabase('better-sqlite3', () => [
      { partner: '330100', last_receipt_at: '2026-11-30 01:00:00.000', awaiting: 3 },
      { partner: '340100', last_receipt_at: null, awaiting: '2' },
    ]);
    expect(await new MessageRepository(db).receiptsByPartner()).toEqual([
      { partner: '330100', lastReceiptAt: new Date('2026-11-30T01:00:00.000Z'), awaiting: 3 },
      { partner: '340100', awaiting: 2 },
    ]);
    expect(queries[0].sql).toContain("direction = 'out'");
    expect(queries[0].sql).toContain('GROUP BY recipient');
    // Receipts are answers, and get none themselves.
    expect(queries[0].sql).toContain("type <> 'RECEIPT'");
  });

  it('counts by partner in SQL, and asks nothing for no types', async () => {
    const { db, queries } = recordingDatabase('postgres', () => [
      { partner: '330100', direction: 'out', type: 'LEAD', status: 'sent', n: '5' },
    ]);
    const repo = new MessageRepository(db);
    expect(await repo.partnerCounts(NOW, NOW, [])).toEqual([]);
    expect(queries).toEqual([]);
    const rows = await repo.partnerCounts(new Date('2026-11-01T00:00:00Z'), NOW, ['LEAD', 'COMPLAINT']);
    expect(rows).toEqual([{ partner: '330100', direction: 'out', type: 'LEAD', status: 'sent', n: 5 }]);
    expect(queries[0].sql).toContain('GROUP BY');
    expect(queries[0].args).toEqual([new Date('2026-11-01T00:00:00Z'), NOW, 'LEAD', 'COMPLAINT']);
  });
});
