import type { INestApplication } from '@nestjs/common';
import { CaseRepository, MessageRepository, type CaseRecord } from '@xietong/persistence';
import { shanghaiDate } from '@xietong/workflow';
import { bearer, controllerApp } from '../../../../test/support/controller-app';
import { CaseController } from './case.controller';

const at = new Date('2026-11-02T02:00:00Z');
const caseFile = (dueOn: string | null): CaseRecord => ({
  kind: 'LEAD',
  caseNo: 'JD-1',
  partner: '330100',
  role: 'transferor',
  state: 'RECEIVED',
  riskTier: 'GENERAL',
  subject: null,
  receivedOn: '2026-11-03',
  clock: 'lead-feedback',
  clockStart: '2026-11-03',
  dueOn,
  dueProvisional: false,
  reminders: 0,
  lastReminderAt: null,
  flags: null,
  createdAt: at,
  updatedAt: at,
});

describe('CaseController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  const cases = { list: jest.fn(), find: jest.fn() };
  const messages = { list: jest.fn() };

  beforeAll(async () => {
    ({ app, http } = await controllerApp(
      [CaseController],
      [
        [CaseRepository, cases],
        [MessageRepository, messages],
      ],
    ));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    cases.list.mockReset().mockResolvedValue([]);
    cases.find.mockReset().mockResolvedValue([]);
    messages.list.mockReset().mockResolvedValue([]);
  });

  it('filters overdue cases by the local date in Asia/Shanghai and marks each overdue', async () => {
    const today = shanghaiDate(new Date());
    cases.list.mockResolvedValue([caseFile('2000-01-01'), caseFile('2999-01-01')]);
    const res = await http()
      .get('/api/v1/cases?overdue=true&kind=LEAD&role=transferor')
      .set('Authorization', bearer('auditor'));
    expect(res.status).toBe(200);
    expect(cases.list).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'LEAD', role: 'transferor', overdueOn: today, limit: 100, offset: 0 }),
    );
    expect(res.body.today).toBe(today);
    expect(res.body.items.map((c: { overdue: boolean }) => c.overdue)).toEqual([true, false]);
  });

  it('reads from/to as local days: from 00:00 of the first to 00:00 after the last, China time', async () => {
    await http().get('/api/v1/cases?from=2026-11-01&to=2026-11-30').set('Authorization', bearer('handler'));
    expect(cases.list).toHaveBeenCalledWith(
      expect.objectContaining({
        createdFrom: new Date('2026-10-31T16:00:00Z'),
        createdTo: new Date('2026-11-30T16:00:00Z'),
      }),
    );
  });

  it.each([
    ['kind=GOSSIP', 'kind'],
    ['riskTier=LOW', 'riskTier'],
    ['from=2026-02-30', 'from'],
    ['limit=0', 'limit'],
  ])('refuses the query %s naming the parameter (400)', async (query, field) => {
    const res = await http().get(`/api/v1/cases?${query}`).set('Authorization', bearer('auditor'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', field });
    expect(cases.list).not.toHaveBeenCalled();
  });

  it('needs a role that reads cases (403 for a token without roles)', async () => {
    const res = await http().get('/api/v1/cases').set('Authorization', bearer());
    expect(res.status).toBe(403);
  });

  it('answers one case with its message history oldest first', async () => {
    cases.find.mockResolvedValue([caseFile(null)]);
    messages.list.mockResolvedValue([
      { messageId: 'm-2', direction: 'in', type: 'CASE_RESULT', body: '{"secret":1}' },
      { messageId: 'm-1', direction: 'out', type: 'LEAD', body: '{"secret":1}' },
    ]);
    const res = await http().get('/api/v1/cases/LEAD/JD-1').set('Authorization', bearer('handler'));
    expect(res.status).toBe(200);
    expect(cases.find).toHaveBeenCalledWith('LEAD', 'JD-1');
    expect(messages.list).toHaveBeenCalledWith({ correlationId: 'JD-1', limit: 1000 });
    expect(res.body.cases).toHaveLength(1);
    expect(res.body.history.map((m: { messageId: string }) => m.messageId)).toEqual(['m-1', 'm-2']);
    expect(JSON.stringify(res.body.history)).not.toContain('secret');
  });

  it('answers 404 for a case it does not hold, and 400 for a kind that does not exist', async () => {
    const missing = await http().get('/api/v1/cases/LEAD/JD-404').set('Authorization', bearer('handler'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'NOT_FOUND', message: 'no lead JD-404' });
    const bad = await http().get('/api/v1/cases/RUMOUR/JD-1').set('Authorization', bearer('handler'));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'kind' });
  });
});
