// Starts the local Kafka broker for the integration tests unless KAFKA_BROKERS names one.
// The broker for tests listens on its own port so a running demo broker is left alone.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  if (process.env.KAFKA_BROKERS) return;
  const port = process.env.XIETONG_TEST_KAFKA_PORT ?? '19192';
  const out = execFileSync('node', [join(__dirname, '../../scripts/kafka.mjs'), 'start'], {
    env: { ...process.env, KAFKA_PORT: port },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = out.match(/(\d+\.\d+\.\d+\.\d+:\d+)\s*$/);
  if (!address) throw new Error(`kafka launcher printed no broker address: ${out}`);
  process.env.KAFKA_BROKERS = address[1];
  process.env.XIETONG_TEST_STARTED_KAFKA = port;
};
