import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CASE_KINDS, DomainError, messageTypeSpec, openingType } from '@xietong/contracts';
import { LocalKeys, SubmitMessageCommand, SubmitMessageUseCase, WireCodec } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { CaseRepository, MessageRepository, type CaseRecord } from '@xietong/persistence';
import { shanghaiDate, shanghaiDateTime, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import { Public, type Caller } from '../auth/roles';
import { ComplainantReader } from '../http/complainant-reader';
import { partnersOf, scopeToPartner } from '../http/case-scope';
import { httpStatusOf } from '../http/error-status';
import { CASE_KIND_VIEWS, CONSOLE_CASE_STATES } from './case-kind-views';
import { COMPLAINANT_LABELS, complainantOnPage } from './complainant-view';
import { Console, ConsoleGuard, ConsoleRoles, type ConsoleContext } from './console-context';
import { ConsoleErrorFilter } from './console-error.filter';
import { filterForm, layout, pager, select } from './console-layout';
import { CASE_STATE, PARTNER, pathParam, type ParamSpec } from '../http/query-params';
import { consoleQuery, PAGE, pageOf, pathChoice, setFilters } from './console-params';
import { html, type Html } from './html';
import { fieldName, word } from './labels';
import { formFields, TITLES, type Field } from './staff-form-fields';
import { formMessage, inputOf, type FormKind, type Posted } from './staff-forms';

const CASE_LIST_QUERY = {
  ...PAGE,
  kind: { kind: 'enum', values: CASE_KINDS },
  state: CASE_STATE,
  overdue: { kind: 'bool' },
  partner: PARTNER,
} as const satisfies Record<string, ParamSpec>;

const CASE_PAGE_QUERY = {
  done: { kind: 'enum', values: Object.keys(TITLES) as FormKind[] },
  partner: PARTNER,
} as const satisfies Record<string, ParamSpec>;

/** A case is (kind, number, partner): every route under a case names its partner. */
const CASE_QUERY = { partner: PARTNER } as const satisfies Record<string, ParamSpec>;

/** The URL of a case page or of a route under it, always naming the partner. */
const caseUrl = (kind: string, caseNo: string, partner: string, sub = '') =>
  `/console/cases/${kind}/${encodeURIComponent(caseNo)}${sub ? `/${sub}` : ''}?partner=${partner}`;

/** The county staff's views: inbox, transferred cases, case page with history, and the forms. */
@Controller('console')
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@ConsoleRoles('handler', 'submitter', 'auditor')
export class StaffConsoleController {
  constructor(
    private readonly cases: CaseRepository,
    private readonly messages: MessageRepository,
    private readonly submit: SubmitMessageUseCase,
    private readonly calendar: WorkingDayCalendar,
    private readonly limits: TimeLimits,
    private readonly keys: LocalKeys,
    private readonly reader: ComplainantReader,
    private readonly manifests: ManifestStore,
    private readonly codec: WireCodec,
  ) {}

  @Get('inbox')
  async inbox(@Console() c: ConsoleContext, @Query() q: unknown) {
    return this.caseList(c, q, 'handler', '待办收件箱').then((h) => h.value);
  }

  @Get('transferred')
  async transferred(@Console() c: ConsoleContext, @Query() q: unknown) {
    return this.caseList(c, q, 'transferor', '我方移送的案件').then((h) => h.value);
  }

  @Get('cases/:kind/:caseNo')
  async casePage(
    @Console() c: ConsoleContext,
    @Param('kind') kindParam: string,
    @Param('caseNo') caseNo: string,
    @Query() query: unknown,
  ): Promise<string> {
    const kind = pathChoice(kindParam, CASE_KINDS, 'kind');
    pathParam(caseNo, 'caseNo');
    const { done, partner: named } = consoleQuery(query, CASE_PAGE_QUERY);
    const all = await this.cases.find(kind, caseNo);
    if (all.length === 0) throw new DomainError('NOT_FOUND', `案件 ${caseNo} 不存在`);
    const partners = partnersOf(all, (r) => r.partner);
    // Two partners chose the same number: let the user pick, never show one of them as "the" case.
    if (named === undefined && partners.length > 1) return this.collision(c, kind, caseNo, all);
    const rows = scopeToPartner(all, (r) => r.partner, named, `${word(kind)} ${caseNo}`);
    const partner = rows[0].partner;
    const today = shanghaiDate(new Date());
    const history = (await this.messages.list({ correlationId: caseNo, partner, limit: 1000 })).reverse();
    const original = history.find((m) => m.type === openingType(kind));
    const body = original ? (JSON.parse(original.body) as Record<string, any>) : undefined;
    const handling = rows.find((r) => r.role === 'handler');
    const { forms, summary: summaryOf } = CASE_KIND_VIEWS[kind];
    const summary = body ? summaryOf(body, c.lang) : [];
    const complainant =
      messageTypeSpec(openingType(kind)).personalData.includes('complainant') &&
      original?.direction === 'in' &&
      typeof body?.complainant === 'string'
        ? await complainantOnPage(body.complainant, this.keys.decryptionKey)
        : undefined;
    const page = html` ${done ? html`<p class="notice" id="notice">${TITLES[done]}已提交，正在签名发送。</p>` : ''}
      <table id="case-state">
        <thead>
          <tr>
            <th>对方机构</th>
            <th>我方角色</th>
            <th>状态</th>
            <th>时限</th>
            <th>到期日</th>
            <th>剩余</th>
            <th>督办</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr class="${this.rowClass(r, today)}">
                <td>${c.name(r.partner)}</td>
                <td>${word(r.role, c.lang)}</td>
                <td class="state">${word(r.state, c.lang)}</td>
                <td>${word(r.clock, c.lang)}</td>
                <td>${r.dueOn ?? '—'}</td>
                <td>${this.countdown(r, today)}</td>
                <td>${r.reminders}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${
        summary.length
          ? html`<h2>案件内容</h2>
              <dl class="props" id="case-summary">
                ${summary.map(
                  ([k, v]) =>
                    html`<dt>${k}</dt>
                      <dd>${String(v ?? '')}</dd>`,
                )}
              </dl>`
          : ''
      }
      ${
        complainant === 'erased'
          ? html`<h2>投诉人信息</h2>
              <p class="muted" id="complainant-erased">已删除（保存期限届满）</p>`
          : ''
      }
      ${
        complainant && complainant !== 'erased'
          ? html`<h2>投诉人信息</h2>
              <dl class="props" id="complainant">
                ${Object.entries(complainant).map(
                  ([k, v]) =>
                    html`<dt>${COMPLAINANT_LABELS[k as keyof typeof COMPLAINANT_LABELS] ?? k}</dt>
                      <dd data-field="${k}">${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`,
                )}
              </dl>
              ${
                c.has('handler')
                  ? html`<p>
                      <button
                        type="button"
                        id="reveal"
                        data-reveal="${caseUrl('COMPLAINT', caseNo, partner, 'complainant')}"
                        data-target="complainant"
                      >
                        查看完整信息（将记录本次访问）
                      </button>
                    </p>`
                  : html`<p class="muted" id="reveal-denied">查看完整个人信息需要承办人角色。</p>`
              }`
          : ''
      }
      ${
        handling && c.has('handler')
          ? html`<h2>办理</h2>
              <p class="actions" id="actions">
                ${forms.map((f) => html`<a href="${caseUrl(kind, caseNo, partner, f)}" id="form-${f}">${TITLES[f]}</a>`)}
              </p>`
          : ''
      }
      <h2>报文历史</h2>
      <table id="history">
        <thead>
          <tr>
            <th>时间</th>
            <th>方向</th>
            <th>类型</th>
            <th>发送方</th>
            <th>接收方</th>
            <th>状态</th>
            <th>原因</th>
          </tr>
        </thead>
        <tbody>
          ${history.map(
            (m) =>
              html`<tr data-type="${m.type}">
                <td>${localTime(m.createdAt)}</td>
                <td>${word(m.direction, c.lang)}</td>
                <td>${word(m.type, c.lang)}</td>
                <td>${c.name(m.sender)}</td>
                <td>${c.name(m.recipient)}</td>
                <td>${word(m.direction === 'in' ? 'stored' : m.status, c.lang)}</td>
                <td>${m.reasonCode ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    return layout(c, `${word(kind, c.lang)} ${caseNo}`, page).value;
  }

  @Post('cases/COMPLAINT/:caseNo/complainant')
  async reveal(
    @Console() c: ConsoleContext,
    @Param('caseNo') caseNo: string,
    @Query() query: unknown,
    @Req() req: Request & { caller: Caller },
    @Res() res: Response,
  ): Promise<void> {
    if (!c.has('handler')) {
      res.status(403).json({ error: 'FORBIDDEN', message: '查看投诉人个人信息需要承办人角色' });
      return;
    }
    try {
      pathParam(caseNo, 'caseNo');
      const { partner } = consoleQuery(query, CASE_QUERY);
      const { complainant, erased } = await this.reader.read(caseNo, req.caller, partner);
      res.json({ complainant, erased, labels: COMPLAINANT_LABELS });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const status = { NOT_FOUND: 404, CASE_AMBIGUOUS: 409, VALIDATION_FAILED: 400 }[e.code as string] ?? 403;
      res.status(status).json({ error: e.code, message: e.message });
    }
  }

  @Get('leads/new')
  @ConsoleRoles('submitter')
  newLead(@Console() c: ConsoleContext): string {
    return this.formPage(c, 'lead', undefined, {}).value;
  }

  @Post('leads/new')
  @ConsoleRoles('submitter')
  async postLead(@Console() c: ConsoleContext, @Body() posted: Posted, @Res() res: Response): Promise<void> {
    await this.handleForm(c, 'lead', undefined, posted, res);
  }

  @Get('cases/:kind/:caseNo/:form')
  @ConsoleRoles('handler')
  async form(
    @Console() c: ConsoleContext,
    @Param('kind') kind: string,
    @Param('caseNo') caseNo: string,
    @Param('form') form: string,
    @Query() query: unknown,
  ) {
    const { formKind, handling } = await this.formTarget(kind, caseNo, form, query);
    return this.formPage(c, formKind, handling, {}).value;
  }

  @Post('cases/:kind/:caseNo/:form')
  @ConsoleRoles('handler')
  async postForm(
    @Console() c: ConsoleContext,
    @Param('kind') kind: string,
    @Param('caseNo') caseNo: string,
    @Param('form') form: string,
    @Query() query: unknown,
    @Body() posted: Posted,
    @Res() res: Response,
  ): Promise<void> {
    const { formKind, handling } = await this.formTarget(kind, caseNo, form, query);
    await this.handleForm(c, formKind, handling, posted, res);
  }

  /** The case a form answers: ours to handle, with the partner named (or the only one there is). */
  private async formTarget(kind: string, caseNo: string, form: string, query: unknown) {
    const k = pathChoice(kind, CASE_KINDS, 'kind');
    pathParam(caseNo, 'caseNo');
    const formKind = pathChoice(form, CASE_KIND_VIEWS[k].forms, 'form');
    const { partner } = consoleQuery(query, CASE_QUERY);
    const handled = (await this.cases.find(k, caseNo)).filter((r) => r.role === 'handler');
    if (handled.length === 0) throw new DomainError('NOT_FOUND', `本机构没有承办中的${word(k)} ${caseNo}`);
    const [handling] = scopeToPartner(handled, (r) => r.partner, partner, `${word(k)} ${caseNo}`);
    return { formKind, handling };
  }

  private async handleForm(
    c: ConsoleContext,
    kind: FormKind,
    handling: CaseRecord | undefined,
    posted: Posted,
    res: Response,
  ): Promise<void> {
    try {
      const { type, request } = formMessage(kind, posted, handling?.caseNo ?? '', handling?.partner);
      const result = await this.submit.execute(SubmitMessageCommand.from(type, request), c.session.subject);
      const caseKind = kind === 'lead' ? 'LEAD' : handling!.kind;
      const caseNo = kind === 'lead' ? String(posted.leadNo ?? '').trim() : handling!.caseNo;
      const partner = kind === 'lead' ? result.recipient : handling!.partner;
      res.redirect(303, `${caseUrl(caseKind, caseNo, partner)}&done=${kind}`);
    } catch (e) {
      if (
        !(e instanceof DomainError) ||
        ![
          'VALIDATION_FAILED',
          'ILLEGAL_TRANSITION',
          'NO_JURISDICTION',
          'UNKNOWN_RECIPIENT',
          'NOT_IN_AGREEMENT',
          'UNKNOWN_CASE',
        ].includes(e.code)
      )
        throw e;
      const status = httpStatusOf(e.code);
      const message = e.field ? `${fieldName(e.field, c.lang)}：${e.message}` : e.message;
      res
        .status(status)
        .type('html')
        .send(this.formPage(c, kind, handling, posted, { message, input: inputOf(e.field) }).value);
    }
  }

  private formPage(
    c: ConsoleContext,
    kind: FormKind,
    handling: CaseRecord | undefined,
    posted: Posted,
    error?: { message: string; input?: string },
  ): Html {
    const action =
      kind === 'lead' ? '/console/leads/new' : caseUrl(handling!.kind, handling!.caseNo, handling!.partner, kind);
    const members = this.manifests.lastKnown.manifest.members.filter((m) => m.id !== c.agency);
    const value = (n: string) => {
      const v = posted[n];
      return Array.isArray(v) ? v.join(',') : v;
    };
    const field = (f: Field) => {
      const cls = [f.wide ? 'wide' : '', error?.input === f.name ? 'invalid' : ''].join(' ');
      if (f.name === 'recipient')
        return html`<label class="${cls}"
          >${f.label}<select name="recipient" id="f-recipient">
            <option value="">按管辖自动确定</option>
            ${members.map((m) => html`<option value="${m.id}" ${value('recipient') === m.id ? html`selected` : ''}>${c.name(m.id)}</option>`)}
          </select></label
        >`;
      if (f.type === 'select' || f.type === 'multi')
        return html`<span class="${cls}"
          >${select(
            f.name,
            f.label,
            f.options!.map((o) => [o, word(o, c.lang)]),
            value(f.name),
            { required: f.required, multiple: f.type === 'multi' },
          )}</span
        >`;
      if (f.type === 'textarea')
        return html`<label class="${cls}"
          >${f.label}<textarea name="${f.name}" id="f-${f.name}" rows="4">${value(f.name) ?? ''}</textarea>
        </label>`;
      return html`<label class="${cls}"
        >${f.label}${f.required ? ' *' : ''}<input
          type="${f.type ?? 'text'}"
          name="${f.name}"
          id="f-${f.name}"
          value="${value(f.name) ?? ''}"
      /></label>`;
    };
    const context = handling
      ? html`<p>
          ${word(handling.kind, c.lang)}
          <a href="${caseUrl(handling.kind, handling.caseNo, handling.partner)}">${handling.caseNo}</a>，反馈给
          ${c.name(handling.partner)}，当前状态：${word(handling.state, c.lang)}
        </p>`
      : '';
    return layout(
      c,
      TITLES[kind],
      html`${context}${error ? html`<p class="error" id="form-error" role="alert">${error.message}</p>` : ''}
        <form method="post" action="${action}" class="fields" id="form-${kind}" novalidate>
          <input type="hidden" name="_csrf" value="${c.session.csrf}" />
          ${formFields(this.codec.local)[kind].map(field)}
          <div class="wide"><button type="submit" id="submit">提交</button></div>
        </form>`,
    );
  }

  private async caseList(c: ConsoleContext, query: unknown, role: 'handler' | 'transferor', title: string) {
    const q = consoleQuery(query, CASE_LIST_QUERY);
    const today = shanghaiDate(new Date());
    const { page, offset, size } = pageOf(q.page);
    const { kind, state, overdue, partner } = q;
    const rows = await this.cases.list({
      role,
      kind,
      state,
      partner,
      overdueOn: overdue ? today : undefined,
      limit: size + 1,
      offset,
    });
    // A number another partner's case uses too is flagged: each row still links to its own case.
    const shown = rows.slice(0, size);
    const shared = shown.length > 0 ? await this.cases.sharedNumbers(shown) : new Set<string>();
    const members = this.manifests.lastKnown.manifest.members.filter((m) => m.id !== c.agency);
    const body = html` ${filterForm(c, [
        select(
          'kind',
          '类别',
          CASE_KINDS.map((k) => [k, word(k, c.lang)]),
          kind,
        ),
        select(
          'state',
          '状态',
          CONSOLE_CASE_STATES.map((s) => [s, word(s, c.lang)]),
          state,
        ),
        select(
          'partner',
          role === 'handler' ? '移送机构' : '承办机构',
          members.map((m) => [m.id, c.name(m.id)]),
          partner,
        ),
        select('overdue', '仅看逾期', [['true', '是']], overdue ? 'true' : undefined),
      ])}
      <table id="cases">
        <thead>
          <tr>
            <th>编号</th>
            <th>类别</th>
            <th>${role === 'handler' ? '移送机构' : '承办机构'}</th>
            <th>应答方</th>
            <th>状态</th>
            <th>时限</th>
            <th>到期日</th>
            <th>倒计时</th>
            <th>督办</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (r) =>
              html`<tr class="${this.rowClass(r, today)}" data-case="${r.caseNo}" data-partner="${r.partner}">
                <td>
                  <a href="${caseUrl(r.kind, r.caseNo, r.partner)}">${r.caseNo}</a>
                  ${
                    shared.has(`${r.kind}/${r.caseNo}`)
                      ? html`<span class="badge collision" title="另一机构的案件使用了同一编号">编号重复</span>`
                      : ''
                  }
                </td>
                <td>${word(r.kind, c.lang)}</td>
                <td>${c.name(r.partner)}</td>
                <td>${r.dueOn ? (r.role === 'handler' ? '我方' : c.name(r.partner)) : '—'}</td>
                <td class="state">${word(r.state, c.lang)}</td>
                <td>${word(r.clock, c.lang)}</td>
                <td>${r.dueOn ?? '—'}${r.dueProvisional ? '（暂定）' : ''}</td>
                <td class="countdown">${this.countdown(r, today)}</td>
                <td>${r.reminders > 0 ? `已督办 ${r.reminders} 次` : ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${rows.length === 0 ? html`<p class="muted">暂无案件</p>` : ''}
      ${pager(c, setFilters(q), page, rows.length > size)}`;
    return layout(c, title, body);
  }

  /** Two partners' cases share this number: which one? (Nothing is acted on until one is chosen.) */
  private collision(c: ConsoleContext, kind: string, caseNo: string, rows: CaseRecord[]): string {
    const page = html`<p class="notice" id="collision">
        ${rows.length} 个机构的${word(kind, c.lang)}使用了同一编号 ${caseNo}，请选择要查看的案件：
      </p>
      <ul id="collision-choices">
        ${rows.map(
          (r) =>
            html`<li>
              <a href="${caseUrl(r.kind, r.caseNo, r.partner)}" data-partner="${r.partner}">${c.name(r.partner)}</a>
              （${word(r.role, c.lang)}，${word(r.state, c.lang)}）
            </li>`,
        )}
      </ul>`;
    return layout(c, `${word(kind, c.lang)} ${caseNo}`, page).value;
  }

  private rowClass(r: CaseRecord, today: string): string {
    if (!r.dueOn) return '';
    if (r.dueOn < today) return 'overdue';
    return this.calendar.workingDaysBetween(today, r.dueOn) <= 2 ? 'due-soon' : '';
  }

  /** Days left on the running clock (working or calendar days, as its limit counts), or how late. */
  private countdown(r: CaseRecord, today: string): Html | string {
    if (!r.dueOn) return '—';
    const working = !r.clock || this.limits.all().find((l) => l.id === r.clock)?.unit !== 'calendar';
    const unit = working ? '个工作日' : '天';
    const span = (a: string, b: string) =>
      working ? this.calendar.workingDaysBetween(a, b) : Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
    if (r.dueOn < today) return html`<span class="badge late">已逾期 ${span(r.dueOn, today)} ${unit}</span>`;
    return `剩余 ${span(today, r.dueOn)} ${unit}`;
  }
}

const localTime = shanghaiDateTime;
