import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database } from './database';
import type { RowOf } from './schema/table-spec';
import { AUDIT_CHECKPOINT, AUDIT_EVENT, AUDIT_PENDING, AUDIT_WITNESS } from './schema/tables';
import { params } from './sql';

/** An event as written and read while pending (tx and id come from the database). */
const PENDING = ['occurredAt', 'kind', 'actor', 'messageId', 'caseNo', 'partner', 'detail'] as const;
/** A chain entry: every column of audit_event. */
const ENTRY = AUDIT_EVENT.fields();
const CHECKPOINT = AUDIT_CHECKPOINT.fields();
const WITNESSED = AUDIT_WITNESS.fields();

/** One data-flow event as the caller describes it. */
export interface AuditInput {
  kind: string;
  actor: string;
  messageId?: string | null;
  caseNo?: string | null;
  partner?: string | null;
  detail?: Record<string, unknown>;
  occurredAt?: Date;
}

/** A stored, chained entry. */
export interface AuditEntry {
  seq: number;
  occurredAt: string;
  kind: string;
  actor: string;
  messageId: string | null;
  caseNo: string | null;
  partner: string | null;
  detail: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of an entry: SHA-256 over the previous hash and the entry's fields, in a fixed order. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([e.seq, e.occurredAt, e.kind, e.actor, e.messageId, e.caseNo, e.partner, e.detail]);
  return createHash('sha256').update(e.prevHash).update('\n').update(canonical, 'utf8').digest('hex');
}

/**
 * Append-only, hash-chained audit log. Events are written in the transaction of the change they
 * record (so they commit or roll back with it) into audit_pending, without a lock; a chainer then
 * gives them gapless sequence numbers and hashes under the one-row chain head.
 */
export class AuditRepository {
  private readonly appendListeners: (() => void)[] = [];

  constructor(private readonly db: Database) {}

  /** Called after each {@link append} (inside the caller's transaction, so before it commits). */
  onAppend(listener: () => void): void {
    this.appendListeners.push(listener);
  }

  /**
   * Records events inside the caller's transaction without touching the chain: they become
   * chain entries when {@link chainPending} runs after the transaction is over.
   */
  async append(em: EntityManager, inputs: AuditInput[]): Promise<void> {
    if (inputs.length === 0) return;
    await AUDIT_PENDING.insert(
      em,
      this.db.dialect,
      PENDING,
      inputs.map((i) => ({
        occurredAt: i.occurredAt ?? new Date(),
        kind: i.kind,
        actor: i.actor.slice(0, 200),
        messageId: i.messageId ?? null,
        caseNo: i.caseNo ?? null,
        partner: i.partner ?? null,
        detail: JSON.stringify(i.detail ?? {}),
      })),
    );
    for (const listener of this.appendListeners) listener();
  }

  /**
   * Moves finished events into the chain, in a fixed order: on PostgreSQL those whose writing
   * transaction is older than every running one (their set can no longer grow), ordered by
   * transaction id then row id; on SQLite, where transactions run one at a time, by row id.
   * Returns how many entries were chained.
   */
  async chainPending(limit = 5000): Promise<number> {
    const postgres = this.db.dialect === 'postgres';
    // Polled a few times a second: when nothing waits, one index probe and no transaction, no lock.
    const next = (await this.db.manager.query(
      `SELECT id FROM audit_pending ORDER BY ${postgres ? 'tx, id' : 'id'} LIMIT 1`,
    )) as unknown[];
    if (next.length === 0) return 0;
    return this.db.transaction(async (em) => {
      const [head] = (await em.query(
        `SELECT seq, hash FROM audit_head WHERE id = 1${postgres ? ' FOR UPDATE' : ''}`,
      )) as { seq: string | number; hash: string }[];
      const pending = (await em.query(AuditRepository.pendingStatement(this.db.dialect, limit))) as Record<
        string,
        unknown
      >[];
      if (pending.length === 0) return 0;
      let seq = Number(head.seq);
      let prevHash = head.hash;
      const rows: AuditEntry[] = [];
      for (const raw of pending) {
        const p = AUDIT_PENDING.decode(raw, PENDING);
        seq++;
        const e = { seq, ...p, occurredAt: p.occurredAt.toISOString(), prevHash };
        const hash = entryHash(e);
        rows.push({ ...e, hash });
        prevHash = hash;
      }
      await AUDIT_EVENT.insert(
        em,
        this.db.dialect,
        ENTRY,
        rows.map((r) => ({ ...r, occurredAt: new Date(r.occurredAt) })),
      );
      const ids = pending.map((p) => Number(p.id));
      for (let i = 0; i < ids.length; i += 1000) {
        const part = ids.slice(i, i + 1000);
        await em.query(
          `DELETE FROM audit_pending WHERE id IN (${params(this.db.dialect, part.length).join(', ')})`,
          part,
        );
      }
      const p = params(this.db.dialect, 2);
      await em.query(`UPDATE audit_head SET seq = ${p[0]}, hash = ${p[1]} WHERE id = 1`, [seq, prevHash]);
      return rows.length;
    });
  }

  /**
   * The chainer's read of audit_pending: on PostgreSQL only rows whose transaction is older than
   * every running one, in transaction order (the ix_audit_pending_tx index); on SQLite by row id.
   */
  static pendingStatement(dialect: Database['dialect'], limit: number): string {
    const columns = AUDIT_PENDING.list(['id', ...PENDING]);
    return dialect === 'postgres'
      ? `SELECT ${columns} FROM audit_pending
         WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx, id LIMIT ${Number(limit)}`
      : `SELECT ${columns} FROM audit_pending ORDER BY id LIMIT ${Number(limit)}`;
  }

  /** Chains everything finished so far (tests, checkpoints, exports). */
  async chainAll(): Promise<void> {
    while ((await this.chainPending()) > 0);
  }

  /** Events written but not chained yet. */
  async pendingCount(): Promise<number> {
    const [r] = (await this.db.manager.query('SELECT COUNT(*) AS n FROM audit_pending')) as { n: string | number }[];
    return Number(r.n);
  }

  /**
   * Where the chain in the database starts when an archived prefix was pruned (archive prune): the
   * last archived entry's seq and hash, which the first remaining entry links to. Undefined: the
   * chain starts at genesis.
   */
  async anchor(): Promise<{ seq: number; hash: string; archive: number } | undefined> {
    const [r] = (await this.db.manager.query(
      'SELECT seq, audit_seq, audit_hash FROM archive WHERE pruned_at IS NOT NULL ORDER BY seq DESC LIMIT 1',
    )) as { seq: string | number; audit_seq: string | number; audit_hash: string }[];
    return r && Number(r.audit_seq) > 0
      ? { seq: Number(r.audit_seq), hash: String(r.audit_hash), archive: Number(r.seq) }
      : undefined;
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const [h] = (await this.db.manager.query('SELECT seq, hash FROM audit_head WHERE id = 1')) as {
      seq: string | number;
      hash: string;
    }[];
    return { seq: Number(h.seq), hash: h.hash };
  }

  /** Entries in sequence order, a page at a time, as stored (for verification and export). */
  async *entries(pageSize = 5000): AsyncGenerator<AuditEntry> {
    let after = 0;
    const p = params(this.db.dialect, 2);
    for (;;) {
      const rows = (await this.db.manager.query(
        `SELECT ${AUDIT_EVENT.list(ENTRY)} FROM audit_event WHERE seq > ${p[0]} ORDER BY seq LIMIT ${p[1]}`,
        [after, pageSize],
      )) as Record<string, unknown>[];
      if (rows.length === 0) return;
      for (const raw of rows) {
        const r = AUDIT_EVENT.decode(raw, ENTRY);
        yield { ...r, occurredAt: r.occurredAt.toISOString() };
      }
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /**
   * Stores a signed checkpoint, in the caller's transaction if one is given. Returns false if one
   * was stored at that entry already (that one is kept).
   */
  async saveCheckpoint(
    c: { seq: number; hash: string; signedAt: Date; jws: string },
    em?: EntityManager,
  ): Promise<boolean> {
    const insert = (m: EntityManager) =>
      AUDIT_CHECKPOINT.insert(m, this.db.dialect, CHECKPOINT, [c], {
        returning: 'seq',
        onConflict: 'ON CONFLICT ("seq") DO NOTHING',
      });
    const inserted = await (em ? insert(em) : this.db.transaction(insert));
    return inserted.length > 0;
  }

  /** The signed checkpoint at entry `seq`, if there is one. */
  async checkpointAt(seq: number): Promise<{ seq: number; hash: string; signedAt: Date; jws: string } | undefined> {
    const [r] = (await this.db.manager.query(
      `SELECT ${AUDIT_CHECKPOINT.list(CHECKPOINT)} FROM audit_checkpoint WHERE seq = ${params(this.db.dialect, 1)[0]}`,
      [seq],
    )) as Record<string, unknown>[];
    return r ? AUDIT_CHECKPOINT.decode(r, CHECKPOINT) : undefined;
  }

  /**
   * Entries after `afterSeq` that count toward the next checkpoint, up to `cap`: every entry except
   * those about messages of `uncountedTypes` only (the audit witnessing: an entry naming such a
   * message, or a publication listing nothing else), so that checkpoint traffic never begets
   * checkpoints.
   */
  async countedSince(afterSeq: number, uncountedTypes: readonly string[], cap: number): Promise<number> {
    // Markers in text order (SQLite's `?` are positional): after, the types twice, the cap.
    const n = uncountedTypes.length;
    const p = params(this.db.dialect, 2 + 2 * n);
    const types = (from: number) => p.slice(from, from + n).join(', ') || 'NULL';
    const listed =
      this.db.dialect === 'postgres'
        ? `jsonb_array_elements_text(e.detail::jsonb -> 'messages') AS x(id)`
        : `(SELECT j.value AS id FROM json_each(e.detail, '$.messages') j) x`;
    const [r] = (await this.db.manager.query(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit_event e WHERE e.seq > ${p[0]}
         AND NOT (e.message_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM message m WHERE m.message_id = e.message_id AND m.type IN (${types(1)})))
         AND NOT (e.kind = 'PUBLISHED' AND e.message_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM ${listed} WHERE NOT EXISTS
             (SELECT 1 FROM message m WHERE m.message_id = x.id AND m.type IN (${types(1 + n)}))))
         LIMIT ${p[p.length - 1]}) counted`,
      [afterSeq, ...uncountedTypes, ...uncountedTypes, cap],
    )) as { n: string | number }[];
    return Number(r.n);
  }

  /** Partners named by entries of `kinds` in (afterSeq, uptoSeq]: whom the chain exchanged with there. */
  async partnersBetween(afterSeq: number, uptoSeq: number, kinds: readonly string[]): Promise<string[]> {
    const p = params(this.db.dialect, 2 + kinds.length);
    const rows = (await this.db.manager.query(
      `SELECT DISTINCT partner FROM audit_event
       WHERE seq > ${p[0]} AND seq <= ${p[1]} AND partner IS NOT NULL AND kind IN (${p.slice(2).join(', ')})
       ORDER BY partner`,
      [afterSeq, uptoSeq, ...kinds],
    )) as { partner: string }[];
    return rows.map((r) => String(r.partner));
  }

  async checkpoints(): Promise<{ seq: number; hash: string; signedAt: string; jws: string }[]> {
    const rows = (await this.db.manager.query(
      `SELECT ${AUDIT_CHECKPOINT.list(CHECKPOINT)} FROM audit_checkpoint ORDER BY seq`,
    )) as Record<string, unknown>[];
    return rows.map((raw) => {
      const r = AUDIT_CHECKPOINT.decode(raw, CHECKPOINT);
      return { ...r, signedAt: r.signedAt.toISOString() };
    });
  }

  /** The newest signed checkpoint, if any. */
  async latestCheckpoint(): Promise<{ seq: number; hash: string } | undefined> {
    const [r] = (await this.db.manager.query(
      'SELECT seq, hash FROM audit_checkpoint ORDER BY seq DESC LIMIT 1',
    )) as Record<string, unknown>[];
    return r ? { seq: Number(r.seq), hash: String(r.hash) } : undefined;
  }

  /**
   * Stores witnessed checkpoints (either side), in the caller's transaction if one is given; a row
   * already held is kept as it was.
   */
  async saveWitnessed(rows: WitnessedCheckpoint[], em?: EntityManager): Promise<void> {
    if (rows.length === 0) return;
    const insert = (m: EntityManager) =>
      AUDIT_WITNESS.insert(m, this.db.dialect, WITNESSED, rows, {
        onConflict: 'ON CONFLICT ("agency", "seq", "witness") DO NOTHING',
      });
    await (em ? insert(em) : this.db.transaction(insert));
  }

  /**
   * When the oldest checkpoint of `agency` that no countersignature covers was signed: one signed
   * after the newest checkpoint a partner countersigned (a countersignature at seq N vouches for
   * every entry up to N). Undefined when every checkpoint is covered.
   */
  async unwitnessedSince(agency: string): Promise<Date | undefined> {
    const p = params(this.db.dialect, 1);
    const [r] = (await this.db.manager.query(
      `SELECT MIN(signed_at) AS since FROM audit_checkpoint
       WHERE seq > COALESCE((SELECT MAX(seq) FROM audit_witness WHERE agency = ${p[0]}), -1)`,
      [agency],
    )) as { since: Date | string | null }[];
    return r?.since == null ? undefined : AUDIT_CHECKPOINT.decode({ signed_at: r.since }, ['signedAt']).signedAt;
  }

  /** When each partner last countersigned a checkpoint of `agency` (as this gateway received it). */
  async lastCountersigned(agency: string): Promise<Map<string, Date>> {
    const p = params(this.db.dialect, 1);
    const rows = (await this.db.manager.query(
      `SELECT witness, MAX(witnessed_at) AS at FROM audit_witness WHERE agency = ${p[0]} GROUP BY witness`,
      [agency],
    )) as { witness: string; at: Date | string }[];
    return new Map(
      rows.map((r) => [String(r.witness), AUDIT_WITNESS.decode({ witnessed_at: r.at }, ['witnessedAt']).witnessedAt]),
    );
  }

  /** The checkpoint of `agency` at `seq` as `witness` witnessed it, if it did. */
  async witnessedAt(agency: string, seq: number, witness: string): Promise<WitnessedCheckpoint | undefined> {
    const p = params(this.db.dialect, 3);
    const rows = (await this.db.manager.query(
      `SELECT ${AUDIT_WITNESS.list(WITNESSED)} FROM audit_witness
       WHERE agency = ${p[0]} AND seq = ${p[1]} AND witness = ${p[2]}`,
      [agency, seq, witness],
    )) as Record<string, unknown>[];
    return rows.map(witnessedRow)[0];
  }

  /** Witnessed checkpoints, optionally of one agency's chain or by one witness, in seq order. */
  async witnessed(filter: { agency?: string; witness?: string } = {}): Promise<WitnessedCheckpoint[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const p = params(this.db.dialect, 2);
    if (filter.agency) {
      where.push(`agency = ${p[args.length]}`);
      args.push(filter.agency);
    }
    if (filter.witness) {
      where.push(`witness = ${p[args.length]}`);
      args.push(filter.witness);
    }
    const rows = (await this.db.manager.query(
      `SELECT ${AUDIT_WITNESS.list(WITNESSED)} FROM audit_witness
       ${where.length ? `WHERE ${where.join(' AND ')} ` : ''}ORDER BY agency, seq, witness`,
      args,
    )) as Record<string, unknown>[];
    return rows.map(witnessedRow);
  }
}

/** A signed audit checkpoint of `agency` with the countersignature of `witness` (a row of audit_witness). */
export type WitnessedCheckpoint = RowOf<typeof AUDIT_WITNESS.columns>;

function witnessedRow(r: Record<string, unknown>): WitnessedCheckpoint {
  return AUDIT_WITNESS.decode(r, WITNESSED);
}
