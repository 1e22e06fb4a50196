import { issueToken } from '@xietong/dev';
import { generateSigningKey } from '@xietong/crypto';
import { type Role } from '@xietong/gateway';
import { sampleLead } from '@xietong/contracts';
import { startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  roles: Role[];
}

const endpoints: Endpoint[] = [
  { method: 'POST', path: '/api/v1/leads', body: { recipient: HZ, body: sampleLead('AUTH-1') }, roles: ['submitter'] },
  { method: 'POST', path: '/api/v1/complaints', body: { recipient: HZ, body: {} }, roles: ['submitter'] },
  {
    method: 'POST',
    path: '/api/v1/case-results',
    body: { recipient: HZ, body: { leadNo: 'AUTH-1' } },
    roles: ['handler'],
  },
  {
    method: 'POST',
    path: '/api/v1/complaint-results',
    body: { recipient: HZ, body: { complaintNo: 'C' } },
    roles: ['handler'],
  },
  {
    method: 'POST',
    path: '/api/v1/batch',
    body: { items: [{ type: 'CASE_RESULT', recipient: HZ, body: { leadNo: 'AUTH-1' } }] },
    roles: ['handler'],
  },
  { method: 'GET', path: '/api/v1/messages', roles: ['submitter', 'handler', 'auditor'] },
  {
    method: 'GET',
    path: '/api/v1/messages/00000000-0000-4000-8000-000000000000',
    roles: ['submitter', 'handler', 'auditor'],
  },
  { method: 'GET', path: '/api/v1/quarantine', roles: ['auditor'] },
  { method: 'POST', path: '/api/v1/pings', body: { to: HZ }, roles: ['admin'] },
  { method: 'GET', path: '/api/v1/pings/00000000-0000-4000-8000-000000000000', roles: ['admin'] },
  { method: 'GET', path: '/api/v1/partners/status', roles: ['admin', 'auditor'] },
  { method: 'GET', path: '/api/v1/cases', roles: ['submitter', 'handler', 'auditor'] },
  { method: 'GET', path: '/api/v1/cases/LEAD/AUTH-1', roles: ['submitter', 'handler', 'auditor'] },
];
const ALL: Role[] = ['submitter', 'handler', 'auditor', 'admin'];

describe('bearer tokens and roles on every endpoint', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'sqlite', offline: [HZ] });
  });
  afterAll(() => h?.close());

  const call = async (e: Endpoint, token?: string) => {
    const res = await fetch(`${h.gateway(JD).url}${e.path}`, {
      method: e.method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: e.body === undefined ? undefined : JSON.stringify(e.body),
    });
    return {
      status: res.status,
      json: (await res.json()) as { error?: string; message?: string },
      challenge: res.headers.get('www-authenticate'),
    };
  };

  it.each(endpoints.map((e) => [`${e.method} ${e.path}`, e] as const))(
    '%s: 401 without a token, with an expired one, a foreign key or another audience',
    async (_n, e) => {
      const rogue = await generateSigningKey('ES256', `${JD}-idp-1`);
      const cases = [
        undefined,
        await h.token(JD, ALL, { ttlSeconds: -60 }),
        await issueToken(rogue.privateJwk, {
          issuer: 'xietong-local-idp',
          audience: `xietong-gateway-${JD}`,
          subject: 'mallory',
          roles: ALL,
        }),
        await h.token(JD, ALL, { audience: `xietong-gateway-${HZ}` }),
        await h.token(JD, ALL, { issuer: 'somebody-else' }),
      ];
      const answers = [];
      for (const t of cases) answers.push(await call(e, t));
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
      expect(answers.every((a) => a.json.error === 'UNAUTHENTICATED' && a.challenge?.startsWith('Bearer'))).toBe(true);
      expect(answers[1].json.message).toContain('expired');
    },
  );

  it.each(endpoints.map((e) => [`${e.method} ${e.path}`, e] as const))(
    '%s: 403 for roles it does not allow, served for those it does',
    async (_n, e) => {
      for (const role of ['submitter', 'handler', 'auditor'] as Role[]) {
        const { status, json } = await call(e, await h.token(JD, [role]));
        if (e.roles.includes(role))
          expect({ role, refused: [401, 403].includes(status) }).toEqual({ role, refused: false });
        else expect({ role, status, error: json.error }).toEqual({ role, status: 403, error: 'FORBIDDEN' });
      }
      const admin = await call(e, await h.token(JD, ['admin']));
      expect(admin.status).not.toBe(403);
      expect(admin.status).not.toBe(401);
    },
  );

  it('serves /health without a token', async () => {
    expect((await fetch(`${h.gateway(JD).url}/health`)).status).toBe(200);
  });
});
