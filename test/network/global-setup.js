// The network suite (issue 26) builds network namespaces, veth pairs, a bridge and nftables rules:
// it needs root and `ip netns`. Elsewhere it fails with the reason, unless XIETONG_SKIP_NETWORK
// names one (then the suite prints it and checks nothing else). Installs nftables and prometheus
// where missing (scripts/network-deps.sh), and names this run's resources (XIETONG_NETWORK_RUN).
const { execFileSync, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
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
  process.env.XIETONG_NETWORK_RUN ??= `xn${randomBytes(2).toString('hex')}`;
  process.env.XIETONG_NETWORK_SUBNET ??= freeSubnet();
};
