import { In, type EntityManager } from 'typeorm';
import type { Database } from './database';
import type { CaseRecord } from './records';
import { chunks, insertRows, instant } from './sql';

export interface CaseFilter {
  kind?: 'LEAD' | 'COMPLAINT';
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

const COLUMNS: [string, keyof CaseRecord][] = [
  ['kind', 'kind'],
  ['case_no', 'caseNo'],
  ['partner', 'partner'],
  ['role', 'role'],
  ['state', 'state'],
  ['risk_tier', 'riskTier'],
  ['subject', 'subject'],
  ['received_on', 'receivedOn'],
  ['clock', 'clock'],
  ['clock_start', 'clockStart'],
  ['due_on', 'dueOn'],
  ['due_provisional', 'dueProvisional'],
  ['reminders', 'reminders'],
  ['last_reminder_at', 'lastReminderAt'],
  ['flags', 'flags'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
];
const KEY = ['kind', 'case_no', 'partner'];

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
        const rows = await em
          .getRepository(this.db.entities.caseFile)
          .find({ where: { kind: kind as CaseRecord['kind'], caseNo: In(part) } });
        for (const r of rows) if (wanted.has(caseKey(r))) out.set(caseKey(r), r);
      }
    }
    return out;
  }

  /** Inserts or replaces whole rows (one statement per chunk). */
  async save(em: EntityManager, rows: CaseRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const update = COLUMNS.filter(([c]) => !KEY.includes(c))
      .map(([c]) => `"${c}" = excluded."${c}"`)
      .join(', ');
    const onConflict = `ON CONFLICT (${KEY.map((k) => `"${k}"`).join(', ')}) DO UPDATE SET ${update}`;
    await insertRows(
      em,
      this.db.dialect,
      'case_file',
      COLUMNS.map(([c]) => c),
      rows.map((r) => COLUMNS.map(([, f]) => r[f])),
      undefined,
      onConflict,
    );
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

  async find(kind: string, caseNo: string): Promise<CaseRecord[]> {
    return this.db.manager
      .getRepository(this.db.entities.caseFile)
      .find({ where: { kind: kind as CaseRecord['kind'], caseNo } });
  }
}

export const caseKey = (c: { kind: string; caseNo: string; partner: string }) => `${c.kind}/${c.caseNo}/${c.partner}`;
