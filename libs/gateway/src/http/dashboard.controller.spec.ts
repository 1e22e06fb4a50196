import type { INestApplication } from '@nestjs/common';
import { controllerApp } from '../../../../test/support/controller-app';
import { DashboardController } from './dashboard.controller';

describe('DashboardController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];

  beforeAll(async () => {
    ({ app, http } = await controllerApp([DashboardController], []));
  });
  afterAll(() => app.close());

  it('sends an old /dashboard bookmark to the console auditor page (302), without a token', async () => {
    const res = await http().get('/dashboard');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/console/auditor');
  });

  it('no longer serves the dashboard data', async () => {
    const res = await http().get('/api/v1/dashboard');
    expect(res.status).toBe(404);
  });
});
