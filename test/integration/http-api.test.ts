import { sampleLead } from '@xietong/contracts';
import { OutboxRepository } from '@xietong/persistence';
import { startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';

describe('HTTP submission API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({
      members: [JD, HZ, NJ],
      dialect: 'sqlite',
      offline: [HZ, NJ],
      agreements: [
        {
          id: 'yrd',
          name: '长三角',
          members: [JD, HZ],
          messageTypes: ['LEAD', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT'],
        },
        { id: 'leads-only', name: 'test', members: [JD, NJ], messageTypes: ['LEAD'] },
      ],
    });
  });
  afterAll(() => h?.close());

  async function nothingWritten() {
    expect(await h.messages(JD).list({})).toHaveLength(0);
    expect(await h.gateway(JD).app.get(OutboxRepository).pendingCount()).toBe(0);
  }

  it.each([
    [
      'a missing nested field',
      {
        recipient: HZ,
        body: {
          ...sampleLead('L-1'),
          subject: { ...(sampleLead('L-1').subject as object), registeredAddress: { address: 'x' } },
        },
      },
      'body.subject.registeredAddress.divisionCode',
    ],
    ['a wrong enum symbol', { recipient: HZ, body: { ...sampleLead('L-1'), riskTier: 'HIGH' } }, 'body.riskTier'],
    ['an unknown body field', { recipient: HZ, body: { ...sampleLead('L-1'), note: 'x' } }, 'body.note'],
    ['a malformed recipient', { recipient: 'hz', body: sampleLead('L-1') }, 'recipient'],
    ['a missing leadNo', { recipient: HZ, body: { ...sampleLead('L-1'), leadNo: undefined } }, 'body.leadNo'],
    ['an unknown request field', { recipient: HZ, body: sampleLead('L-1'), priority: 1 }, 'priority'],
    [
      'a bad timestamp',
      {
        recipient: HZ,
        body: { ...sampleLead('L-1'), evidence: [{ kind: 'k', uri: 'u', digest: 'd', capturedAt: 'yesterday' }] },
      },
      'body.evidence.0.capturedAt',
    ],
  ])('answers %s with 400 naming the field, and writes nothing', async (_name, request, field) => {
    const res = await h.post(JD, 'leads', request);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'VALIDATION_FAILED', field });
    expect(res.json.message).toContain(field.replace(/^body\./, ''));
    await nothingWritten();
  });

  it('answers invalid JSON with 400', async () => {
    const res = await h.post(JD, 'leads', '{"recipient": "330100", "body": {');
    expect(res).toMatchObject({
      status: 400,
      json: { error: 'VALIDATION_FAILED', message: expect.stringContaining('not valid JSON') },
    });
    await nothingWritten();
  });

  it('answers a wrong content type with 415', async () => {
    const res = await h.post(JD, 'leads', JSON.stringify({ recipient: HZ, body: sampleLead('L-1') }), 'text/plain');
    expect(res).toMatchObject({ status: 415, json: { error: 'UNSUPPORTED_MEDIA_TYPE' } });
    await nothingWritten();
  });

  it('answers an oversize body with 413', async () => {
    const res = await h.post(JD, 'leads', {
      recipient: HZ,
      body: { ...sampleLead('L-1'), allegation: { category: 'FOOD', facts: 'x'.repeat(5_000_000) } },
    });
    expect(res).toMatchObject({ status: 413, json: { error: 'PAYLOAD_TOO_LARGE' } });
    await nothingWritten();
  });

  it('answers an unknown resource with 404', async () => {
    expect((await h.post(JD, 'orders', { recipient: HZ, body: {} })).status).toBe(404);
  });

  it('refuses a recipient outside the federation with 422 UNKNOWN_RECIPIENT', async () => {
    const res = await h.post(JD, 'leads', { recipient: '110000', body: sampleLead('L-1') });
    expect(res).toMatchObject({ status: 422, json: { error: 'UNKNOWN_RECIPIENT' } });
    await nothingWritten();
  });

  it('refuses a message type no agreement covers with 422 NOT_IN_AGREEMENT and says why', async () => {
    const res = await h.post(JD, 'case-results', {
      recipient: NJ,
      body: { leadNo: 'L-1', stage: 'VERIFICATION_FEEDBACK', feedback: { status: 'VERIFYING' } },
    });
    expect(res).toMatchObject({
      status: 422,
      json: { error: 'NOT_IN_AGREEMENT', message: expect.stringContaining('341825 send CASE_RESULT to 320100') },
    });
    await nothingWritten();
  });

  it('accepts a batch all or none, naming the item of a bad field', async () => {
    const bad = await h.post(JD, 'batch', {
      items: [
        { type: 'LEAD', recipient: NJ, body: sampleLead('B-1') },
        { type: 'LEAD', recipient: NJ, body: { ...sampleLead('B-2'), riskTier: 'HIGH' } },
      ],
    });
    expect(bad).toMatchObject({ status: 400, json: { error: 'VALIDATION_FAILED', field: 'items.1.body.riskTier' } });
    await nothingWritten();
    expect((await h.post(JD, 'batch', { items: [{ type: 'ORDER', recipient: NJ, body: {} }] })).json).toMatchObject({
      error: 'VALIDATION_FAILED',
      field: 'items.0',
    });
    expect((await h.post(JD, 'batch', { items: [] })).json).toMatchObject({
      error: 'VALIDATION_FAILED',
      field: 'items',
    });
    const ok = await h.post(JD, 'batch', {
      items: [
        { type: 'LEAD', recipient: NJ, body: sampleLead('B-1') },
        { type: 'LEAD', recipient: NJ, body: sampleLead('B-2') },
      ],
    });
    expect(ok.status).toBe(202);
    expect(ok.json.items).toEqual([
      expect.objectContaining({ correlationId: 'B-1', status: 'pending' }),
      expect.objectContaining({ correlationId: 'B-2', status: 'pending' }),
    ]);
    expect(await h.messages(JD).list({ direction: 'out' })).toHaveLength(2);
  });

  it('publishes an OpenAPI document at /docs, with bodies derived from the Avro schemas', async () => {
    const base = h.gateway(JD).url;
    const ui = await fetch(`${base}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as any;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/leads',
        '/api/v1/case-results',
        '/api/v1/complaints',
        '/api/v1/complaint-results',
        '/api/v1/cases',
        '/health',
      ]),
    );
    expect(doc.paths['/api/v1/leads'].post.requestBody.content['application/json'].schema.properties.body).toEqual({
      $ref: '#/components/schemas/Lead',
    });
    expect(doc.components.schemas.Lead.properties.riskTier).toEqual({
      type: 'string',
      enum: ['KEY', 'WARNING', 'GENERAL'],
    });
    expect(doc.components.schemas.Lead.required).toEqual(expect.arrayContaining(['leadNo', 'subject', 'allegation']));
    expect(doc.components.schemas.Complainant.required).toEqual(['name', 'phone', 'address']);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('exposes Prometheus metrics to the auditor role', async () => {
    const res = await fetch(`${h.gateway(JD).url}/metrics`, {
      headers: { authorization: `Bearer ${await h.token(JD, ['auditor'])}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(
      /xietong_messages\{direction="out",type="LEAD",status="(pending|sent)",agency="341825"\} [1-9]/,
    );
    expect(text).toContain('xietong_outbox_pending{agency="341825"}');
    expect(text).toMatch(/xietong_consumer_lag\{partition="0",agency="341825"\} \d+/);
    expect(text).toMatch(/xietong_manifest_expiry_seconds\{agency="341825"\} \d+/);
    expect(text).toMatch(/xietong_cases_overdue\{kind="LEAD",agency="341825"\} 0/);
    expect(
      (
        await fetch(`${h.gateway(JD).url}/metrics`, {
          headers: { authorization: `Bearer ${await h.token(JD, ['submitter'])}` },
        })
      ).status,
    ).toBe(403);
  });

  it('serves status queries with validated parameters', async () => {
    const ok = await h.post(JD, 'leads', { recipient: NJ, body: sampleLead('L-OK') });
    expect(ok.status).toBe(202);
    const base = h.gateway(JD).url;
    const one = await h.get(JD, `/api/v1/messages/${ok.json.messageId}`);
    expect(one.json).toMatchObject({ messageId: ok.json.messageId, direction: 'out', body: { leadNo: 'L-OK' } });
    expect((await h.get(JD, '/api/v1/messages/not-a-uuid')).status).toBe(400);
    expect((await h.get(JD, '/api/v1/messages/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await h.get(JD, '/api/v1/messages?status=lost')).status).toBe(400);
    const list = (await h.get(JD, '/api/v1/messages?direction=out&type=LEAD&correlationId=L-OK')).json as {
      items: { correlationId: string }[];
    };
    expect(list.items.map((m) => m.correlationId)).toEqual(['L-OK']);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'up',
      agency: JD,
      database: { status: 'up' },
      kafka: { status: 'up' },
      manifest: { status: 'up', serial: 1 },
    });
  });
});
