import type { CaseKindName } from '@xietong/contracts';
import type { EntityManager } from 'typeorm';
import type { Database } from './database';
import type { CaseRecord } from './records';
import { CASE_FILE } from './schema/tables';
import { chunks, instant, params } from './sql';

export interface CaseFilter {
  kind?: CaseKindName;
  state?: string;
  partner?: string;
  role?: 'transferor' | 'handler';
  riskTier?: string;
  /** Only cases whose running clock ended before this local date. */
  overdueOn?: string;
  /** Only cases with a running clock never reminded, or last reminded at or before this instant. */
  remindableAt?: Date;
  createdFrom?: Date;
  createdTo?: Date;
  limit?: number;
  offset?: number;
}

/** Every column: a case row is read and written whole. */
const ALL = CASE_FILE.fields();
/** The primary key (kind, case_no, partner): kind leads it, so lookups go per kind. */
const KEY = CASE_FILE.names(CASE_FILE.primaryKey());

/** Case files: the lifecycle state and running clock of each lead and complaint. */
export class CaseRepository {
  constructor(private readonly db: Database) {}

  /** Current rows for these keys, by `kind/caseNo/partner`. */
  async load(
    em: EntityManager,
    keys: { kind: string; caseNo: string; partner: string }[],
  ): Promise<Map<string, CaseRecord>> {
    const out = new Map<string, CaseRecord>();
    const wanted = new Set(keys.map(caseKey));
    // kind leads the primary key: query per kind so the index serves the lookup.
    for (const kind of new Set(keys.map((k) => k.kind))) {
      const caseNos = [...new Set(keys.filter((k) => k.kind === kind).map((k) => k.caseNo))];
      for (const part of chunks(caseNos, 1)) {
        for (const r of await this.byNumber(em, kind, part)) if (wanted.has(caseKey(r))) out.set(caseKey(r), r);
      }
    }
    return out;
  }

  /** Inserts or replaces whole rows (one statement per chunk). */
  async save(em: EntityManager, rows: CaseRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const update = CASE_FILE.names(ALL)
      .filter((c) => !KEY.includes(c))
      .map((c) => `"${c}" = excluded."${c}"`)
      .join(', ');
    const onConflict = `ON CONFLICT (${KEY.map((k) => `"${k}"`).join(', ')}) DO UPDATE SET ${update}`;
    await CASE_FILE.insert(em, this.db.dialect, ALL, rows, { onConflict });
  }

  async list(f: CaseFilter): Promise<CaseRecord[]> {
    const qb = this.db.manager.getRepository(this.db.entities.caseFile).createQueryBuilder('c');
    if (f.kind) qb.andWhere('c.kind = :kind', { kind: f.kind });
    if (f.state) qb.andWhere('c.state = :state', { state: f.state });
    if (f.partner) qb.andWhere('c.partner = :partner', { partner: f.partner });
    if (f.role) qb.andWhere('c.role = :role', { role: f.role });
    if (f.riskTier) qb.andWhere('c.risk_tier = :tier', { tier: f.riskTier });
    if (f.overdueOn) qb.andWhere('c.due_on IS NOT NULL AND c.due_on < :today', { today: f.overdueOn });
    if (f.remindableAt) {
      qb.andWhere('c.clock IS NOT NULL AND (c.last_reminder_at IS NULL OR c.last_reminder_at <= :remindable)', {
        remindable: instant(this.db.dialect, f.remindableAt),
      });
    }
    if (f.createdFrom) qb.andWhere('c.created_at >= :from', { from: f.createdFrom });
    if (f.createdTo) qb.andWhere('c.created_at < :to', { to: f.createdTo });
    return qb
      .orderBy('c.due_on', 'ASC')
      .addOrderBy('c.case_no')
      .take(f.limit ?? 100)
      .skip(f.offset ?? 0)
      .getMany();
  }

  /**
   * Cases (of `role`) whose running clock ended before the local date `today`, counted by partner
   * and kind in SQL: one row per pair, whatever the number of cases.
   */
  async overdueCounts(
    today: string,
    role: CaseRecord['role'] = 'transferor',
  ): Promise<{ partner: string; kind: CaseRecord['kind']; n: number }[]> {
    const p = params(this.db.dialect, 2);
    const rows = (await this.db.manager.query(
      `SELECT partner, kind, COUNT(*) AS n FROM case_file
       WHERE role = ${p[0]} AND due_on IS NOT NULL AND due_on < ${p[1]}
       GROUP BY partner, kind ORDER BY partner, kind`,
      [role, today],
    )) as { partner: string; kind: CaseRecord['kind']; n: string | number }[];
    return rows.map((r) => ({ partner: r.partner, kind: r.kind, n: Number(r.n) }));
  }

  /**
   * For the leads this agency transferred in `[from, to)`: the local date the partner received
   * each one and the local (Asia/Shanghai) date of the partner's first CASE_RESULT, counted per
   * partner and pair of dates in SQL, so the rows returned stay bounded by the month's calendar.
   */
  async feedbackDates(
    from: Date,
    to: Date,
  ): Promise<{ partner: string; receivedOn: string; feedbackOn: string; n: number }[]> {
    const d = this.db.dialect;
    const p = params(d, 2);
    const localDate =
      d === 'postgres'
        ? `to_char(MIN(m.received_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`
        : `date(MIN(m.received_at), '+8 hours')`;
    const rows = (await this.db.manager.query(
      `SELECT f.partner, f.received_on, f.feedback_on, COUNT(*) AS n FROM (
         SELECT c.partner, c.case_no, c.received_on, ${localDate} AS feedback_on
         FROM case_file c JOIN message m
           ON m.correlation_id = c.case_no AND m.sender = c.partner AND m.direction = 'in' AND m.type = 'CASE_RESULT'
         WHERE c.kind = 'LEAD' AND c.role = 'transferor' AND c.received_on IS NOT NULL
           AND c.created_at >= ${p[0]} AND c.created_at < ${p[1]}
         GROUP BY c.partner, c.case_no, c.received_on
       ) f GROUP BY f.partner, f.received_on, f.feedback_on ORDER BY f.partner, f.received_on, f.feedback_on`,
      [instant(d, from), instant(d, to)],
    )) as { partner: string; received_on: string; feedback_on: string; n: string | number }[];
    return rows.map((r) => ({
      partner: r.partner,
      receivedOn: r.received_on,
      feedbackOn: r.feedback_on,
      n: Number(r.n),
    }));
  }

  /** The case files with this number (one per partner), by primary key. */
  async find(kind: string, caseNo: string): Promise<CaseRecord[]> {
    const rows = await this.byNumber(this.db.manager, kind, [caseNo]);
    return rows.sort((a, b) => (a.partner < b.partner ? -1 : a.partner > b.partner ? 1 : 0));
  }

  /**
   * Of these (kind, number) pairs, those two or more partners' cases share (`kind/caseNo`): a
   * number is the partner's own choice, so the console flags the pairs instead of assuming one.
   * One primary-key lookup per kind.
   */
  async sharedNumbers(keys: { kind: string; caseNo: string }[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const kind of new Set(keys.map((k) => k.kind))) {
      const caseNos = [...new Set(keys.filter((k) => k.kind === kind).map((k) => k.caseNo))];
      const p = params(this.db.dialect, caseNos.length + 1);
      const rows = (await this.db.manager.query(
        `SELECT case_no FROM case_file WHERE kind = ${p[0]} AND case_no IN (${p.slice(1).join(', ')})
         GROUP BY case_no HAVING COUNT(*) > 1`,
        [kind, ...caseNos],
      )) as { case_no: string }[];
      for (const r of rows) out.add(`${kind}/${r.case_no}`);
    }
    return out;
  }

  /** Whole rows of `kind` with these case numbers: a primary-key lookup (kind, case_no, then partner). */
  private async byNumber(em: EntityManager, kind: string, caseNos: string[]): Promise<CaseRecord[]> {
    const p = params(this.db.dialect, caseNos.length + 1);
    const rows = (await em.query(
      `SELECT ${CASE_FILE.list(ALL)} FROM case_file WHERE kind = ${p[0]} AND case_no IN (${p.slice(1).join(', ')})`,
      [kind, ...caseNos],
    )) as Record<string, unknown>[];
    return rows.map((r) => CASE_FILE.decode(r, ALL));
  }
}

export const caseKey = (c: { kind: string; caseNo: string; partner: string }) => `${c.kind}/${c.caseNo}/${c.partner}`;
