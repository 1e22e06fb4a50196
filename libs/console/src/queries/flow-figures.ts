import { Injectable } from '@nestjs/common';
import { PROTOCOL_TYPES } from '@xietong/contracts';
import { CaseRepository, ConsoleQueryRepository, type FlowRow, type MessageRecord } from '@xietong/persistence';
import {
  formatLocalDate,
  parseLocalDate,
  shanghaiDate,
  shanghaiDayStart,
  TimeLimits,
  WorkingDayCalendar,
} from '@xietong/workflow';

export type Granularity = 'day' | 'week' | 'month';
export type SeriesBy = 'partner' | 'type' | 'outcome';

export interface FlowFilter {
  from: string;
  to: string;
  partner?: string;
  type?: string;
}

export interface Kpis {
  sent: number;
  received: number;
  accepted: number;
  rejected: number;
  /** Cases whose clock ran out: partners owe us (transferred) / we owe them (received). */
  overdueAtPartners: number;
  overdueHere: number;
  /** Transferred leads answered within the feedback limit, of those answered or overdue; null when none. */
  onTimeRate: number | null;
  meanFeedbackWorkingDays: number | null;
}

type Row = FlowRow;

/** The auditor's figures, read from the gateway's own tables (the same rows the API serves). */
@Injectable()
export class FlowFigures {
  constructor(
    private readonly rows: ConsoleQueryRepository,
    private readonly cases: CaseRepository,
    private readonly calendar: WorkingDayCalendar,
    private readonly limits: TimeLimits,
  ) {}

  /** Business messages (no receipts, no audit witnessing) created between two local dates, both included. */
  async messages(f: FlowFilter): Promise<Row[]> {
    const rows = await this.rows.flowRows(localDayStart(f.from), localDayStart(f.to, 1), {
      type: f.type,
      excludedTypes: PROTOCOL_TYPES,
    });
    return f.partner ? rows.filter((r) => partnerOf(r) === f.partner) : rows;
  }

  /** Counts per time bucket and series, for a stacked chart. */
  static timeline(rows: Row[], by: SeriesBy, granularity: Granularity, from: string, to: string) {
    const buckets = bucketsBetween(from, to, granularity);
    const index = new Map(buckets.map((b, i) => [b, i]));
    const series = new Map<string, number[]>();
    for (const r of rows) {
      const key = by === 'partner' ? partnerOf(r) : by === 'type' ? r.type : outcomeOf(r);
      const i = index.get(bucketOf(shanghaiDate(r.createdAt), granularity));
      if (i === undefined) continue;
      if (!series.has(key)) series.set(key, new Array<number>(buckets.length).fill(0));
      series.get(key)![i]++;
    }
    return { buckets, series: [...series].map(([name, data]) => ({ name, data })) };
  }

  /** Messages each way between this agency and each partner. */
  static edges(rows: Row[]): { partner: string; sent: number; received: number; rejected: number }[] {
    const m = new Map<string, { partner: string; sent: number; received: number; rejected: number }>();
    for (const r of rows) {
      const p = partnerOf(r);
      const e = m.get(p) ?? { partner: p, sent: 0, received: 0, rejected: 0 };
      if (r.direction === 'out') e.sent++;
      else e.received++;
      if (r.status === 'rejected') e.rejected++;
      m.set(p, e);
    }
    return [...m.values()].sort((a, b) => a.partner.localeCompare(b.partner));
  }

  async kpis(rows: Row[], f: FlowFilter): Promise<Kpis> {
    const out = rows.filter((r) => r.direction === 'out');
    const today = shanghaiDate(new Date());
    const overdue = await this.cases.list({ overdueOn: today, partner: f.partner, limit: 100_000 });
    const feedback = await this.feedbackTimes(f);
    return {
      sent: out.length,
      received: rows.length - out.length,
      accepted: out.filter((r) => r.status === 'accepted').length,
      rejected: out.filter((r) => r.status === 'rejected').length,
      overdueAtPartners: overdue.filter((c) => c.role === 'transferor').length,
      overdueHere: overdue.filter((c) => c.role === 'handler').length,
      ...feedback,
    };
  }

  /**
   * Leads this agency transferred in the period: working days from the partner's receipt to its
   * first feedback, and the share answered within the feedback limit (an unanswered lead whose
   * limit has passed counts as late).
   */
  private async feedbackTimes(f: FlowFilter): Promise<Pick<Kpis, 'onTimeRate' | 'meanFeedbackWorkingDays'>> {
    const limit = this.limits.get('lead-feedback').days;
    const leads = await this.cases.list({
      kind: 'LEAD',
      role: 'transferor',
      partner: f.partner,
      createdFrom: localDayStart(f.from),
      createdTo: localDayStart(f.to, 1),
      limit: 100_000,
    });
    const firsts = await this.rows.firstCaseResults();
    const today = shanghaiDate(new Date());
    const spans: number[] = [];
    let late = 0;
    for (const c of leads) {
      if (!c.receivedOn) continue;
      const first = firsts.get(`${c.partner}/${c.caseNo}`);
      if (first) spans.push(this.calendar.workingDaysBetween(c.receivedOn, shanghaiDate(first)));
      else if (this.calendar.addWorkingDays(c.receivedOn, limit).due < today) late++;
    }
    const answered = spans.length;
    const onTime = spans.filter((d) => d <= limit).length;
    return {
      onTimeRate: answered + late === 0 ? null : onTime / (answered + late),
      meanFeedbackWorkingDays:
        answered === 0 ? null : Math.round((spans.reduce((a, b) => a + b, 0) / answered) * 10) / 10,
    };
  }
}

export function partnerOf(r: Pick<MessageRecord, 'direction' | 'sender' | 'recipient'>): string {
  return r.direction === 'out' ? r.recipient : r.sender;
}

/** received (in), or what became of a message sent: pending, sent, accepted, rejected. */
export function outcomeOf(r: Pick<MessageRecord, 'direction' | 'status'>): string {
  return r.direction === 'in' ? 'in' : r.status;
}

/** 00:00 Asia/Shanghai of a local date, plus `plusDays`. */
export function localDayStart(date: string, plusDays = 0): Date {
  return shanghaiDayStart(date, 'date', plusDays);
}

function bucketOf(day: string, g: Granularity): string {
  if (g === 'day') return day;
  if (g === 'month') return day.slice(0, 7);
  const n = parseLocalDate(day, 'date');
  const weekday = (new Date(n * 86_400_000).getUTCDay() + 6) % 7; // Monday 0
  return formatLocalDate(n - weekday);
}

function bucketsBetween(from: string, to: string, g: Granularity): string[] {
  const out: string[] = [];
  for (let d = parseLocalDate(from, 'from'); d <= parseLocalDate(to, 'to'); d++) {
    const b = bucketOf(formatLocalDate(d), g);
    if (out[out.length - 1] !== b) out.push(b);
  }
  return out;
}
