import type { INestApplication } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { InboundService, LocalKeys } from '@xietong/exchange';
import { MessageRepository, QuarantineRepository } from '@xietong/persistence';
import { bearer, controllerApp } from '../../../../test/support/controller-app';
import { MessageQueryController } from './message-query.controller';

const ID = '00000000-0000-4000-8000-000000000001';
const stored = {
  messageId: ID,
  direction: 'out',
  type: 'LEAD',
  sender: '341825',
  recipient: '330100',
  status: 'sent',
  body: '{"leadNo":"JD-1"}',
  signature: 'eyJ..sig',
};

describe('MessageQueryController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  const messages = { list: jest.fn(), find: jest.fn() };
  const quarantine = { list: jest.fn(), countsByReason: jest.fn() };
  const inbound = { replayQuarantined: jest.fn() };

  beforeAll(async () => {
    ({ app, http } = await controllerApp(
      [MessageQueryController],
      [
        [MessageRepository, messages],
        [QuarantineRepository, quarantine],
        [LocalKeys, {}],
        [InboundService, inbound],
      ],
    ));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    for (const m of [
      messages.list,
      messages.find,
      quarantine.list,
      quarantine.countsByReason,
      inbound.replayQuarantined,
    ])
      m.mockReset();
  });

  it('lists messages without their bodies or signatures, with the filter it was asked for', async () => {
    messages.list.mockResolvedValue([stored]);
    const res = await http()
      .get('/api/v1/messages?direction=out&status=sent&limit=5')
      .set('Authorization', bearer('submitter'));
    expect(res.status).toBe(200);
    expect(messages.list).toHaveBeenCalledWith(expect.objectContaining({ direction: 'out', status: 'sent', limit: 5 }));
    expect(res.body.items).toEqual([
      { messageId: ID, direction: 'out', type: 'LEAD', sender: '341825', recipient: '330100', status: 'sent' },
    ]);
  });

  it('refuses a status that does not exist (400 naming it)', async () => {
    const res = await http().get('/api/v1/messages?status=lost').set('Authorization', bearer('auditor'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'status' });
  });

  it('answers one message with its body parsed, 404 when unknown, 400 for an id that is not a UUID', async () => {
    messages.find.mockResolvedValueOnce(stored).mockResolvedValueOnce(null);
    const one = await http().get(`/api/v1/messages/${ID}`).set('Authorization', bearer('auditor'));
    expect(one.status).toBe(200);
    expect(one.body.body).toEqual({ leadNo: 'JD-1' });
    expect(one.body.signature).toBeUndefined();
    const missing = await http().get(`/api/v1/messages/${ID}`).set('Authorization', bearer('auditor'));
    expect(missing.status).toBe(404);
    const bad = await http().get('/api/v1/messages/42').set('Authorization', bearer('auditor'));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'id' });
    expect(messages.find).toHaveBeenCalledTimes(2);
  });

  it('shows the quarantine to auditors only', async () => {
    quarantine.list.mockResolvedValue([]);
    quarantine.countsByReason.mockResolvedValue({ SIGNATURE_INVALID: 2 });
    const asSubmitter = await http().get('/api/v1/quarantine').set('Authorization', bearer('submitter'));
    expect(asSubmitter.status).toBe(403);
    const res = await http().get('/api/v1/quarantine?reason=SIGNATURE_INVALID').set('Authorization', bearer('auditor'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ counts: { SIGNATURE_INVALID: 2 }, items: [] });
    expect(quarantine.list).toHaveBeenCalledWith('SIGNATURE_INVALID');
  });

  it('replays a quarantined record for an admin, recording who asked', async () => {
    inbound.replayQuarantined.mockResolvedValue({ replayed: true });
    const asAuditor = await http().post('/api/v1/quarantine/5/replay').set('Authorization', bearer('auditor'));
    expect(asAuditor.status).toBe(403);
    const bad = await http().post('/api/v1/quarantine/five/replay').set('Authorization', bearer('admin'));
    expect(bad.status).toBe(400);
    const res = await http().post('/api/v1/quarantine/5/replay').set('Authorization', bearer('admin'));
    expect(res.status).toBe(202);
    expect(inbound.replayQuarantined).toHaveBeenCalledTimes(1);
    expect(inbound.replayQuarantined).toHaveBeenCalledWith('5', 'api:caller-1');
  });

  it("maps the replay's refusal to 409 NOT_REPLAYABLE", async () => {
    inbound.replayQuarantined.mockRejectedValue(new DomainError('NOT_REPLAYABLE', 'replayed already'));
    const res = await http().post('/api/v1/quarantine/5/replay').set('Authorization', bearer('admin'));
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'NOT_REPLAYABLE', message: 'replayed already' });
  });
});
