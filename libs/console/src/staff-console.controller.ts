import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CASE_KINDS, DomainError } from '@xietong/contracts';
import {
  CASE_STATE,
  ComplainantReader,
  httpStatusOf,
  PARTNER,
  pathParam,
  Public,
  SubmitMessageCommand,
  SubmitMessageUseCase,
  WireCodec,
  type Caller,
  type ParamSpec,
} from '@xietong/exchange';
import type { CaseRecord } from '@xietong/persistence';
import { Console, ConsoleGuard, ConsoleRoles, type ConsoleContext } from './console-context';
import { ConsoleErrorFilter } from './console-error.filter';
import { consoleQuery, PAGE, pathChoice } from './console-params';
import { formErrorMessage } from './form-errors';
import { tr } from './labels';
import { StaffPages } from './queries/staff-pages';
import { formFields, TITLES } from './staff-form-fields';
import { formMessage, inputOf, type FormKind, type Posted } from './staff-forms';
import { caseListView } from './views/case-list.view';
import { casePageView, collisionView, complainantLabels } from './views/case-page.view';
import { formView } from './views/form.view';
import { caseUrl } from './views/view-parts';

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

/** Refusals a form shows on the form (the user can fix them); anything else is an error page. */
const FORM_ERRORS = [
  'VALIDATION_FAILED',
  'ILLEGAL_TRANSITION',
  'NO_JURISDICTION',
  'UNKNOWN_RECIPIENT',
  'NOT_IN_AGREEMENT',
  'UNKNOWN_CASE',
];

/**
 * The county staff's views: inbox, transferred cases, case page with history, and the forms.
 * Handlers parse their parameters, ask StaffPages and render the page's view.
 */
@Controller('console')
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@ConsoleRoles('handler', 'submitter', 'auditor')
export class StaffConsoleController {
  constructor(
    private readonly pages: StaffPages,
    private readonly submit: SubmitMessageUseCase,
    private readonly reader: ComplainantReader,
    private readonly codec: WireCodec,
  ) {}

  @Get('inbox')
  async inbox(@Console() c: ConsoleContext, @Query() q: unknown): Promise<string> {
    return caseListView(c, await this.pages.caseList(c.agency, consoleQuery(q, CASE_LIST_QUERY), 'handler')).value;
  }

  @Get('transferred')
  async transferred(@Console() c: ConsoleContext, @Query() q: unknown): Promise<string> {
    return caseListView(c, await this.pages.caseList(c.agency, consoleQuery(q, CASE_LIST_QUERY), 'transferor')).value;
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
    const { done, partner } = consoleQuery(query, CASE_PAGE_QUERY);
    const found = await this.pages.casePage(kind, caseNo, partner, c.lang);
    if ('collision' in found) return collisionView(c, kind, caseNo, found.collision).value;
    return casePageView(c, { ...found.page, done, canHandle: c.has('handler') }).value;
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
      res.status(403).json({
        error: 'FORBIDDEN',
        message: tr(
          c.lang,
          '查看投诉人个人信息需要承办人角色',
          "the complainant's personal data needs the handler role",
        ),
      });
      return;
    }
    try {
      pathParam(caseNo, 'caseNo');
      const { partner } = consoleQuery(query, CASE_QUERY);
      const { complainant, erased } = await this.reader.read(caseNo, req.caller, partner);
      res.json({ complainant, erased, labels: complainantLabels(c.lang) });
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
  ): Promise<string> {
    const { formKind, handling } = await this.formTarget(c, kind, caseNo, form, query);
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
    const { formKind, handling } = await this.formTarget(c, kind, caseNo, form, query);
    await this.handleForm(c, formKind, handling, posted, res);
  }

  /** The case a form answers: ours to handle, with the partner named (or the only one there is). */
  private async formTarget(c: ConsoleContext, kind: string, caseNo: string, form: string, query: unknown) {
    const k = pathChoice(kind, CASE_KINDS, 'kind');
    pathParam(caseNo, 'caseNo');
    const formKind = pathChoice(form, this.pages.formsOf(k), 'form');
    const { partner } = consoleQuery(query, CASE_QUERY);
    return { formKind, handling: await this.pages.formTarget(k, caseNo, partner, c.lang) };
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
      if (!(e instanceof DomainError) || !FORM_ERRORS.includes(e.code)) throw e;
      const error = { message: formErrorMessage(e, c.lang), input: inputOf(e.field) };
      res
        .status(httpStatusOf(e.code))
        .type('html')
        .send(this.formPage(c, kind, handling, posted, error).value);
    }
  }

  private formPage(
    c: ConsoleContext,
    kind: FormKind,
    handling: CaseRecord | undefined,
    posted: Posted,
    error?: { message: string; input?: string },
  ) {
    const fields = formFields(this.codec.local)[kind];
    return formView(c, { kind, handling, fields, members: this.pages.partners(c.agency), posted, error });
  }
}
