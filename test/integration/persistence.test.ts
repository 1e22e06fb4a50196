import { Database, MessageRepository, OutboxRepository, type MessageRecord } from '@xietong/persistence';
import { DIALECTS, freshDatabase } from '../support/databases';

const message = (id: string, status: MessageRecord['status'] = 'pending'): MessageRecord => ({
  messageId: id,
  direction: 'out',
  type: 'LEAD',
  sender: '341825',
  recipient: '330100',
  zone: 'yrd',
  correlationId: 'JD-1',
  causationId: null,
  createdAt: new Date('2026-11-27T00:00:00Z'),
  bodySchema: 'a'.repeat(64),
  body: '{}',
  status,
  reasonCode: null,
  reason: null,
  sentAt: null,
  receiptAt: null,
  receivedAt: null,
  signature: null,
  manifestSerial: 1,
});

describe.each(DIALECTS)('persistence on %s', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open(freshDatabase(dialect, 'persist'));
  });
  afterAll(() => db.close());

  it('migrates, writes message and outbox rows in one transaction, and claims them in order', async () => {
    const messages = new MessageRepository(db);
    const outbox = new OutboxRepository(db);
    const now = new Date();
    await db.transaction(async (em) => {
      await messages.insertMany(em, [
        message('00000000-0000-4000-8000-000000000001'),
        message('00000000-0000-4000-8000-000000000002'),
      ]);
      await outbox.insertMany(
        em,
        [
          {
            messageId: '00000000-0000-4000-8000-000000000001',
            topic: 't',
            recordKey: 'k',
            value: Buffer.from([0xc3, 1, 0]),
          },
          {
            messageId: '00000000-0000-4000-8000-000000000002',
            topic: 't',
            recordKey: 'k',
            value: Buffer.from([0xc3, 1, 1]),
          },
        ],
        now,
      );
    });
    const claimed = await db.transaction((em) => outbox.claim(em, 10, new Date(now.getTime() + 1)));
    expect(claimed.map((r) => r.messageId)).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
    ]);
    expect(Buffer.isBuffer(claimed[1].value) && claimed[1].value.equals(Buffer.from([0xc3, 1, 1]))).toBe(true);
    await db.transaction(async (em) => {
      await outbox.markSent(
        em,
        claimed.map((r) => r.id),
        now,
      );
      await messages.markSent(
        em,
        claimed.map((r) => ({ messageId: r.messageId, signature: `sig-${r.messageId.slice(-1)}` })),
        now,
      );
    });
    expect(await outbox.pendingCount()).toBe(0);
    const m = await messages.find('00000000-0000-4000-8000-000000000002');
    expect(m).toMatchObject({ status: 'sent', signature: 'sig-2' });
  });

  it('rolls back the message row when the outbox insert fails', async () => {
    const messages = new MessageRepository(db);
    const outbox = new OutboxRepository(db);
    await expect(
      db.transaction(async (em) => {
        await messages.insertMany(em, [message('00000000-0000-4000-8000-000000000003')]);
        await outbox.insertMany(
          em,
          // The same message queued twice: the outbox refuses it.
          [1, 2].map(() => ({
            messageId: '00000000-0000-4000-8000-000000000003',
            topic: 't',
            recordKey: 'k',
            value: Buffer.alloc(1),
          })),
          new Date(),
        );
      }),
    ).rejects.toThrow();
    expect(await messages.find('00000000-0000-4000-8000-000000000003')).toBeNull();
  });

  it('keeps the first receipt from the recipient: a later one, or one from another agency, changes nothing', async () => {
    const messages = new MessageRepository(db);
    await db.transaction((em) => messages.insertMany(em, [message('00000000-0000-4000-8000-000000000009', 'sent')]));
    const receipt = (status: 'accepted' | 'rejected', sender = '330100') => ({
      messageId: '00000000-0000-4000-8000-000000000009',
      sender,
      status,
      reasonCode: status === 'rejected' ? 'X' : null,
      reason: null,
    });
    const spoofed = await db.transaction((em) =>
      messages.applyReceipts(em, [receipt('rejected', '320100')], new Date()),
    );
    const first = await db.transaction((em) => messages.applyReceipts(em, [receipt('accepted')], new Date()));
    const second = await db.transaction((em) => messages.applyReceipts(em, [receipt('rejected')], new Date()));
    expect([spoofed.size, first.size, second.size]).toEqual([0, 1, 0]);
    expect((await messages.find('00000000-0000-4000-8000-000000000009'))?.status).toBe('accepted');
  });

  it('lets an acceptance override a rejection (the partner replayed it from quarantine), never the other way', async () => {
    const messages = new MessageRepository(db);
    const id = '00000000-0000-4000-8000-00000000000a';
    await db.transaction((em) => messages.insertMany(em, [message(id, 'sent')]));
    const receipt = (status: 'accepted' | 'rejected') => ({
      messageId: id,
      sender: '330100',
      status,
      reasonCode: status === 'rejected' ? 'UNKNOWN_KEY' : null,
      reason: status === 'rejected' ? 'no such key' : null,
    });
    const applied = [];
    for (const s of ['rejected', 'rejected', 'accepted', 'rejected'] as const)
      applied.push((await db.transaction((em) => messages.applyReceipts(em, [receipt(s)], new Date()))).size);
    expect(applied).toEqual([1, 0, 1, 0]);
    expect(await messages.find(id)).toMatchObject({ status: 'accepted', reasonCode: null, reason: null });
  });
});
