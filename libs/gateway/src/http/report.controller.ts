import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@xietong/contracts';
import { MONTH, MonthlyReport, parseQuery, Roles } from '@xietong/exchange';

const REPORT_QUERY = {
  month: MONTH,
  format: { kind: 'enum', values: ['json', 'csv'] },
} as const;

/** The monthly data-flow report of the leading group office, as JSON or CSV. */
@Controller('api/v1/reports')
export class ReportController {
  constructor(private readonly reports: MonthlyReport) {}

  @Get('monthly')
  @Roles('auditor')
  async monthly(@Query() query: unknown, @Res() res: Response): Promise<void> {
    const { month, format } = parseQuery(query, REPORT_QUERY);
    if (!month) throw new DomainError('VALIDATION_FAILED', 'query month=YYYY-MM is required', 'month');
    const report = await this.reports.build(month);
    if (format === 'csv') {
      res.type('text/csv').send(MonthlyReport.csv(report));
      return;
    }
    res.json(report);
  }
}
