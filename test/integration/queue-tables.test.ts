import { Client } from 'pg';
import { Database, MessageRepository, OutboxRepository, type MessageRecord } from '@xietong/persistence';
import { DIALECTS, freshDatabase, TEST_POSTGRES_URL } from '@xietong/testing';
import { waitFor } from '@xietong/testing';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const outbound = (n: number): MessageRecord => ({
  messageId: id(n),
  direction: 'out',
  type: 'LEAD',
  sender: '341825',
  recipient: '330100',
  zone: 'yrd',
  correlationId: `JD-${n}`,
  causationId: null,
  createdAt: new Date('2026-11-27T00:00:00Z'),
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
  record: Buffer.from([0xc3, 1, n % 256]),
});

describe.each(DIALECTS)('queue tables on %s', (dialect) => {
  let db: Database;
  let messages: MessageRepository;
  let outbox: OutboxRepository;
  const count = async (sql: string) => Number(((await db.manager.query(sql)) as { n: number | string }[])[0].n);
  /** Submits messages n..n+k-1 as the gateway does: message row and outbox row in one transaction. */
  const submit = (ns: number[], at: Date) =>
    db.transaction(async (em) => {
      await messages.insertMany(em, ns.map(outbound));
      await outbox.insertMany(
        em,
        ns.map((n) => ({ messageId: id(n), topic: 't', recordKey: 'k', value: outbound(n).record! })),
        at,
      );
    });

  beforeAll(async () => {
    db = await Database.open(freshDatabase(dialect, 'queue'));
    messages = new MessageRepository(db);
    outbox = new OutboxRepository(db);
  });
  afterAll(() => db.close());

  it('holds only work still to do: a sent row leaves the outbox, its published bytes stay with the message', async () => {
    const now = new Date();
    await submit([1, 2, 3], now);
    const claimed = await db.transaction((em) => outbox.claim(em, 2, now));
    expect(claimed.map((r) => r.messageId)).toEqual([id(1), id(2)]);
    await db.transaction(async (em) => {
      await outbox.markSent(
        em,
        claimed.map((r) => r.id),
        now,
      );
      await messages.markSent(
        em,
        claimed.map((r) => ({ messageId: r.messageId, signature: 'sig' })),
        now,
      );
    });
    expect(await count('SELECT COUNT(*) AS n FROM outbox')).toBe(1);
    expect(await outbox.pendingCount()).toBe(1);
    const signed = [];
    for await (const m of messages.signedRecords()) signed.push(m);
    expect(signed.map((m) => [m.messageId, m.value?.toString('hex')])).toEqual([
      [id(1), 'c30101'],
      [id(2), 'c30102'],
    ]);
  });

  it('claims due rows only, oldest first, and takes rows backing off once they are due', async () => {
    const now = new Date();
    await submit([10, 11], now);
    const first = await db.transaction((em) => outbox.claim(em, 10, now));
    const [deferred] = first.filter((r) => r.messageId === id(10));
    await db.transaction((em) => outbox.defer(em, [deferred], 'broker away', now, 60_000));
    const meanwhile = await db.transaction((em) => outbox.claim(em, 10, now));
    expect(meanwhile.map((r) => r.messageId)).toEqual([id(3), id(11)]);
    const later = await db.transaction((em) => outbox.claim(em, 10, new Date(now.getTime() + 120_000)));
    expect(later.map((r) => r.messageId)).toEqual([id(3), id(10), id(11)]);
  });

  if (dialect !== 'postgres') return;

  it('claims through the partial index of pending rows: no row outside the queue read, values only of claimed rows', async () => {
    // A queue of realistic depth (1 KB values), so the planner weighs an index against a sort.
    await db.manager.query(
      `INSERT INTO outbox (message_id, topic, record_key, value, status, attempts, next_attempt_at, created_at)
       SELECT gen_random_uuid()::text, 't', 'k', decode(repeat('ab', 1000), 'hex'), 'pending', 0, now(), now() FROM generate_series(1, 20000)`,
    );
    await db.manager.query('ANALYZE outbox');
    const plan = (
      (await db.manager.query(`EXPLAIN ${OutboxRepository.claimStatement('postgres')}`, [new Date(), 500])) as {
        'QUERY PLAN': string;
      }[]
    )
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    expect(plan).toMatch(/Index Scan using ix_outbox_claim on outbox/);
    expect(plan).not.toMatch(/Seq Scan/);
    await db.manager.query(`DELETE FROM outbox WHERE record_key = 'k' AND topic = 't' AND length(value) = 1000`);
  });

  it('updates message status by primary key only: no index on status or direction', async () => {
    const indexes = (
      (await db.manager.query(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'message'`,
      )) as {
        indexdef: string;
      }[]
    ).map((r) => r.indexdef);
    expect(indexes.some((d) => /status|direction/.test(d))).toBe(false);
    const caseIndexes = (
      (await db.manager.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'case_file'`,
      )) as {
        indexname: string;
        indexdef: string;
      }[]
    ).filter((r) => !r.indexname.startsWith('PK'));
    // Only the primary key leads with kind, so a case lookup by number can use nothing else.
    expect(caseIndexes.filter((r) => /\(kind/.test(r.indexdef))).toEqual([]);
  });

  it('sets autovacuum by row count on the tables that take updates or deletes, and reports them in health', async () => {
    const options = (await db.manager.query(
      `SELECT relname, reloptions FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname IN ('outbox', 'audit_pending', 'message', 'case_file') ORDER BY relname`,
    )) as { relname: string; reloptions: string[] }[];
    expect(options.map((o) => [o.relname, o.reloptions.includes('autovacuum_vacuum_scale_factor=0')])).toEqual([
      ['audit_pending', true],
      ['case_file', true],
      ['message', true],
      ['outbox', true],
    ]);
    const health = await db.queueHealth();
    expect(health?.tables.map((t) => t.table)).toEqual(expect.arrayContaining(['outbox', 'audit_pending', 'message']));
    expect(health?.tables.every((t) => t.deadRatio >= 0 && t.deadRatio <= 1)).toBe(true);
  });

  it('wakes a relay in another process when new outbox rows commit, not when they roll back', async () => {
    let woken = 0;
    const stop = await outbox.watch(
      () => woken++,
      () => undefined,
    );
    try {
      // The listener announces itself once when connected (catching up on anything missed).
      expect(await waitFor(async () => woken === 1, 10_000)).toBe(true);
      // Another process: its own connection, not this Database's pool.
      const other = await Database.open(
        { type: 'postgres', url: TEST_POSTGRES_URL, schema: (db.dataSource.options as { schema: string }).schema },
        { migrate: false },
      );
      try {
        const otherOutbox = new OutboxRepository(other);
        await expect(
          other.transaction(async (em) => {
            await otherOutbox.insertMany(
              em,
              [{ messageId: id(20), topic: 't', recordKey: 'k', value: Buffer.alloc(1) }],
              new Date(),
            );
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        await other.transaction((em) =>
          otherOutbox.insertMany(
            em,
            [{ messageId: id(21), topic: 't', recordKey: 'k', value: Buffer.alloc(1) }],
            new Date(),
          ),
        );
      } finally {
        await other.close();
      }
      expect(await waitFor(async () => woken === 2, 10_000)).toBe(true);
      // A gateway in another schema of the same database does not wake this one.
      const pg = new Client({ connectionString: TEST_POSTGRES_URL });
      await pg.connect();
      await pg.query(`SELECT pg_notify('xietong_outbox_t_some_other_gateway', NULL)`);
      await pg.end();
      expect(woken).toBe(2);
    } finally {
      await stop?.();
    }
  });
});
