import { In, type EntityManager } from 'typeorm';
import type { Database } from './database';
import type { QuarantineRecord } from './records';
import { QUARANTINE } from './schema/tables';
import { chunks } from './sql';

export type NewQuarantineRecord = Omit<QuarantineRecord, 'id'>;

/** What quarantining writes: everything but the generated id and the replay columns. */
const INSERTED = QUARANTINE.fields().filter(
  (f): f is Exclude<keyof QuarantineRecord, 'id' | 'replayedAt' | 'replayedBy'> =>
    f !== 'id' && f !== 'replayedAt' && f !== 'replayedBy',
);

/** Records that can never be valid, kept whole with a reason code. */
export class QuarantineRepository {
  constructor(private readonly db: Database) {}

  async insertMany(em: EntityManager, rows: NewQuarantineRecord[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const ids = await QUARANTINE.insert(em, this.db.dialect, INSERTED, rows, { returning: 'id' });
    return ids.map(String);
  }

  /** Which of these positions (`topic/partition/offset`) are quarantined already. */
  async quarantinedPositions(
    em: EntityManager,
    records: { topic: string; partition: number; offset: string }[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks(records, 3, 900)) {
      const rows = await em.getRepository(this.db.entities.quarantine).find({
        select: { topic: true, partition: true, offset: true },
        where: part.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset })),
      });
      for (const r of rows) found.add(`${r.topic}/${r.partition}/${r.offset}`);
    }
    return found;
  }

  async markDeadLettered(ids: string[], em?: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    const mark = async (m: EntityManager) => {
      for (const part of chunks(ids, 1))
        await m.getRepository(this.db.entities.quarantine).update({ id: In(part) }, { deadLettered: true });
    };
    await (em ? mark(em) : this.db.transaction(mark));
  }

  /**
   * Rows quarantined at or before `before` whose dead-letter copy was never acknowledged, oldest
   * first (row-locked on PostgreSQL, so two instances do not re-send the same row).
   */
  async claimNotDeadLettered(em: EntityManager, limit: number, before: Date): Promise<QuarantineRecord[]> {
    const qb = em
      .getRepository(this.db.entities.quarantine)
      .createQueryBuilder('q')
      .where('q.dead_lettered = :no AND q.received_at <= :before', { no: false, before })
      .orderBy('q.id', 'ASC')
      .limit(limit);
    if (this.db.dialect === 'postgres') qb.setLock('pessimistic_write').setOnLocked('skip_locked');
    return qb.getMany();
  }

  /** One quarantined record, row-locked on PostgreSQL until the transaction ends. */
  async claim(em: EntityManager, id: string): Promise<QuarantineRecord | null> {
    const qb = em.getRepository(this.db.entities.quarantine).createQueryBuilder('q').where('q.id = :id', { id });
    if (this.db.dialect === 'postgres') qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  async markReplayed(em: EntityManager, id: string, by: string, at: Date): Promise<void> {
    await em
      .getRepository(this.db.entities.quarantine)
      .update({ id }, { replayedAt: at, replayedBy: by.slice(0, 200) });
  }

  async list(reasonCode?: string, limit = 100): Promise<QuarantineRecord[]> {
    return this.db.manager.getRepository(this.db.entities.quarantine).find({
      where: reasonCode ? { reasonCode } : {},
      order: { id: 'DESC' },
      take: limit,
    });
  }

  async countsByReason(): Promise<Record<string, number>> {
    const rows: { reason_code: string; n: string | number }[] = await this.db.manager.query(
      'SELECT reason_code, COUNT(*) AS n FROM quarantine GROUP BY reason_code',
    );
    return Object.fromEntries(rows.map((r) => [r.reason_code, Number(r.n)]));
  }
}
