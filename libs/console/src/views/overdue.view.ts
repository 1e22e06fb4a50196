import { CASE_KINDS } from '@xietong/contracts';
import type { CaseRecord } from '@xietong/persistence';
import { shanghaiDate } from '@xietong/workflow';
import type { ConsoleContext } from '../console-context';
import { filterForm, layout, pager, select } from '../console-layout';
import { html, type Html } from '../html';
import { tr, word } from '../labels';
import { caseUrl, partnerSelect, type Member } from './view-parts';

export interface OverdueModel {
  filters: { kind?: string; role?: string; partner?: string };
  members: Member[];
  perPartner: { partner: string; owesUs: number; weOwe: number; reminders: number }[];
  rows: CaseRecord[];
  page: number;
  hasMore: boolean;
  query: Record<string, string>;
}

/** 逾期督办: overdue cases per partner and one by one, who owes the answer, reminders sent. */
export function overdueView(c: ConsoleContext, m: OverdueModel): Html {
  const l = c.lang;
  const body = html` ${filterForm(c, [
      partnerSelect(c, m.members, m.filters.partner),
      select(
        'kind',
        tr(l, '类别', 'Kind'),
        CASE_KINDS.map((k) => [k, word(k, l)]),
        m.filters.kind,
      ),
      select(
        'role',
        tr(l, '应答方', 'Who owes'),
        [
          ['transferor', tr(l, '对方应答（我方移送）', 'the partner (we transferred)')],
          ['handler', tr(l, '我方应答（我方承办）', 'this agency (we handle)')],
        ],
        m.filters.role,
      ),
    ])}
    <h2>${tr(l, '按机构汇总', 'Per partner')}</h2>
    <table id="overdue-partners">
      <thead>
        <tr>
          <th>${tr(l, '对方机构', 'Partner')}</th>
          <th>${tr(l, '对方欠我方答复', 'Partner owes us')}</th>
          <th>${tr(l, '我方欠对方答复', 'We owe the partner')}</th>
          <th>${tr(l, '已发督办', 'Reminders sent')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.perPartner.map(
          (v) =>
            html`<tr data-partner="${v.partner}">
              <td>${c.name(v.partner)}</td>
              <td>${v.owesUs}</td>
              <td>${v.weOwe}</td>
              <td>${v.reminders}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>${tr(l, '逾期案件', 'Overdue cases')}</h2>
    <table id="overdue">
      <thead>
        <tr>
          <th>${tr(l, '编号', 'Number')}</th>
          <th>${tr(l, '类别', 'Kind')}</th>
          <th>${tr(l, '对方机构', 'Partner')}</th>
          <th>${tr(l, '应答方', 'Who owes')}</th>
          <th>${tr(l, '状态', 'State')}</th>
          <th>${tr(l, '时限', 'Clock')}</th>
          <th>${tr(l, '到期日', 'Due')}</th>
          <th>${tr(l, '逾期', 'Overdue')}</th>
          <th>${tr(l, '督办', 'Reminders')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.rows.map(
          (r) =>
            html`<tr class="overdue" data-case="${r.caseNo}">
              <td><a href="${caseUrl(r.kind, r.caseNo, r.partner)}">${r.caseNo}</a></td>
              <td>${word(r.kind, l)}</td>
              <td>${c.name(r.partner)}</td>
              <td class="owes">
                ${
                  r.role === 'transferor'
                    ? `${c.name(r.partner)}${tr(l, '（对方）', ' (partner)')}`
                    : `${c.name(c.agency)}${tr(l, '（我方）', ' (us)')}`
                }
              </td>
              <td>${word(r.state, l)}</td>
              <td>${word(r.clock, l)}</td>
              <td>${r.dueOn}${r.dueProvisional ? tr(l, '（暂定）', ' (provisional)') : ''}</td>
              <td><span class="badge late">${tr(l, '逾期', 'overdue')}</span></td>
              <td class="reminders">${reminders(c, r)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${m.rows.length === 0 ? html`<p class="muted">${tr(l, '暂无逾期案件', 'No overdue cases')}</p>` : ''}
    ${pager(c, m.query, m.page, m.hasMore)}`;
  return layout(c, tr(l, '逾期与督办', 'Overdue and reminders'), body);
}

function reminders(c: ConsoleContext, r: CaseRecord): string {
  if (r.reminders === 0) return tr(c.lang, '未督办', 'none');
  const last = r.lastReminderAt ? shanghaiDate(new Date(r.lastReminderAt)) : '';
  return tr(c.lang, `已督办 ${r.reminders} 次，最近 ${last}`, `${r.reminders} sent, last ${last}`);
}
