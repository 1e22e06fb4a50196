import { loadGatewayConfig } from '.';

// The local development issuer: these settings are independent of the token issuer.
const base = { XIETONG_AGENCY_ID: '341825', XIETONG_DEVELOPMENT: 'true' };

describe('HTTP hardening settings', () => {
  it('trusts no proxy and counts anonymous requests per minute unless told otherwise', () => {
    expect(loadGatewayConfig(base).httpHardening).toEqual({
      trustedProxies: [],
      anonymousAuditIntervalMs: 60_000,
      signInPerMinute: 120,
    });
  });

  it('reads the trusted proxies as addresses, ranges and Express names', () => {
    const c = loadGatewayConfig({ ...base, XIETONG_TRUSTED_PROXIES: '10.1.2.3, 10.0.0.0/8,fd00::/8,loopback' });
    expect(c.httpHardening.trustedProxies).toEqual(['10.1.2.3', '10.0.0.0/8', 'fd00::/8', 'loopback']);
  });

  it.each(['proxy.example', '10.0.0.0/33', '10.0.0.1/8/1', 'everything', '*'])(
    'refuses %j as a trusted proxy, naming the variable',
    (v) => {
      expect(() => loadGatewayConfig({ ...base, XIETONG_TRUSTED_PROXIES: v })).toThrow(
        /XIETONG_TRUSTED_PROXIES must be a comma-separated list of IP addresses/,
      );
    },
  );

  it('needs the console URL when the console is on and the gateway listens beyond loopback', () => {
    const oidc = { ...base, XIETONG_OIDC_ISSUER: 'https://idp.example' };
    expect(() => loadGatewayConfig({ ...oidc, XIETONG_HTTP_HOST: '0.0.0.0' })).toThrow(
      /XIETONG_CONSOLE_URL must be set when XIETONG_HTTP_HOST is not a loopback address/,
    );
    expect(
      loadGatewayConfig({ ...oidc, XIETONG_HTTP_HOST: '0.0.0.0', XIETONG_CONSOLE_URL: 'https://xt.example/' }).console
        ?.publicUrl,
    ).toBe('https://xt.example');
    expect(loadGatewayConfig(oidc).console?.publicUrl).toBeUndefined();
  });

  it('refuses an anonymous audit interval or a sign-in rate out of range', () => {
    expect(() => loadGatewayConfig({ ...base, XIETONG_ANONYMOUS_AUDIT_INTERVAL_MS: '10' })).toThrow(
      /XIETONG_ANONYMOUS_AUDIT_INTERVAL_MS must be an integer from 1000/,
    );
    expect(() => loadGatewayConfig({ ...base, XIETONG_SIGN_IN_RATE_PER_MINUTE: '0' })).toThrow(
      /XIETONG_SIGN_IN_RATE_PER_MINUTE must be an integer from 1/,
    );
  });
});
