import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '@xietong/contracts';
import { ClientQuotaAdmin, type QuotaChange, type QuotaValues } from './client-quotas';
import { securityOptions, type KafkaSettings } from './kafka-client';

/**
 * Client quotas through Apache Kafka's Java Admin client: `tools/kafka/ClientQuotas.java` run as a
 * single-file program with the Kafka jars (`.kafka/lib`, or wherever the operator keeps them).
 * The connection settings, password included, go to it on stdin, never on its command line.
 */
export class JavaClientQuotas extends ClientQuotaAdmin {
  constructor(
    private readonly settings: KafkaSettings,
    /** Directory of Apache Kafka's jars (kafka-clients-*.jar and its dependencies). */
    private readonly libDir: string,
    /** tools/kafka/ClientQuotas.java */
    private readonly program: string,
  ) {
    super();
  }

  async describe(): Promise<Map<string, QuotaValues>> {
    const out = (await this.run({ command: 'describe' })) as Record<string, QuotaValues>;
    return new Map(Object.entries(out));
  }

  async alter(changes: QuotaChange[]): Promise<void> {
    if (changes.length > 0) await this.run({ command: 'alter', changes });
  }

  /** Properties of Kafka's Java client for these settings (what a command-config file would hold). */
  clientConfig(): Record<string, string> {
    const config: Record<string, string> = {
      'bootstrap.servers': this.settings.brokers.join(','),
      'client.id': `${this.settings.clientId}-quotas`,
    };
    const s = this.settings.security;
    if (!s) return config;
    const { sasl } = securityOptions(this.settings);
    const quoted = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    config['security.protocol'] = 'SASL_SSL';
    config['sasl.mechanism'] = s.mechanism.toUpperCase();
    config['sasl.jaas.config'] =
      `org.apache.kafka.common.security.scram.ScramLoginModule required username=${quoted(s.username)} password=${quoted((sasl as { password: string }).password)};`;
    if (s.caFile) {
      config['ssl.truststore.type'] = 'PEM';
      config['ssl.truststore.location'] = s.caFile;
    }
    return config;
  }

  /**
   * The program compiled once per source and jar directory, kept under the system's temporary
   * directory (javac takes seconds; running it from source would compile it on every call).
   */
  private compiled(): string {
    const hash = createHash('sha256').update(readFileSync(this.program)).update(this.libDir).digest('hex');
    const dir = join(tmpdir(), `xietong-client-quotas-${hash.slice(0, 16)}`);
    if (existsSync(join(dir, 'ClientQuotas.class'))) return dir;
    const staging = `${dir}.${process.pid}`;
    mkdirSync(staging, { recursive: true });
    try {
      execFileSync('javac', ['-cp', join(this.libDir, '*'), '-d', staging, this.program], { stdio: 'pipe' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new DomainError('CONFIG_INVALID', 'client quotas need a Java 17 JDK (javac and java on the PATH)');
      throw new DomainError(
        'CONFIG_INVALID',
        `cannot compile ${this.program}: ${String((e as { stderr?: Buffer }).stderr ?? e).slice(0, 500)}`,
      );
    }
    // Another process may have finished first: either copy is the same program.
    if (!existsSync(dir)) renameSync(staging, dir);
    return existsSync(join(dir, 'ClientQuotas.class')) ? dir : staging;
  }

  private async run(request: object): Promise<unknown> {
    if (!existsSync(this.libDir) || !readdirSync(this.libDir).some((f) => /^kafka-clients-.*\.jar$/.test(f)))
      throw new DomainError(
        'CONFIG_INVALID',
        `KAFKA_TOOLS_LIB ${this.libDir} holds no kafka-clients jar: client quotas need Apache Kafka's jars (npm run kafka:start fetches them into .kafka/lib)`,
      );
    if (!existsSync(this.program))
      throw new DomainError('CONFIG_INVALID', `client quotas need ${this.program} (tools/kafka of the repository)`);
    const stdin = JSON.stringify({ ...request, config: this.clientConfig() });
    const classes = this.compiled();
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        'java',
        ['-cp', `${classes}:${join(this.libDir, '*')}`, 'ClientQuotas'],
        { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        (e, out) => {
          if (e && (e as NodeJS.ErrnoException).code === 'ENOENT')
            reject(new DomainError('CONFIG_INVALID', 'client quotas need a Java 17 JDK (javac and java on the PATH)'));
          else resolve(out);
        },
      );
      child.stdin?.end(stdin);
    });
    const lines = stdout.split('\n').map((l) => l.trim());
    const result = lines.filter((l) => l.startsWith('RESULT ')).pop();
    if (result) return JSON.parse(result.slice('RESULT '.length));
    const failed = lines.filter((l) => l.startsWith('FAILED ')).pop();
    throw new DomainError(
      'KAFKA_ADMIN_FAILED',
      `client quotas: ${failed?.slice('FAILED '.length) ?? `no answer from ${this.program}: ${stdout.slice(-500)}`}`,
    );
  }
}
