import fc from 'fast-check';
import { sampleComplaint, sampleLead } from '@xietong/contracts';
import { ConsoleSessionStore } from '@xietong/gateway';
import { eventually, startFederation, type Harness, type TestDialect } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

/** A request body with `nested` (JSON text) in place of the string "@@NESTED@@". */
function withNested(request: unknown, nested: string): string {
  return JSON.stringify(request).replace('"@@NESTED@@"', nested);
}

/** GET endpoints and the query parameters each declares. */
const QUERY_ENDPOINTS: Record<string, string[]> = {
  '/api/v1/messages': ['direction', 'status', 'type', 'partner', 'correlationId', 'limit', 'offset'],
  '/api/v1/cases': ['kind', 'state', 'partner', 'role', 'riskTier', 'overdue', 'from', 'to', 'limit', 'offset'],
  '/api/v1/quarantine': ['reason'],
  '/api/v1/reports/monthly': ['month', 'format'],
  '/api/v1/partners/status': ['timeoutMs'],
  '/metrics': [],
  '/health': [],
  '/health/live': [],
  '/health/ready': [],
};

/** The console's pages (HTML, signed in by a session cookie) and the query parameters each declares. */
const CONSOLE_ENDPOINTS: Record<string, string[]> = {
  '/console/auditor': ['from', 'to', 'granularity', 'by', 'partner', 'type'],
  '/console/auditor/overdue': ['page', 'kind', 'role', 'partner'],
  '/console/auditor/quarantine': ['page', 'reason', 'replayed'],
  '/console/auditor/messages': ['page', 'direction', 'type', 'status', 'partner', 'caseNo'],
  '/console/auditor/report': ['month'],
  '/console/auditor/report.csv': ['month'],
  '/console/inbox': ['page', 'kind', 'state', 'overdue', 'partner'],
  '/console/transferred': ['page', 'kind', 'state', 'overdue', 'partner'],
  '/console/cases/LEAD/NO-SUCH-CASE': ['done', 'partner'],
  '/console/lang': ['to', 'back'],
  '/console/login': ['returnTo'],
  '/console/callback': ['state'],
};

/** Paths with a parameter in them; `{}` is replaced by the hostile value. */
const PATH_ENDPOINTS = [
  '/api/v1/messages/{}',
  '/api/v1/pings/{}',
  '/api/v1/webhooks/endpoints/{}/deliveries',
  '/api/v1/cases/LEAD/{}',
  '/api/v1/cases/{}/X',
  '/api/v1/complaints/{}/complainant',
  '/console/cases/LEAD/{}',
  '/console/cases/{}/X',
  '/console/cases/LEAD/X/{}',
  '/console/auditor/quarantine/{}',
  '/console/assets/{}',
];

const HOSTILE = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '-1',
    '1e9',
    '-5',
    '9'.repeat(400),
    '__proto__',
    'constructor',
    '2026-02-30',
    "'; DROP TABLE message; --",
    '%00',
    '',
    '[]',
    '{}',
  ),
  fc.integer().map(String),
);

const tokens = new WeakMap<Harness, Promise<string>>();

const sessions = new WeakMap<Harness, string>();

/** A console session cookie with every role (the sign-in itself is the browser tests' business). */
function consoleCookie(h: Harness): string {
  if (!sessions.has(h)) {
    const s = h
      .gateway(JD)
      .app.get(ConsoleSessionStore)
      .create({
        subject: 'hostile-tester',
        name: 'hostile-tester',
        roles: ['submitter', 'handler', 'auditor', 'admin'],
        idToken: '',
      });
    sessions.set(h, `xietong_console_${JD}=${s.id}`);
  }
  return sessions.get(h)!;
}

async function call(h: Harness, method: string, path: string, body?: string) {
  if (!tokens.has(h)) tokens.set(h, h.token(JD, ['submitter', 'handler', 'auditor', 'admin']));
  const res = await fetch(`${h.gateway(JD).url}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${await tokens.get(h)}`,
      cookie: consoleCookie(h),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

describe.each<TestDialect>(['postgres', 'sqlite'])('hostile HTTP input on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    // The console is on (its identity provider is never asked: sessions are made in the store).
    h = await startFederation({ members: [JD, HZ], dialect, env: { XIETONG_OIDC_ISSUER: 'http://127.0.0.1:9' } });
  });
  afterAll(() => h?.close());

  it('refuses deep nesting with 400 naming the field', async () => {
    const lead = sampleLead('JD-DEEP-1');
    const deep = { ...lead, allegation: { ...(lead.allegation as object), facts: '@@NESTED@@' } };
    const arrays = `${'['.repeat(10_000)}"x"${']'.repeat(10_000)}`;
    const res = await h.post(JD, 'leads', withNested({ recipient: HZ, body: deep }, arrays));
    expect(res.status).toBe(400);
    expect(res.json.field).toMatch(/^body\.allegation\.facts\.0\.0/);
    const objects = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const batch = await h.post(
      JD,
      'batch',
      withNested({ items: [{ type: 'LEAD', recipient: HZ, body: '@@NESTED@@' }] }, objects),
    );
    expect(batch.status).toBe(400);
    expect(batch.json.field).toMatch(/^items\.0\.body\.a\.a/);
  });

  it.each([
    ['/api/v1/messages?partner=a%00b', 'partner'],
    ['/api/v1/messages?correlationId=JD%001', 'correlationId'],
    ['/api/v1/cases?partner=3%0041825', 'partner'],
    ['/api/v1/quarantine?reason=MALFORMED%00', 'reason'],
    ['/api/v1/cases/LEAD/JD%001', 'caseNo'],
    ['/api/v1/complaints/C%001/complainant', 'complaintNo'],
    ['/api/v1/complaints/C1/complainant?partner=3%0041825', 'partner'],
    ['/api/v1/messages?partner=341825&partner=330100', 'partner'],
    ['/api/v1/cases?state=RECEIVED&state=CLOSED', 'state'],
    ['/api/v1/cases?limit=-1', 'limit'],
    ['/api/v1/cases?limit=1e9', 'limit'],
    ['/api/v1/cases?offset=-5', 'offset'],
    ['/api/v1/messages?limit=1e9', 'limit'],
    ['/api/v1/messages?offset=-5', 'offset'],
    ['/api/v1/cases?from=2026-02-30', 'from'],
    ['/api/v1/reports/monthly?month=2026-13', 'month'],
  ])('answers %s with 400 naming %s', async (path, field) => {
    const res = await call(h, 'GET', path);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'VALIDATION_FAILED', field });
  });

  it.each([
    ['/console/auditor/messages?partner=a%00b', 'partner'],
    ['/console/auditor/messages?caseNo=JD%001', 'caseNo'],
    ['/console/auditor/messages?status=sent&status=pending', 'status'],
    ['/console/auditor/messages?page=0', 'page'],
    ['/console/auditor/messages?page=-5', 'page'],
    ['/console/auditor/messages?page=1e9', 'page'],
    ['/console/auditor/quarantine?reason=MALFORMED%00', 'reason'],
    ['/console/auditor/quarantine?reason=MALFORMED&reason=REPLAY', 'reason'],
    ['/console/auditor/overdue?partner=341825&partner=330100', 'partner'],
    ['/console/auditor/overdue?page=100001', 'page'],
    ['/console/auditor?from=2026-02-30', 'from'],
    ['/console/auditor?to=2026-11-30%00', 'to'],
    ['/console/auditor?granularity=year', 'granularity'],
    ['/console/auditor/report?month=2026-13', 'month'],
    ['/console/auditor/report.csv', 'month'],
    ['/console/inbox?state=RECEIVED&state=CLOSED', 'state'],
    ['/console/inbox?state=RECEIVED%00', 'state'],
    ['/console/transferred?overdue=yes', 'overdue'],
    ['/console/transferred?offset=-5&page=-1', 'page'],
    ['/console/cases/LEAD/JD%001', 'caseNo'],
    ['/console/cases/LEAD/X?done=__proto__', 'done'],
    ['/console/lang?back=a&back=b', 'back'],
    ['/console/login?returnTo=%2Fconsole%00', 'returnTo'],
  ])('console: answers %s with a 400 page naming %s', async (path, field) => {
    const res = await call(h, 'GET', path);
    expect(res.status).toBe(400);
    expect(res.json).toContain(`data-field="${field}"`);
    expect(res.json).toMatch(new RegExp(`(query|path parameter) ${field} `));
  });

  it('console: takes an empty filter field as absent, as its forms send them', async () => {
    const res = await call(h, 'GET', '/console/auditor/messages?direction=&type=&status=&partner=&caseNo=&page=');
    expect(res.status).toBe(200);
    expect(res.json).toContain('id="messages"');
  });

  it.each(['__proto__', 'constructor', 'toString'])('console: answers the asset %s with 404', async (file) => {
    expect((await call(h, 'GET', `/console/assets/${file}`)).status).toBe(404);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'answers POST /api/v1/%s with 404',
    async (kind) => {
      const res = await h.post(JD, kind, { recipient: HZ, body: sampleLead('X') });
      expect(res.status).toBe(404);
      expect(res.json.error).toBe('NOT_FOUND');
    },
  );

  it.each([
    ['evidence.0.capturedAt', '2026-02-30T10:00:00Z'],
    ['evidence.0.capturedAt', '2026-11-20T10:00:00'],
    ['evidence.0.capturedAt', '1'],
    ['evidence.0.capturedAt', '2026-11-20T24:00:00Z'],
    ['replyDue', '2026-02-30'],
  ])('refuses a lead with %s = %j', async (field, value) => {
    const lead = sampleLead('JD-DATE-1') as any;
    if (field === 'replyDue') lead.replyDue = value;
    else lead.evidence[0].capturedAt = value;
    const res = await h.post(JD, 'leads', { recipient: HZ, body: lead });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe(`body.${field}`);
  });

  it.each([
    ['receivedAt', '1'],
    ['receivedAt', '2026-02-30T10:00:00Z'],
    ['amountFen', -1],
    ['complainant', { name: '王\u0000小明', phone: '13812341234', address: '某地', idNumber: '11010519491231002X' }],
  ])('refuses a complaint with a bad %s', async (field, value) => {
    const body = { ...sampleComplaint('JD-CPL-BAD'), [field]: value };
    const res = await h.post(JD, 'complaints', { recipient: HZ, body });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe(field === 'complainant' ? 'body.complainant.name' : `body.${field}`);
  });

  it('accepts a complaint whose complainant ID number fails GB 11643, with a warning and a flag that do not repeat it', async () => {
    const body = sampleComplaint('JD-ID-1') as any;
    body.complainant.idNumber = '110105194912310021';
    const res = await h.post(JD, 'complaints', { recipient: HZ, body });
    expect(res.status).toBe(202);
    expect(res.json.warnings).toEqual([
      expect.objectContaining({ field: 'body.complainant.idNumber', code: 'RESIDENT_ID_INVALID' }),
    ]);
    const cases = await h.get(JD, '/api/v1/cases?kind=COMPLAINT');
    const file = cases.json.items.find((c: { caseNo: string }) => c.caseNo === 'JD-ID-1');
    expect(file.flags).toContain('RESIDENT_ID_INVALID');
    expect(JSON.stringify([res.json, file])).not.toContain('110105194912310021');
  });

  it('stores and shows exactly what it signed, and the partner stores the same', async () => {
    const lead = sampleLead('JD-SIGNED-1') as any;
    lead.evidence[0].capturedAt = '2026-11-20T10:00:00+08:00';
    const res = await h.post(JD, 'leads', { recipient: HZ, body: lead });
    expect(res.status).toBe(202);
    const shown = await h.get(JD, `/api/v1/messages/${res.json.messageId}`);
    expect(shown.json.body.evidence[0].capturedAt).toBe('2026-11-20T02:00:00.000Z');
    const received = await eventually('received by 杭州', async () => h.messages(HZ).find(res.json.messageId));
    expect(JSON.parse(received.body)).toEqual(shown.json.body);
  });

  it('answers no input on any endpoint or query parameter with a 5xx, and keeps serving', async () => {
    const declared = { ...QUERY_ENDPOINTS, ...CONSOLE_ENDPOINTS };
    const endpoint = fc.constantFrom(...Object.keys(declared));
    const queryCase = endpoint.chain((path) =>
      fc.record({
        path: fc.constant(path),
        params: fc.array(
          fc.tuple(fc.constantFrom(...declared[path], 'limit', '__proto__', 'x[y]', 'partner[]'), HOSTILE),
          { maxLength: 4 },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(queryCase, async ({ path, params }) => {
        const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const res = await call(h, 'GET', `${path}${qs ? `?${qs}` : ''}`);
        // 503 only where a dependency is down by design: /health and /health/ready, and the
        // console's sign-in whose identity provider this test never starts.
        return (
          res.status < 500 || (['/health', '/health/ready', '/console/login'].includes(path) && res.status === 503)
        );
      }),
      { numRuns: 300, seed: 13 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATH_ENDPOINTS), HOSTILE, async (template, v) => {
        const res = await call(h, 'GET', template.replace('{}', encodeURIComponent(v) || 'x'));
        return res.status < 500;
      }),
      { numRuns: 100, seed: 14 },
    );
    const kinds = fc.constantFrom(
      'leads',
      'complaints',
      'case-results',
      'complaint-results',
      'batch',
      'pings',
      '__proto__',
    );
    await fc.assert(
      fc.asyncProperty(kinds, fc.jsonValue({ maxDepth: 6 }), async (kind, body) => {
        const res = await call(h, 'POST', `/api/v1/${kind}`, JSON.stringify(body));
        return res.status < 500;
      }),
      { numRuns: 100, seed: 15 },
    );
    // The webhook admin API (admin role): hostile bodies for a new endpoint and an update, and
    // hostile ids on every route that names one.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['POST', '/api/v1/webhooks/endpoints'],
          ['PATCH', '/api/v1/webhooks/endpoints/{}'],
          ['POST', '/api/v1/webhooks/endpoints/{}/rotate-secret'],
          ['DELETE', '/api/v1/webhooks/endpoints/{}'],
          ['POST', '/api/v1/webhooks/deliveries/{}/redeliver'],
        ),
        HOSTILE,
        fc.jsonValue({ maxDepth: 4 }),
        async ([method, template], id, body) => {
          const res = await call(
            h,
            method,
            template.replace('{}', encodeURIComponent(id) || 'x'),
            JSON.stringify(body),
          );
          return res.status < 500;
        },
      ),
      { numRuns: 100, seed: 16 },
    );
    expect((await h.get(JD, '/api/v1/messages?limit=1')).status).toBe(200);
  });
});
