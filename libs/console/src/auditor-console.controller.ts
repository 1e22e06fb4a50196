import { Controller, Get, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CASE_KINDS, DomainError, MESSAGE_TYPES, REPORTED_TYPES } from '@xietong/contracts';
import { MONTH, MonthlyReport, type ParamSpec, PARTNER, Public, REASON_CODE } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { CaseRepository, Database, type QuarantineRecord } from '@xietong/persistence';
import { formatLocalDate, parseLocalDate, shanghaiDate, shanghaiDateTime } from '@xietong/workflow';
import { Console, ConsoleGuard, ConsoleRoles, type ConsoleContext } from './console-context';
import { ConsoleErrorFilter } from './console-error.filter';
import { filterForm, input, layout, pager, select } from './console-layout';
import { consoleQuery, PAGE, pageOf, setFilters } from './console-params';
import { ConsoleQueries, partnerOf, type Granularity, type SeriesBy } from './console-queries';
import { html, jsonData } from './html';
import { word } from './labels';
import { monthlyCsv, monthlyXlsx, reportColumns } from './report-export';

/** Types counted in the flows (from the message-type registry, so new types show up here too). */
const TYPES = REPORTED_TYPES;

const OVERVIEW_QUERY = {
  from: { kind: 'date' },
  to: { kind: 'date' },
  granularity: { kind: 'enum', values: ['day', 'week', 'month'] },
  by: { kind: 'enum', values: ['partner', 'type', 'outcome'] },
  partner: PARTNER,
  type: { kind: 'enum', values: TYPES },
} as const satisfies Record<string, ParamSpec>;

const OVERDUE_QUERY = {
  ...PAGE,
  kind: { kind: 'enum', values: CASE_KINDS },
  role: { kind: 'enum', values: ['transferor', 'handler'] },
  partner: PARTNER,
} as const satisfies Record<string, ParamSpec>;

const QUARANTINE_QUERY = {
  ...PAGE,
  reason: REASON_CODE,
  replayed: { kind: 'enum', values: ['yes', 'no'] },
} as const satisfies Record<string, ParamSpec>;

const MESSAGES_QUERY = {
  ...PAGE,
  direction: { kind: 'enum', values: ['in', 'out'] },
  type: { kind: 'enum', values: MESSAGE_TYPES },
  status: { kind: 'enum', values: ['pending', 'sent', 'accepted', 'rejected', 'failed'] },
  partner: PARTNER,
  caseNo: { kind: 'text' },
} as const satisfies Record<string, ParamSpec>;

const REPORT_QUERY = { month: MONTH } as const satisfies Record<string, ParamSpec>;

/** The auditor's views: flows, KPIs, overdue cases, quarantine, messages, monthly report. */
@Controller('console/auditor')
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@ConsoleRoles('auditor')
export class AuditorConsoleController {
  constructor(
    private readonly db: Database,
    private readonly queries: ConsoleQueries,
    private readonly cases: CaseRepository,
    private readonly reports: MonthlyReport,
    private readonly manifests: ManifestStore,
  ) {}

  @Get()
  async overview(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    const q = consoleQuery(query, OVERVIEW_QUERY);
    const today = shanghaiDate(new Date());
    const to = q.to ?? today;
    const from = q.from ?? formatLocalDate(parseLocalDate(to) - 29);
    if (from > to) throw new DomainError('VALIDATION_FAILED', '开始日期不能晚于结束日期', 'from');
    if (parseLocalDate(to) - parseLocalDate(from) > 731)
      throw new DomainError('VALIDATION_FAILED', '查询区间最长两年', 'from');
    const granularity: Granularity = q.granularity ?? 'day';
    const by: SeriesBy = q.by ?? 'partner';
    const filter = { from, to, partner: q.partner, type: q.type };
    const rows = await this.queries.messages(filter);
    const k = await this.queries.kpis(rows, filter);
    const t = ConsoleQueries.timeline(rows, by, granularity, from, to);
    const timeline = {
      buckets: t.buckets,
      yName: '报文数',
      series: t.series.map((s) => ({ ...s, label: by === 'partner' ? c.name(s.name) : word(s.name, c.lang) })),
    };
    const edges = ConsoleQueries.edges(rows);
    const graph = {
      home: { id: c.agency, name: c.name(c.agency) },
      partners: edges.map((e) => ({
        id: e.partner,
        name: c.name(e.partner),
        sent: e.sent,
        received: e.received,
        rejected: e.rejected,
        counts: `发 ${e.sent} · 收 ${e.received}${e.rejected ? ` · 拒收 ${e.rejected}` : ''}`,
      })),
    };
    const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`);
    const kpis: [string, string, string | number][] = [
      ['sent', '发出报文', k.sent],
      ['received', '收到报文', k.received],
      ['accepted', '对方已接收', k.accepted],
      ['rejected', '对方拒收', k.rejected],
      ['overdue-partners', '对方逾期未反馈', k.overdueAtPartners],
      ['overdue-here', '我方逾期未办', k.overdueHere],
      ['on-time', '按时反馈率', pct(k.onTimeRate)],
      ['mean-feedback', '平均反馈用时（工作日）', k.meanFeedbackWorkingDays ?? '—'],
    ];
    const body = html` ${filterForm(c, [
        input('from', '开始日期', from, 'date'),
        input('to', '结束日期', to, 'date'),
        select(
          'granularity',
          '时间粒度',
          [
            ['day', '按日'],
            ['week', '按周'],
            ['month', '按月'],
          ],
          granularity,
          { required: true },
        ),
        select(
          'by',
          '分组',
          [
            ['partner', '按对方机构'],
            ['type', '按报文类型'],
            ['outcome', '按结果'],
          ],
          by,
          { required: true },
        ),
        this.partnerSelect(c, filter.partner),
        select(
          'type',
          '报文类型',
          TYPES.map((x) => [x, word(x, c.lang)]),
          filter.type,
        ),
      ])}
      <div class="kpis" id="kpis">
        ${kpis.map(
          ([id, label, v]) =>
            html`<div class="kpi" data-kpi="${id}">
              <div class="v">${v}</div>
              <div class="k">${label}</div>
            </div>`,
        )}
      </div>
      <h2>数据流趋势</h2>
      <div class="chart" id="timeline" data-chart="timeline" data-source="timeline-data"></div>
      ${jsonData('timeline-data', timeline)}
      <h2>机构间数据流向</h2>
      <div class="graph" id="flow-graph" data-chart="graph" data-source="graph-data"></div>
      ${jsonData('graph-data', graph)}
      <table id="flows">
        <thead>
          <tr>
            <th>对方机构</th>
            <th>发出</th>
            <th>收到</th>
            <th>拒收</th>
          </tr>
        </thead>
        <tbody>
          ${edges.map(
            (e) =>
              html`<tr data-partner="${e.partner}">
                <td>${c.name(e.partner)}</td>
                <td>${e.sent}</td>
                <td>${e.received}</td>
                <td>${e.rejected}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    return layout(c, '数据流总览', body, { charts: true }).value;
  }

  @Get('overdue')
  async overdue(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    const q = consoleQuery(query, OVERDUE_QUERY);
    const today = shanghaiDate(new Date());
    const { page, offset, size } = pageOf(q.page);
    const { kind, role, partner } = q;
    const rows = await this.cases.list({ overdueOn: today, kind, role, partner, limit: size + 1, offset });
    const all = await this.cases.list({ overdueOn: today, kind, role, limit: 100_000 });
    const perPartner = new Map<string, { owesUs: number; weOwe: number; reminders: number }>();
    for (const r of all) {
      const p = perPartner.get(r.partner) ?? { owesUs: 0, weOwe: 0, reminders: 0 };
      if (r.role === 'transferor') p.owesUs++;
      else p.weOwe++;
      p.reminders += r.reminders;
      perPartner.set(r.partner, p);
    }
    const body = html` ${filterForm(c, [
        this.partnerSelect(c, partner),
        select(
          'kind',
          '类别',
          CASE_KINDS.map((k) => [k, word(k, c.lang)]),
          kind,
        ),
        select(
          'role',
          '应答方',
          [
            ['transferor', '对方应答（我方移送）'],
            ['handler', '我方应答（我方承办）'],
          ],
          role,
        ),
      ])}
      <h2>按机构汇总</h2>
      <table id="overdue-partners">
        <thead>
          <tr>
            <th>对方机构</th>
            <th>对方欠我方答复</th>
            <th>我方欠对方答复</th>
            <th>已发督办</th>
          </tr>
        </thead>
        <tbody>
          ${[...perPartner].map(
            ([p, v]) =>
              html`<tr data-partner="${p}">
                <td>${c.name(p)}</td>
                <td>${v.owesUs}</td>
                <td>${v.weOwe}</td>
                <td>${v.reminders}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>逾期案件</h2>
      <table id="overdue">
        <thead>
          <tr>
            <th>编号</th>
            <th>类别</th>
            <th>对方机构</th>
            <th>应答方</th>
            <th>状态</th>
            <th>时限</th>
            <th>到期日</th>
            <th>逾期</th>
            <th>督办</th>
          </tr>
        </thead>
        <tbody>
          ${rows.slice(0, size).map(
            (r) =>
              html`<tr class="overdue" data-case="${r.caseNo}">
                <td>
                  <a href="/console/cases/${r.kind}/${encodeURIComponent(r.caseNo)}?partner=${r.partner}"
                    >${r.caseNo}</a
                  >
                </td>
                <td>${word(r.kind, c.lang)}</td>
                <td>${c.name(r.partner)}</td>
                <td class="owes">
                  ${r.role === 'transferor' ? `${c.name(r.partner)}（对方）` : `${c.name(c.agency)}（我方）`}
                </td>
                <td>${word(r.state, c.lang)}</td>
                <td>${word(r.clock, c.lang)}</td>
                <td>${r.dueOn}${r.dueProvisional ? '（暂定）' : ''}</td>
                <td><span class="badge late">逾期</span></td>
                <td class="reminders">
                  ${r.reminders > 0 ? `已督办 ${r.reminders} 次，最近 ${r.lastReminderAt ? shanghaiDate(new Date(r.lastReminderAt)) : ''}` : '未督办'}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${rows.length === 0 ? html`<p class="muted">暂无逾期案件</p>` : ''}
      ${pager(c, setFilters(q), page, rows.length > size)}`;
    return layout(c, '逾期与督办', body).value;
  }

  @Get('quarantine')
  async quarantine(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    const q = consoleQuery(query, QUARANTINE_QUERY);
    const { page, offset, size } = pageOf(q.page);
    const { reason, replayed } = q;
    const qb = this.db.manager.getRepository(this.db.entities.quarantine).createQueryBuilder('q');
    if (reason) qb.andWhere('q.reason_code = :reason', { reason });
    if (replayed === 'yes') qb.andWhere('q.replayed_at IS NOT NULL');
    if (replayed === 'no') qb.andWhere('q.replayed_at IS NULL');
    const rows = await qb
      .orderBy('q.id', 'DESC')
      .take(size + 1)
      .skip(offset)
      .getMany();
    const counts = (await this.db.manager.query(
      'SELECT reason_code, COUNT(*) AS n FROM quarantine GROUP BY reason_code ORDER BY reason_code',
    )) as { reason_code: string; n: string | number }[];
    const body = html` <p>
        ${counts.map((r) => html`<span class="badge" data-reason="${r.reason_code}">${r.reason_code}：${Number(r.n)}</span> `)}
      </p>
      ${filterForm(c, [
        select(
          'reason',
          '原因代码',
          counts.map((r) => [r.reason_code, r.reason_code]),
          reason,
        ),
        select(
          'replayed',
          '重放状态',
          [
            ['no', '未重放'],
            ['yes', '已重放'],
          ],
          replayed,
        ),
      ])}
      <table id="quarantine">
        <thead>
          <tr>
            <th>编号</th>
            <th>原因代码</th>
            <th>原因</th>
            <th>声称发送方</th>
            <th>类型</th>
            <th>接收时间</th>
            <th>死信</th>
            <th>重放</th>
          </tr>
        </thead>
        <tbody>
          ${rows.slice(0, size).map(
            (r) =>
              html`<tr data-id="${r.id}">
                <td><a href="/console/auditor/quarantine/${r.id}">${r.id}</a></td>
                <td>${r.reasonCode}</td>
                <td>${r.reason}</td>
                <td>${r.claimedSender ? c.name(r.claimedSender) : '未知'}</td>
                <td>${word(r.type, c.lang)}</td>
                <td>${localTime(r.receivedAt)}</td>
                <td>${r.deadLettered ? '已转死信' : '待转死信'}</td>
                <td>${replayState(r)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${rows.length === 0 ? html`<p class="muted">隔离区为空</p>` : ''}
      ${pager(c, setFilters(q), page, rows.length > size)}`;
    return layout(c, '隔离区', body).value;
  }

  @Get('quarantine/:id')
  async quarantined(@Console() c: ConsoleContext, @Param('id') id: string): Promise<string> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('VALIDATION_FAILED', '隔离记录编号应为数字', 'id');
    const r = await this.db.manager.getRepository(this.db.entities.quarantine).findOneBy({ id });
    if (!r) throw new DomainError('NOT_FOUND', `隔离记录 ${id} 不存在`);
    const headers = parseHeaders(r.headers);
    const props: [string, unknown][] = [
      ['原因代码', r.reasonCode],
      ['原因', r.reason],
      ['声称发送方', r.claimedSender ? `${c.name(r.claimedSender)}（${r.claimedSender}）` : '未知'],
      ['报文编号', r.messageId ?? '未知'],
      ['报文类型', word(r.type, c.lang) || '未知'],
      ['位置', `${r.topic} / 分区 ${r.partition} / 偏移 ${r.offset}`],
      ['记录键', r.recordKey ?? ''],
      ['接收时间', localTime(r.receivedAt)],
      ['死信', r.deadLettered ? '已转死信主题' : '待转死信主题'],
      ['重放状态', replayState(r)],
      ['记录大小', r.value ? `${r.value.length} 字节` : '无内容'],
    ];
    const body = html`<dl class="props" id="quarantine-detail">
        ${props.map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${String(v)}</dd>`,
        )}
      </dl>
      <h2>记录头</h2>
      <pre>
${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\n`)
          .join('')}</pre>
      <h2>记录内容（十六进制，前 512 字节）</h2>
      <pre>
${
          r.value
            ? r.value
                .subarray(0, 512)
                .toString('hex')
                .replace(/(.{64})/g, '$1\n')
            : ''
        }</pre>
      <p><a href="/console/auditor/quarantine">返回隔离区</a></p>`;
    return layout(c, `隔离记录 ${r.id}`, body).value;
  }

  @Get('messages')
  async messages(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    const q = consoleQuery(query, MESSAGES_QUERY);
    const { page, offset, size } = pageOf(q.page);
    const { direction, type, status, partner } = q;
    const correlationId = q.caseNo;
    const where = { direction, type, status, correlationId };
    const rows = await this.db.manager.getRepository(this.db.entities.message).find({
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
      where: partner
        ? [defined({ ...where, sender: partner }), defined({ ...where, recipient: partner })]
        : defined(where),
      order: { createdAt: 'DESC', messageId: 'ASC' },
      take: size + 1,
      skip: offset,
    });
    const body = html` ${filterForm(c, [
        select(
          'direction',
          '方向',
          [
            ['out', '发出'],
            ['in', '收到'],
          ],
          direction,
        ),
        select(
          'type',
          '报文类型',
          MESSAGE_TYPES.map((x) => [x, word(x, c.lang)]),
          type,
        ),
        select(
          'status',
          '状态',
          MESSAGES_QUERY.status.values.map((x) => [x, word(x, c.lang)]),
          status,
        ),
        this.partnerSelect(c, partner),
        input('caseNo', '案件编号', correlationId),
      ])}
      <table id="messages">
        <thead>
          <tr>
            <th>时间</th>
            <th>方向</th>
            <th>类型</th>
            <th>对方机构</th>
            <th>编号</th>
            <th>状态</th>
            <th>原因</th>
          </tr>
        </thead>
        <tbody>
          ${rows.slice(0, size).map(
            (m) =>
              html`<tr data-id="${m.messageId}">
                <td>${localTime(m.createdAt)}</td>
                <td>${word(m.direction, c.lang)}</td>
                <td>${word(m.type, c.lang)}</td>
                <td>${c.name(partnerOf(m))}</td>
                <td>${m.correlationId}</td>
                <td>${word(m.direction === 'in' ? 'stored' : m.status, c.lang)}</td>
                <td>${m.reasonCode ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${pager(c, setFilters(q), page, rows.length > size)}`;
    return layout(c, '报文', body).value;
  }

  @Get('report')
  async report(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    const month = consoleQuery(query, REPORT_QUERY).month ?? shanghaiDate(new Date()).slice(0, 7);
    const report = await this.reports.build(month);
    const cols = reportColumns();
    const body = html` ${filterForm(c, input('month', '月份', month, 'month'))}
      <p class="actions">
        <a id="csv" href="/console/auditor/report.csv?month=${month}">下载 CSV</a
        ><a id="xlsx" href="/console/auditor/report.xlsx?month=${month}">下载 Excel（XLSX）</a>
      </p>
      <table id="report">
        <thead>
          <tr>
            ${cols.map((col) => html`<th>${col.header}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${report.rows.map(
            (r) =>
              html`<tr>
                ${cols.map((col) => html`<td>${String(col.value(r, (id) => c.name(id)) ?? '')}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
      ${report.rows.length === 0 ? html`<p class="muted">本月暂无数据</p>` : ''}`;
    return layout(c, `月度报表 ${month}`, body).value;
  }

  @Get('report.csv')
  async reportCsv(@Console() c: ConsoleContext, @Query() query: unknown, @Res() res: Response) {
    const report = await this.reports.build(requiredMonth(query));
    res
      .type('text/csv; charset=utf-8')
      .attachment(`xietong-${c.agency}-${report.month}.csv`)
      .send(monthlyCsv(report.rows, (id) => c.name(id)));
  }

  @Get('report.xlsx')
  async reportXlsx(@Console() c: ConsoleContext, @Query() query: unknown, @Res() res: Response) {
    const report = await this.reports.build(requiredMonth(query));
    const buf = await monthlyXlsx(report, c.name(c.agency), (id) => c.name(id));
    res
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .attachment(`xietong-${c.agency}-${report.month}.xlsx`)
      .send(buf);
  }

  private partnerSelect(c: ConsoleContext, current: string | undefined) {
    const members = this.manifests.lastKnown.manifest.members.filter((m) => m.id !== c.agency);
    return select(
      'partner',
      '对方机构',
      members.map((m) => [m.id, c.name(m.id)]),
      current,
    );
  }
}

function requiredMonth(query: unknown): string {
  const { month } = consoleQuery(query, REPORT_QUERY);
  if (!month) throw new DomainError('VALIDATION_FAILED', 'query month is required: a month YYYY-MM', 'month');
  return month;
}

function parseHeaders(json: string): Record<string, string> {
  try {
    return JSON.parse(json) as Record<string, string>;
  } catch {
    return {};
  }
}

/** TypeORM refuses undefined in a where object: keep only the filters that are set. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const localTime = shanghaiDateTime;

function replayState(r: QuarantineRecord): string {
  return r.replayedAt ? `已重放（${localTime(r.replayedAt)}，${r.replayedBy ?? ''}）` : '未重放';
}
