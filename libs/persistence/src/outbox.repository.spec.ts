import { recordingDatabase } from '../../../test/support/recording-database';
import { OutboxRepository } from './outbox.repository';

const NOW = new Date('2026-11-30T02:00:00.000Z');

describe('OutboxRepository', () => {
  it('claims rows in id order, read the same on SQLite (text instants, numeric ids)', async () => {
    const raw = (id: number) => ({
      id,
      message_id: `m-${id}`,
      topic: 't',
      record_key: 'k',
      value: Buffer.from([id]),
      attempts: 1,
      next_attempt_at: '2026-11-30 01:59:00.000',
      created_at: '2026-11-30 01:00:00.000',
    });
    const { db, em, queries } = recordingDatabase('better-sqlite3', () => [raw(10), raw(9)]);
    const rows = await new OutboxRepository(db).claim(em, 2, NOW);
    expect(queries[0].args).toEqual(['2026-11-30 02:00:00.000', 2]);
    expect(rows.map((r) => r.id)).toEqual(['9', '10']);
    expect(rows[0]).toEqual({
      id: '9',
      messageId: 'm-9',
      topic: 't',
      recordKey: 'k',
      value: Buffer.from([9]),
      status: 'pending',
      attempts: 1,
      nextAttemptAt: new Date('2026-11-30T01:59:00.000Z'),
      lastError: null,
      createdAt: new Date('2026-11-30T01:00:00.000Z'),
      sentAt: null,
    });
  });

  it('locks claimed rows on PostgreSQL, skipping those another relay holds', () => {
    expect(OutboxRepository.claimStatement('postgres')).toContain('FOR UPDATE SKIP LOCKED');
    expect(OutboxRepository.claimStatement('better-sqlite3')).not.toContain('FOR UPDATE');
  });

  it('wakes relays of other processes on PostgreSQL when it inserts, and not on SQLite', async () => {
    const row = { messageId: 'm-1', topic: 't', recordKey: 'k', value: Buffer.from([1]) };
    const pg = recordingDatabase('postgres');
    await new OutboxRepository(pg.db).insertMany(pg.em, [row], NOW);
    expect(pg.queries.map((q) => q.sql)).toEqual([
      expect.stringMatching(/^INSERT INTO outbox/),
      'SELECT pg_notify($1, NULL)',
    ]);
    expect(pg.queries[0].args).toEqual(['m-1', 't', 'k', row.value, 'pending', 0, NOW, NOW]);
    expect(pg.queries[1].args).toEqual(['xietong_outbox_t_spec']);
    const lite = recordingDatabase('better-sqlite3');
    await new OutboxRepository(lite.db).insertMany(lite.em, [row], NOW);
    expect(lite.queries).toHaveLength(1);
  });

  it('issues nothing for an empty batch', async () => {
    const { db, em, queries } = recordingDatabase('postgres');
    await new OutboxRepository(db).insertMany(em, [], NOW);
    expect(queries).toEqual([]);
  });

  it('backs off exponentially up to the cap, and truncates the stored error', async () => {
    const { db, em, queries } = recordingDatabase('postgres');
    const row = {
      id: '4',
      messageId: 'm',
      topic: 't',
      recordKey: 'k',
      value: Buffer.alloc(0),
      status: 'pending' as const,
      attempts: 2,
      nextAttemptAt: NOW,
      lastError: null,
      createdAt: NOW,
      sentAt: null,
    };
    const outbox = new OutboxRepository(db);
    await outbox.defer(em, [row], 'x'.repeat(3000), NOW, 60_000);
    await outbox.defer(em, [{ ...row, attempts: 30 }], 'e', NOW, 60_000);
    expect(queries[0].args).toEqual([3, 'x'.repeat(2000), new Date(NOW.getTime() + 1600), '4']);
    expect(queries[1].args).toEqual([31, 'e', new Date(NOW.getTime() + 60_000), '4']);
  });

  it('counts pending rows as a number whatever the driver returns', async () => {
    const { db } = recordingDatabase('postgres', () => [{ n: '42' }]);
    expect(await new OutboxRepository(db).pendingCount()).toBe(42);
  });

  it('reads when the oldest pending row was written, as an instant on SQLite too, and nothing when none waits', async () => {
    const sqlite = recordingDatabase('better-sqlite3', () => [{ oldest: '2026-11-30 01:00:00.000' }]);
    expect(await new OutboxRepository(sqlite.db).oldestPendingAt()).toEqual(new Date('2026-11-30T01:00:00.000Z'));
    expect(sqlite.queries[0].sql).toContain("status = 'pending'");
    const empty = recordingDatabase('postgres', () => [{ oldest: null }]);
    expect(await new OutboxRepository(empty.db).oldestPendingAt()).toBeUndefined();
  });
});
