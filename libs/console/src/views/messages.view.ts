import { MESSAGE_TYPES } from '@xietong/contracts';
import type { MessageSummary } from '@xietong/persistence';
import type { ConsoleContext } from '../console-context';
import { filterForm, input, layout, pager, select } from '../console-layout';
import { html, type Html } from '../html';
import { tr, word } from '../labels';
import { partnerOf } from '../queries/flow-figures';
import { localTime, partnerSelect, type Member } from './view-parts';

export const MESSAGE_STATUSES = ['pending', 'sent', 'accepted', 'rejected', 'failed'] as const;

export interface MessagesModel {
  filters: { direction?: string; type?: string; status?: string; partner?: string; caseNo?: string };
  members: Member[];
  rows: MessageSummary[];
  page: number;
  hasMore: boolean;
  query: Record<string, string>;
}

/** 报文: every message sent and received, paged and filtered. */
export function messagesView(c: ConsoleContext, m: MessagesModel): Html {
  const l = c.lang;
  const f = m.filters;
  const body = html` ${filterForm(c, [
      select(
        'direction',
        tr(l, '方向', 'Direction'),
        [
          ['out', word('out', l)],
          ['in', word('in', l)],
        ],
        f.direction,
      ),
      select(
        'type',
        tr(l, '报文类型', 'Message type'),
        MESSAGE_TYPES.map((x) => [x, word(x, l)]),
        f.type,
      ),
      select(
        'status',
        tr(l, '状态', 'Status'),
        MESSAGE_STATUSES.map((x) => [x, word(x, l)]),
        f.status,
      ),
      partnerSelect(c, m.members, f.partner),
      input('caseNo', tr(l, '案件编号', 'Case number'), f.caseNo),
    ])}
    <table id="messages">
      <thead>
        <tr>
          <th>${tr(l, '时间', 'Time')}</th>
          <th>${tr(l, '方向', 'Direction')}</th>
          <th>${tr(l, '类型', 'Type')}</th>
          <th>${tr(l, '对方机构', 'Partner')}</th>
          <th>${tr(l, '编号', 'Number')}</th>
          <th>${tr(l, '状态', 'Status')}</th>
          <th>${tr(l, '原因', 'Reason')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.rows.map(
          (r) =>
            html`<tr data-id="${r.messageId}">
              <td>${localTime(r.createdAt)}</td>
              <td>${word(r.direction, l)}</td>
              <td>${word(r.type, l)}</td>
              <td>${c.name(partnerOf(r))}</td>
              <td>${r.correlationId}</td>
              <td>${word(r.direction === 'in' ? 'stored' : r.status, l)}</td>
              <td>${r.reasonCode ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${pager(c, m.query, m.page, m.hasMore)}`;
  return layout(c, tr(l, '报文', 'Messages'), body);
}
