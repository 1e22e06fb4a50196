import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot } from '@xietong/config';
import { securityOptions, type KafkaSettings } from '@xietong/messaging';

const launcher = join(repoRoot(), 'scripts', 'kafka.mjs');

/**
 * The 3-node SASL_SSL cluster of `npm run kafka:start -- --brokers 3 --secure`, started by the
 * cluster suite itself on XIETONG_CLUSTER_KAFKA_PORT (nodes on that port, +2, +4).
 */
export class SecureCluster {
  readonly port = Number(process.env.XIETONG_CLUSTER_KAFKA_PORT ?? 19392);
  readonly home = join(repoRoot(), '.kafka', `cluster-${this.port}`, 'secure');
  readonly caFile = join(this.home, 'ca.pem');
  brokers = '';

  private run(args: string[]): string {
    return execFileSync('node', [launcher, ...args, '--brokers', '3', '--secure'], {
      env: { ...process.env, KAFKA_PORT: String(this.port) },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  }

  start(users: string[]): void {
    this.brokers = this.run(['start', '--users', users.join(',')])
      .split('\n')
      .pop()!;
  }

  stop(): void {
    execFileSync('node', [launcher, 'stop'], {
      env: { ...process.env, KAFKA_PORT: String(this.port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }

  /** The launcher without blocking the event loop (a scenario's deadline must still fire). */
  private async runAsync(args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)('node', [launcher, ...args, '--brokers', '3', '--secure'], {
      env: { ...process.env, KAFKA_PORT: String(this.port) },
      encoding: 'utf8',
    });
    return stdout.trim();
  }

  /** SIGKILL of one node (1..3). */
  async kill(node: number): Promise<void> {
    await this.runAsync(['kill', '--node', String(node)]);
  }

  /** Restarts stopped nodes on their data and waits (up to 180 s) until all three are back. */
  async resume(...nodes: number[]): Promise<void> {
    for (const n of nodes) await this.runAsync(['resume', '--node', String(n), '--no-wait']);
    await this.runAsync(['resume']);
  }

  nodeOfPort(brokerPort: number): number {
    return (brokerPort - this.port) / 2 + 1;
  }

  passwordFile(user: string): string {
    return join(this.home, 'users', `${user}.password`);
  }

  settings(user: string, overrides: Partial<NonNullable<KafkaSettings['security']>> = {}): KafkaSettings {
    return {
      brokers: this.brokers.split(','),
      clientId: `cluster-suite-${user}`,
      security: {
        mechanism: 'scram-sha-512',
        username: user,
        passwordFile: this.passwordFile(user),
        caFile: this.caFile,
        ...overrides,
      },
    };
  }

  /** A kafkajs client as `user`, failing fast (the suite asserts refusals). */
  client(user: string, overrides: Partial<NonNullable<KafkaSettings['security']>> = {}): Kafka {
    const s = this.settings(user, overrides);
    return new Kafka({
      clientId: s.clientId,
      brokers: s.brokers,
      ...securityOptions(s),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 5_000,
      retry: { retries: 2, initialRetryTime: 200 },
    });
  }

  /** The gateway environment of a member with its own SCRAM user. */
  memberEnv(id: string): Record<string, string> {
    return {
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: id,
      KAFKA_SASL_PASSWORD_FILE: this.passwordFile(id),
      KAFKA_SSL_CA_FILE: this.caFile,
    };
  }
}

/** A CA nobody in the cluster uses (for the untrusted-certificate case). */
export function foreignCa(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xt-foreign-ca-'));
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=someone else',
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    join(dir, 'ca.pem'),
  ]);
  return join(dir, 'ca.pem');
}

/** Apache Kafka's own Java AdminClient, compiled once: an independent client for metadata. */
export class JavaProbe {
  private readonly classes = mkdtempSync(join(tmpdir(), 'xt-probe-'));
  private readonly cp = `${join(repoRoot(), '.kafka', 'lib')}/*`;

  constructor() {
    execFileSync('javac', ['-cp', this.cp, '-d', this.classes, join(__dirname, 'MetadataProbe.java')]);
  }

  /** "OK ..." or "REFUSED <exception>: <message>" (`what`: topics, topic:<name> or group:<id>). */
  async metadata(bootstrap: string, what: string, seconds: number, props: Record<string, string>): Promise<string> {
    return new Promise((resolve) =>
      execFile(
        'java',
        [
          '-cp',
          `${this.classes}:${this.cp}`,
          'MetadataProbe',
          bootstrap,
          what,
          String(seconds),
          ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
        ],
        { encoding: 'utf8' },
        (_e, stdout) => resolve(stdout.trim() || `no answer (${String(_e)})`),
      ),
    );
  }

  /** Client properties of a SCRAM user over SASL_SSL, for the Java client. */
  static scram(caFile: string, user: string, password: string): Record<string, string> {
    return {
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': caFile,
      'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
    };
  }
}

export interface ClusterRow {
  scenario: string;
  expected: string;
  observed: string;
  pass: boolean;
  /** How long the scenario took, its own set-up included. */
  seconds?: number;
}

/** reports/cluster.json: one row per scenario, measured figures in `observed`. */
export function writeClusterReport(rows: ClusterRow[]): void {
  const dir = join(repoRoot(), 'reports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(rows, null, 2) + '\n');
}

export const readText = (file: string): string => readFileSync(file, 'utf8').trim();
