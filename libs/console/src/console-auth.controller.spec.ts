import type { INestApplication } from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';
import { GATEWAY_CONFIG } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { controllerApp } from '../../../test/support/controller-app';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleOidc } from './console-oidc';
import { ConsoleSessionStore } from './console-session.store';

const AGENCY = '330100';

const config = (publicUrl: string) =>
  ({
    agencyId: AGENCY,
    console: { issuer: 'https://idp.example', clientId: 'c', publicUrl, sessionMinutes: 30 },
  }) as unknown as GatewayConfig;

/** Every Set-Cookie header of a response, by cookie name. */
function cookies(res: { headers: Record<string, unknown> }): Map<string, string> {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? (raw as string[]) : raw ? [String(raw)] : [];
  return new Map(list.map((c) => [c.slice(0, c.indexOf('=')), c]));
}

describe.each([
  ['https', 'https://console.example', `__Host-xietong_login_${AGENCY}`],
  ['plain-http loopback', 'http://127.0.0.1:3000', `xietong_login_${AGENCY}`],
])('console sign-in over %s', (_, publicUrl, bindingName) => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  let store: ConsoleSessionStore;
  const oidc = {
    randoms: jest.fn(),
    authorizationUrl: jest.fn(),
    finish: jest.fn(),
    logoutUrl: jest.fn(),
  };

  beforeAll(async () => {
    store = new ConsoleSessionStore(30 * 60_000);
    ({ app, http } = await controllerApp(
      [ConsoleAuthController],
      [
        [GATEWAY_CONFIG, config(publicUrl)],
        [ConsoleOidc, oidc],
        [ConsoleSessionStore, store],
        [ManifestStore, {}],
      ],
    ));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    let n = 0;
    oidc.randoms.mockReset().mockImplementation(async () => ({ codeVerifier: `verifier-${++n}`, nonce: `nonce-${n}` }));
    oidc.authorizationUrl
      .mockReset()
      .mockImplementation(
        async (redirect: string, state: string) => new URL(`https://idp.example/auth?state=${state}`),
      );
    oidc.finish.mockReset().mockResolvedValue({ subject: 'u1', name: '李承办', roles: ['handler'], idToken: 'id' });
  });

  /** Starts a sign-in as one browser: the state sent to the provider and the cookie set on the browser. */
  async function begin(returnTo = '/console/inbox') {
    const res = await http().get(`/console/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(res.status).toBe(303);
    const state = new URL(res.headers.location).searchParams.get('state')!;
    const binding = cookies(res).get(bindingName);
    return { state, binding, cookie: binding?.split(';')[0] ?? '' };
  }

  it('binds the pending sign-in to the browser with an HttpOnly cookie (RFC 9700 §4.7.1)', async () => {
    const { binding } = await begin();
    expect(binding).toBeDefined();
    expect(binding).toMatch(/; HttpOnly/);
    expect(binding).toMatch(/; SameSite=Lax/);
    expect(binding).toMatch(/; Path=\//);
    expect(binding).toMatch(/; Max-Age=600/);
    if (publicUrl.startsWith('https:')) expect(binding).toMatch(/; Secure/);
    else expect(binding).not.toMatch(/Secure/);
  });

  it('refuses a callback in a browser that did not start the sign-in, without exchanging the code', async () => {
    const { state } = await begin();
    const res = await http().get(`/console/callback?state=${state}&code=stolen`);
    expect(res.status).toBe(400);
    expect(oidc.finish).not.toHaveBeenCalled();
    expect(cookies(res).has(`xietong_console_${AGENCY}`)).toBe(false);
  });

  it("refuses a callback carrying another sign-in's cookie (state and cookie must belong together)", async () => {
    const mine = await begin();
    const theirs = await begin();
    const res = await http().get(`/console/callback?state=${theirs.state}&code=c`).set('cookie', mine.cookie);
    expect(res.status).toBe(400);
    expect(oidc.finish).not.toHaveBeenCalled();
  });

  it('finishes the sign-in in the browser that started it, with its PKCE verifier and nonce', async () => {
    const { state, cookie } = await begin('/console/transferred');
    const res = await http().get(`/console/callback?state=${state}&code=c`).set('cookie', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/transferred');
    const [url, expected] = oidc.finish.mock.calls[0] as [URL, { state: string; codeVerifier: string; nonce: string }];
    expect(url.origin).toBe(new URL(publicUrl).origin);
    expect(expected).toEqual({ state, codeVerifier: 'verifier-1', nonce: 'nonce-1' });
    const set = cookies(res);
    expect(set.get(bindingName)).toMatch(/Max-Age=0/);
    expect(set.get(`xietong_console_${AGENCY}`)).toMatch(/HttpOnly/);
  });

  it('keeps nothing on the server for a sign-in that is begun and never finished', async () => {
    const held = () =>
      Object.values(store as unknown as Record<string, unknown>).reduce<number>(
        (n, v) => n + (v instanceof Map ? v.size : 0),
        0,
      );
    const before = held();
    for (let i = 0; i < 50; i++) await begin();
    expect(held()).toBe(before);
  });

  it('builds the redirect URI from the configured console URL, never from the Host header', async () => {
    await http().get('/console/login').set('host', 'evil.example');
    expect(oidc.authorizationUrl.mock.calls[0][0]).toBe(`${publicUrl}/console/callback`);
  });
});
