import type { CaseRecord } from '@xietong/persistence';
import type { ConsoleContext } from '../console-context';
import { layout, select } from '../console-layout';
import { html, type Html } from '../html';
import { tr, word } from '../labels';
import { formTitle, type Field } from '../staff-form-fields';
import type { FormKind, Posted } from '../staff-forms';
import { caseUrl, type Member } from './view-parts';

export interface FormModel {
  kind: FormKind;
  /** The case the form answers (none for a new lead). */
  handling?: CaseRecord;
  fields: Field[];
  /** Recipients a new lead may name. */
  members: Member[];
  /** What the user sent, shown again with the error. */
  posted: Posted;
  error?: { message: string; input?: string };
}

/** A form of the staff console (移送线索, 核查反馈, …), with the error of the last attempt if any. */
export function formView(c: ConsoleContext, m: FormModel): Html {
  const l = c.lang;
  const h = m.handling;
  const action = h ? caseUrl(h.kind, h.caseNo, h.partner, m.kind) : '/console/leads/new';
  const context = h
    ? html`<p>
        ${word(h.kind, l)}
        <a href="${caseUrl(h.kind, h.caseNo, h.partner)}">${h.caseNo}</a>${tr(l, '，反馈给', ', answered to')}
        ${c.name(h.partner)}${tr(l, '，当前状态：', ', now: ')}${word(h.state, l)}
      </p>`
    : '';
  const error = m.error ? html`<p class="error" id="form-error" role="alert">${m.error.message}</p>` : '';
  return layout(
    c,
    formTitle(m.kind, l),
    html`${context}${error}
      <form method="post" action="${action}" class="fields" id="form-${m.kind}" novalidate>
        <input type="hidden" name="_csrf" value="${c.session.csrf}" />
        ${m.fields.map((f) => field(c, m, f))}
        <div class="wide"><button type="submit" id="submit">${tr(l, '提交', 'Submit')}</button></div>
      </form>`,
  );
}

function field(c: ConsoleContext, m: FormModel, f: Field): Html {
  const l = c.lang;
  const value = (n: string) => {
    const v = m.posted[n];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const cls = [f.wide ? 'wide' : '', m.error?.input === f.name ? 'invalid' : ''].join(' ');
  const label = tr(l, f.label, f.labelEn);
  if (f.name === 'recipient')
    return html`<label class="${cls}"
      >${label}<select name="recipient" id="f-recipient">
        <option value="">${tr(l, '按管辖自动确定', 'by jurisdiction')}</option>
        ${m.members.map(
          (o) =>
            html`<option value="${o.id}" ${value('recipient') === o.id ? html`selected` : ''}>${c.name(o.id)}</option>`,
        )}
      </select></label
    >`;
  if (f.type === 'select' || f.type === 'multi')
    return html`<span class="${cls}"
      >${select(
        f.name,
        label,
        f.options!.map((o) => [o, word(o, l)]),
        value(f.name),
        { required: f.required, multiple: f.type === 'multi' },
      )}</span
    >`;
  if (f.type === 'textarea')
    return html`<label class="${cls}"
      >${label}<textarea name="${f.name}" id="f-${f.name}" rows="4">${value(f.name) ?? ''}</textarea>
    </label>`;
  return html`<label class="${cls}"
    >${label}${f.required ? ' *' : ''}<input
      type="${f.type ?? 'text'}"
      name="${f.name}"
      id="f-${f.name}"
      value="${value(f.name) ?? ''}"
  /></label>`;
}
