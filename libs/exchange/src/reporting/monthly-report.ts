import { Injectable } from '@nestjs/common';
import { DomainError, openingType, REPORTED_TYPES } from '@xietong/contracts';
import { CaseRepository, MessageRepository } from '@xietong/persistence';
import { shanghaiDate, shanghaiMonthStart, WorkingDayCalendar } from '@xietong/workflow';
import { csvCell } from './csv';

export interface ReportRow {
  partner: string;
  type: string;
  sent: number;
  received: number;
  accepted: number;
  rejected: number;
  /** Cases opened by this type (transferred, requested) with the partner whose clock has run out (now). */
  overdue: number;
  /** Leads transferred this month: mean working days from receipt to the partner's first feedback. */
  avgFeedbackWorkingDays: number | null;
}

/**
 * The leading group office's monthly report: per partner and message type, what was sent and
 * received in the month (Asia/Shanghai), how the partner answered, what is overdue, and how long
 * partners took to feed back on transferred leads, in working days.
 */
@Injectable()
export class MonthlyReport {
  constructor(
    private readonly messages: MessageRepository,
    private readonly cases: CaseRepository,
    private readonly calendar: WorkingDayCalendar,
  ) {}

  async build(month: string, now = new Date()): Promise<{ month: string; rows: ReportRow[] }> {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
      throw new DomainError('VALIDATION_FAILED', `month must be YYYY-MM, got "${month}"`, 'month');
    const [y, m] = month.split('-').map(Number);
    const from = shanghaiMonthStart(y, m);
    const to = shanghaiMonthStart(y, m + 1);
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
    // Everything is counted in SQL: the rows read here stay bounded whatever the table sizes.
    for (const c of await this.messages.partnerCounts(from, to, REPORTED_TYPES)) {
      const r = row(c.partner, c.type);
      if (c.direction === 'out') {
        r.sent += c.n;
        if (c.status === 'accepted') r.accepted += c.n;
        if (c.status === 'rejected') r.rejected += c.n;
      } else r.received += c.n;
    }
    for (const c of await this.cases.overdueCounts(shanghaiDate(now)))
      row(c.partner, openingType(c.kind)).overdue += c.n;
    // Feedback time: leads this agency transferred in the month, until the partner's first CASE_RESULT.
    const spans = new Map<string, { days: number; n: number }>();
    for (const f of await this.cases.feedbackDates(from, to)) {
      const s = spans.get(f.partner) ?? { days: 0, n: 0 };
      s.days += this.calendar.workingDaysBetween(f.receivedOn, f.feedbackOn) * f.n;
      s.n += f.n;
      spans.set(f.partner, s);
    }
    for (const [partner, s] of spans)
      row(partner, 'LEAD').avgFeedbackWorkingDays = Math.round((s.days / s.n) * 10) / 10;
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
          [r.partner, r.type, r.sent, r.received, r.accepted, r.rejected, r.overdue, r.avgFeedbackWorkingDays ?? '']
            .map(csvCell)
            .join(','),
        ),
      ].join('\n') + '\n'
    );
  }
}
