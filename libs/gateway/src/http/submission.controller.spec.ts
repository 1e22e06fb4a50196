import type { INestApplication } from '@nestjs/common';
import { DomainError, sampleFeedback, sampleLead } from '@xietong/contracts';
import { SubmitMessageCommand, SubmitMessageUseCase } from '@xietong/exchange';
import { bearer, controllerApp } from '../../../../test/support/controller-app';
import { SubmissionController } from './submission.controller';

const ACCEPTED = { messageId: '00000000-0000-4000-8000-000000000001', created: true };

describe('SubmissionController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  const submit = { execute: jest.fn(), executeMany: jest.fn() };

  beforeAll(async () => {
    ({ app, http } = await controllerApp([SubmissionController], [[SubmitMessageUseCase, submit]]));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    submit.execute.mockReset().mockResolvedValue(ACCEPTED);
    submit.executeMany.mockReset().mockResolvedValue([ACCEPTED]);
  });

  const lead = { recipient: '330100', body: sampleLead('JD-2026-0001') };

  it('passes a valid lead to the use case as a command, with the caller as submitter (202)', async () => {
    const res = await http().post('/api/v1/leads').set('Authorization', bearer('submitter')).send(lead);
    expect(res.status).toBe(202);
    expect(res.body).toEqual(ACCEPTED);
    const [command, subject] = submit.execute.mock.calls[0] as [SubmitMessageCommand, string];
    expect(command).toBeInstanceOf(SubmitMessageCommand);
    expect(command).toMatchObject({ type: 'LEAD', recipient: '330100', correlationId: 'JD-2026-0001' });
    expect(subject).toBe('caller-1');
  });

  it('refuses a request without a bearer token (401, with WWW-Authenticate)', async () => {
    const res = await http().post('/api/v1/leads').send(lead);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(submit.execute).not.toHaveBeenCalled();
  });

  it('refuses a token the verifier rejects (401)', async () => {
    const res = await http().post('/api/v1/leads').set('Authorization', bearer('expired')).send(lead);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'UNAUTHENTICATED', message: 'token expired' });
  });

  it('refuses a type whose role the caller lacks (403), and lets admin through', async () => {
    const result = { recipient: '330100', body: sampleFeedback('JD-2026-0001', 'C-1') };
    const res = await http().post('/api/v1/case-results').set('Authorization', bearer('submitter')).send(result);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('FORBIDDEN');
    expect(res.body.message).toContain('needs the handler role');
    expect(submit.execute).not.toHaveBeenCalled();
    const asAdmin = await http().post('/api/v1/leads').set('Authorization', bearer('admin')).send(lead);
    expect(asAdmin.status).toBe(202);
  });

  it('refuses a caller with none of the handler roles before reading the body (403)', async () => {
    const res = await http().post('/api/v1/leads').set('Authorization', bearer('auditor')).send(lead);
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('submitter, handler');
  });

  it('answers 404 naming the submittable paths for an unknown one', async () => {
    const res = await http().post('/api/v1/rumours').set('Authorization', bearer('submitter')).send(lead);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('NOT_FOUND');
    expect(res.body.message).toContain('leads');
  });

  it('accepts only JSON (415)', async () => {
    const res = await http()
      .post('/api/v1/leads')
      .set('Authorization', bearer('submitter'))
      .set('Content-Type', 'text/plain')
      .send('recipient=330100');
    expect(res.status).toBe(415);
    expect(res.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('names the field of an invalid request (400)', async () => {
    const res = await http()
      .post('/api/v1/leads')
      .set('Authorization', bearer('submitter'))
      .send({ ...lead, recipient: '33010' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'recipient' });
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await http()
      .post('/api/v1/leads')
      .set('Authorization', bearer('submitter'))
      .set('Content-Type', 'application/json')
      .send('{"recipient":');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_FAILED');
  });

  it('maps the use case domain errors to their status (409 MESSAGE_ID_CONFLICT), and hides others (500)', async () => {
    submit.execute.mockRejectedValueOnce(new DomainError('MESSAGE_ID_CONFLICT', 'another message has this id'));
    const conflict = await http().post('/api/v1/leads').set('Authorization', bearer('submitter')).send(lead);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe('MESSAGE_ID_CONFLICT');
    submit.execute.mockRejectedValueOnce(new Error('connection reset: password=secret'));
    const crash = await http().post('/api/v1/leads').set('Authorization', bearer('submitter')).send(lead);
    expect(crash.status).toBe(500);
    expect(crash.body).toEqual({ error: 'INTERNAL', message: 'internal error; see the gateway log' });
  });

  describe('batch', () => {
    it('passes every item as a command, all at once', async () => {
      const res = await http()
        .post('/api/v1/batch')
        .set('Authorization', bearer('submitter'))
        .send({ items: [{ type: 'LEAD', ...lead }] });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ items: [ACCEPTED] });
      const [commands, , subject] = submit.executeMany.mock.calls[0] as [SubmitMessageCommand[], unknown, string];
      expect(commands.map((c) => c.type)).toEqual(['LEAD']);
      expect(subject).toBe('caller-1');
    });

    it.each([
      ['no items', {}],
      ['an empty list', { items: [] }],
      ['more than 1,000 items', { items: Array.from({ length: 1001 }, () => ({ type: 'LEAD' })) }],
    ])('refuses %s (400 on field items)', async (_what, body) => {
      const res = await http().post('/api/v1/batch').set('Authorization', bearer('submitter')).send(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'items' });
      expect(submit.executeMany).not.toHaveBeenCalled();
    });

    it('names the item of an unknown type (400 on items.N), submitting none', async () => {
      const res = await http()
        .post('/api/v1/batch')
        .set('Authorization', bearer('submitter'))
        .send({
          items: [
            { type: 'LEAD', ...lead },
            { type: 'GOSSIP', ...lead },
          ],
        });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'items.1' });
      expect(res.body.message).toMatch(/^items\.1: unknown message type GOSSIP/);
      expect(submit.executeMany).not.toHaveBeenCalled();
    });

    it('names the item whose role the caller lacks (403 on items.N)', async () => {
      const res = await http()
        .post('/api/v1/batch')
        .set('Authorization', bearer('submitter'))
        .send({ items: [{ type: 'CASE_RESULT', recipient: '330100', body: sampleFeedback('JD-2026-0001', 'C-1') }] });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'FORBIDDEN', field: 'items.0' });
    });
  });
});
