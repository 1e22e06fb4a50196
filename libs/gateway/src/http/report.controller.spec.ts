import type { INestApplication } from '@nestjs/common';
import { MonthlyReport } from '@xietong/exchange';
import { bearer, controllerApp } from '../../../../test/support/controller-app';
import { ReportController } from './report.controller';

const REPORT = {
  month: '2026-11',
  rows: [
    {
      partner: '330100',
      type: 'LEAD',
      sent: 3,
      received: 0,
      accepted: 2,
      rejected: 1,
      overdue: 1,
      avgFeedbackWorkingDays: 4.5,
    },
  ],
};

describe('ReportController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  const reports = { build: jest.fn() };

  beforeAll(async () => {
    ({ app, http } = await controllerApp([ReportController], [[MonthlyReport, reports]]));
  });
  afterAll(() => app.close());
  beforeEach(() => reports.build.mockReset().mockResolvedValue(REPORT));

  it('builds the month asked for, as JSON by default', async () => {
    const res = await http().get('/api/v1/reports/monthly?month=2026-11').set('Authorization', bearer('auditor'));
    expect(res.status).toBe(200);
    expect(reports.build).toHaveBeenCalledWith('2026-11');
    expect(res.body).toEqual(REPORT);
  });

  it('writes CSV when asked', async () => {
    const res = await http()
      .get('/api/v1/reports/monthly?month=2026-11&format=csv')
      .set('Authorization', bearer('auditor'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text).toBe(MonthlyReport.csv(REPORT as never));
  });

  it.each([
    ['', 'month'],
    ['month=2026-13', 'month'],
    ['month=2026-11&format=xml', 'format'],
  ])('refuses the query "%s" naming %s (400)', async (query, field) => {
    const res = await http().get(`/api/v1/reports/monthly?${query}`).set('Authorization', bearer('auditor'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', field });
    expect(reports.build).not.toHaveBeenCalled();
  });

  it('is for auditors (403 for a submitter)', async () => {
    const res = await http().get('/api/v1/reports/monthly?month=2026-11').set('Authorization', bearer('submitter'));
    expect(res.status).toBe(403);
  });
});
