// Removes whatever this run of the network suite left (also after a failure or a crash): the
// processes inside its namespaces, the namespaces (their veth ends go with them), its bridge, its
// Prometheus and its PostgreSQL instance. Only names with this run's prefix are touched.
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { dropRunSchemas } = require('../support/test-run');

function ip(...args) {
  return spawnSync('ip', args, { encoding: 'utf8' });
}

function removeRun(run) {
  const namespaces = ip('netns', 'list')
    .stdout.split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`${run}-`));
  for (const ns of namespaces) {
    for (const pid of ip('netns', 'pids', ns).stdout.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  // The namespaces go once their processes have exited.
  for (const ns of namespaces) for (let i = 0; i < 20 && ip('netns', 'del', ns).status !== 0; i++) sleep(100);
  ip('link', 'del', `${run}-br`);
  const state = join(tmpdir(), `xietong-${run}`);
  const pidFile = join(state, 'prometheus.pid');
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const pgPort = join(state, 'postgres.port');
  if (existsSync(pgPort))
    execFileSync('node', [join(__dirname, '../../scripts/postgres.mjs'), 'stop'], {
      env: { ...process.env, PG_PORT: readFileSync(pgPort, 'utf8').trim() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  rmSync(state, { recursive: true, force: true });
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

module.exports = async () => {
  const run = process.env.XIETONG_NETWORK_RUN;
  if (run && /^xn[0-9a-f]{4}$/.test(run)) removeRun(run);
  await dropRunSchemas();
};
