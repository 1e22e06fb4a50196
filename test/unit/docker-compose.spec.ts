import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GATEWAY_NODE_FLAGS, loadGatewayConfig } from '@xietong/config';

// No Docker engine runs here, so the compose file is checked for what can drift: it parses,
// every gateway's environment passes the gateway's own configuration loader, and the broker
// settings match the local launcher's single-node KRaft setup.
const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { image?: string; environment?: Record<string, string>; command?: string[]; depends_on?: object }
  >;
};
const launcher = readFileSync(join(__dirname, '../../scripts/kafka.mjs'), 'utf8');

describe('docker-compose.yml', () => {
  const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('gateway-'));

  it('runs the three demo agencies on Apache Kafka 4 and PostgreSQL', () => {
    expect(gateways.map(([name]) => name).sort()).toEqual(['gateway-320100', 'gateway-330100', 'gateway-341825']);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
  });

  it.each(['gateway-341825', 'gateway-330100', 'gateway-320100'])(
    'gives %s an environment the gateway accepts',
    (name) => {
      const env = compose.services[name].environment!;
      const config = loadGatewayConfig(env);
      expect(config.agencyId).toBe(name.slice('gateway-'.length));
      expect(config.database).toMatchObject({ type: 'postgres', schema: `gw_${config.agencyId}` });
      expect(config.kafka.brokers).toEqual(['kafka:9092']);
      expect(compose.services[name].command).toEqual(['node', ...GATEWAY_NODE_FLAGS, 'dist/apps/gateway/src/main.js']);
    },
  );

  it('configures the broker like the local launcher (single-node KRaft, replication factor 1)', () => {
    const env = compose.services.kafka.environment!;
    const asProperty = (k: string) =>
      k
        .replace(/^KAFKA_/, '')
        .toLowerCase()
        .replace(/_/g, '.');
    for (const key of [
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR',
      'KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS',
      'KAFKA_AUTO_CREATE_TOPICS_ENABLE',
    ]) {
      expect(launcher).toContain(`'${asProperty(key)}': '${env[key]}'`);
    }
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });
});
