import type { INestApplication } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { bearer, controllerApp } from '../../../../test/support/controller-app';
import { ComplainantController } from './complainant.controller';
import { ComplainantReader } from '@xietong/exchange';

describe('ComplainantController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  const reader = { read: jest.fn() };

  beforeAll(async () => {
    ({ app, http } = await controllerApp([ComplainantController], [[ComplainantReader, reader]]));
  });
  afterAll(() => app.close());
  beforeEach(() => reader.read.mockReset().mockResolvedValue({ complaintNo: 'TS-1', complainant: { name: '王五' } }));

  it('reads the complainant for a handler, passing who asks and from where', async () => {
    const res = await http().get('/api/v1/complaints/TS-1/complainant').set('Authorization', bearer('handler'));
    expect(res.status).toBe(200);
    expect(res.body.complainant).toEqual({ name: '王五' });
    const [complaintNo, caller] = reader.read.mock.calls[0] as [
      string,
      { subject: string; roles: string[]; ip: string },
    ];
    expect(complaintNo).toBe('TS-1');
    expect(caller).toMatchObject({ subject: 'caller-1', roles: ['handler'] });
    expect(caller.ip).not.toBe('');
  });

  it('passes the partner named by ?partner= on, and refuses one that is not an agency id (400)', async () => {
    const res = await http()
      .get('/api/v1/complaints/TS-1/complainant?partner=320100')
      .set('Authorization', bearer('handler'));
    expect(res.status).toBe(200);
    expect(reader.read.mock.calls[0][2]).toBe('320100');
    const bad = await http()
      .get('/api/v1/complaints/TS-1/complainant?partner=x')
      .set('Authorization', bearer('handler'));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'partner' });
    expect(reader.read).toHaveBeenCalledTimes(1);
  });

  it('answers 409 CASE_AMBIGUOUS when two partners sent that number and none is named', async () => {
    reader.read.mockRejectedValue(new DomainError('CASE_AMBIGUOUS', '2 partners', 'partner'));
    const res = await http().get('/api/v1/complaints/TS-1/complainant').set('Authorization', bearer('handler'));
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('CASE_AMBIGUOUS');
  });

  it('is for handlers only: a submitter or an auditor gets 403 and nothing is read', async () => {
    for (const role of ['submitter', 'auditor']) {
      const res = await http().get('/api/v1/complaints/TS-1/complainant').set('Authorization', bearer(role));
      expect(res.status).toBe(403);
    }
    expect(reader.read).not.toHaveBeenCalled();
  });

  it('refuses a complaint number with control characters (400)', async () => {
    const res = await http().get('/api/v1/complaints/TS%0A1/complainant').set('Authorization', bearer('handler'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', field: 'complaintNo' });
    expect(reader.read).not.toHaveBeenCalled();
  });

  it("maps the reader's refusal for a complaint sent elsewhere to 403", async () => {
    reader.read.mockRejectedValue(new DomainError('FORBIDDEN', 'encrypted to 330100 only'));
    const res = await http().get('/api/v1/complaints/TS-2/complainant').set('Authorization', bearer('handler'));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'FORBIDDEN', message: 'encrypted to 330100 only' });
  });
});
