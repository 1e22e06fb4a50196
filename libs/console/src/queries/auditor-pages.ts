import { Injectable } from '@nestjs/common';
import { DomainError, type CaseKindName } from '@xietong/contracts';
import { MonthlyReport } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import {
  CaseRepository,
  ConsoleQueryRepository,
  type Direction,
  type MessageStatus,
  type QuarantineRecord,
} from '@xietong/persistence';
import { formatLocalDate, parseLocalDate, shanghaiDate } from '@xietong/workflow';
import { pageOf, setFilters } from '../console-params';
import { tr, type Lang } from '../labels';
import type { MessagesModel } from '../views/messages.view';
import type { OverdueModel } from '../views/overdue.view';
import type { OverviewModel } from '../views/overview.view';
import type { QuarantineModel } from '../views/quarantine.view';
import type { ReportModel } from '../views/report.view';
import type { Member } from '../views/view-parts';
import { FlowFigures, type Granularity, type SeriesBy } from './flow-figures';

export interface OverviewQuery {
  from?: string;
  to?: string;
  granularity?: Granularity;
  by?: SeriesBy;
  partner?: string;
  type?: string;
}

export interface OverdueQuery {
  page: number;
  kind?: CaseKindName;
  role?: 'transferor' | 'handler';
  partner?: string;
}

export interface QuarantineQuery {
  page: number;
  reason?: string;
  replayed?: 'yes' | 'no';
}

export interface MessagesQuery {
  page: number;
  direction?: Direction;
  type?: string;
  status?: MessageStatus;
  partner?: string;
  caseNo?: string;
}

/** What each auditor page shows, from the repositories; the controller parses, the views render. */
@Injectable()
export class AuditorPages {
  constructor(
    private readonly flows: FlowFigures,
    private readonly rows: ConsoleQueryRepository,
    private readonly cases: CaseRepository,
    private readonly reports: MonthlyReport,
    private readonly manifests: ManifestStore,
  ) {}

  /** The zone's members other than this agency, for the partner filters. */
  partners(agency: string): Member[] {
    return this.manifests.lastKnown.manifest.members.filter((m) => m.id !== agency).map((m) => ({ id: m.id }));
  }

  async overview(agency: string, q: OverviewQuery, lang: Lang): Promise<OverviewModel> {
    const to = q.to ?? shanghaiDate(new Date());
    const from = q.from ?? formatLocalDate(parseLocalDate(to) - 29);
    if (from > to)
      throw new DomainError(
        'VALIDATION_FAILED',
        tr(lang, '开始日期不能晚于结束日期', 'from must not be after to'),
        'from',
      );
    if (parseLocalDate(to) - parseLocalDate(from) > 731)
      throw new DomainError(
        'VALIDATION_FAILED',
        tr(lang, '查询区间最长两年', 'the period is at most two years'),
        'from',
      );
    const granularity = q.granularity ?? 'day';
    const by = q.by ?? 'partner';
    const filter = { from, to, partner: q.partner, type: q.type };
    const rows = await this.flows.messages(filter);
    return {
      from,
      to,
      granularity,
      by,
      partner: q.partner,
      type: q.type,
      members: this.partners(agency),
      kpis: await this.flows.kpis(rows, filter),
      timeline: FlowFigures.timeline(rows, by, granularity, from, to),
      edges: FlowFigures.edges(rows),
    };
  }

  async overdue(agency: string, q: OverdueQuery): Promise<OverdueModel> {
    const today = shanghaiDate(new Date());
    const { page, offset, size } = pageOf(q.page);
    const { kind, role, partner } = q;
    const rows = await this.cases.list({ overdueOn: today, kind, role, partner, limit: size + 1, offset });
    const all = await this.cases.list({ overdueOn: today, kind, role, limit: 100_000 });
    const perPartner = new Map<string, { partner: string; owesUs: number; weOwe: number; reminders: number }>();
    for (const r of all) {
      const p = perPartner.get(r.partner) ?? { partner: r.partner, owesUs: 0, weOwe: 0, reminders: 0 };
      if (r.role === 'transferor') p.owesUs++;
      else p.weOwe++;
      p.reminders += r.reminders;
      perPartner.set(r.partner, p);
    }
    return {
      filters: { kind, role, partner },
      members: this.partners(agency),
      perPartner: [...perPartner.values()],
      rows: rows.slice(0, size),
      page,
      hasMore: rows.length > size,
      query: setFilters(q as unknown as Record<string, unknown>),
    };
  }

  async quarantine(q: QuarantineQuery): Promise<QuarantineModel> {
    const { page, offset, size } = pageOf(q.page);
    const replayed = q.replayed === undefined ? undefined : q.replayed === 'yes';
    const rows = await this.rows.quarantinePage({ reasonCode: q.reason, replayed, limit: size + 1, offset });
    return {
      filters: { reason: q.reason, replayed: q.replayed },
      counts: await this.rows.quarantineCounts(),
      rows: rows.slice(0, size),
      page,
      hasMore: rows.length > size,
      query: setFilters(q as unknown as Record<string, unknown>),
    };
  }

  async quarantined(id: string, lang: Lang): Promise<QuarantineRecord> {
    if (!/^\d{1,18}$/.test(id))
      throw new DomainError(
        'VALIDATION_FAILED',
        tr(lang, '隔离记录编号应为数字', 'the record id must be a number'),
        'id',
      );
    const r = await this.rows.quarantined(id);
    if (!r) throw new DomainError('NOT_FOUND', tr(lang, `隔离记录 ${id} 不存在`, `no quarantined record ${id}`));
    return r;
  }

  async messages(agency: string, q: MessagesQuery): Promise<MessagesModel> {
    const { page, offset, size } = pageOf(q.page);
    const { direction, type, status, partner, caseNo } = q;
    const rows = await this.rows.messagePage({
      direction,
      type,
      status,
      partner,
      correlationId: caseNo,
      limit: size + 1,
      offset,
    });
    return {
      filters: { direction, type, status, partner, caseNo },
      members: this.partners(agency),
      rows: rows.slice(0, size),
      page,
      hasMore: rows.length > size,
      query: setFilters(q as unknown as Record<string, unknown>),
    };
  }

  async report(month: string): Promise<ReportModel> {
    return this.reports.build(month);
  }
}
