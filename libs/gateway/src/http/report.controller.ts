import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@xietong/contracts';
import { MonthlyReport } from '@xietong/exchange';
import { Roles } from '../auth/roles';

/** The monthly data-flow report of the leading group office, as JSON or CSV. */
@Controller('api/v1/reports')
export class ReportController {
  constructor(private readonly reports: MonthlyReport) {}

  @Get('monthly')
  @Roles('auditor')
  async monthly(
    @Query('month') month: string | undefined,
    @Query('format') format: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    if (!month) throw new DomainError('VALIDATION_FAILED', 'query month=YYYY-MM is required', 'month');
    const report = await this.reports.build(month);
    if (format === 'csv') {
      res.type('text/csv').send(MonthlyReport.csv(report));
      return;
    }
    if (format !== undefined && format !== 'json')
      throw new DomainError('VALIDATION_FAILED', 'format must be json or csv', 'format');
    res.json(report);
  }
}
