// The network suite (issue 26) builds network namespaces, veth pairs, a bridge and nftables rules:
// it needs root and `ip netns`. Elsewhere it fails with the reason, unless XIETONG_SKIP_NETWORK
// names one (then the suite prints it and checks nothing else). Installs nftables and prometheus
// where missing (scripts/network-deps.sh), and names this run's resources (XIETONG_NETWORK_RUN).
const { execFileSync, spawnSync } = require('node:child_process');
const { createHash, randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { nameRun } = require('../support/test-run');

function unavailable() {
  if (process.getuid?.() !== 0) return 'it must run as root (it creates network namespaces, veth pairs and a bridge)';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.status !== 0) return `\`ip netns\` does not work here: ${(probe.stderr || String(probe.error)).trim()}`;
  return undefined;
}

/** A /24 under 10.251.0.0/16 that no route of this machine touches yet. */
function freeSubnet() {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let i = 0; i < 100; i++) {
    const third = 1 + (randomBytes(1)[0] % 250);
    if (!routes.includes(`10.251.${third}.`)) return `10.251.${third}`;
  }
  throw new Error('no free 10.251.x.0/24 subnet for the network suite');
}

/** The Apache Kafka jars in .kafka/lib, resolved from Maven Central as scripts/kafka.mjs does (same stamp). */
function resolveKafkaJars() {
  const repo = join(__dirname, '../..');
  const pom = join(repo, 'tools/kafka/pom.xml');
  const lib = join(repo, '.kafka', 'lib');
  const stamp = createHash('sha256').update(readFileSync(pom)).digest('hex');
  const stampFile = join(lib, '.resolved');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  mkdirSync(lib, { recursive: true });
  execFileSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`], {
    stdio: ['ignore', 2, 2],
  });
  writeFileSync(stampFile, stamp);
}

module.exports = async () => {
  nameRun();
  const skip = process.env.XIETONG_SKIP_NETWORK;
  const why = unavailable();
  if (skip) {
    process.env.XIETONG_NETWORK_SKIPPED = skip;
    return;
  }
  if (why)
    throw new Error(
      `the network suite cannot run: ${why}. Run it as root on Linux, or set XIETONG_SKIP_NETWORK=<reason> to skip it knowingly.`,
    );
  execFileSync('bash', [join(__dirname, '../../scripts/network-deps.sh')], { stdio: 'inherit' });
  resolveKafkaJars();
  process.env.XIETONG_NETWORK_RUN ??= `xn${randomBytes(2).toString('hex')}`;
  process.env.XIETONG_NETWORK_SUBNET ??= freeSubnet();
};
