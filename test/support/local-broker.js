// Starts and stops a broker of the project's own launcher (scripts/kafka.mjs) on a given port.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const launcher = join(__dirname, '../../scripts/kafka.mjs');

/** Starts (or finds running) the broker on `port`; returns its host:port. */
function startBroker(port) {
  const out = execFileSync('node', [launcher, 'start'], {
    env: { ...process.env, KAFKA_PORT: port },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = out.match(/(\d+\.\d+\.\d+\.\d+:\d+)\s*$/);
  if (!address) throw new Error(`kafka launcher printed no broker address: ${out}`);
  return address[1];
}

function stopBroker(port) {
  execFileSync('node', [launcher, 'stop'], { env: { ...process.env, KAFKA_PORT: port }, stdio: 'inherit' });
}

module.exports = { startBroker, stopBroker };
