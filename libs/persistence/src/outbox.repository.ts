import { In, type EntityManager } from 'typeorm';
import type { Database } from './database';
import type { OutboxRecord } from './records';
import { chunks, insertRows } from './sql';

export type NewOutboxRecord = Pick<OutboxRecord, 'messageId' | 'topic' | 'recordKey' | 'value'>;

/** Records waiting to be signed and published by the relay. */
export class OutboxRepository {
  constructor(private readonly db: Database) {}

  async insertMany(em: EntityManager, rows: NewOutboxRecord[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    const columns = [
      'message_id',
      'topic',
      'record_key',
      'value',
      'status',
      'attempts',
      'next_attempt_at',
      'created_at',
    ];
    await insertRows(
      em,
      this.db.dialect,
      'outbox',
      columns,
      rows.map((r) => [r.messageId, r.topic, r.recordKey, r.value, 'pending', 0, now, now]),
    );
  }

  /**
   * The oldest due pending rows, locked for this transaction on PostgreSQL
   * (FOR UPDATE SKIP LOCKED) so several relays never take the same row.
   */
  async claim(em: EntityManager, limit: number, now: Date): Promise<OutboxRecord[]> {
    const qb = em
      .getRepository(this.db.entities.outbox)
      .createQueryBuilder('o')
      .where('o.status = :pending AND o.next_attempt_at <= :now', { pending: 'pending', now })
      .orderBy('o.id', 'ASC')
      .limit(limit);
    if (this.db.dialect === 'postgres') qb.setLock('pessimistic_write').setOnLocked('skip_locked');
    return qb.getMany();
  }

  async markSent(em: EntityManager, ids: string[], at: Date): Promise<void> {
    for (const part of chunks(ids, 1)) {
      await em
        .getRepository(this.db.entities.outbox)
        .update({ id: In(part) }, { status: 'sent', sentAt: at, lastError: null });
    }
  }

  /** Takes rows the broker can never accept out of the pending queue (the message row keeps the reason). */
  async markFailed(em: EntityManager, failed: { id: string; reason: string }[]): Promise<void> {
    for (const f of failed) {
      await em
        .getRepository(this.db.entities.outbox)
        .update({ id: f.id }, { status: 'failed', lastError: f.reason.slice(0, 2000) });
    }
  }

  /** Puts rows back for a later attempt with exponential backoff. */
  async defer(em: EntityManager, rows: OutboxRecord[], error: string, now: Date, maxBackoffMs: number): Promise<void> {
    for (const r of rows) {
      const attempts = r.attempts + 1;
      const delay = Math.min(maxBackoffMs, 200 * 2 ** Math.min(attempts, 20));
      await em
        .getRepository(this.db.entities.outbox)
        .update(
          { id: r.id },
          { attempts, lastError: error.slice(0, 2000), nextAttemptAt: new Date(now.getTime() + delay) },
        );
    }
  }

  async pendingCount(): Promise<number> {
    return this.db.manager.getRepository(this.db.entities.outbox).countBy({ status: 'pending' });
  }
}
