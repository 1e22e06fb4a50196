import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { KafkaConnection } from '@xietong/config';
import { DomainError } from '@xietong/contracts';

/** Brokers and client id, and for a secured cluster the SASL_SSL settings (files, never values). */
export type KafkaSettings = KafkaConnection;

/** A kafkajs client whose logs go to the given sink (warnings and errors only). */
export function createKafka(settings: KafkaSettings, log?: (level: 'warn' | 'error', message: string) => void): Kafka {
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
      log(
        entry.level === logLevel.ERROR && !retried ? 'error' : 'warn',
        `kafka ${entry.namespace}: ${message} ${JSON.stringify(extra).slice(0, 300)}`,
      );
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
  const password = read(s.passwordFile, 'KAFKA_SASL_PASSWORD_FILE').trim();
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
  const admin = kafka.admin();
  try {
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics });
    const missing = topics.filter((t) => !meta.topics.some((m) => m.name === t && m.partitions.length > 0));
    if (missing.length > 0) throw Object.assign(new Error('missing'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  } catch (e) {
    throw new DomainError('KAFKA_CONNECT_FAILED', describeKafkaFailure(e, settings, topics));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One line naming the cause of a failed connection (exported for the CLI's `kafka apply`). */
export function describeKafkaFailure(e: unknown, settings: KafkaSettings, topics: string[] = []): string {
  const chain: string[] = [];
  for (
    let x = e as
      { message?: string; code?: string; type?: string; originalError?: unknown; cause?: unknown } | undefined;
    x;
  ) {
    chain.push([x.type, x.code, x.message].filter(Boolean).join(' '));
    x = (x.originalError ?? x.cause) as typeof x;
  }
  const text = chain.join(' <- ');
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
