import { Between, In, Not } from 'typeorm';
import type { Database } from './database';
import type { MessageRecord, QuarantineRecord } from './records';
import type { Direction, MessageStatus } from './schema/tables';

/** A message as the console's lists show it: no body, no record bytes. */
export type MessageSummary = Pick<
  MessageRecord,
  | 'messageId'
  | 'direction'
  | 'type'
  | 'sender'
  | 'recipient'
  | 'status'
  | 'reasonCode'
  | 'correlationId'
  | 'createdAt'
  | 'receiptAt'
>;

/** What the flow figures need of a message. */
export type FlowRow = Pick<
  MessageRecord,
  'direction' | 'type' | 'sender' | 'recipient' | 'status' | 'correlationId' | 'createdAt'
>;

export interface MessagePageFilter {
  direction?: Direction;
  type?: string;
  status?: MessageStatus;
  partner?: string;
  correlationId?: string;
  limit: number;
  offset: number;
}

export interface QuarantinePageFilter {
  reasonCode?: string;
  replayed?: boolean;
  limit: number;
  offset: number;
}

const MAX_ROWS = 200_000;

/**
 * The reads of the web console (libs/console) that no other repository answers: flows over a
 * period, the first feedback per lead, and the paged message and quarantine lists with their
 * filters. The console itself holds no SQL.
 */
export class ConsoleQueryRepository {
  constructor(private readonly db: Database) {}

  /**
   * Messages created in `[from, to)`: of one type, or of every type but `excludedTypes` (the
   * protocol's receipts and witnessing), oldest first.
   */
  async flowRows(from: Date, to: Date, types: { type?: string; excludedTypes: readonly string[] }): Promise<FlowRow[]> {
    return this.db.manager.getRepository(this.db.entities.message).find({
      select: {
        direction: true,
        type: true,
        sender: true,
        recipient: true,
        status: true,
        correlationId: true,
        createdAt: true,
      },
      where: {
        createdAt: Between(from, new Date(to.getTime() - 1)),
        type: types.type ?? Not(In([...types.excludedTypes])),
      },
      order: { createdAt: 'ASC' },
      take: MAX_ROWS,
    });
  }

  /** When the first CASE_RESULT from each partner about each case arrived: key `partner/caseNo`. */
  async firstCaseResults(): Promise<Map<string, Date>> {
    const results = await this.db.manager.getRepository(this.db.entities.message).find({
      select: { sender: true, correlationId: true, receivedAt: true, createdAt: true },
      where: { direction: 'in', type: 'CASE_RESULT' },
      take: MAX_ROWS,
    });
    const firsts = new Map<string, Date>();
    for (const r of results) {
      const key = `${r.sender}/${r.correlationId}`;
      const at = r.receivedAt ?? r.createdAt;
      if (!firsts.has(key) || firsts.get(key)! > at) firsts.set(key, at);
    }
    return firsts;
  }

  /** One page of messages sent and received, newest first; `partner` is either side. */
  async messagePage(f: MessagePageFilter): Promise<MessageSummary[]> {
    const where = defined({
      direction: f.direction,
      type: f.type,
      status: f.status,
      correlationId: f.correlationId,
    });
    return this.db.manager.getRepository(this.db.entities.message).find({
      select: {
        messageId: true,
        direction: true,
        type: true,
        sender: true,
        recipient: true,
        status: true,
        reasonCode: true,
        correlationId: true,
        createdAt: true,
        receiptAt: true,
      },
      where: f.partner
        ? [
            { ...where, sender: f.partner },
            { ...where, recipient: f.partner },
          ]
        : where,
      order: { createdAt: 'DESC', messageId: 'ASC' },
      take: f.limit,
      skip: f.offset,
    });
  }

  /** One page of quarantined records, newest first. */
  async quarantinePage(f: QuarantinePageFilter): Promise<QuarantineRecord[]> {
    const qb = this.db.manager.getRepository(this.db.entities.quarantine).createQueryBuilder('q');
    if (f.reasonCode) qb.andWhere('q.reason_code = :reason', { reason: f.reasonCode });
    if (f.replayed === true) qb.andWhere('q.replayed_at IS NOT NULL');
    if (f.replayed === false) qb.andWhere('q.replayed_at IS NULL');
    return qb.orderBy('q.id', 'DESC').take(f.limit).skip(f.offset).getMany();
  }

  /** Quarantined records per reason code, in code order. */
  async quarantineCounts(): Promise<{ reasonCode: string; n: number }[]> {
    const rows = (await this.db.manager.query(
      'SELECT reason_code, COUNT(*) AS n FROM quarantine GROUP BY reason_code ORDER BY reason_code',
    )) as { reason_code: string; n: string | number }[];
    return rows.map((r) => ({ reasonCode: r.reason_code, n: Number(r.n) }));
  }

  async quarantined(id: string): Promise<QuarantineRecord | null> {
    return this.db.manager.getRepository(this.db.entities.quarantine).findOneBy({ id });
  }
}

/** TypeORM refuses undefined in a where object: keep only the filters that are set. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
