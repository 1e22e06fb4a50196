import { DomainError } from '@xietong/contracts';
import type { CaseRepository, Database } from '@xietong/persistence';
import { shanghaiDate, type WorkingDayCalendar } from '@xietong/workflow';

export interface ReportRow {
  partner: string;
  type: string;
  sent: number;
  received: number;
  accepted: number;
  rejected: number;
  /** Cases of this type transferred to the partner whose clock has run out (now). */
  overdue: number;
  /** Leads transferred this month: mean working days from receipt to the partner's first feedback. */
  avgFeedbackWorkingDays: number | null;
}

const BUSINESS = ['LEAD', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT', 'REMINDER'];

/**
 * The leading group office's monthly report: per partner and message type, what was sent and
 * received in the month (Asia/Shanghai), how the partner answered, what is overdue, and how long
 * partners took to feed back on transferred leads, in working days.
 */
export class MonthlyReport {
  constructor(
    private readonly db: Database,
    private readonly cases: CaseRepository,
    private readonly calendar: WorkingDayCalendar,
  ) {}

  async build(month: string, now = new Date()): Promise<{ month: string; rows: ReportRow[] }> {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
      throw new DomainError('VALIDATION_FAILED', `month must be YYYY-MM, got "${month}"`, 'month');
    const [y, m] = month.split('-').map(Number);
    const from = new Date(Date.UTC(y, m - 1, 1) - 8 * 3_600_000);
    const to = new Date(Date.UTC(y, m, 1) - 8 * 3_600_000);
    const p = this.db.dialect === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    const args =
      this.db.dialect === 'postgres'
        ? [from, to]
        : [from, to].map((d) => d.toISOString().replace('T', ' ').replace('Z', ''));
    const messages = (await this.db.manager.query(
      `SELECT direction, type, sender, recipient, status, correlation_id, created_at, received_at FROM message WHERE created_at >= ${p[0]} AND created_at < ${p[1]}`,
      args,
    )) as {
      direction: string;
      type: string;
      sender: string;
      recipient: string;
      status: string;
      correlation_id: string;
      received_at: unknown;
    }[];
    const rows = new Map<string, ReportRow>();
    const row = (partner: string, type: string) => {
      const key = `${partner}/${type}`;
      let r = rows.get(key);
      if (!r)
        rows.set(
          key,
          (r = {
            partner,
            type,
            sent: 0,
            received: 0,
            accepted: 0,
            rejected: 0,
            overdue: 0,
            avgFeedbackWorkingDays: null,
          }),
        );
      return r;
    };
    for (const msg of messages.filter((x) => BUSINESS.includes(x.type))) {
      if (msg.direction === 'out') {
        const r = row(msg.recipient, msg.type);
        r.sent++;
        if (msg.status === 'accepted') r.accepted++;
        if (msg.status === 'rejected') r.rejected++;
      } else row(msg.sender, msg.type).received++;
    }
    const today = shanghaiDate(now);
    for (const c of await this.cases.list({ role: 'transferor', overdueOn: today, limit: 100_000 }))
      row(c.partner, c.kind).overdue++;
    // Feedback time: leads this agency transferred in the month, until the partner's first CASE_RESULT.
    const transferred = await this.cases.list({
      kind: 'LEAD',
      role: 'transferor',
      createdFrom: from,
      createdTo: to,
      limit: 100_000,
    });
    const feedback = (await this.db.manager.query(
      `SELECT sender, correlation_id, MIN(received_at) AS first_at FROM message WHERE direction = 'in' AND type = 'CASE_RESULT' GROUP BY sender, correlation_id`,
    )) as {
      sender: string;
      correlation_id: string;
      first_at: unknown;
    }[];
    const firstFeedback = new Map(
      feedback.map((f) => [
        `${f.sender}/${f.correlation_id}`,
        new Date(this.db.dialect === 'postgres' ? (f.first_at as Date) : `${String(f.first_at).replace(' ', 'T')}Z`),
      ]),
    );
    const spans = new Map<string, number[]>();
    for (const c of transferred) {
      const at = firstFeedback.get(`${c.partner}/${c.caseNo}`);
      if (!c.receivedOn || !at) continue;
      spans.set(c.partner, [
        ...(spans.get(c.partner) ?? []),
        this.calendar.workingDaysBetween(c.receivedOn, shanghaiDate(at)),
      ]);
    }
    for (const [partner, days] of spans)
      row(partner, 'LEAD').avgFeedbackWorkingDays =
        Math.round((days.reduce((a, b) => a + b, 0) / days.length) * 10) / 10;
    return {
      month,
      rows: [...rows.values()].sort((a, b) => a.partner.localeCompare(b.partner) || a.type.localeCompare(b.type)),
    };
  }

  static csv(report: { rows: ReportRow[] }): string {
    const header = 'partner,type,sent,received,accepted,rejected,overdue,avg_feedback_working_days';
    return (
      [
        header,
        ...report.rows.map((r) =>
          [
            r.partner,
            r.type,
            r.sent,
            r.received,
            r.accepted,
            r.rejected,
            r.overdue,
            r.avgFeedbackWorkingDays ?? '',
          ].join(','),
        ),
      ].join('\n') + '\n'
    );
  }
}
