import { loadGatewayConfig } from '@xietong/config';
import { sampleComplaint } from '@xietong/contracts';
import { ConsoleSessionStore, startGateway, type RunningGateway } from '@xietong/gateway';
import { AuditRepository, PersonalDataAccessRepository, type AuditEntry } from '@xietong/persistence';
import { eventually, startFederation, testLogLevels, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('HTTP hardening of the API and the console', () => {
  let h: Harness;
  /** A second HTTP instance of 杭州 on its database, trusting no proxy. */
  let direct: RunningGateway;
  let cookie: string;

  beforeAll(async () => {
    h = await startFederation({
      members: [JD, HZ],
      dialect: 'postgres',
      env: {
        // The console is on (its identity provider is never asked: sessions are made in the store).
        XIETONG_OIDC_ISSUER: 'http://127.0.0.1:9',
        XIETONG_TRUSTED_PROXIES: 'loopback',
        XIETONG_ANONYMOUS_AUDIT_INTERVAL_MS: '1000',
        XIETONG_SIGN_IN_RATE_PER_MINUTE: '40',
      },
    });
    direct = await startGateway(
      loadGatewayConfig(
        h.envFor(HZ, h.gateway(HZ).config.database, { XIETONG_ROLES: 'http', XIETONG_TRUSTED_PROXIES: '' }),
      ),
      { logLevels: testLogLevels() },
    );
    const s = h
      .gateway(HZ)
      .app.get(ConsoleSessionStore)
      .create({ subject: 'hz-handler', name: 'hz-handler', roles: ['handler'], idToken: '' });
    cookie = `xietong_console_${HZ}=${s.id}`;
    const sent = await h.post(JD, 'complaints', { recipient: HZ, body: sampleComplaint('HARD-C-1') });
    expect(sent.status).toBe(202);
    await eventually('complaint at 330100', async () => (await h.messages(HZ).list({ correlationId: 'HARD-C-1' }))[0]);
  });
  afterAll(async () => {
    await direct?.close();
    await h?.close();
  });

  it('sends a strict CSP, no framing and no caching on console pages', async () => {
    for (const path of ['/console/inbox', '/console/cases/COMPLAINT/HARD-C-1', '/console/cases/LEAD/NO-SUCH']) {
      const res = await fetch(`${h.gateway(HZ).url}${path}`, { headers: { cookie }, redirect: 'manual' });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect({ path, csp }).toEqual({ path, csp: expect.stringContaining("default-src 'none'") });
      for (const directive of ["script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"])
        expect(csp).toContain(directive);
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // The sign-in redirect of an anonymous visitor too.
    const anon = await fetch(`${h.gateway(HZ).url}/console/inbox`, { redirect: 'manual' });
    expect(anon.status).toBe(303);
    expect(anon.headers.get('cache-control')).toBe('no-store');
    expect(anon.headers.get('x-frame-options')).toBe('DENY');
  });

  it('sends no-store on API responses carrying data, and on refusals', async () => {
    const token = await h.token(HZ, ['handler', 'auditor']);
    for (const path of ['/api/v1/cases', '/api/v1/complaints/HARD-C-1/complainant', '/api/v1/messages?limit=1']) {
      const res = await fetch(`${h.gateway(HZ).url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const refused = await fetch(`${h.gateway(HZ).url}/api/v1/cases`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it("records the client's address from X-Forwarded-For only behind a configured proxy", async () => {
    const token = await h.token(HZ, ['handler']);
    const read = (g: RunningGateway, client: string) =>
      fetch(`${g.url}/api/v1/complaints/HARD-C-1/complainant`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client },
      });
    const accesses = h.gateway(HZ).app.get(PersonalDataAccessRepository);
    const loopback = async () =>
      (await accesses.forCase('HARD-C-1')).filter((a) => /^(::ffff:)?127\.0\.0\.1$/.test(a.ip)).length;
    const before = await loopback();
    expect((await read(h.gateway(HZ), '203.0.113.7')).status).toBe(200);
    expect((await read(direct, '203.0.113.9')).status).toBe(200);
    const ips = (await accesses.forCase('HARD-C-1')).map((a) => a.ip);
    // Behind the trusted (loopback) proxy: the client. Without one: the peer, whatever the header says.
    expect(ips).toContain('203.0.113.7');
    expect(ips).not.toContain('203.0.113.9');
    expect(await loopback()).toBe(before + 1);
  });

  it('slows down one address looping on the sign-in pages (429), not the others', async () => {
    const login = (client: string) =>
      fetch(`${h.gateway(HZ).url}/console/login`, { redirect: 'manual', headers: { 'x-forwarded-for': client } });
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await login('198.51.100.1')).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    const refused = await login('198.51.100.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login('198.51.100.2')).status).not.toBe(429);
  });

  it('counts a flood of anonymous requests into one audit entry per interval and a metric', async () => {
    const audit = h.gateway(HZ).app.get(AuditRepository);
    const anonymous = async () => {
      await audit.chainAll();
      const out: AuditEntry[] = [];
      for await (const e of audit.entries()) if (e.actor === 'anonymous') out.push(e);
      return out;
    };
    const before = (await anonymous()).length;
    const base = h.gateway(HZ).url;
    const paths = ['/api/v1/cases', '/console/login', '/console/inbox', '/console/callback?state=x', '/api/v1/x'];
    for (let i = 0; i < 300; i++) await fetch(`${base}${paths[i % paths.length]}`, { redirect: 'manual' });
    const counted = await eventually('the anonymous requests counted', async () => {
      const added = (await anonymous()).slice(before);
      const n = added.reduce((sum, e) => sum + ((JSON.parse(e.detail) as { count?: number }).count ?? 1), 0);
      return n >= 300 ? added : undefined;
    });
    // A handful of entries (one per interval, the flood lasted a few), not one per request.
    expect(counted.length).toBeLessThanOrEqual(10);
    const detail = JSON.parse(counted[counted.length - 1].detail) as Record<string, unknown>;
    expect(detail).toMatchObject({ anonymous: true, count: expect.any(Number), byStatus: expect.any(Object) });
    const text = await (
      await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${await h.token(HZ, ['auditor'])}` } })
    ).text();
    const total = Number(/^xietong_http_anonymous_requests_total\{[^}]*\} (\d+)/m.exec(text)?.[1]);
    expect(total).toBeGreaterThanOrEqual(300);
  });
});
