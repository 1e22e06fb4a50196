// Starts, restarts and stops a throwaway PostgreSQL instance of the project's own launcher
// (scripts/postgres.mjs): initdb into a temporary directory, never the machine's cluster.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const launcher = join(__dirname, '../../scripts/postgres.mjs');

function run(command, port) {
  return execFileSync('node', [launcher, command], {
    env: { ...process.env, ...(port ? { PG_PORT: String(port) } : {}) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Starts an instance on `port` (a free one when undefined); returns its connection URL. */
function startPostgres(port) {
  const out = run('start', port);
  const url = out.match(/(postgres:\/\/\S+)\s*$/);
  if (!url) throw new Error(`postgres launcher printed no URL: ${out}`);
  return url[1];
}

const restartPostgres = (port) => void run('restart', port);
const stopPostgres = (port) => void run('stop', port);

module.exports = { startPostgres, restartPostgres, stopPostgres };
