import type { EntityManager } from 'typeorm';
import type { Database } from './database';
import type { SignedRecordRow } from './message.repository';
import { MESSAGE, RETENTION_TALLY } from './schema/tables';
import { instant, params, storedInstant } from './sql';

/** A message holding personal data whose case ended before the cutoff. */
export interface ErasableMessage {
  messageId: string;
  caseNo: string;
  partner: string;
  state: string;
  closedAt: Date;
}

/** Tables the retention worker deletes from by age, with the instant column that ages them. */
export const AGED_TABLES = {
  quarantine: { column: 'received_at', where: '' },
  personal_data_access: { column: 'accessed_at', where: '' },
  // Published rows are deleted by the relay; what stays is refused for good (status failed).
  outbox: { column: 'created_at', where: `AND status = 'failed'` },
} as const;
export type AgedTable = keyof typeof AGED_TABLES;

const LOCKED = [
  'messageId',
  'direction',
  'type',
  'sender',
  'recipient',
  'signature',
  'manifestSerial',
  'zone',
  'correlationId',
  'causationId',
  'createdAt',
  'bodySchema',
  'body',
  'record',
  'erasedAt',
] as const;

/** One message as the eraser reads it under lock. */
export type ErasureRow = SignedRecordRow & { erasedAt: Date | null };

/**
 * The retention worker's statements: which messages' personal data is due for erasure, the
 * erasure itself, deletion by age in bounded batches, and the running totals `/metrics` reads.
 */
export class RetentionRepository {
  constructor(private readonly db: Database) {}

  /**
   * Messages of `types` not yet erased whose case of `kind` (this gateway's file with the partner
   * of the message) is in one of `states` and was last changed before `closedBefore`, by message
   * id after `after`.
   */
  async erasable(
    q: { types: readonly string[]; kind: string; states: readonly string[]; closedBefore: Date },
    limit: number,
    after = '',
  ): Promise<ErasableMessage[]> {
    if (q.types.length === 0 || q.states.length === 0) return [];
    const d = this.db.dialect;
    // Markers in text order: SQLite's `?` are positional.
    const p = params(d, q.types.length + q.states.length + 4);
    const kind = p[0];
    const types = p.slice(1, 1 + q.types.length).join(', ');
    const states = p.slice(1 + q.types.length, 1 + q.types.length + q.states.length).join(', ');
    const [before, from, max] = p.slice(1 + q.types.length + q.states.length);
    const rows = (await this.db.manager.query(
      `SELECT m.message_id, m.correlation_id, c.partner, c.state, c.updated_at
       FROM message m JOIN case_file c ON c.case_no = m.correlation_id AND c.kind = ${kind}
         AND c.partner = CASE WHEN m.direction = 'out' THEN m.recipient ELSE m.sender END
       WHERE m.type IN (${types}) AND m.erased_at IS NULL AND c.state IN (${states}) AND c.updated_at < ${before}
         AND m.message_id > ${from}
       ORDER BY m.message_id LIMIT ${max}`,
      [q.kind, ...q.types, ...q.states, instant(d, q.closedBefore), after, limit],
    )) as Record<string, unknown>[];
    return rows.map((r) => ({
      messageId: String(r.message_id),
      caseNo: String(r.correlation_id),
      partner: String(r.partner),
      state: String(r.state),
      closedAt: storedInstant(r.updated_at),
    }));
  }

  /** The message with its record bytes, locked until the transaction ends (PostgreSQL). */
  async lockForErasure(em: EntityManager, messageId: string): Promise<ErasureRow | null> {
    const [p] = params(this.db.dialect, 1);
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [raw] = (await em.query(`SELECT ${MESSAGE.list(LOCKED)} FROM message WHERE message_id = ${p}${lock}`, [
      messageId,
    ])) as Record<string, unknown>[];
    if (!raw) return null;
    const r = MESSAGE.decode(raw, LOCKED);
    return {
      messageId: r.messageId,
      direction: r.direction,
      type: r.type,
      sender: r.sender,
      recipient: r.recipient,
      signature: String(r.signature ?? ''),
      manifestSerial: r.manifestSerial,
      value: r.record ?? null,
      erasedAt: r.erasedAt ?? null,
      derived: {
        zone: r.zone,
        correlationId: r.correlationId,
        causationId: r.causationId,
        createdAt: r.createdAt,
        bodySchema: r.bodySchema,
        body: r.body,
      },
    };
  }

  /**
   * Replaces the body with its erased form and drops the record bytes, and deletes every other
   * copy of the record this gateway holds (quarantined or queued). Returns the copies deleted.
   */
  async markErased(em: EntityManager, messageId: string, body: string, at: Date): Promise<number> {
    const d = this.db.dialect;
    const p = params(d, 3);
    await em.query(`UPDATE message SET body = ${p[0]}, record = NULL, erased_at = ${p[1]} WHERE message_id = ${p[2]}`, [
      body,
      instant(d, at),
      messageId,
    ]);
    let copies = 0;
    for (const table of ['quarantine', 'outbox']) {
      const [q] = params(d, 1);
      copies += returnedRows(
        await em.query(`DELETE FROM ${table} WHERE message_id = ${q} RETURNING id`, [messageId]),
      ).length;
    }
    return copies;
  }

  /** Deletes up to `limit` rows of `table` older than `before`, oldest first; returns how many. */
  async deleteOlder(table: AgedTable, before: Date, limit: number): Promise<number> {
    const { column, where } = AGED_TABLES[table];
    const d = this.db.dialect;
    const [p1, p2] = params(d, 2);
    return this.db.transaction(
      async (em) =>
        returnedRows(
          await em.query(
            `DELETE FROM ${table} WHERE id IN
               (SELECT id FROM ${table} WHERE ${column} < ${p1} ${where} ORDER BY id LIMIT ${p2}) RETURNING id`,
            [instant(d, before), limit],
          ),
        ).length,
    );
  }

  /** How many rows {@link deleteOlder} would delete without a limit (dry run). */
  async countOlder(table: AgedTable, before: Date): Promise<number> {
    const { column, where } = AGED_TABLES[table];
    const [p] = params(this.db.dialect, 1);
    const [r] = (await this.db.manager.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} < ${p} ${where}`, [
      instant(this.db.dialect, before),
    ])) as { n: string | number }[];
    return Number(r.n);
  }

  /** Adds a run's figures to the running totals per class (a class with 0 still records the run). */
  async addToTally(em: EntityManager, counts: Record<string, number>, at: Date): Promise<void> {
    const d = this.db.dialect;
    for (const [cls, n] of Object.entries(counts)) {
      const p = params(d, 3);
      await em.query(
        `INSERT INTO retention_tally (class, total, last_run_at) VALUES (${p.join(', ')})
         ON CONFLICT (class) DO UPDATE SET total = retention_tally.total + excluded.total, last_run_at = excluded.last_run_at`,
        [cls, n, instant(d, at)],
      );
    }
  }

  /** Running totals per class, with the last run that touched each. */
  async tally(): Promise<{ class: string; total: number; lastRunAt: Date }[]> {
    const fields = RETENTION_TALLY.fields();
    const rows = (await this.db.manager.query(
      `SELECT ${RETENTION_TALLY.list(fields)} FROM retention_tally ORDER BY class`,
    )) as Record<string, unknown>[];
    return rows.map((r) => RETENTION_TALLY.decode(r, fields));
  }
}

/** PostgreSQL answers a statement with RETURNING by [rows, count] when it is not a SELECT, SQLite with rows. */
function returnedRows(raw: unknown): unknown[] {
  return (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as unknown[];
}
