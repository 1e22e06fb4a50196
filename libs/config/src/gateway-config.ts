import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DomainError } from '@xietong/contracts';
import { Failpoints, type FailpointName } from './failpoints';
import { repoRoot } from './repo-root';
import { loadWebhookConfig, type WebhookConfig } from './webhook-config';
import { loadRetentionConfig, type RetentionConfig } from './retention-config';

/** passwordFile: the PostgreSQL password (never in the URL); read when the database is opened. */
export type DatabaseConfig =
  { type: 'postgres'; url: string; schema: string; passwordFile?: string } | { type: 'better-sqlite3'; file: string };

export type GatewayRole = 'http' | 'relay' | 'inbound' | 'scheduler';

/** Everything a gateway process needs, validated once at boot. */
export interface GatewayConfig {
  agencyId: string;
  /**
   * XIETONG_DEVELOPMENT: the demo, the bench and the tests. Only then does a gateway trust the local
   * token issuer of `federation init` by default, and fetch a JWKS over plain HTTP from this machine.
   */
  development: boolean;
  roles: ReadonlySet<GatewayRole>;
  database: DatabaseConfig;
  /** Topic names and the consumer group come from the manifest's federation id, not from here. */
  /** maxMessageBytes: a topic's limit when the broker cannot be asked (down, or DescribeConfigs not allowed). */
  kafka: KafkaConnection & { maxMessageBytes: number };
  federation: {
    /** The federation this gateway belongs to: a manifest naming another one is refused. */
    id?: string;
    /** XIETONG_FEDERATION_DIR: where the files below are unless each is named on its own. */
    dir: string;
    manifestFile: string;
    authorityKeyFile: string;
    signingKeyFile: string;
    encryptionKeyFile: string;
    refreshMs: number;
  };
  schemasDir: string;
  http: { host: string; port: number; bodyLimit: string };
  relay: { batchSize: number; pollMs: number; idlePollMaxMs: number; maxBackoffMs: number };
  /** deadLetterRetryMs: how often quarantined records whose dead-letter copy failed are re-sent (and how old they must be). */
  inbound: { concurrency: number; deadLetterRetryMs: number };
  scheduler: { intervalMs: number; reminderIntervalHours: number };
  /** Audit checkpoint cadence (scheduler role): sign the head after this long or this many entries. */
  /**
   * `witnessStaleMs`: how long a signed checkpoint may wait for a partner's countersignature (of it or
   * of a later one) before `/health` and `/metrics` say the chain is not being witnessed.
   */
  audit: { checkpointIntervalMs: number; checkpointEntries: number; witnessStaleMs: number };
  /**
   * Bearer tokens of the HTTP API: the issuer's keys come from a JWKS file or URL; a token issued
   * (iat) more than maxTokenAgeSeconds ago is refused.
   */
  auth: { issuer: string; audience: string; jwksFile?: string; jwksUrl?: string; maxTokenAgeSeconds: number };
  /** The staff console's OpenID Connect login (absent: the console is off, the API still works). */
  console?: ConsoleConfig;
  /**
   * tokenFile: a file holding a static bearer credential that `/metrics` (only) accepts besides an
   * auditor JWT, for Prometheus, which cannot renew a short-lived token.
   */
  metrics: { tokenFile?: string };
  /** Signed webhooks to the county's own systems (relay role delivers them; docs/webhooks.md). */
  webhooks: WebhookConfig;
  /**
   * The agency's RFC 3161 time-stamping authority: archives and audit checkpoints get tokens from
   * `url`, checked against the certificate in `certFile`. Absent: they are not timestamped.
   */
  tsa?: { url: string; certFile: string };
  /** Test-only crash points for the fault suite (XIETONG_FAILPOINTS); empty in production. */
  failpoints: ReadonlyMap<FailpointName, number>;
  /** HTTP hardening: proxies and anonymous traffic (see httpHardening below). */
  httpHardening: HttpHardeningConfig;
  /** Retention periods per data class and the worker's cadence (docs/retention.md). */
  retention: RetentionConfig;
}

/** The console is an OIDC client (authorization code + PKCE) of the agency's identity provider. */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  /** A file holding the client secret (confidential client); absent: a public client with PKCE. */
  clientSecretFile?: string;
  /** Public base URL of this gateway (redirect URIs); default http://<host>:<port>. */
  publicUrl?: string;
  /** A session ends after this many minutes without a request, and after 12 hours in any case. */
  sessionMinutes: number;
}

type Env = Record<string, string | undefined>;

/** A federation id: the namespace of its topics (`<id>.inbox.<member>`) and consumer groups. */
export const FEDERATION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256';

/**
 * How a client reaches the cluster. `security` is set for a secured cluster (SASL_SSL): the
 * password and the CA are files (mounted secrets), never values on a command line.
 */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  security?: { mechanism: KafkaSaslMechanism; username: string; passwordFile: string; caFile?: string };
}

/**
 * Kafka connection settings from KAFKA_* variables (the gateway's, and the CLI's `kafka apply`).
 * KAFKA_SECURITY_PROTOCOL=sasl_ssl needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE;
 * KAFKA_SSL_CA_FILE names the cluster's CA (the system CAs otherwise).
 */
export function loadKafkaConnection(env: Env, defaultClientId: string): KafkaConnection {
  const brokers = list(env, 'KAFKA_BROKERS', '127.0.0.1:19092');
  const clientId = env.KAFKA_CLIENT_ID ?? defaultClientId;
  if (env.KAFKA_SASL_PASSWORD !== undefined)
    unset('KAFKA_SASL_PASSWORD', 'put the password in a file and name it in KAFKA_SASL_PASSWORD_FILE');
  const protocol = (env.KAFKA_SECURITY_PROTOCOL ?? 'plaintext').toLowerCase();
  if (protocol === 'plaintext') {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD_FILE', 'KAFKA_SSL_CA_FILE'])
      if (env[name]) fail('KAFKA_SECURITY_PROTOCOL', `sasl_ssl when ${name} is set`, env.KAFKA_SECURITY_PROTOCOL);
    return { brokers, clientId };
  }
  if (protocol !== 'sasl_ssl') fail('KAFKA_SECURITY_PROTOCOL', 'plaintext or sasl_ssl', env.KAFKA_SECURITY_PROTOCOL);
  const mechanism = (env.KAFKA_SASL_MECHANISM ?? 'scram-sha-512').toLowerCase();
  if (mechanism !== 'scram-sha-512' && mechanism !== 'scram-sha-256')
    fail('KAFKA_SASL_MECHANISM', 'scram-sha-512 or scram-sha-256', env.KAFKA_SASL_MECHANISM);
  return {
    brokers,
    clientId,
    security: {
      mechanism,
      username: required(env, 'KAFKA_SASL_USERNAME', /^[A-Za-z0-9._@-]{1,128}$/, 'the client principal name'),
      passwordFile: resolve(required(env, 'KAFKA_SASL_PASSWORD_FILE', /./, 'the file holding the SASL password')),
      caFile: env.KAFKA_SSL_CA_FILE ? resolve(env.KAFKA_SSL_CA_FILE) : undefined,
    },
  };
}

/**
 * Directory of Apache Kafka's jars for the operator's tools that kafkajs cannot replace (client
 * quotas): KAFKA_TOOLS_LIB, default `.kafka/lib` (what `npm run kafka:start` fetches from Maven).
 */
export function kafkaToolsLib(env: Env): string {
  return resolve(env.KAFKA_TOOLS_LIB ?? join(repoRoot(), '.kafka', 'lib'));
}

/**
 * Reads the gateway configuration from environment variables (see docs/configuration.md).
 * Fails with CONFIG_INVALID naming the variable and what it expected. `offlineTool`: a CLI command
 * on the gateway's database and files, which serves no API and so needs no token issuer.
 */
export function loadGatewayConfig(env: Env = process.env, o: { offlineTool?: boolean } = {}): GatewayConfig {
  const root = repoRoot();
  const agencyId = required(env, 'XIETONG_AGENCY_ID', /^\d{6}$/, 'a six-digit division code such as 341825');
  const fedDir = resolve(env.XIETONG_FEDERATION_DIR ?? join(root, 'data', 'federation'));
  const development = flag(env, 'XIETONG_DEVELOPMENT');
  return {
    agencyId,
    development,
    roles: roles(env.XIETONG_ROLES ?? 'http,relay,inbound,scheduler'),
    database: database(
      env.XIETONG_DATABASE_URL ?? `sqlite:${join(root, 'data', `gateway-${agencyId}.sqlite`)}`,
      env.XIETONG_DATABASE_SCHEMA ?? 'public',
      env.XIETONG_DATABASE_PASSWORD_FILE ? resolve(env.XIETONG_DATABASE_PASSWORD_FILE) : undefined,
    ),
    kafka: {
      ...loadKafkaConnection(env, `xietong-${agencyId}`),
      maxMessageBytes: int(env, 'XIETONG_MAX_MESSAGE_BYTES', 1_048_588, 1024, 1_073_741_824),
    },
    federation: {
      id: env.XIETONG_FEDERATION_ID
        ? required(env, 'XIETONG_FEDERATION_ID', FEDERATION_ID, 'a federation id (letters, digits, _ and -)')
        : undefined,
      dir: fedDir,
      manifestFile: resolve(env.XIETONG_MANIFEST_FILE ?? join(fedDir, 'manifest.jws')),
      authorityKeyFile: resolve(env.XIETONG_AUTHORITY_KEY_FILE ?? join(fedDir, 'authority.public.jwk.json')),
      signingKeyFile: resolve(
        env.XIETONG_SIGNING_KEY_FILE ?? join(fedDir, 'keys', `${agencyId}.signing.private.jwk.json`),
      ),
      encryptionKeyFile: resolve(
        env.XIETONG_ENCRYPTION_KEY_FILE ?? join(fedDir, 'keys', `${agencyId}.encryption.private.jwk.json`),
      ),
      refreshMs: int(env, 'XIETONG_MANIFEST_REFRESH_MS', 10_000, 0, 86_400_000),
    },
    schemasDir: resolve(env.XIETONG_SCHEMAS_DIR ?? join(root, 'schemas')),
    http: {
      host: env.XIETONG_HTTP_HOST ?? '127.0.0.1',
      port: int(env, 'XIETONG_HTTP_PORT', 3000, 0, 65535),
      bodyLimit: env.XIETONG_HTTP_BODY_LIMIT ?? '4mb',
    },
    relay: {
      batchSize: int(env, 'XIETONG_RELAY_BATCH_SIZE', 500, 1, 10_000),
      pollMs: int(env, 'XIETONG_RELAY_POLL_MS', 20, 1, 60_000),
      idlePollMaxMs: int(env, 'XIETONG_RELAY_IDLE_POLL_MAX_MS', 5_000, 1, 600_000),
      maxBackoffMs: int(env, 'XIETONG_RELAY_MAX_BACKOFF_MS', 30_000, 100, 3_600_000),
    },
    inbound: {
      concurrency: int(env, 'XIETONG_INBOUND_CONCURRENCY', 3, 1, 64),
      deadLetterRetryMs: int(env, 'XIETONG_DEAD_LETTER_RETRY_MS', 60_000, 1_000, 86_400_000),
    },
    auth: auth(env, agencyId, fedDir, development || o.offlineTool === true),
    console: consoleConfig(env),
    metrics: { tokenFile: env.XIETONG_METRICS_TOKEN_FILE ? resolve(env.XIETONG_METRICS_TOKEN_FILE) : undefined },
    tsa: tsa(env),
    scheduler: {
      intervalMs: int(env, 'XIETONG_SCHEDULER_INTERVAL_MS', 60_000, 1_000, 86_400_000),
      reminderIntervalHours: int(env, 'XIETONG_REMINDER_INTERVAL_HOURS', 24, 1, 24 * 30),
    },
    audit: {
      checkpointIntervalMs: int(env, 'XIETONG_AUDIT_CHECKPOINT_INTERVAL_MS', 60_000, 1_000, 86_400_000),
      checkpointEntries: int(env, 'XIETONG_AUDIT_CHECKPOINT_ENTRIES', 1_000, 1, 10_000_000),
      witnessStaleMs: int(env, 'XIETONG_AUDIT_WITNESS_STALE_MS', 86_400_000, 1_000, 30 * 86_400_000),
    },
    webhooks: loadWebhookConfig(env, agencyId, fedDir),
    failpoints: Failpoints.parse(env.XIETONG_FAILPOINTS),
    httpHardening: httpHardening(env),
    retention: loadRetentionConfig(env),
  };
}

/** XIETONG_TSA_URL and XIETONG_TSA_CERT_FILE: both or neither. */
function tsa(env: Env): GatewayConfig['tsa'] {
  const url = env.XIETONG_TSA_URL;
  const certFile = env.XIETONG_TSA_CERT_FILE;
  if (url === undefined && certFile === undefined) return undefined;
  if (url === undefined || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    fail('XIETONG_TSA_URL', 'the http(s) URL of the RFC 3161 time-stamping authority', url);
  if (!certFile)
    fail('XIETONG_TSA_CERT_FILE', "the TSA's certificate (PEM) that its tokens are checked with", certFile);
  return { url, certFile: resolve(certFile) };
}

/** How a gateway process writes its log: human-readable lines (default) or JSON lines. */
export type LogFormat = 'text' | 'json';

/**
 * XIETONG_LOG_FORMAT, read on its own before the rest of the configuration, so that a
 * configuration error is already written in the format asked for.
 */
export function loadLogFormat(env: Env = process.env): LogFormat {
  const v = (env.XIETONG_LOG_FORMAT ?? 'text').toLowerCase();
  if (v !== 'text' && v !== 'json') fail('XIETONG_LOG_FORMAT', 'text or json', env.XIETONG_LOG_FORMAT);
  return v;
}

/**
 * The API's token issuer. Outside development it must be named, with its keys: the local issuer
 * that `federation init` creates (its private key lies in the federation directory) is trusted by
 * default only with XIETONG_DEVELOPMENT=true.
 */
function auth(env: Env, agencyId: string, fedDir: string, development: boolean): GatewayConfig['auth'] {
  const dev = ' (or set XIETONG_DEVELOPMENT=true to trust the local development issuer of `federation init`)';
  if (!development && !env.XIETONG_AUTH_ISSUER)
    fail('XIETONG_AUTH_ISSUER', `the issuer (iss) of the agency's identity provider${dev}`, undefined);
  if (!development && !env.XIETONG_AUTH_JWKS_FILE && !env.XIETONG_AUTH_JWKS_URL)
    fail('XIETONG_AUTH_JWKS_FILE', `set, or XIETONG_AUTH_JWKS_URL: the identity provider's keys${dev}`, undefined);
  const jwksUrl = env.XIETONG_AUTH_JWKS_URL;
  if (jwksUrl !== undefined) {
    const url = URL.canParse(jwksUrl) ? new URL(jwksUrl) : undefined;
    const plainAllowed =
      url?.protocol === 'http:' &&
      ((development && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) ||
        flag(env, 'XIETONG_AUTH_JWKS_ALLOW_HTTP'));
    if (url?.protocol !== 'https:' && !plainAllowed)
      fail(
        'XIETONG_AUTH_JWKS_URL',
        'an https URL (http only to this machine with XIETONG_DEVELOPMENT=true, or with XIETONG_AUTH_JWKS_ALLOW_HTTP=true)',
        jwksUrl,
      );
  }
  return {
    issuer: env.XIETONG_AUTH_ISSUER ?? 'xietong-local-idp',
    audience: env.XIETONG_AUTH_AUDIENCE ?? `xietong-gateway-${agencyId}`,
    jwksUrl,
    jwksFile: jwksUrl
      ? undefined
      : resolve(env.XIETONG_AUTH_JWKS_FILE ?? join(fedDir, 'auth', `${agencyId}.jwks.json`)),
    maxTokenAgeSeconds: int(env, 'XIETONG_AUTH_MAX_TOKEN_AGE_SECONDS', 86_400, 60, 30 * 86_400),
  };
}

function consoleConfig(env: Env): ConsoleConfig | undefined {
  if (env.XIETONG_OIDC_CLIENT_SECRET !== undefined)
    unset('XIETONG_OIDC_CLIENT_SECRET', 'put the secret in a file and name it in XIETONG_OIDC_CLIENT_SECRET_FILE');
  const issuer = env.XIETONG_OIDC_ISSUER;
  if (!issuer) return undefined;
  if (!/^https?:\/\/\S+$/.test(issuer))
    fail('XIETONG_OIDC_ISSUER', 'the identity provider URL (http or https)', issuer);
  const publicUrl = env.XIETONG_CONSOLE_URL?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/\S+$/.test(publicUrl))
    fail('XIETONG_CONSOLE_URL', 'the public base URL of this gateway', publicUrl);
  // Redirect URIs and the cookies' Secure flag come from this URL, never from the Host header the
  // client sends; without it only a gateway listening on loopback can tell its own address.
  if (publicUrl === undefined && !LOOPBACK.test(env.XIETONG_HTTP_HOST ?? '127.0.0.1'))
    fail(
      'XIETONG_CONSOLE_URL',
      'set when XIETONG_HTTP_HOST is not a loopback address and the console is on',
      undefined,
    );
  return {
    issuer,
    clientId: required(
      env,
      'XIETONG_OIDC_CLIENT_ID',
      /^\S{1,200}$/,
      'the client id registered at the identity provider',
      `xietong-console-${String(env.XIETONG_AGENCY_ID)}`,
    ),
    clientSecretFile: env.XIETONG_OIDC_CLIENT_SECRET_FILE ? resolve(env.XIETONG_OIDC_CLIENT_SECRET_FILE) : undefined,
    publicUrl,
    sessionMinutes: int(env, 'XIETONG_SESSION_MINUTES', 30, 1, 720),
  };
}

/**
 * CONFIG_INVALID naming the variable and what it expected. The value is shown to help, with any
 * credential in a URL (`//user:password@`) masked: an error goes to logs, which are not secret.
 */
function fail(name: string, expected: string, got: string | undefined): never {
  throw new DomainError(
    'CONFIG_INVALID',
    `${name} must be ${expected}${got === undefined ? ' (not set)' : `, got "${withoutCredentials(got)}"`}`,
  );
}

/** A secret given in a variable: refused, and never echoed. */
function unset(name: string, fix: string): never {
  throw new DomainError('CONFIG_INVALID', `${name} must be unset: ${fix}`);
}

const withoutCredentials = (v: string) => v.replace(/\/\/[^/@\s]*@/g, '//***@');

function flag(env: Env, name: string): boolean {
  const v = (env[name] ?? 'false').toLowerCase();
  if (v !== 'true' && v !== 'false') fail(name, 'true or false', env[name]);
  return v === 'true';
}

function required(env: Env, name: string, pattern: RegExp, expected: string, dflt?: string): string {
  const v = env[name] ?? dflt;
  if (v === undefined || !pattern.test(v)) fail(name, expected, v);
  return v;
}

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) fail(name, `an integer from ${min} to ${max}`, v);
  return n;
}

function list(env: Env, name: string, dflt: string): string[] {
  const items = (env[name] ?? dflt)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0 || items.some((b) => !/^[^:\s]+:\d+$/.test(b)))
    fail(name, 'a comma-separated list of host:port', env[name]);
  return items;
}

function roles(v: string): ReadonlySet<GatewayRole> {
  const all: GatewayRole[] = ['http', 'relay', 'inbound', 'scheduler'];
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0 || items.some((r) => !all.includes(r as GatewayRole)))
    fail('XIETONG_ROLES', 'a comma-separated subset of http,relay,inbound,scheduler', v);
  return new Set(items as GatewayRole[]);
}

function database(url: string, schema: string, passwordFile: string | undefined): DatabaseConfig {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) fail('XIETONG_DATABASE_SCHEMA', 'a lower-case SQL identifier', schema);
    if (/^[a-z]+:\/\/[^/@]*:[^/@]*@/.test(url) || /[?&]password=/.test(url))
      throw new DomainError(
        'CONFIG_INVALID',
        'XIETONG_DATABASE_URL must not hold a password: put it in a file and name it in XIETONG_DATABASE_PASSWORD_FILE',
      );
    return passwordFile ? { type: 'postgres', url, schema, passwordFile } : { type: 'postgres', url, schema };
  }
  if (url.startsWith('sqlite:')) return { type: 'better-sqlite3', file: resolve(url.slice('sqlite:'.length)) };
  fail('XIETONG_DATABASE_URL', 'postgres://user@host:port/db or sqlite:<file>', url);
}

// ---- HTTP hardening (issue #21): trusted proxies, anonymous traffic --------------------------

/** How the HTTP edge treats proxies in front of it and requests without a caller. */
export interface HttpHardeningConfig {
  /**
   * XIETONG_TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For names the client (Express
   * `trust proxy`): addresses, CIDR ranges, or loopback / linklocal / uniquelocal. Empty (default):
   * no proxy is trusted and the address recorded (audit, personal-data access) is the peer's.
   */
  trustedProxies: string[];
  /**
   * XIETONG_ANONYMOUS_AUDIT_INTERVAL_MS: requests without a signed-in caller are counted and
   * written to the audit log as one entry per interval, so a flood cannot grow it without bound.
   */
  anonymousAuditIntervalMs: number;
  /** XIETONG_SIGN_IN_RATE_PER_MINUTE: console sign-in requests (login, callback) a client address may make a minute. */
  signInPerMinute: number;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function httpHardening(env: Env): HttpHardeningConfig {
  const trustedProxies = (env.XIETONG_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of trustedProxies)
    if (!PROXY_NAMES.includes(p) && !isAddressOrRange(p))
      fail(
        'XIETONG_TRUSTED_PROXIES',
        'a comma-separated list of IP addresses, CIDR ranges (10.0.0.0/8), loopback, linklocal or uniquelocal',
        env.XIETONG_TRUSTED_PROXIES,
      );
  return {
    trustedProxies,
    anonymousAuditIntervalMs: int(env, 'XIETONG_ANONYMOUS_AUDIT_INTERVAL_MS', 60_000, 1_000, 3_600_000),
    signInPerMinute: int(env, 'XIETONG_SIGN_IN_RATE_PER_MINUTE', 120, 1, 100_000),
  };
}

function isAddressOrRange(v: string): boolean {
  const [address, bits, ...rest] = v.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
