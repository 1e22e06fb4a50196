// The OpenAPI document a county system codes against: valid by a standard validator
// (@apidevtools/swagger-parser), complete (summary, operationId, 4xx, the one error shape), and
// true: each documented request example is posted and gets its documented status, with a body
// that validates against the documented response schema.
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import { CASE_KINDS, MESSAGE_TYPES, SUBMITTABLE_SPECS } from '@xietong/contracts';
import { WEBHOOK_EVENT_TYPES } from '@xietong/exchange';
import { startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type Doc = any;

describe('OpenAPI document at /docs-json', () => {
  let h: Harness;
  let doc: Doc;
  let deref: Doc;
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });

  beforeAll(async () => {
    h = await startFederation({
      members: [JD, HZ],
      dialect: 'sqlite',
      offline: [HZ],
      agreements: [
        {
          id: 'yrd',
          name: '长三角',
          members: [JD, HZ],
          messageTypes: ['LEAD', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT'],
        },
      ],
    });
    doc = await (await fetch(`${h.gateway(JD).url}/docs-json`)).json();
    deref = await SwaggerParser.dereference(structuredClone(doc));
  });
  afterAll(() => h?.close());

  const operations = (d: Doc) =>
    Object.entries(d.paths).flatMap(([path, item]: [string, any]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] })),
    );

  /** Checks a response against the documented schema of its status; returns the validation errors. */
  const conforms = (path: string, method: string, status: number, body: unknown) => {
    const response = deref.paths[path][method].responses[String(status)];
    if (!response) return [`status ${status} is not documented for ${method.toUpperCase()} ${path}`];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return [`no JSON schema for ${status}`];
    return ajv.validate(schema, body) ? [] : ajv.errors!.map((e) => `${e.instancePath} ${e.message}`);
  };

  it('validates as OpenAPI 3 with a standard validator', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('gives every operation a summary, a unique operationId, 4xx responses in the one error shape', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(17);
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, summary: typeof op.summary, id: /^[a-z][A-Za-z]+$/.test(op.operationId) }).toEqual({
        where,
        summary: 'string',
        id: true,
      });
      expect((op.parameters ?? []).filter((p: any) => p.in === 'header')).toEqual([]);
      const errors = Object.keys(op.responses).filter((s) => Number(s) >= 400);
      if (op.security?.length !== 0)
        expect({ where, errors }).toEqual({ where, errors: expect.arrayContaining(['401', '403']) });
      // /health and /health/ready answer 503 with their own report (status degraded), which monitoring reads.
      for (const s of errors.filter(() => !path.startsWith('/health')))
        expect({ where, s, schema: op.responses[s].content['application/json'].schema }).toEqual({
          where,
          s,
          schema: { $ref: '#/components/schemas/Error' },
        });
      for (const [s, r] of Object.entries<any>(op.responses))
        expect({ where, s, content: Object.keys(r.content ?? {}).length > 0 }).toEqual({ where, s, content: true });
    }
  });

  it('lists every query parameter with the constraints the server enforces', () => {
    const params = (path: string) =>
      Object.fromEntries(doc.paths[path].get.parameters.map((p: any) => [p.name, p.schema]));
    expect(Object.keys(params('/api/v1/messages')).sort()).toEqual(
      ['correlationId', 'direction', 'limit', 'offset', 'partner', 'status', 'type'].sort(),
    );
    expect(params('/api/v1/messages').limit).toMatchObject({ minimum: 1, maximum: 1000 });
    expect(Object.keys(params('/api/v1/cases')).sort()).toEqual(
      ['from', 'kind', 'limit', 'offset', 'overdue', 'partner', 'riskTier', 'role', 'state', 'to'].sort(),
    );
    expect(Object.keys(params('/api/v1/quarantine'))).toEqual(['reason']);
    expect(Object.keys(params('/api/v1/reports/monthly')).sort()).toEqual(['format', 'month']);
    const lead = doc.components.schemas.Lead;
    expect(lead.properties.leadNo).toMatchObject({ type: 'string', minLength: 1, maxLength: 64 });
    expect(lead.properties.subject.properties.registeredAddress.properties.divisionCode).toMatchObject({
      pattern: '^\\d{6}$',
    });
    expect(lead.description).toContain('线索');
    expect(doc.components.schemas.Complaint.properties.complainant).toEqual({
      $ref: '#/components/schemas/Complainant',
    });
  });

  it('publishes the registry: a submission path per type submitted over HTTP, every type and case kind', () => {
    const submissions = Object.keys(doc.paths).filter((p) => doc.paths[p].post?.tags?.includes('submission'));
    expect(submissions.sort()).toEqual([...SUBMITTABLE_SPECS.map((s) => `/api/v1/${s.path}`), '/api/v1/batch'].sort());
    const batchTypes =
      doc.paths['/api/v1/batch'].post.requestBody.content['application/json'].schema.properties.items.items.oneOf;
    expect(batchTypes.map((o: any) => o.properties.type.enum[0])).toEqual(SUBMITTABLE_SPECS.map((s) => s.type));
    expect(doc.components.schemas.Message.properties.type.enum).toEqual([...MESSAGE_TYPES]);
    expect(doc.components.schemas.Case.properties.kind.enum).toEqual([...CASE_KINDS]);
    const kindOf = (path: string) => doc.paths[path].get.parameters.find((p: any) => p.name === 'kind').schema.enum;
    expect(kindOf('/api/v1/cases')).toEqual([...CASE_KINDS]);
    expect(kindOf('/api/v1/cases/{kind}/{caseNo}')).toEqual([...CASE_KINDS]);
  });

  it('documents the webhook admin operations and a schema per event, and the server answers as documented', async () => {
    const ops = operations(doc).filter((o) => o.path.startsWith('/api/v1/webhooks'));
    expect(ops.map((o) => `${o.method} ${o.path}`).sort()).toEqual(
      [
        'post /api/v1/webhooks/endpoints',
        'get /api/v1/webhooks/endpoints',
        'get /api/v1/webhooks/endpoints/{id}',
        'patch /api/v1/webhooks/endpoints/{id}',
        'delete /api/v1/webhooks/endpoints/{id}',
        'post /api/v1/webhooks/endpoints/{id}/rotate-secret',
        'get /api/v1/webhooks/endpoints/{id}/deliveries',
        'post /api/v1/webhooks/deliveries/{id}/redeliver',
      ].sort(),
    );
    expect(doc.components.schemas.WebhookEvent.oneOf).toHaveLength(WEBHOOK_EVENT_TYPES.length);
    const token = await h.token(JD, ['admin']);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${h.gateway(JD).url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: await res.json() };
    };
    const refused = await call('POST', '/api/v1/webhooks/endpoints', { url: 'http://10.0.0.1/' });
    expect(conforms('/api/v1/webhooks/endpoints', 'post', refused.status, refused.body)).toEqual([]);
    expect(refused.status).toBe(422);
    const listed = await call('GET', '/api/v1/webhooks/endpoints');
    expect(conforms('/api/v1/webhooks/endpoints', 'get', listed.status, listed.body)).toEqual([]);
    const missing = await call('GET', '/api/v1/webhooks/endpoints/3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b');
    expect(missing.status).toBe(404);
    expect(conforms('/api/v1/webhooks/endpoints/{id}', 'get', missing.status, missing.body)).toEqual([]);
  });

  it('answers each documented request example with its documented status and response schema', async () => {
    const token = await h.token(JD, ['submitter', 'handler']);
    let posted = 0;
    for (const { path, method, op } of operations(doc)) {
      for (const [name, ex] of Object.entries<any>(op.requestBody?.content?.['application/json']?.examples ?? {})) {
        const res = await fetch(`${h.gateway(JD).url}${path}`, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(ex.value),
        });
        const body = await res.json();
        expect({ example: `${path} ${name}`, status: res.status, body }).toMatchObject({
          example: `${path} ${name}`,
          status: ex['x-expected-status'],
        });
        expect({ example: `${path} ${name}`, errors: conforms(path, method, res.status, body) }).toEqual({
          example: `${path} ${name}`,
          errors: [],
        });
        posted++;
      }
    }
    // Accepted and refused examples of every submission operation.
    expect(posted).toBeGreaterThanOrEqual(10);
  });

  it('returns what the read operations document', async () => {
    const get = async (path: string, roles = ['auditor', 'submitter'] as any) => {
      const res = await fetch(`${h.gateway(JD).url}${path}`, {
        headers: { authorization: `Bearer ${await h.token(JD, roles)}` },
      });
      return { status: res.status, body: await res.json() };
    };
    for (const [path, template] of [
      ['/api/v1/messages?limit=5', '/api/v1/messages'],
      ['/api/v1/cases?overdue=false', '/api/v1/cases'],
      ['/api/v1/quarantine', '/api/v1/quarantine'],
      ['/health', '/health'],
      ['/health/live', '/health/live'],
      ['/health/ready', '/health/ready'],
      ['/api/v1/messages?limit=0', '/api/v1/messages'],
      ['/api/v1/cases?role=boss', '/api/v1/cases'],
      ['/api/v1/messages/not-a-uuid', '/api/v1/messages/{id}'],
      ['/api/v1/messages/3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b', '/api/v1/messages/{id}'],
      ['/api/v1/reports/monthly', '/api/v1/reports/monthly'],
    ]) {
      const r = await get(path);
      expect({ path, status: r.status, errors: conforms(template, 'get', r.status, r.body) }).toEqual({
        path,
        status: r.status,
        errors: [],
      });
    }
    const listed = await get('/api/v1/messages');
    expect(listed.body.items.length).toBeGreaterThan(0);
    expect(conforms('/api/v1/messages', 'get', 200, listed.body)).toEqual([]);
  });
});
