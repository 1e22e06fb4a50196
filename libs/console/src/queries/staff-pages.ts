import { complainantOnPage } from '../complainant-view';
import { Injectable } from '@nestjs/common';
import { DomainError, messageTypeSpec, openingType, type CaseKindName } from '@xietong/contracts';
import { LocalKeys, partnersOf, scopeToPartner } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { CaseRepository, MessageRepository, type CaseRecord } from '@xietong/persistence';
import { shanghaiDate, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import { CASE_KIND_VIEWS } from '../case-kind-views';
import { pageOf, setFilters } from '../console-params';
import { tr, word, type Lang } from '../labels';
import type { FormKind } from '../staff-forms';
import type { CaseListModel, CaseRow } from '../views/case-list.view';
import type { CasePageModel } from '../views/case-page.view';
import type { Countdown, Member } from '../views/view-parts';

export interface CaseListQuery {
  page: number;
  kind?: CaseKindName;
  state?: string;
  overdue?: boolean;
  partner?: string;
}

/** What the county staff's pages show (inbox, transferred, case page, form targets), from the repositories. */
@Injectable()
export class StaffPages {
  constructor(
    private readonly cases: CaseRepository,
    private readonly messages: MessageRepository,
    private readonly calendar: WorkingDayCalendar,
    private readonly limits: TimeLimits,
    private readonly keys: LocalKeys,
    private readonly manifests: ManifestStore,
  ) {}

  partners(agency: string): Member[] {
    return this.manifests.lastKnown.manifest.members.filter((m) => m.id !== agency).map((m) => ({ id: m.id }));
  }

  async caseList(agency: string, q: CaseListQuery, role: 'handler' | 'transferor'): Promise<CaseListModel> {
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
    return {
      role,
      filters: { kind, state, overdue, partner },
      members: this.partners(agency),
      rows: shown.map((r) => this.caseRow(r, today, shared.has(`${r.kind}/${r.caseNo}`))),
      page,
      hasMore: rows.length > size,
      query: setFilters(q as unknown as Record<string, unknown>),
    };
  }

  /**
   * A case page, or (no partner named while two partners' cases share the number) the choice
   * between them: nothing is shown as "the" case until one is chosen.
   */
  async casePage(
    kind: CaseKindName,
    caseNo: string,
    named: string | undefined,
    lang: Lang,
  ): Promise<{ collision: CaseRecord[] } | { page: Omit<CasePageModel, 'done' | 'canHandle'> }> {
    const all = await this.cases.find(kind, caseNo);
    if (all.length === 0) throw new DomainError('NOT_FOUND', tr(lang, `案件 ${caseNo} 不存在`, `no case ${caseNo}`));
    if (named === undefined && partnersOf(all, (r) => r.partner).length > 1) return { collision: all };
    const rows = scopeToPartner(all, (r) => r.partner, named, `${word(kind)} ${caseNo}`);
    const partner = rows[0].partner;
    const today = shanghaiDate(new Date());
    const history = (await this.messages.list({ correlationId: caseNo, partner, limit: 1000 })).reverse();
    const original = history.find((m) => m.type === openingType(kind));
    const body = original ? (JSON.parse(original.body) as Record<string, any>) : undefined;
    const complainant =
      messageTypeSpec(openingType(kind)).personalData.includes('complainant') &&
      original?.direction === 'in' &&
      typeof body?.complainant === 'string'
        ? await complainantOnPage(body.complainant, this.keys.decryptionKey)
        : undefined;
    return {
      page: {
        kind,
        caseNo,
        partner,
        rows: rows.map((r) => this.caseRow(r, today, false)),
        summary: body ? CASE_KIND_VIEWS[kind].summary(body, lang) : [],
        complainant,
        handling: rows.some((r) => r.role === 'handler'),
        forms: CASE_KIND_VIEWS[kind].forms,
        history,
      },
    };
  }

  /** The case a form answers: ours to handle, with the partner named (or the only one there is). */
  async formTarget(kind: CaseKindName, caseNo: string, partner: string | undefined, lang: Lang): Promise<CaseRecord> {
    const handled = (await this.cases.find(kind, caseNo)).filter((r) => r.role === 'handler');
    if (handled.length === 0)
      throw new DomainError(
        'NOT_FOUND',
        tr(lang, `本机构没有承办中的${word(kind)} ${caseNo}`, `this agency handles no ${word(kind, 'en')} ${caseNo}`),
      );
    return scopeToPartner(handled, (r) => r.partner, partner, `${word(kind)} ${caseNo}`)[0];
  }

  formsOf(kind: CaseKindName): readonly FormKind[] {
    return CASE_KIND_VIEWS[kind].forms;
  }

  private caseRow(r: CaseRecord, today: string, shared: boolean): CaseRow {
    return { ...r, due: this.dueClass(r, today), countdown: this.countdown(r, today), shared };
  }

  private dueClass(r: CaseRecord, today: string): '' | 'overdue' | 'due-soon' {
    if (!r.dueOn) return '';
    if (r.dueOn < today) return 'overdue';
    return this.calendar.workingDaysBetween(today, r.dueOn) <= 2 ? 'due-soon' : '';
  }

  /** Days left on the running clock (working or calendar days, as its limit counts), or how late. */
  private countdown(r: CaseRecord, today: string): Countdown | null {
    if (!r.dueOn) return null;
    const working = !r.clock || this.limits.all().find((l) => l.id === r.clock)?.unit !== 'calendar';
    const span = (a: string, b: string) =>
      working ? this.calendar.workingDaysBetween(a, b) : Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
    return r.dueOn < today
      ? { late: true, days: span(r.dueOn, today), working }
      : { late: false, days: span(today, r.dueOn), working };
  }
}
