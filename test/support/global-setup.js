// Starts the local Kafka broker for the integration tests unless KAFKA_BROKERS names one.
// The broker for tests listens on its own port so a running demo broker is left alone.
// First the independent producer the hostile-partner tests write with (scripts/partner-deps.sh).
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { startBroker } = require('./local-broker');
const { nameRun } = require('./test-run');

module.exports = async () => {
  nameRun();
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'partner-deps.sh')], { stdio: 'inherit' });
  if (process.env.KAFKA_BROKERS) return;
  const port = process.env.XIETONG_TEST_KAFKA_PORT ?? '19192';
  process.env.KAFKA_BROKERS = startBroker(port);
  process.env.XIETONG_TEST_STARTED_KAFKA = port;
};
