import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { readSecretFile, type KafkaConnection } from '@xietong/config';
import { DomainError } from '@xietong/contracts';

/** Brokers and client id, and for a secured cluster the SASL_SSL settings (files, never values). */
export type KafkaSettings = KafkaConnection;

/** Takes the client's log lines about an unreachable cluster (one throttled line instead of a flood). */
export interface KafkaLogAbsorber {
  /** True when the line was taken (counted, reported throttled), false when it should be logged as usual. */
  absorb(message: string): boolean;
}

/**
 * A kafkajs client whose logs go to the given sink (warnings and errors only). With `absorber`,
 * lines about an unreachable cluster go there instead: kafkajs logs every failed attempt of every
 * producer, consumer and admin, ~18 lines in 20 s while the brokers are down.
 */
export function createKafka(
  settings: KafkaSettings,
  log?: (level: 'warn' | 'error', message: string) => void,
  absorber?: KafkaLogAbsorber,
): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...securityOptions(settings),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...extra } = entry.log;
      // kafkajs warns that bounded retries weaken the idempotent producer's exactly-once: a publish
      // that gives up is retried by the relay, and the receiver applies a messageId once anyway.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      // Protocol error responses are retried by kafkajs; a failure that persists reaches the caller.
      const retried = entry.namespace === 'Connection' && message.startsWith('Response');
      const line = `kafka ${entry.namespace}: ${message} ${JSON.stringify(extra).slice(0, 300)}`;
      if (absorber?.absorb(line)) return;
      log(entry.level === logLevel.ERROR && !retried ? 'error' : 'warn', line);
    },
  });
}

/** kafkajs `ssl` and `sasl` options; reads the password and CA files (CONFIG_INVALID naming the file). */
export function securityOptions(settings: KafkaSettings): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const s = settings.security;
  if (!s) return {};
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new DomainError('CONFIG_INVALID', `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code}`);
    }
  };
  const password = readSecretFile(s.passwordFile, 'KAFKA_SASL_PASSWORD_FILE').trim();
  if (password === '') throw new DomainError('CONFIG_INVALID', `KAFKA_SASL_PASSWORD_FILE ${s.passwordFile} is empty`);
  const ca = s.caFile ? read(s.caFile, 'KAFKA_SSL_CA_FILE') : undefined;
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----'))
    throw new DomainError('CONFIG_INVALID', `KAFKA_SSL_CA_FILE ${s.caFile} holds no PEM certificate`);
  const sasl =
    s.mechanism === 'scram-sha-512'
      ? { mechanism: 'scram-sha-512' as const, username: s.username, password }
      : { mechanism: 'scram-sha-256' as const, username: s.username, password };
  return { ssl: ca ? { ca: [ca], rejectUnauthorized: true } : { rejectUnauthorized: true }, sasl };
}

/**
 * Connects once and checks the topics a gateway needs exist and are visible to its principal.
 * A failed handshake becomes one KAFKA_CONNECT_FAILED line saying which: no TLS on the broker,
 * a certificate the CA file does not trust, refused credentials, or no ACL for a topic.
 */
export async function checkKafkaAccess(settings: KafkaSettings, topics: string[]): Promise<void> {
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...securityOptions(settings),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    authenticationTimeout: 5_000,
    retry: { initialRetryTime: 200, retries: 3 },
  });
  try {
    await checkTopicsVisible(kafka, topics);
  } catch (e) {
    throw new DomainError('KAFKA_CONNECT_FAILED', describeKafkaFailure(e, settings, topics));
  }
}

/** Connects an admin client and checks that the topics exist and are visible to it; throws what kafkajs threw. */
export async function checkTopicsVisible(kafka: Kafka, topics: string[], retries?: number): Promise<void> {
  const admin = kafka.admin(retries === undefined ? undefined : { retry: { retries } });
  try {
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics });
    const missing = topics.filter((t) => !meta.topics.some((m) => m.name === t && m.partitions.length > 0));
    if (missing.length > 0) throw Object.assign(new Error('missing'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Text of an error and its causes (kafkajs wraps the socket error in retries and connection errors). */
export function errorChain(e: unknown): string {
  const chain: string[] = [];
  for (
    let x = e as
        { message?: string; code?: string; type?: string; originalError?: unknown; cause?: unknown } | undefined,
      i = 0;
    x && i < 10;
    i++
  ) {
    chain.push(typeof x === 'string' ? x : [x.type, x.code, x.message].filter(Boolean).join(' '));
    x = (typeof x === 'string' ? undefined : (x.originalError ?? x.cause)) as typeof x;
  }
  return chain.join(' <- ');
}

const UNREACHABLE =
  /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT|EAI_AGAIN|EPIPE|Connection (error|timeout)|[Cc]losed connection|[Cc]onnection (was )?closed|KafkaJSConnection|BrokerNotFound|broker not (found|connected)|Failed to connect|Request timed out|socket hang up|NumberOfRetriesExceeded|Restarting the consumer/;

/** Whether a failure (error or log line) says the cluster could not be reached, rather than what was sent being wrong. */
export function isKafkaUnreachable(e: unknown): boolean {
  return UNREACHABLE.test(typeof e === 'string' ? e : errorChain(e));
}

/** A failed handshake: `fatal` when this gateway's own settings are wrong (nothing but a new configuration helps). */
export interface KafkaFailure {
  reason: string;
  fatal: boolean;
}

/**
 * Names the cause of a failed connection or access check. Refused credentials, an untrusted
 * certificate and a TLS/plaintext mismatch are this gateway's configuration (`fatal`); unreachable
 * brokers, missing topics and missing ACLs are fixed by time or by the zone operator.
 */
export function classifyKafkaFailure(e: unknown, settings: KafkaSettings, topics: string[] = []): KafkaFailure {
  const reason = describeKafkaFailure(e, settings, topics);
  const fatal = /refused the credentials|is not trusted by|does not speak TLS|refused a plaintext client/.test(reason);
  return { reason, fatal };
}

/** One line naming the cause of a failed connection (exported for the CLI's `kafka apply`). */
export function describeKafkaFailure(e: unknown, settings: KafkaSettings, topics: string[] = []): string {
  const text = errorChain(e);
  const chain = text.split(' <- ');
  const where = settings.brokers.join(',');
  const s = settings.security;
  if (/UNKNOWN_TOPIC_OR_PARTITION/.test(text))
    return `topics ${topics.join(', ')} do not exist on ${where}: the zone operator creates them with \`xietong kafka apply\``;
  if (/TOPIC_AUTHORIZATION_FAILED|GROUP_AUTHORIZATION_FAILED|CLUSTER_AUTHORIZATION_FAILED/.test(text))
    return `${s ? `user ${s.username}` : 'this client'} is not authorized for ${topics.join(', ') || 'the cluster'} on ${where}: the zone operator grants ACLs with \`xietong kafka apply\``;
  if (/SASL.*[Aa]uthentication failed|invalid credentials|SASL_AUTHENTICATION_FAILED/.test(text))
    return `the cluster ${where} refused the credentials of user ${s?.username} (wrong password in ${s?.passwordFile}, or no such SCRAM user)`;
  if (/self[- ]signed|unable to (get|verify)|UNABLE_TO_VERIFY|CERT_|certificate/i.test(text))
    return `the TLS certificate of ${where} is not trusted by ${s?.caFile ?? 'the system CAs'} (${chain.find((c) => /cert/i.test(c)) ?? text})`;
  if (
    s &&
    /wrong version number|packet length too long|before secure TLS connection|ECONNRESET|socket hang up|EPROTO/i.test(
      text,
    )
  )
    return `${where} does not speak TLS: is it a plaintext listener? (KAFKA_SECURITY_PROTOCOL is sasl_ssl)`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection timeout|ETIMEDOUT/i.test(text))
    return `cannot reach the Kafka brokers ${where} (${text.slice(0, 200)})`;
  if (!s && /Closed connection|ECONNRESET|UNSUPPORTED_SASL|Illegal SASL|disconnect/i.test(text))
    return `${where} refused a plaintext client: it needs TLS and SASL (set KAFKA_SECURITY_PROTOCOL=sasl_ssl)`;
  return `cannot use the Kafka cluster ${where}: ${text.slice(0, 300)}`;
}
