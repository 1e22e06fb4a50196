import type { EntityManager } from 'typeorm';
import type { Database } from './database';
import type { RowOf } from './schema/table-spec';
import {
  ARCHIVE,
  AUDIT_CHECKPOINT,
  AUDIT_EVENT,
  AUDIT_WITNESS,
  CHECKPOINT_TIMESTAMP,
  MESSAGE,
  type MessageStatus,
} from './schema/tables';
import { instant, params } from './sql';
import type { AuditEntry, WitnessedCheckpoint } from './audit.repository';

/** One archive `archive export` wrote (a row of the archive table). */
export type ArchiveRow = RowOf<typeof ARCHIVE.columns>;
/** A message row with every column, the signed record bytes included. */
export type ArchivedMessage = RowOf<typeof MESSAGE.columns>;
/** A signed checkpoint with its RFC 3161 token, if one was obtained. */
export interface ArchivedCheckpoint {
  seq: number;
  hash: string;
  signedAt: Date;
  jws: string;
  token: Buffer | null;
}

/** What one archive period holds, read from the database in a fixed order. */
export interface ArchiveContent {
  messages: ArchivedMessage[];
  audit: AuditEntry[];
  checkpoints: ArchivedCheckpoint[];
  countersignatures: WitnessedCheckpoint[];
}

const ARCHIVE_FIELDS = ARCHIVE.fields();
const MESSAGE_FIELDS = MESSAGE.fields();
const ENTRY = AUDIT_EVENT.fields();
const WITNESSED = AUDIT_WITNESS.fields();
/** Messages still on their way: never pruned, whatever their age. */
const UNSETTLED: MessageStatus[] = ['pending', 'sent'];

/**
 * The archives of a gateway's records, receipts and audit trail: what a period holds, which
 * periods were archived, and the pruning of archived rows.
 */
export class ArchiveRepository {
  constructor(private readonly db: Database) {}

  async all(): Promise<ArchiveRow[]> {
    const rows = (await this.db.manager.query(
      `SELECT ${ARCHIVE.list(ARCHIVE_FIELDS)} FROM archive ORDER BY seq`,
    )) as Record<string, unknown>[];
    return rows.map((r) => ARCHIVE.decode(r, ARCHIVE_FIELDS));
  }

  async last(): Promise<ArchiveRow | undefined> {
    const rows = (await this.db.manager.query(
      `SELECT ${ARCHIVE.list(ARCHIVE_FIELDS)} FROM archive ORDER BY seq DESC LIMIT 1`,
    )) as Record<string, unknown>[];
    return rows.map((r) => ARCHIVE.decode(r, ARCHIVE_FIELDS))[0];
  }

  /** Records an archive written; false if one with that seq exists (another export won). */
  async save(row: ArchiveRow): Promise<boolean> {
    const inserted = await this.db.transaction((em) =>
      ARCHIVE.insert(em, this.db.dialect, ARCHIVE_FIELDS, [row], {
        returning: 'seq',
        onConflict: 'ON CONFLICT ("seq") DO NOTHING',
      }),
    );
    return inserted.length > 0;
  }

  /** Whether every row created before `upTo` is in an archive (an archive's period reaches it). */
  async covers(upTo: Date): Promise<boolean> {
    const [r] = (await this.db.manager.query(
      `SELECT COUNT(*) AS n FROM archive WHERE until_at >= ${params(this.db.dialect, 1)[0]}`,
      [instant(this.db.dialect, upTo)],
    )) as { n: string | number }[];
    return Number(r.n) > 0;
  }

  /**
   * The content of the period [from, until) after the audit entry `afterSeq`: messages (records
   * and receipts) created in the period; the audit entries from `afterSeq` + 1 to the last one that
   * occurred before `until` (a contiguous piece of the chain); the checkpoints at those entries.
   * Countersignatures come from {@link countersignatures}.
   */
  async content(agency: string, from: Date, until: Date, afterSeq: number): Promise<ArchiveContent> {
    const d = this.db.dialect;
    const p = params(d, 2);
    const messages = (
      (await this.db.manager.query(
        `SELECT ${MESSAGE.list(MESSAGE_FIELDS)} FROM message
         WHERE created_at >= ${p[0]} AND created_at < ${p[1]} ORDER BY created_at, message_id`,
        [instant(d, from), instant(d, until)],
      )) as Record<string, unknown>[]
    ).map((r) => MESSAGE.decode(r, MESSAGE_FIELDS));
    const [last] = (await this.db.manager.query(`SELECT MAX(seq) AS seq FROM audit_event WHERE occurred_at < ${p[0]}`, [
      instant(d, until),
    ])) as { seq: string | number | null }[];
    const uptoSeq = Math.max(afterSeq, Number(last?.seq ?? 0));
    const range = [afterSeq, uptoSeq];
    const audit = (
      (await this.db.manager.query(
        `SELECT ${AUDIT_EVENT.list(ENTRY)} FROM audit_event WHERE seq > ${p[0]} AND seq <= ${p[1]} ORDER BY seq`,
        range,
      )) as Record<string, unknown>[]
    ).map((raw) => {
      const r = AUDIT_EVENT.decode(raw, ENTRY);
      return { ...r, occurredAt: r.occurredAt.toISOString() };
    });
    const checkpoints = (
      (await this.db.manager.query(
        `SELECT c.seq, c.hash, c.signed_at, c.jws, t.token FROM audit_checkpoint c
         LEFT JOIN checkpoint_timestamp t ON t.seq = c.seq
         WHERE c.seq > ${p[0]} AND c.seq <= ${p[1]} ORDER BY c.seq`,
        range,
      )) as Record<string, unknown>[]
    ).map((r) => ({
      ...AUDIT_CHECKPOINT.decode(r, ['seq', 'hash', 'signedAt', 'jws']),
      token: CHECKPOINT_TIMESTAMP.decode(r, ['token']).token ?? null,
    }));
    return { messages, audit, checkpoints, countersignatures: [] };
  }

  /**
   * Deletes what the archives up to `archive` hold and is older than its `until`: settled messages
   * created before it, the audit entries up to its `auditSeq`, the checkpoints (and their tokens)
   * at those entries (countersignatures stay: small, and one may still be on its way). The audit chain then starts after the
   * archive's anchor ({@link AuditRepository.anchor}). Returns the rows deleted per table.
   */
  async prune(agency: string, archive: ArchiveRow, now = new Date()): Promise<Record<string, number>> {
    const d = this.db.dialect;
    return this.db.transaction(async (em) => {
      const counts: Record<string, number> = {};
      const del = async (name: string, sql: string, args: unknown[]) => {
        counts[name] = await deleted(em, sql, args);
      };
      const u = params(d, 1 + UNSETTLED.length);
      await del(
        'message',
        `DELETE FROM message WHERE created_at < ${u[0]} AND status NOT IN (${u.slice(1).join(', ')})`,
        [instant(d, archive.untilAt), ...UNSETTLED],
      );
      const p = params(d, 2);
      await del('audit_event', `DELETE FROM audit_event WHERE seq <= ${p[0]}`, [archive.auditSeq]);
      await del('checkpoint_timestamp', `DELETE FROM checkpoint_timestamp WHERE seq <= ${p[0]}`, [archive.auditSeq]);
      await del('audit_checkpoint', `DELETE FROM audit_checkpoint WHERE seq <= ${p[0]}`, [archive.auditSeq]);
      await em.query(`UPDATE archive SET pruned_at = ${p[0]} WHERE seq <= ${p[1]} AND pruned_at IS NULL`, [
        instant(d, now),
        archive.seq,
      ]);
      return counts;
    });
  }

  /**
   * The countersignatures of `agency`'s checkpoints at the given (seq, witness) pairs: those whose
   * arrival an archive's audit entries record (a countersignature comes back after its checkpoint
   * was signed, often after that checkpoint's period was archived).
   */
  async countersignatures(agency: string, pairs: { seq: number; witness: string }[]): Promise<WitnessedCheckpoint[]> {
    if (pairs.length === 0) return [];
    const seqs = [...new Set(pairs.map((x) => x.seq))];
    const p = params(this.db.dialect, 1 + seqs.length);
    const rows = (
      (await this.db.manager.query(
        `SELECT ${AUDIT_WITNESS.list(WITNESSED)} FROM audit_witness
         WHERE agency = ${p[0]} AND seq IN (${p.slice(1).join(', ')}) ORDER BY seq, witness`,
        [agency, ...seqs],
      )) as Record<string, unknown>[]
    ).map((r) => AUDIT_WITNESS.decode(r, WITNESSED));
    return rows.filter((r) => pairs.some((x) => x.seq === r.seq && x.witness === r.witness));
  }

  /** Stores the RFC 3161 token of checkpoint `seq` (a token already stored is kept). */
  async saveCheckpointToken(seq: number, token: Buffer, genTime: Date): Promise<void> {
    await this.db.transaction((em) =>
      CHECKPOINT_TIMESTAMP.insert(em, this.db.dialect, ['seq', 'token', 'genTime'], [{ seq, token, genTime }], {
        onConflict: 'ON CONFLICT ("seq") DO NOTHING',
      }),
    );
  }

  /** Signed checkpoints without a token yet, oldest first. */
  async checkpointsWithoutToken(limit = 20): Promise<{ seq: number; jws: string }[]> {
    const rows = (await this.db.manager.query(
      `SELECT c.seq, c.jws FROM audit_checkpoint c
       WHERE NOT EXISTS (SELECT 1 FROM checkpoint_timestamp t WHERE t.seq = c.seq) ORDER BY c.seq LIMIT ${Number(limit)}`,
    )) as Record<string, unknown>[];
    return rows.map((r) => AUDIT_CHECKPOINT.decode(r, ['seq', 'jws']));
  }
}

/** Runs a DELETE and returns how many rows it removed (RETURNING: pg answers [rows, count], SQLite the rows). */
async function deleted(em: EntityManager, sql: string, args: unknown[]): Promise<number> {
  const r = (await em.query(`${sql} RETURNING 1 AS x`, args)) as unknown[];
  if (r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number') return r[1];
  return r.length;
}
