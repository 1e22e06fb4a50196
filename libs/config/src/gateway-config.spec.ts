import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig, loadLogFormat, readSecretFile } from '.';

/** The development flag the demo, the bench and the tests set (the local issuer is trusted then). */
const DEV = { XIETONG_DEVELOPMENT: 'true' };

describe('loadGatewayConfig', () => {
  it('defaults to the embedded mode: SQLite, local broker, all roles', () => {
    const c = loadGatewayConfig({ XIETONG_AGENCY_ID: '341825', ...DEV });
    expect(c.database).toEqual({ type: 'better-sqlite3', file: expect.stringMatching(/gateway-341825\.sqlite$/) });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect([...c.roles]).toEqual(['http', 'relay', 'inbound', 'scheduler']);
  });

  it('reads the time-stamping authority, both variables or neither', () => {
    expect(loadGatewayConfig({ XIETONG_AGENCY_ID: '341825', ...DEV }).tsa).toBeUndefined();
    const c = loadGatewayConfig({
      XIETONG_AGENCY_ID: '341825',
      ...DEV,
      XIETONG_TSA_URL: 'http://127.0.0.1:3180/',
      XIETONG_TSA_CERT_FILE: '/etc/xietong/tsa.crt',
    });
    expect(c.tsa).toEqual({ url: 'http://127.0.0.1:3180/', certFile: '/etc/xietong/tsa.crt' });
    expect(() =>
      loadGatewayConfig({ XIETONG_AGENCY_ID: '341825', ...DEV, XIETONG_TSA_URL: 'http://127.0.0.1:3180/' }),
    ).toThrow(/XIETONG_TSA_CERT_FILE/);
    expect(() =>
      loadGatewayConfig({
        XIETONG_AGENCY_ID: '341825',
        ...DEV,
        XIETONG_TSA_URL: 'ftp://x',
        XIETONG_TSA_CERT_FILE: 'c',
      }),
    ).toThrow(/XIETONG_TSA_URL must be the http\(s\) URL/);
  });

  it('reads a PostgreSQL URL and schema', () => {
    const c = loadGatewayConfig({
      XIETONG_AGENCY_ID: '330100',
      ...DEV,
      XIETONG_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      XIETONG_DATABASE_SCHEMA: 'hz',
    });
    expect(c.database).toEqual({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', schema: 'hz' });
  });

  it.each([
    [{}, /XIETONG_AGENCY_ID must be a six-digit division code.*not set/],
    [{ XIETONG_AGENCY_ID: '34182' }, /XIETONG_AGENCY_ID .* got "34182"/],
    [
      { XIETONG_AGENCY_ID: '341825', KAFKA_BROKERS: 'nohostport' },
      /KAFKA_BROKERS must be a comma-separated list of host:port/,
    ],
    [{ XIETONG_AGENCY_ID: '341825', XIETONG_HTTP_PORT: 'abc' }, /XIETONG_HTTP_PORT must be an integer/],
    [{ XIETONG_AGENCY_ID: '341825', XIETONG_DATABASE_URL: 'mysql://x' }, /XIETONG_DATABASE_URL must be/],
    [{ XIETONG_AGENCY_ID: '341825', XIETONG_ROLES: 'http,web' }, /XIETONG_ROLES/],
    [
      { XIETONG_AGENCY_ID: '341825', XIETONG_DEAD_LETTER_RETRY_MS: '500' },
      /XIETONG_DEAD_LETTER_RETRY_MS must be an integer from 1000/,
    ],
    [{ XIETONG_AGENCY_ID: '341825', XIETONG_FAILPOINTS: 'relay.after-ack' }, /XIETONG_FAILPOINTS must be/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadGatewayConfig({ ...DEV, ...env })).toThrow(message);
  });
});

describe('loadLogFormat', () => {
  it('is text unless XIETONG_LOG_FORMAT asks for json', () => {
    expect(loadLogFormat({})).toBe('text');
    expect(loadLogFormat({ XIETONG_LOG_FORMAT: 'json' })).toBe('json');
    expect(loadLogFormat({ XIETONG_LOG_FORMAT: 'JSON' })).toBe('json');
  });

  it('refuses any other value naming the variable', () => {
    expect(() => loadLogFormat({ XIETONG_LOG_FORMAT: 'xml' })).toThrow(
      /XIETONG_LOG_FORMAT must be text or json, got "xml"/,
    );
  });
});

describe('Kafka security settings', () => {
  const base = { XIETONG_AGENCY_ID: '341825', ...DEV };
  it('reads SASL_SSL with SCRAM-SHA-512 from files', () => {
    const c = loadGatewayConfig({
      ...base,
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_USERNAME: '341825',
      KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka-password',
      KAFKA_SSL_CA_FILE: '/run/secrets/kafka-ca.pem',
      XIETONG_FEDERATION_ID: 'zone-a',
    });
    expect(c.kafka.security).toEqual({
      mechanism: 'scram-sha-512',
      username: '341825',
      passwordFile: '/run/secrets/kafka-password',
      caFile: '/run/secrets/kafka-ca.pem',
    });
    expect(c.federation.id).toBe('zone-a');
  });

  it.each([
    [{ KAFKA_SASL_PASSWORD: 'secret' }, /KAFKA_SASL_PASSWORD must be unset: put the password in a file/],
    [{ KAFKA_SASL_USERNAME: 'x' }, /KAFKA_SECURITY_PROTOCOL must be sasl_ssl when KAFKA_SASL_USERNAME is set/],
    [{ KAFKA_SECURITY_PROTOCOL: 'ssl' }, /KAFKA_SECURITY_PROTOCOL must be plaintext or sasl_ssl/],
    [{ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_USERNAME: 'x' }, /KAFKA_SASL_PASSWORD_FILE must be/],
    [
      {
        KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        KAFKA_SASL_USERNAME: 'x',
        KAFKA_SASL_PASSWORD_FILE: 'p',
        KAFKA_SASL_MECHANISM: 'plain',
      },
      /KAFKA_SASL_MECHANISM must be scram-sha-512 or scram-sha-256/,
    ],
    [{ XIETONG_FEDERATION_ID: 'a.b' }, /XIETONG_FEDERATION_ID must be a federation id/],
  ])('refuses %j', (env, message) => {
    expect(() => loadGatewayConfig({ ...base, ...env })).toThrow(message);
  });
});

describe('trust in the development issuer', () => {
  const production = {
    XIETONG_AGENCY_ID: '341825',
    XIETONG_AUTH_ISSUER: 'https://idp.jd.example.gov.cn/realms/xietong',
    XIETONG_AUTH_JWKS_FILE: '/run/secrets/idp-jwks.json',
  };

  it('refuses to start without an explicit issuer unless XIETONG_DEVELOPMENT is set', () => {
    expect(() => loadGatewayConfig({ XIETONG_AGENCY_ID: '341825' })).toThrow(
      /XIETONG_AUTH_ISSUER must be .*identity provider.*XIETONG_DEVELOPMENT=true/,
    );
    const { XIETONG_AUTH_JWKS_FILE: _, ...noKeys } = production;
    expect(() => loadGatewayConfig(noKeys)).toThrow(/XIETONG_AUTH_JWKS_FILE .*XIETONG_AUTH_JWKS_URL/);
  });

  it('trusts the local issuer of `federation init` only in development', () => {
    const dev = loadGatewayConfig({ XIETONG_AGENCY_ID: '341825', ...DEV });
    expect(dev.development).toBe(true);
    expect(dev.auth).toMatchObject({
      issuer: 'xietong-local-idp',
      jwksFile: expect.stringMatching(/auth\/341825\.jwks\.json$/),
    });
    const prod = loadGatewayConfig(production);
    expect(prod.development).toBe(false);
    expect(prod.auth).toMatchObject({ issuer: production.XIETONG_AUTH_ISSUER, jwksFile: '/run/secrets/idp-jwks.json' });
  });

  it('refuses a development flag that is not true or false', () => {
    expect(() => loadGatewayConfig({ ...production, XIETONG_DEVELOPMENT: 'yes please' })).toThrow(
      /XIETONG_DEVELOPMENT must be true or false/,
    );
  });

  it('takes a maximum token age, one day unless set', () => {
    expect(loadGatewayConfig(production).auth.maxTokenAgeSeconds).toBe(86_400);
    expect(
      loadGatewayConfig({ ...production, XIETONG_AUTH_MAX_TOKEN_AGE_SECONDS: '3600' }).auth.maxTokenAgeSeconds,
    ).toBe(3600);
    expect(() => loadGatewayConfig({ ...production, XIETONG_AUTH_MAX_TOKEN_AGE_SECONDS: '0' })).toThrow(
      /XIETONG_AUTH_MAX_TOKEN_AGE_SECONDS must be an integer from 60/,
    );
  });

  it.each([
    ['https://idp.example.gov.cn/jwks', {}, true],
    ['http://idp.example.gov.cn/jwks', {}, false],
    ['http://127.0.0.1:8080/jwks', {}, false],
    ['http://127.0.0.1:8080/jwks', DEV, true],
    ['http://[::1]:8080/jwks', DEV, true],
    ['http://localhost:8080/jwks', DEV, true],
    ['http://idp.example.gov.cn/jwks', DEV, false],
    ['http://idp.internal:8080/jwks', { XIETONG_AUTH_JWKS_ALLOW_HTTP: 'true' }, true],
    ['ftp://idp.example.gov.cn/jwks', { XIETONG_AUTH_JWKS_ALLOW_HTTP: 'true' }, false],
  ])('JWKS URL %s with %j: accepted %s', (url, env, accepted) => {
    const load = () =>
      loadGatewayConfig({ ...production, XIETONG_AUTH_JWKS_FILE: undefined, XIETONG_AUTH_JWKS_URL: url, ...env });
    if (accepted) expect(load().auth.jwksUrl).toBe(url);
    else expect(load).toThrow(/XIETONG_AUTH_JWKS_URL must be an https URL/);
  });
});

describe('secrets', () => {
  const base = {
    XIETONG_AGENCY_ID: '341825',
    ...DEV,
  };

  it('refuses the OIDC client secret in a variable, without echoing it, and reads its file name', () => {
    const console = { XIETONG_OIDC_ISSUER: 'https://idp.example.gov.cn/realms/jd' };
    expect(() => loadGatewayConfig({ ...base, ...console, XIETONG_OIDC_CLIENT_SECRET: 's3cr3t-value' })).toThrow(
      /XIETONG_OIDC_CLIENT_SECRET must be unset: put the secret in a file and name it in XIETONG_OIDC_CLIENT_SECRET_FILE$/,
    );
    expect(
      loadGatewayConfig({ ...base, ...console, XIETONG_OIDC_CLIENT_SECRET_FILE: '/run/secrets/oidc' }).console,
    ).toMatchObject({ clientSecretFile: '/run/secrets/oidc' });
  });

  it('refuses a password inside XIETONG_DATABASE_URL without echoing it, and reads its file name', () => {
    const load = (env: Record<string, string>) => () => loadGatewayConfig({ ...base, ...env });
    expect(load({ XIETONG_DATABASE_URL: 'postgres://gw:hunter2@db:5432/xietong' })).toThrow(
      /XIETONG_DATABASE_URL must not hold a password: put it in a file and name it in XIETONG_DATABASE_PASSWORD_FILE/,
    );
    expect(
      loadGatewayConfig({
        ...base,
        XIETONG_DATABASE_URL: 'postgres://gw@db:5432/xietong',
        XIETONG_DATABASE_PASSWORD_FILE: '/run/secrets/db',
      }).database,
    ).toMatchObject({ type: 'postgres', url: 'postgres://gw@db:5432/xietong', passwordFile: '/run/secrets/db' });
  });

  it.each([
    ['XIETONG_DATABASE_URL', 'mysql://gw:hunter2@db/x'],
    ['XIETONG_DATABASE_URL', 'postgres://gw:hunter2@db:5432/xietong'],
    ['XIETONG_OIDC_ISSUER', 'ftp://gw:hunter2@idp'],
    ['XIETONG_AUTH_JWKS_URL', 'http://gw:hunter2@idp.example/jwks'],
    ['KAFKA_SASL_PASSWORD', 'hunter2'],
  ])('never echoes a credential in %s', (name, value) => {
    let message = '';
    try {
      loadGatewayConfig({ ...base, [name]: value });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(name);
    expect(message).not.toContain('hunter2');
  });
});

describe('readSecretFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xt-secret-'));
  const file = (name: string, mode: number, text = 'pa55word\n') => {
    const f = join(dir, name);
    writeFileSync(f, text);
    chmodSync(f, mode);
    return f;
  };

  it('reads a file only its owner can read (0600 or 0400)', () => {
    expect(readSecretFile(file('a', 0o600), 'KAFKA_SASL_PASSWORD_FILE')).toBe('pa55word\n');
    expect(readSecretFile(file('b', 0o400), 'KAFKA_SASL_PASSWORD_FILE')).toBe('pa55word\n');
  });

  it.each([0o640, 0o644, 0o604, 0o660])('refuses a file of mode %o naming it, the variable and chmod 600', (mode) => {
    const f = file(`m${mode}`, mode);
    expect(() => readSecretFile(f, 'XIETONG_SIGNING_KEY_FILE')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: `XIETONG_SIGNING_KEY_FILE ${f} is readable by group or others (mode 0${mode.toString(8)}): run chmod 600 ${f}`,
      }),
    );
  });

  it('names a missing file and the variable, without its content', () => {
    expect(() => readSecretFile(join(dir, 'none'), 'XIETONG_METRICS_TOKEN_FILE')).toThrow(
      /cannot read XIETONG_METRICS_TOKEN_FILE .*none: ENOENT/,
    );
  });
});
