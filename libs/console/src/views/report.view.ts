import type { ReportRow } from '@xietong/exchange';
import type { ConsoleContext } from '../console-context';
import { filterForm, input, layout } from '../console-layout';
import { html, type Html } from '../html';
import { tr } from '../labels';
import { reportColumns } from '../report-export';

export interface ReportModel {
  month: string;
  rows: ReportRow[];
}

/** 月度报表: the monthly report, with its CSV and XLSX downloads. */
export function reportView(c: ConsoleContext, m: ReportModel): Html {
  const l = c.lang;
  const cols = reportColumns(l);
  const body = html` ${filterForm(c, input('month', tr(l, '月份', 'Month'), m.month, 'month'))}
    <p class="actions">
      <a id="csv" href="/console/auditor/report.csv?month=${m.month}">${tr(l, '下载 CSV', 'Download CSV')}</a
      ><a id="xlsx" href="/console/auditor/report.xlsx?month=${m.month}"
        >${tr(l, '下载 Excel（XLSX）', 'Download Excel (XLSX)')}</a
      >
    </p>
    <table id="report">
      <thead>
        <tr>
          ${cols.map((col) => html`<th>${col.header}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${m.rows.map(
          (r) =>
            html`<tr>
              ${cols.map((col) => html`<td>${String(col.value(r, (id) => c.name(id)) ?? '')}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
    ${m.rows.length === 0 ? html`<p class="muted">${tr(l, '本月暂无数据', 'Nothing this month')}</p>` : ''}`;
  return layout(c, tr(l, `月度报表 ${m.month}`, `Monthly report ${m.month}`), body);
}
