import { loadGatewayConfig, loadLogFormat } from '.';

describe('loadGatewayConfig', () => {
  it('defaults to the embedded mode: SQLite, local broker, all roles', () => {
    const c = loadGatewayConfig({ XIETONG_AGENCY_ID: '341825' });
    expect(c.database).toEqual({ type: 'better-sqlite3', file: expect.stringMatching(/gateway-341825\.sqlite$/) });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect([...c.roles]).toEqual(['http', 'relay', 'inbound', 'scheduler']);
  });

  it('reads a PostgreSQL URL and schema', () => {
    const c = loadGatewayConfig({
      XIETONG_AGENCY_ID: '330100',
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
    expect(() => loadGatewayConfig(env)).toThrow(message);
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
  const base = { XIETONG_AGENCY_ID: '341825' };
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
