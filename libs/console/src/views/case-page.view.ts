import type { CaseRecord, MessageRecord } from '@xietong/persistence';
import type { ConsoleContext } from '../console-context';
import { layout } from '../console-layout';
import { html, type Html } from '../html';
import { tr, word, type Lang } from '../labels';
import { formTitle } from '../staff-form-fields';
import type { FormKind } from '../staff-forms';
import { countdown, type CaseRow } from './case-list.view';
import { caseUrl, localTime } from './view-parts';

const COMPLAINANT_LABELS: Record<string, readonly [string, string]> = {
  name: ['姓名', 'Name'],
  phone: ['电话', 'Phone'],
  address: ['地址', 'Address'],
  idNumber: ['身份证号', 'ID number'],
  agent: ['代理人', 'Agent'],
};

/** The complainant's field names in the page's language (the reveal button fills them in too). */
export function complainantLabels(lang: Lang): Record<string, string> {
  return Object.fromEntries(Object.entries(COMPLAINANT_LABELS).map(([k, [zh, en]]) => [k, tr(lang, zh, en)]));
}

export interface CasePageModel {
  kind: string;
  caseNo: string;
  partner: string;
  /** This agency's case file(s) with that partner. */
  rows: CaseRow[];
  /** Label and value of what the opening message says. */
  summary: [label: string, value: unknown][];
  /** A received complaint's complainant, masked, or `erased` once retention erased it. */
  complainant?: Record<string, unknown> | 'erased';
  /** This agency handles the case (the forms answer it). */
  handling: boolean;
  forms: readonly FormKind[];
  history: Pick<MessageRecord, 'type' | 'createdAt' | 'direction' | 'sender' | 'recipient' | 'status' | 'reasonCode'>[];
  /** A form just submitted. */
  done?: FormKind;
  /** The user has the handler role. */
  canHandle: boolean;
}

/** A case: state on each side, what opened it, the complainant (masked), the forms, the history. */
export function casePageView(c: ConsoleContext, m: CasePageModel): Html {
  const l = c.lang;
  const page = html` ${
      m.done
        ? html`<p class="notice" id="notice">
            ${tr(l, `${formTitle(m.done, l)}已提交，正在签名发送。`, `${formTitle(m.done, l)} submitted, being signed and sent.`)}
          </p>`
        : ''
    }
    <table id="case-state">
      <thead>
        <tr>
          <th>${tr(l, '对方机构', 'Partner')}</th>
          <th>${tr(l, '我方角色', 'Our role')}</th>
          <th>${tr(l, '状态', 'State')}</th>
          <th>${tr(l, '时限', 'Clock')}</th>
          <th>${tr(l, '到期日', 'Due')}</th>
          <th>${tr(l, '剩余', 'Left')}</th>
          <th>${tr(l, '督办', 'Reminders')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.rows.map(
          (r) =>
            html`<tr class="${r.due}">
              <td>${c.name(r.partner)}</td>
              <td>${word(r.role, l)}</td>
              <td class="state">${word(r.state, l)}</td>
              <td>${word(r.clock, l)}</td>
              <td>${r.dueOn ?? '—'}</td>
              <td>${countdown(c, r.countdown)}</td>
              <td>${r.reminders}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      m.summary.length
        ? html`<h2>${tr(l, '案件内容', 'Case')}</h2>
            <dl class="props" id="case-summary">
              ${m.summary.map(
                ([k, v]) =>
                  html`<dt>${k}</dt>
                    <dd>${String(v ?? '')}</dd>`,
              )}
            </dl>`
        : ''
    }
    ${
      m.complainant === 'erased'
        ? html`<h2>${tr(l, '投诉人信息', 'Complainant')}</h2>
            <p class="muted" id="complainant-erased">
              ${tr(l, '已删除（保存期限届满）', 'Erased (its retention period has ended)')}
            </p>`
        : m.complainant
          ? complainant(c, m, m.complainant)
          : ''
    }
    ${
      m.handling && m.canHandle
        ? html`<h2>${tr(l, '办理', 'Answer')}</h2>
            <p class="actions" id="actions">
              ${m.forms.map(
                (f) => html`<a href="${caseUrl(m.kind, m.caseNo, m.partner, f)}" id="form-${f}">${formTitle(f, l)}</a>`,
              )}
            </p>`
        : ''
    }
    <h2>${tr(l, '报文历史', 'Messages')}</h2>
    <table id="history">
      <thead>
        <tr>
          <th>${tr(l, '时间', 'Time')}</th>
          <th>${tr(l, '方向', 'Direction')}</th>
          <th>${tr(l, '类型', 'Type')}</th>
          <th>${tr(l, '发送方', 'Sender')}</th>
          <th>${tr(l, '接收方', 'Recipient')}</th>
          <th>${tr(l, '状态', 'Status')}</th>
          <th>${tr(l, '原因', 'Reason')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.history.map(
          (h) =>
            html`<tr data-type="${h.type}">
              <td>${localTime(h.createdAt)}</td>
              <td>${word(h.direction, l)}</td>
              <td>${word(h.type, l)}</td>
              <td>${c.name(h.sender)}</td>
              <td>${c.name(h.recipient)}</td>
              <td>${word(h.direction === 'in' ? 'stored' : h.status, l)}</td>
              <td>${h.reasonCode ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return layout(c, `${word(m.kind, l)} ${m.caseNo}`, page);
}

function complainant(c: ConsoleContext, m: CasePageModel, masked: Record<string, unknown>): Html {
  const l = c.lang;
  const labels = complainantLabels(l);
  return html`<h2>${tr(l, '投诉人信息', 'Complainant')}</h2>
    <dl class="props" id="complainant">
      ${Object.entries(masked).map(
        ([k, v]) =>
          html`<dt>${labels[k] ?? k}</dt>
            <dd data-field="${k}">${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`,
      )}
    </dl>
    ${
      c.has('handler')
        ? html`<p>
            <button
              type="button"
              id="reveal"
              data-reveal="${caseUrl('COMPLAINT', m.caseNo, m.partner, 'complainant')}"
              data-target="complainant"
            >
              ${tr(l, '查看完整信息（将记录本次访问）', 'Show in full (this access is recorded)')}
            </button>
          </p>`
        : html`<p class="muted" id="reveal-denied">
            ${tr(l, '查看完整个人信息需要承办人角色。', 'Showing the personal data in full needs the handler role.')}
          </p>`
    }`;
}

/** Two partners' cases share this number: which one? (Nothing is acted on until one is chosen.) */
export function collisionView(c: ConsoleContext, kind: string, caseNo: string, rows: CaseRecord[]): Html {
  const l = c.lang;
  const page = html`<p class="notice" id="collision">
      ${tr(
        l,
        `${rows.length} 个机构的${word(kind, l)}使用了同一编号 ${caseNo}，请选择要查看的案件：`,
        `${rows.length} agencies' ${word(kind, l)} cases use the number ${caseNo}; choose one:`,
      )}
    </p>
    <ul id="collision-choices">
      ${rows.map(
        (r) =>
          html`<li>
            <a href="${caseUrl(r.kind, r.caseNo, r.partner)}" data-partner="${r.partner}">${c.name(r.partner)}</a>
            ${tr(l, `（${word(r.role, l)}，${word(r.state, l)}）`, ` (${word(r.role, l)}, ${word(r.state, l)})`)}
          </li>`,
      )}
    </ul>`;
  return layout(c, `${word(kind, l)} ${caseNo}`, page);
}
