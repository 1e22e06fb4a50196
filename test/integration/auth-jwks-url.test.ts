import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { issueToken } from '@xietong/dev';
import { loadGatewayConfig } from '@xietong/config';
import { generateSigningKey } from '@xietong/crypto';
import { federationFiles } from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { freshDatabase, startFederation, testLogLevels, type Harness } from '@xietong/testing';

const JD = '341825';

describe("bearer tokens checked against an identity provider's JWKS URL", () => {
  let h: Harness;
  let idp: Server;
  let jd: RunningGateway;
  /** What the identity provider answers: its key set, an error page, or garbage. */
  let mode: 'ok' | 'error' | 'garbage' = 'error';
  let fetches = 0;

  beforeAll(async () => {
    h = await startFederation({ members: [JD], dialect: 'sqlite', offline: [JD] });
    const jwks = readFileSync(federationFiles(h.dir).authJwks(JD), 'utf8');
    idp = createServer((_req, res) => {
      fetches++;
      if (mode === 'ok') res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      else if (mode === 'garbage') res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": nope');
      else res.writeHead(500).end('internal error');
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
    jd = await startGateway(
      loadGatewayConfig(h.envFor(JD, freshDatabase('sqlite', `${h.prefix}_jd`), { XIETONG_AUTH_JWKS_URL: url })),
      { logLevels: testLogLevels() },
    );
  });
  afterAll(async () => {
    await jd?.close();
    await new Promise((r) => idp?.close(r));
    await h?.close();
  });

  const list = async (token: string) =>
    fetch(`${jd.url}/api/v1/messages`, { headers: { authorization: `Bearer ${token}` } });

  it('answers 503 with Retry-After while the identity provider fails, then accepts its tokens once it answers', async () => {
    const token = await h.token(JD, ['submitter']);
    for (const m of ['error', 'garbage'] as const) {
      mode = m;
      const res = await list(token);
      expect({ mode: m, status: res.status, retry: res.headers.get('retry-after'), body: await res.json() }).toEqual({
        mode: m,
        status: 503,
        retry: '5',
        body: { error: 'AUTH_UNAVAILABLE', message: expect.stringContaining('could not be fetched') },
      });
    }
    mode = 'ok';
    expect((await list(token)).status).toBe(200);
    expect(fetches).toBeGreaterThanOrEqual(3);
  });

  it('still refuses tokens of another issuer key, expired ones and wrong audiences with 401', async () => {
    mode = 'ok';
    const foreign = await generateSigningKey('EdDSA', 'foreign-idp-key');
    const cases = {
      foreign: await issueToken(foreign.privateJwk, {
        issuer: 'xietong-local-idp',
        audience: `xietong-gateway-${JD}`,
        subject: 'x',
        roles: ['submitter'],
      }),
      expired: await h.token(JD, ['submitter'], { ttlSeconds: -60 }),
      audience: await h.token(JD, ['submitter'], { audience: 'someone-else' }),
    };
    const statuses = Object.fromEntries(
      await Promise.all(Object.entries(cases).map(async ([k, t]) => [k, (await list(t)).status])),
    );
    expect(statuses).toEqual({ foreign: 401, expired: 401, audience: 401 });
  });
});
