import { REPORTED_TYPES } from '@xietong/contracts';
import type { ConsoleContext } from '../console-context';
import { filterForm, input, layout, select } from '../console-layout';
import { html, jsonData, type Html } from '../html';
import { tr, word } from '../labels';
import type { Granularity, Kpis, SeriesBy } from '../queries/flow-figures';
import { partnerSelect, type Member } from './view-parts';

export interface OverviewModel {
  from: string;
  to: string;
  granularity: Granularity;
  by: SeriesBy;
  partner?: string;
  type?: string;
  members: Member[];
  kpis: Kpis;
  timeline: { buckets: string[]; series: { name: string; data: number[] }[] };
  edges: { partner: string; sent: number; received: number; rejected: number }[];
}

/** 数据流总览: KPIs, the flows over time and the flow graph. */
export function overviewView(c: ConsoleContext, m: OverviewModel): Html {
  const l = c.lang;
  const timeline = {
    buckets: m.timeline.buckets,
    yName: tr(l, '报文数', 'messages'),
    series: m.timeline.series.map((s) => ({ ...s, label: m.by === 'partner' ? c.name(s.name) : word(s.name, l) })),
  };
  const graph = {
    home: { id: c.agency, name: c.name(c.agency) },
    partners: m.edges.map((e) => ({
      id: e.partner,
      name: c.name(e.partner),
      sent: e.sent,
      received: e.received,
      rejected: e.rejected,
      counts:
        tr(l, `发 ${e.sent} · 收 ${e.received}`, `sent ${e.sent} · received ${e.received}`) +
        (e.rejected ? tr(l, ` · 拒收 ${e.rejected}`, ` · rejected ${e.rejected}`) : ''),
    })),
  };
  const k = m.kpis;
  const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`);
  const kpis: [string, string, string | number][] = [
    ['sent', tr(l, '发出报文', 'Sent'), k.sent],
    ['received', tr(l, '收到报文', 'Received'), k.received],
    ['accepted', tr(l, '对方已接收', 'Accepted by partners'), k.accepted],
    ['rejected', tr(l, '对方拒收', 'Rejected by partners'), k.rejected],
    ['overdue-partners', tr(l, '对方逾期未反馈', 'Overdue at partners'), k.overdueAtPartners],
    ['overdue-here', tr(l, '我方逾期未办', 'Overdue here'), k.overdueHere],
    ['on-time', tr(l, '按时反馈率', 'On-time feedback'), pct(k.onTimeRate)],
    [
      'mean-feedback',
      tr(l, '平均反馈用时（工作日）', 'Mean feedback (working days)'),
      k.meanFeedbackWorkingDays ?? '—',
    ],
  ];
  const body = html` ${filterForm(c, [
      input('from', tr(l, '开始日期', 'From'), m.from, 'date'),
      input('to', tr(l, '结束日期', 'To'), m.to, 'date'),
      select(
        'granularity',
        tr(l, '时间粒度', 'Granularity'),
        [
          ['day', tr(l, '按日', 'by day')],
          ['week', tr(l, '按周', 'by week')],
          ['month', tr(l, '按月', 'by month')],
        ],
        m.granularity,
        { required: true },
      ),
      select(
        'by',
        tr(l, '分组', 'Series'),
        [
          ['partner', tr(l, '按对方机构', 'by partner')],
          ['type', tr(l, '按报文类型', 'by message type')],
          ['outcome', tr(l, '按结果', 'by outcome')],
        ],
        m.by,
        { required: true },
      ),
      partnerSelect(c, m.members, m.partner),
      select(
        'type',
        tr(l, '报文类型', 'Message type'),
        REPORTED_TYPES.map((x) => [x, word(x, l)]),
        m.type,
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
    <h2>${tr(l, '数据流趋势', 'Flows over time')}</h2>
    <div class="chart" id="timeline" data-chart="timeline" data-source="timeline-data"></div>
    ${jsonData('timeline-data', timeline)}
    <h2>${tr(l, '机构间数据流向', 'Flows between agencies')}</h2>
    <div class="graph" id="flow-graph" data-chart="graph" data-source="graph-data"></div>
    ${jsonData('graph-data', graph)}
    <table id="flows">
      <thead>
        <tr>
          <th>${tr(l, '对方机构', 'Partner')}</th>
          <th>${tr(l, '发出', 'Sent')}</th>
          <th>${tr(l, '收到', 'Received')}</th>
          <th>${tr(l, '拒收', 'Rejected')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.edges.map(
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
  return layout(c, tr(l, '数据流总览', 'Flows'), body, { charts: true });
}
