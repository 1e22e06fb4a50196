import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadGatewayConfig } from '@xietong/config';

// No Docker engine runs here, so the compose file and the Dockerfile are checked for what can
// drift: the file parses, every gateway's environment passes the gateway's own configuration
// loader, each service sees only its own secrets, and the brokers are secured like the local
// launcher's 3-node cluster (scripts/kafka.mjs --brokers 3 --secure).
type Service = {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  command?: string[];
  secrets?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
};
const root = join(__dirname, '../..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const launcher = readFileSync(join(root, 'scripts/kafka.mjs'), 'utf8');
const postgresInit = readFileSync(join(root, 'deploy/postgres-init.sh'), 'utf8');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const AGENCIES = ['341825', '330100', '320100'];
const brokers = ['kafka-1', 'kafka-2', 'kafka-3'];
const asProperty = (k: string) =>
  k
    .replace(/^KAFKA_/, '')
    .toLowerCase()
    .replace(/___/g, '-')
    .replace(/__/g, '\u0000')
    .replace(/_/g, '.')
    .replace(/\u0000/g, '_');

describe('docker-compose.yml', () => {
  it('runs three agency gateways on a 3-broker Apache Kafka 4 cluster and PostgreSQL', () => {
    expect(Object.keys(compose.services).filter((n) => n.startsWith('gateway-'))).toEqual(
      AGENCIES.map((a) => `gateway-${a}`),
    );
    for (const b of brokers) expect(compose.services[b].image).toMatch(/^apache\/kafka:4\./);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
  });

  it.each(AGENCIES)(
    'gives gateway-%s an environment the gateway accepts, with files only from its own secrets',
    (id) => {
      const s = compose.services[`gateway-${id}`];
      const config = loadGatewayConfig(s.environment!);
      expect(config.agencyId).toBe(id);
      expect(config.database).toMatchObject({ type: 'postgres', schema: `gw_${id}` });
      expect(config.kafka.brokers).toEqual(brokers.map((b) => `${b}:9092`));
      expect(config.kafka.security).toMatchObject({ mechanism: 'scram-sha-512', username: id });
      expect(config.federation.id).toBe('yrd-zone');
      const files = [
        config.kafka.security!.passwordFile,
        config.database.type === 'postgres' ? config.database.passwordFile : 'not postgres',
        config.kafka.security!.caFile,
        config.federation.manifestFile,
        config.federation.authorityKeyFile,
        config.federation.signingKeyFile,
        config.federation.encryptionKeyFile,
        config.auth.jwksFile,
      ];
      for (const f of files) {
        expect(f).toMatch(/^\/run\/secrets\//);
        expect(s.secrets).toContain(f!.slice('/run/secrets/'.length));
      }
      // Its own private keys and password only; never another agency's, never the authority's.
      const others = AGENCIES.filter((a) => a !== id);
      for (const secret of s.secrets!) {
        expect(others.some((o) => secret.endsWith(o))).toBe(false);
        expect(compose.secrets[secret].file).not.toMatch(/authority\.private/);
      }
    },
  );

  it.each(AGENCIES)(
    'gives gateway-%s its own database role and database, with a password file, and a named token issuer',
    (id) => {
      const env = compose.services[`gateway-${id}`].environment!;
      const config = loadGatewayConfig(env);
      expect(config.database).toEqual({
        type: 'postgres',
        url: `postgres://gw_${id}@postgres:5432/xietong_${id}`,
        schema: `gw_${id}`,
        passwordFile: `/run/secrets/db_password_${id}`,
      });
      // Production: no development flag, the agency's own identity provider over https.
      expect(config.development).toBe(false);
      expect(config.auth.issuer).toMatch(/^https:\/\//);
      expect(config.auth.issuer).not.toBe('xietong-local-idp');
      // PostgreSQL gets the same password under its own secret name (its own file owner).
      expect(compose.services.postgres.secrets).toContain(`postgres_db_password_${id}`);
    },
  );

  it('runs PostgreSQL with password authentication and one role per agency, not one shared superuser', () => {
    const pg = compose.services.postgres;
    expect(JSON.stringify(pg.environment)).not.toMatch(/trust/i);
    expect(pg.environment).toMatchObject({ POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(String(pg.environment!.AGENCIES).split(' ')).toEqual(AGENCIES);
    expect(pg.volumes).toContain('./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/10-agency-roles.sh:ro');
    expect(postgresInit).toContain("CREATE ROLE gw_${agency} LOGIN PASSWORD :'pw'");
    expect(postgresInit).toContain('CREATE DATABASE xietong_${agency} OWNER gw_${agency}');
    // The password is read by psql from the secret file, never put on a command line.
    expect(postgresInit).toMatch(/\\set pw \\`tr -d '\\n' < \$\{file\}\\`/);
    for (const a of AGENCIES) {
      const url = compose.services[`gateway-${a}`].environment!.XIETONG_DATABASE_URL;
      expect(url).not.toMatch(/\/\/postgres[@:]/);
    }
  });

  it('keeps every service restartable and healthchecked, and data on named volumes', () => {
    for (const name of [...brokers, 'postgres', ...AGENCIES.map((a) => `gateway-${a}`)]) {
      expect(compose.services[name].restart).toBe('unless-stopped');
      expect(compose.services[name].healthcheck?.test.length).toBeGreaterThan(0);
    }
    for (const a of AGENCIES)
      expect(compose.services[`gateway-${a}`].healthcheck?.test.join(' ')).toContain('/health/live');
    for (const b of brokers) expect(compose.services[b].volumes).toContain(`${b}-data:/var/lib/kafka/data`);
    expect(compose.services.postgres.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes).sort()).toEqual([
      'kafka-1-data',
      'kafka-2-data',
      'kafka-3-data',
      'postgres-data',
    ]);
    for (const a of AGENCIES)
      expect(compose.services[`gateway-${a}`].depends_on?.['kafka-acls']).toEqual({
        condition: 'service_completed_successfully',
      });
  });

  it('applies topics and ACLs from the signed manifest as the super user before the gateways start', () => {
    const acls = compose.services['kafka-acls'];
    expect(acls.command).toEqual(expect.arrayContaining(['dist/apps/cli/src/main.js', 'kafka', 'apply']));
    expect(
      acls.command!.slice(
        acls.command!.indexOf('--replication-factor'),
        acls.command!.indexOf('--replication-factor') + 4,
      ),
    ).toEqual(['--replication-factor', '3', '--min-insync-replicas', '2']);
    expect(acls.environment).toMatchObject({ KAFKA_SASL_USERNAME: 'admin', KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' });
    expect(compose.services['kafka-users'].environment!.AGENCIES.split(' ')).toEqual(AGENCIES);
  });

  it('secures the brokers like the local launcher: SASL_SSL only, StandardAuthorizer, no ANONYMOUS super user', () => {
    const env = compose.services['kafka-1'].environment!;
    expect(env.KAFKA_LISTENERS).not.toMatch(/PLAINTEXT/);
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL');
    expect(env.KAFKA_SUPER_USERS).toBe('User:admin');
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093');
    for (const key of [
      'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP',
      'KAFKA_SASL_ENABLED_MECHANISMS',
      'KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL',
      'KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL',
      'KAFKA_LISTENER_NAME_CONTROLLER_SASL_ENABLED_MECHANISMS',
      'KAFKA_SSL_KEYSTORE_TYPE',
      'KAFKA_AUTHORIZER_CLASS_NAME',
      'KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND',
      'KAFKA_SUPER_USERS',
      'KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS',
      'KAFKA_AUTO_CREATE_TOPICS_ENABLE',
      'KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE',
    ]) {
      expect(launcher).toContain(`'${asProperty(key)}': '${env[key]}'`);
    }
  });
});

describe('scripts/kafka.mjs (the secured local cluster)', () => {
  it('passes the SCRAM passwords to StorageTool through a 0600 java @argfile, never on its command line', () => {
    // Static check: running the 3-node secured cluster is the cluster suite's job.
    const format = launcher.slice(launcher.indexOf('async function startCluster'));
    const spawned = format.match(/spawnSync\(\s*'java',[\s\S]*?\)/g) ?? [];
    expect(spawned.length).toBeGreaterThan(0);
    for (const call of spawned) expect(call).not.toMatch(/scram|password/i);
    expect(format).toMatch(/writeFileSync\(\s*argFile,[\s\S]*?\.\.\.scram[\s\S]*?\{ mode: 0o600 \}/);
    expect(format).toContain('`@${argFile}`');
    expect(format).toMatch(/rmSync\(argFile/);
  });
});

describe('Dockerfile', () => {
  it('builds in stages on Node 22 LTS and runs as a non-root user with a healthcheck', () => {
    const stages = dockerfile.match(/^FROM .*/gm)!;
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s).toMatch(/^FROM node:22-/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    // Liveness: a restart does not cure a Kafka outage or an expired manifest.
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*?\/health\/live'/m);
    expect(runtime).toMatch(/^CMD \["node", "--max-old-space-size=1024", "dist\/apps\/gateway\/src\/main.js"\]/m);
  });
});
