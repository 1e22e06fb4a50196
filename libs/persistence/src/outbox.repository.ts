import type { EntityManager } from 'typeorm';
import type { Database } from './database';
import type { OutboxRecord } from './records';
import { OUTBOX } from './schema/tables';
import { chunks, instant, params, storedInstant } from './sql';

export type NewOutboxRecord = Pick<OutboxRecord, 'messageId' | 'topic' | 'recordKey' | 'value'>;

/** What an insert writes; the rest keeps its column default (id) or stays NULL until used. */
const INSERTED = [
  'messageId',
  'topic',
  'recordKey',
  'value',
  'status',
  'attempts',
  'nextAttemptAt',
  'createdAt',
] as const satisfies (keyof OutboxRecord)[];
/** What the relay reads of a claimed row. */
const CLAIMED = [
  'id',
  'messageId',
  'topic',
  'recordKey',
  'value',
  'attempts',
  'nextAttemptAt',
  'createdAt',
] as const satisfies (keyof OutboxRecord)[];

/** Records waiting to be signed and published by the relay. */
export class OutboxRepository {
  constructor(private readonly db: Database) {}

  async insertMany(em: EntityManager, rows: NewOutboxRecord[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    await OUTBOX.insert(
      em,
      this.db.dialect,
      INSERTED,
      rows.map((r) => ({ ...r, status: 'pending' as const, attempts: 0, nextAttemptAt: now, createdAt: now })),
    );
    // Wakes relays in other processes when this transaction commits (in-process: OutboxSignal).
    const channel = this.db.channel('outbox');
    if (channel) await em.query('SELECT pg_notify($1, NULL)', [channel]);
  }

  /**
   * PostgreSQL: calls `onPending` whenever another transaction commits new outbox rows, so an idle
   * relay need not poll; undefined on SQLite (one process: the in-process signal suffices).
   */
  async watch(onPending: () => void, onError: (e: Error) => void): Promise<(() => Promise<void>) | undefined> {
    const channel = this.db.channel('outbox');
    return channel ? this.db.listen(channel, onPending, onError) : undefined;
  }

  /**
   * The oldest due pending rows, locked for this transaction on PostgreSQL
   * (FOR UPDATE SKIP LOCKED) so several relays never take the same row. An ordered scan of the
   * partial index over pending rows (ix_outbox_claim): no sort, and no row outside the queue read.
   */
  async claim(em: EntityManager, limit: number, now: Date): Promise<OutboxRecord[]> {
    const d = this.db.dialect;
    const rows = (await em.query(OutboxRepository.claimStatement(d), [instant(d, now), limit])) as Record<
      string,
      unknown
    >[];
    rows.sort((x, y) => Number(x.id) - Number(y.id));
    return rows.map((r) => ({ ...OUTBOX.decode(r, CLAIMED), status: 'pending', lastError: null, sentAt: null }));
  }

  /**
   * The claim: ids in queue order from the partial index (locked, skipping rows another relay
   * holds), then the claimed rows' values by primary key, so no value is read or sorted for a row
   * that is not taken. Parameters: now, limit.
   */
  static claimStatement(dialect: Database['dialect']): string {
    const p = params(dialect, 2);
    const lock = dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    return `WITH claimed AS (SELECT id FROM outbox
        WHERE status = 'pending' AND next_attempt_at <= ${p[0]} ORDER BY id LIMIT ${p[1]}${lock})
      SELECT ${OUTBOX.list(CLAIMED, 'o')}
      FROM outbox o WHERE o.id IN (SELECT id FROM claimed)`;
  }

  /**
   * Published rows leave the queue: deleted by primary key, so the outbox holds only work still to
   * do (the message row keeps the published bytes and the send time).
   */
  async markSent(em: EntityManager, ids: string[], _at: Date): Promise<void> {
    for (const part of chunks(ids, 1)) {
      await em.query(`DELETE FROM outbox WHERE id IN (${params(this.db.dialect, part.length).join(', ')})`, part);
    }
  }

  /** Takes rows the broker can never accept out of the pending queue (the message row keeps the reason). */
  async markFailed(em: EntityManager, failed: { id: string; reason: string }[]): Promise<void> {
    const p = params(this.db.dialect, 2);
    for (const f of failed) {
      await em.query(`UPDATE outbox SET status = 'failed', last_error = ${p[0]} WHERE id = ${p[1]}`, [
        f.reason.slice(0, 2000),
        f.id,
      ]);
    }
  }

  /** Puts rows back for a later attempt with exponential backoff. */
  async defer(em: EntityManager, rows: OutboxRecord[], error: string, now: Date, maxBackoffMs: number): Promise<void> {
    const d = this.db.dialect;
    const p = params(d, 4);
    for (const r of rows) {
      const attempts = r.attempts + 1;
      const delay = Math.min(maxBackoffMs, 200 * 2 ** Math.min(attempts, 20));
      await em.query(
        `UPDATE outbox SET attempts = ${p[0]}, last_error = ${p[1]}, next_attempt_at = ${p[2]} WHERE id = ${p[3]}`,
        [attempts, error.slice(0, 2000), instant(d, new Date(now.getTime() + delay)), r.id],
      );
    }
  }

  /** Rows still to publish (the partial index alone answers it). */
  async pendingCount(): Promise<number> {
    const [r] = (await this.db.manager.query(`SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'`)) as {
      n: string | number;
    }[];
    return Number(r.n);
  }

  /** Where a message's row stands in the queue (null once published: a published row is deleted). */
  async findByMessageId(messageId: string): Promise<Pick<OutboxRecord, 'status' | 'attempts' | 'lastError'> | null> {
    return this.db.manager.getRepository(this.db.entities.outbox).findOne({
      select: { status: true, attempts: true, lastError: true },
      where: { messageId },
    });
  }

  /** When the oldest row still waiting to be published was written (undefined when none waits). */
  async oldestPendingAt(): Promise<Date | undefined> {
    const [r] = (await this.db.manager.query(
      `SELECT MIN(created_at) AS oldest FROM outbox WHERE status = 'pending'`,
    )) as { oldest: unknown }[];
    return r?.oldest === null || r?.oldest === undefined ? undefined : storedInstant(r.oldest);
  }
}
