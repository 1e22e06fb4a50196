import { CASE_KINDS } from '@xietong/contracts';
import type { CaseRecord } from '@xietong/persistence';
import { CONSOLE_CASE_STATES } from '../case-kind-views';
import type { ConsoleContext } from '../console-context';
import { filterForm, layout, pager, select } from '../console-layout';
import { html, type Html } from '../html';
import { tr, word } from '../labels';
import { caseUrl, countdownText, partnerSelect, type Countdown, type Member } from './view-parts';

/** A case file row with what the lists show of its clock. */
export type CaseRow = CaseRecord & {
  /** The row's highlight: past due, or due within two working days. */
  due: '' | 'overdue' | 'due-soon';
  countdown: Countdown | null;
  /** Another partner's case uses the same number. */
  shared: boolean;
};

export interface CaseListModel {
  role: 'handler' | 'transferor';
  filters: { kind?: string; state?: string; overdue?: boolean; partner?: string };
  members: Member[];
  rows: CaseRow[];
  page: number;
  hasMore: boolean;
  query: Record<string, string>;
}

/** 待办收件箱 (cases this agency handles) and 我方移送 (cases it transferred). */
export function caseListView(c: ConsoleContext, m: CaseListModel): Html {
  const l = c.lang;
  const f = m.filters;
  const title = m.role === 'handler' ? tr(l, '待办收件箱', 'Inbox') : tr(l, '我方移送的案件', 'Cases we transferred');
  const body = html` ${filterForm(c, [
      select(
        'kind',
        tr(l, '类别', 'Kind'),
        CASE_KINDS.map((k) => [k, word(k, l)]),
        f.kind,
      ),
      select(
        'state',
        tr(l, '状态', 'State'),
        CONSOLE_CASE_STATES.map((s) => [s, word(s, l)]),
        f.state,
      ),
      partnerSelect(
        c,
        m.members,
        f.partner,
        m.role === 'handler' ? tr(l, '移送机构', 'Transferred by') : tr(l, '承办机构', 'Handled by'),
      ),
      select(
        'overdue',
        tr(l, '仅看逾期', 'Overdue only'),
        [['true', tr(l, '是', 'yes')]],
        f.overdue ? 'true' : undefined,
      ),
    ])}
    <table id="cases">
      <thead>
        <tr>
          <th>${tr(l, '编号', 'Number')}</th>
          <th>${tr(l, '类别', 'Kind')}</th>
          <th>${m.role === 'handler' ? tr(l, '移送机构', 'Transferred by') : tr(l, '承办机构', 'Handled by')}</th>
          <th>${tr(l, '应答方', 'Who owes')}</th>
          <th>${tr(l, '状态', 'State')}</th>
          <th>${tr(l, '时限', 'Clock')}</th>
          <th>${tr(l, '到期日', 'Due')}</th>
          <th>${tr(l, '倒计时', 'Countdown')}</th>
          <th>${tr(l, '督办', 'Reminders')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.rows.map(
          (r) =>
            html`<tr class="${r.due}" data-case="${r.caseNo}" data-partner="${r.partner}">
              <td>
                <a href="${caseUrl(r.kind, r.caseNo, r.partner)}">${r.caseNo}</a>
                ${
                  r.shared
                    ? html`<span
                        class="badge collision"
                        title="${tr(l, '另一机构的案件使用了同一编号', "another agency's case uses the same number")}"
                        >${tr(l, '编号重复', 'shared number')}</span
                      >`
                    : ''
                }
              </td>
              <td>${word(r.kind, l)}</td>
              <td>${c.name(r.partner)}</td>
              <td>${r.dueOn ? (r.role === 'handler' ? tr(l, '我方', 'us') : c.name(r.partner)) : '—'}</td>
              <td class="state">${word(r.state, l)}</td>
              <td>${word(r.clock, l)}</td>
              <td>${r.dueOn ?? '—'}${r.dueProvisional ? tr(l, '（暂定）', ' (provisional)') : ''}</td>
              <td class="countdown">${countdown(c, r.countdown)}</td>
              <td>${r.reminders > 0 ? tr(l, `已督办 ${r.reminders} 次`, `${r.reminders} sent`) : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${m.rows.length === 0 ? html`<p class="muted">${tr(l, '暂无案件', 'No cases')}</p>` : ''}
    ${pager(c, m.query, m.page, m.hasMore)}`;
  return layout(c, title, body);
}

/** The countdown cell: a red badge when late. */
export function countdown(c: ConsoleContext, d: Countdown | null): Html | string {
  return d?.late ? html`<span class="badge late">${countdownText(c, d)}</span>` : countdownText(c, d);
}
