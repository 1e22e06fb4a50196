import { Controller, Get, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CASE_KINDS, DomainError, MESSAGE_TYPES, REPORTED_TYPES } from '@xietong/contracts';
import { MONTH, PARTNER, Public, REASON_CODE, type ParamSpec } from '@xietong/exchange';
import { shanghaiDate } from '@xietong/workflow';
import { Console, ConsoleGuard, ConsoleRoles, type ConsoleContext } from './console-context';
import { ConsoleErrorFilter } from './console-error.filter';
import { consoleQuery, PAGE } from './console-params';
import { AuditorPages } from './queries/auditor-pages';
import { monthlyCsv, monthlyXlsx } from './report-export';
import { MESSAGE_STATUSES, messagesView } from './views/messages.view';
import { overdueView } from './views/overdue.view';
import { overviewView } from './views/overview.view';
import { quarantinedView, quarantineView } from './views/quarantine.view';
import { reportView } from './views/report.view';

const OVERVIEW_QUERY = {
  from: { kind: 'date' },
  to: { kind: 'date' },
  granularity: { kind: 'enum', values: ['day', 'week', 'month'] },
  by: { kind: 'enum', values: ['partner', 'type', 'outcome'] },
  partner: PARTNER,
  // Types counted in the flows (from the message-type registry, so new types show up here too).
  type: { kind: 'enum', values: REPORTED_TYPES },
} as const satisfies Record<string, ParamSpec>;

const OVERDUE_QUERY = {
  ...PAGE,
  kind: { kind: 'enum', values: CASE_KINDS },
  role: { kind: 'enum', values: ['transferor', 'handler'] },
  partner: PARTNER,
} as const satisfies Record<string, ParamSpec>;

const QUARANTINE_QUERY = {
  ...PAGE,
  reason: REASON_CODE,
  replayed: { kind: 'enum', values: ['yes', 'no'] },
} as const satisfies Record<string, ParamSpec>;

const MESSAGES_QUERY = {
  ...PAGE,
  direction: { kind: 'enum', values: ['in', 'out'] },
  type: { kind: 'enum', values: MESSAGE_TYPES },
  status: { kind: 'enum', values: MESSAGE_STATUSES },
  partner: PARTNER,
  caseNo: { kind: 'text' },
} as const satisfies Record<string, ParamSpec>;

const REPORT_QUERY = { month: MONTH } as const satisfies Record<string, ParamSpec>;

/**
 * The auditor's views: flows, KPIs, overdue cases, quarantine, messages, monthly report. Each
 * handler parses its parameters, asks AuditorPages and renders the page's view.
 */
@Controller('console/auditor')
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@ConsoleRoles('auditor')
export class AuditorConsoleController {
  constructor(private readonly pages: AuditorPages) {}

  @Get()
  async overview(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    const model = await this.pages.overview(c.agency, consoleQuery(query, OVERVIEW_QUERY), c.lang);
    return overviewView(c, model).value;
  }

  @Get('overdue')
  async overdue(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    return overdueView(c, await this.pages.overdue(c.agency, consoleQuery(query, OVERDUE_QUERY))).value;
  }

  @Get('quarantine')
  async quarantine(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    return quarantineView(c, await this.pages.quarantine(consoleQuery(query, QUARANTINE_QUERY))).value;
  }

  @Get('quarantine/:id')
  async quarantined(@Console() c: ConsoleContext, @Param('id') id: string): Promise<string> {
    return quarantinedView(c, await this.pages.quarantined(id, c.lang)).value;
  }

  @Get('messages')
  async messages(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    return messagesView(c, await this.pages.messages(c.agency, consoleQuery(query, MESSAGES_QUERY))).value;
  }

  @Get('report')
  async report(@Console() c: ConsoleContext, @Query() query: unknown): Promise<string> {
    const month = consoleQuery(query, REPORT_QUERY).month ?? shanghaiDate(new Date()).slice(0, 7);
    return reportView(c, await this.pages.report(month)).value;
  }

  @Get('report.csv')
  async reportCsv(@Console() c: ConsoleContext, @Query() query: unknown, @Res() res: Response) {
    const report = await this.pages.report(requiredMonth(query));
    res
      .type('text/csv; charset=utf-8')
      .attachment(`xietong-${c.agency}-${report.month}.csv`)
      .send(monthlyCsv(report.rows, (id) => c.name(id)));
  }

  @Get('report.xlsx')
  async reportXlsx(@Console() c: ConsoleContext, @Query() query: unknown, @Res() res: Response) {
    const report = await this.pages.report(requiredMonth(query));
    const buf = await monthlyXlsx(report, c.name(c.agency), (id) => c.name(id));
    res
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .attachment(`xietong-${c.agency}-${report.month}.xlsx`)
      .send(buf);
  }
}

function requiredMonth(query: unknown): string {
  const { month } = consoleQuery(query, REPORT_QUERY);
  if (!month) throw new DomainError('VALIDATION_FAILED', 'query month is required: a month YYYY-MM', 'month');
  return month;
}
