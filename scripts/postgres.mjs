#!/usr/bin/env node
// A throwaway PostgreSQL instance of its own (initdb into a temporary directory), for the fault
// suite (which restarts its database) and the growth benchmark (which needs production defaults,
// not the machine's CI settings). Never touches the machine's PostgreSQL cluster.
//
//   node scripts/postgres.mjs start|restart|stop|status
//
// Environment: PG_PORT (default: a free port), PG_HOME (default <tmp>/xietong-pg-<port>),
// PG_BIN (default: the newest /usr/lib/postgresql/<v>/bin, else pg_ctl on PATH),
// PG_SETTINGS (extra `name=value` server settings, comma-separated). `start` prints the
// connection URL (trust auth, user postgres, database postgres) on stdout; the others take PG_PORT.
// initdb refuses to run as root: as root the server runs as the `postgres` user (runuser).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const log = (msg) => process.stderr.write(`[postgres] ${msg}\n`);

function fail(msg) {
  log(`error: ${msg}`);
  process.exit(1);
}

function binDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0) return join(which.stdout.trim(), '..');
  return fail('no PostgreSQL server binaries (initdb) found: install postgresql or set PG_BIN');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function pg(tool, args, options = {}) {
  const exe = join(binDir(), tool);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  return spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const home = (port) => process.env.PG_HOME ?? join(tmpdir(), `xietong-pg-${port}`);
const url = (port) => `postgres://postgres@127.0.0.1:${port}/postgres`;

function isRunning(dataDir) {
  return existsSync(dataDir) && pg('pg_ctl', ['-D', dataDir, 'status']).status === 0;
}

async function start() {
  const port = Number(process.env.PG_PORT ?? (await freePort()));
  const dir = home(port);
  const dataDir = join(dir, 'data');
  if (isRunning(dataDir)) {
    log(`already running on 127.0.0.1:${port} (${dataDir})`);
    console.log(url(port));
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) fail('running as root, but there is no `postgres` user to run the server as');
    chownSync(dir, Number(ids.stdout), Number(gid.stdout));
  }
  const init = pg('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  if (init.status !== 0) fail(`initdb failed: ${init.stderr || init.stdout}`);
  // Server defaults as initdb writes them (autovacuum on), listening on 127.0.0.1 only, its socket
  // in its own directory; PG_SETTINGS adds to them.
  const settings = [
    `port=${port}`,
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${dir}`,
    ...(process.env.PG_SETTINGS ?? '').split(',').filter(Boolean),
  ];
  const opts = settings.map((s) => `-c ${s}`).join(' ');
  const t0 = Date.now();
  const started = pg('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
  if (started.status !== 0) fail(`pg_ctl start failed: ${started.stderr || started.stdout}; see ${dir}/server.log`);
  log(`started on 127.0.0.1:${port} in ${((Date.now() - t0) / 1000).toFixed(1)}s (${dataDir})`);
  console.log(url(port));
}

function portArg() {
  if (!process.env.PG_PORT) fail('PG_PORT is required (the port `start` printed)');
  return Number(process.env.PG_PORT);
}

function restart() {
  const dir = home(portArg());
  const dataDir = join(dir, 'data');
  if (!existsSync(dataDir)) fail(`no instance in ${dataDir}`);
  // With its log file named, the restarted server holds none of our pipes open.
  const r = pg('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', 'restart']);
  if (r.status !== 0) fail(`pg_ctl restart failed: ${r.stderr || r.stdout}`);
  log('restarted');
}

function stop() {
  const port = portArg();
  const dir = home(port);
  const dataDir = join(dir, 'data');
  if (isRunning(dataDir)) {
    const r = pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
    if (r.status !== 0) {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      log(`pg_ctl stop failed (${r.stderr.trim()}), killing ${pid}`);
      process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
  log(`stopped and removed ${dir}`);
}

const command = process.argv[2];
if (command === 'start') await start();
else if (command === 'restart') restart();
else if (command === 'stop') stop();
else if (command === 'status') {
  const running = isRunning(join(home(portArg()), 'data'));
  console.log(running ? `running on 127.0.0.1:${process.env.PG_PORT}` : 'not running');
  process.exit(running ? 0 : 3);
} else fail('usage: postgres.mjs start|restart|stop|status');
