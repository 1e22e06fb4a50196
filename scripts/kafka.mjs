#!/usr/bin/env node
// Local Apache Kafka (KRaft) for the demo, the tests and the benchmark.
// Jars come from Maven Central through tools/kafka/pom.xml and are cached in .kafka/lib;
// brokers run detached and are tracked by pid files, so `stop` works from any shell.
//
//   node scripts/kafka.mjs start|resume|stop|status   (npm run kafka:start / kafka:stop)
//     a single plaintext node (the demo's and the tests' default)
//   node scripts/kafka.mjs start --brokers 3 --secure [--users a,b,c]
//     a 3-node KRaft cluster (every node broker and controller) with SASL_SSL listeners only
//     (SCRAM-SHA-512 for clients and between brokers, PLAIN over TLS on the controller listener),
//     StandardAuthorizer without allow-everyone, super user `admin`; CA, certificates and one
//     password file per user made here with openssl under .kafka/cluster-<port>/secure/.
//   node scripts/kafka.mjs kill|resume --brokers 3 --secure --node N   (the cluster suite's faults)
//   node scripts/kafka.mjs stop   stops the single node and every cluster node of KAFKA_PORT
//
// Environment: KAFKA_PORT (default 19092; cluster node N listens on KAFKA_PORT + 2(N-1), its
// controller one port above), KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1, single node),
// KAFKA_HOME (default <repo>/.kafka), KAFKA_HEAP (default 768m single node, 384m per cluster node).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs');

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = resolve(process.env.KAFKA_HOME ?? join(repo, '.kafka'));
const port = Number(process.env.KAFKA_PORT ?? 19092);
const controllerPort = Number(process.env.KAFKA_CONTROLLER_PORT ?? port + 1);
const args = process.argv.slice(3);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? undefined : args[i + 1];
};
const nodeCount = Number(opt('brokers') ?? 1);
const secure = args.includes('--secure');
const heap = process.env.KAFKA_HEAP ?? (nodeCount > 1 ? '384m' : '768m');
const libDir = join(home, 'lib');
const dataDir = join(home, `broker-${port}`);
const pidFile = join(dataDir, 'broker.pid');
const pom = join(repo, 'tools/kafka/pom.xml');

const log = (msg) => process.stderr.write(`[kafka] ${msg}\n`);

function fail(msg) {
  log(`error: ${msg}`);
  process.exit(1);
}

function resolveJars() {
  const stamp = createHash('sha256').update(readFileSync(pom)).digest('hex');
  const stampFile = join(libDir, '.resolved');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  log(`resolving Apache Kafka jars from Maven Central into ${libDir} (first run only)`);
  rmSync(libDir, { recursive: true, force: true });
  mkdirSync(libDir, { recursive: true });
  const mvn = spawnSync(
    'mvn',
    ['-q', '-B', '-Dstyle.color=never', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`],
    // Maven's output goes to stderr: stdout carries only the broker address for callers.
    { stdio: ['ignore', 2, 2] },
  );
  if (mvn.status !== 0)
    fail('mvn dependency:copy-dependencies failed (is Maven installed and Maven Central reachable?)');
  if (!readdirSync(libDir).some((f) => f.startsWith('kafka_2.13-'))) fail('kafka_2.13 jar missing after resolution');
  writeFileSync(stampFile, stamp);
}

function runningPid() {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function writeConfig() {
  mkdirSync(dataDir, { recursive: true });
  const props = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dataDir, 'logs'),
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'log.retention.hours': '24',
  };
  const text =
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n';
  writeFileSync(join(dataDir, 'server.properties'), text);
}

async function waitReady(timeoutMs) {
  const kafka = new Kafka({
    clientId: 'xietong-kafka-launcher',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not started';
  while (Date.now() < deadline) {
    if (!runningPid()) fail(`broker process exited; see ${join(dataDir, 'server.log')}`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      // A fresh KRaft node answers metadata before its controller is elected: wait for it.
      if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0) {
        await admin.listTopics();
        await admin.disconnect();
        return;
      }
      lastError = 'no active controller yet';
    } catch (e) {
      lastError = e.message;
    }
    await admin.disconnect().catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`broker not ready after ${timeoutMs / 1000}s: ${lastError}`);
}

async function start(resume = false) {
  const pid = runningPid();
  if (pid) {
    log(`already running (pid ${pid}) on 127.0.0.1:${port}`);
    await waitReady(60_000);
    console.log(`127.0.0.1:${port}`);
    return;
  }
  resolveJars();
  const cp = `${libDir}/*`;
  const props = join(dataDir, 'server.properties');
  // `start` is a fresh, empty store (demos and tests); `resume` restarts on the existing data after
  // a crash (the fault suite kills the broker and brings it back).
  const keep = resume && existsSync(join(dataDir, 'logs', 'meta.properties'));
  if (!keep) {
    rmSync(dataDir, { recursive: true, force: true });
    writeConfig();
    const format = spawnSync(
      'java',
      ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', randomUUID(), '-c', props, '-g'],
      {
        encoding: 'utf8',
      },
    );
    if (format.status !== 0) fail(`storage format failed: ${format.stderr || format.stdout}`);
  }
  const out = openSync(join(dataDir, 'stdout.log'), 'a');
  const child = spawn(
    'java',
    [
      `-Xmx${heap}`,
      '-Xss1m',
      '-XX:+UseG1GC',
      `-Dlog4j2.configurationFile=${join(repo, 'tools/kafka/log4j2.properties')}`,
      `-Dkafka.logs.dir=${dataDir}`,
      '-cp',
      cp,
      'kafka.Kafka',
      props,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  writeFileSync(pidFile, String(child.pid));
  child.unref();
  log(`starting broker (pid ${child.pid}) on 127.0.0.1:${port}`);
  const t0 = Date.now();
  await waitReady(90_000);
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  console.log(`127.0.0.1:${port}`);
}

async function stop() {
  const pid = runningPid();
  if (!pid) {
    log('not running');
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (runningPid() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (runningPid()) {
    log('did not stop within 30s, killing');
    process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  log('stopped');
}

// ---- the secured 3-node cluster ----------------------------------------------------------------

const clusterDir = join(home, `cluster-${port}`);
const secretsDir = join(clusterDir, 'secure');
const nodeIds = Array.from({ length: nodeCount }, (_, i) => i + 1);
const nodeDir = (id) => join(clusterDir, `node-${id}`);
const nodePort = (id) => port + 2 * (id - 1);
const nodeControllerPort = (id) => nodePort(id) + 1;
const nodePidFile = (id) => join(nodeDir(id), 'broker.pid');
const bootstrap = () => nodeIds.map((id) => `127.0.0.1:${nodePort(id)}`).join(',');

function pidOf(file) {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function openssl(argv) {
  const r = spawnSync('openssl', argv, { encoding: 'utf8' });
  if (r.status !== 0) fail(`openssl ${argv[0]} failed: ${r.stderr}`);
}

const randomSecret = () => randomBytes(18).toString('base64url');

/** CA, one server certificate for 127.0.0.1 (all nodes), the admin's and the users' passwords. */
function makeSecrets(users) {
  rmSync(secretsDir, { recursive: true, force: true });
  mkdirSync(join(secretsDir, 'users'), { recursive: true, mode: 0o700 });
  const f = (name) => join(secretsDir, name);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=xietong local cluster CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  ]);
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('broker.key'),
    '-out',
    f('broker.csr'),
  ]);
  writeFileSync(f('broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl([
    'x509',
    '-req',
    '-in',
    f('broker.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    f('broker.ext'),
    '-out',
    f('broker.crt'),
  ]);
  // Kafka's PEM key store: the unencrypted PKCS#8 key followed by the certificate chain.
  writeFileSync(f('broker.pem'), readFileSync(f('broker.key'), 'utf8') + readFileSync(f('broker.crt'), 'utf8'), {
    mode: 0o600,
  });
  for (const name of ['admin', ...users])
    writeFileSync(join(secretsDir, 'users', `${name}.password`), randomSecret(), { mode: 0o600 });
}

const password = (name) => readFileSync(join(secretsDir, 'users', `${name}.password`), 'utf8').trim();
/** One argument of a java launcher @argfile: quoted, with backslashes and quotes escaped. */
const javaArgFileLine = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const jaasString = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function writeNodeConfig(id) {
  mkdirSync(nodeDir(id), { recursive: true });
  const admin = jaasString(password('admin'));
  const props = {
    'process.roles': 'broker,controller',
    'node.id': String(id),
    'controller.quorum.voters': nodeIds.map((n) => `${n}@127.0.0.1:${nodeControllerPort(n)}`).join(','),
    // No plaintext listener at all: clients and brokers on SASL_SSL, the controllers too.
    listeners: `SASL_SSL://127.0.0.1:${nodePort(id)},CONTROLLER://127.0.0.1:${nodeControllerPort(id)}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${nodePort(id)}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'SASL_SSL',
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password=${admin};`,
    // KRaft's controller listener cannot use SCRAM (its credentials live in the metadata it serves).
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password=${admin} user_admin=${admin};`,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': join(secretsDir, 'broker.pem'),
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': join(secretsDir, 'ca.pem'),
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    'super.users': 'User:admin',
    'log.dirs': join(nodeDir(id), 'logs'),
    'num.partitions': '3',
    'default.replication.factor': String(Math.min(3, nodeCount)),
    'min.insync.replicas': String(Math.min(2, nodeCount)),
    'offsets.topic.replication.factor': String(Math.min(3, nodeCount)),
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.replication.factor': String(Math.min(3, nodeCount)),
    'transaction.state.log.min.isr': String(Math.min(2, nodeCount)),
    'share.coordinator.state.topic.replication.factor': String(Math.min(3, nodeCount)),
    'share.coordinator.state.topic.min.isr': String(Math.min(2, nodeCount)),
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'unclean.leader.election.enable': 'false',
    'num.network.threads': '2',
    'num.io.threads': '4',
    'background.threads': '4',
  };
  writeFileSync(
    join(nodeDir(id), 'server.properties'),
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
}

function clusterAdmin() {
  return new Kafka({
    clientId: 'xietong-kafka-launcher',
    brokers: bootstrap().split(','),
    ssl: { ca: [readFileSync(join(secretsDir, 'ca.pem'), 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: 'admin', password: password('admin') },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 3000,
  });
}

async function waitClusterReady(timeoutMs, expected) {
  const kafka = clusterAdmin();
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not started';
  while (Date.now() < deadline) {
    for (const id of expected)
      if (!pidOf(nodePidFile(id))) fail(`node ${id} exited; see ${join(nodeDir(id), 'server.log')}`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      const up = new Set(cluster.brokers.map((b) => b.nodeId));
      if (expected.every((id) => up.has(id)) && cluster.controller !== null && cluster.controller >= 0) {
        await admin.listTopics();
        await admin.disconnect();
        return;
      }
      lastError = `brokers up: ${[...up].join(',') || 'none'}`;
    } catch (e) {
      lastError = e.message;
    }
    await admin.disconnect().catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`cluster not ready after ${timeoutMs / 1000}s: ${lastError}`);
}

function launchNode(id) {
  const out = openSync(join(nodeDir(id), 'stdout.log'), 'a');
  const child = spawn(
    'java',
    [
      `-Xmx${heap}`,
      `-Xms${heap}`,
      '-Xss1m',
      '-XX:+UseG1GC',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${join(repo, 'tools/kafka/log4j2.properties')}`,
      `-Dkafka.logs.dir=${nodeDir(id)}`,
      '-cp',
      `${libDir}/*`,
      'kafka.Kafka',
      join(nodeDir(id), 'server.properties'),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  writeFileSync(nodePidFile(id), String(child.pid));
  child.unref();
  log(`node ${id} (pid ${child.pid}) on 127.0.0.1:${nodePort(id)}, controller ${nodeControllerPort(id)}`);
}

function printPaths() {
  log(`CA certificate:  ${join(secretsDir, 'ca.pem')}`);
  log(`super user:      admin, password file ${join(secretsDir, 'users', 'admin.password')}`);
  log(`user passwords:  ${join(secretsDir, 'users')}/<user>.password (SCRAM-SHA-512)`);
}

async function startCluster() {
  if (!secure) fail('a multi-node cluster is always secured here: add --secure');
  const running = nodeIds.filter((id) => pidOf(nodePidFile(id)));
  if (running.length === nodeIds.length) {
    log(`cluster already running on ${bootstrap()}`);
    await waitClusterReady(90_000, nodeIds);
    printPaths();
    console.log(bootstrap());
    return;
  }
  if (running.length > 0) fail(`cluster partly running (nodes ${running.join(',')}): stop it first`);
  resolveJars();
  const users = (opt('users') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of users) if (!/^[A-Za-z0-9._-]{1,64}$/.test(u) || u === 'admin') fail(`bad user name ${u}`);
  rmSync(clusterDir, { recursive: true, force: true });
  makeSecrets(users);
  const clusterId = randomUUID();
  const scram = ['admin', ...users].flatMap((u) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${u},password=${password(u)}]`,
  ]);
  for (const id of nodeIds) {
    writeNodeConfig(id);
    // StorageTool takes SCRAM credentials only as arguments; on argv they would be visible to every
    // local user (ps, /proc/<pid>/cmdline). The java launcher reads them from a 0600 @argfile instead.
    const argFile = join(secretsDir, `format-${id}.args`);
    writeFileSync(
      argFile,
      ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(nodeDir(id), 'server.properties'), ...scram]
        .map(javaArgFileLine)
        .join('\n') + '\n',
      { mode: 0o600 },
    );
    const format = spawnSync('java', ['-cp', `${libDir}/*`, `@${argFile}`], { encoding: 'utf8' });
    rmSync(argFile, { force: true });
    if (format.status !== 0) fail(`storage format of node ${id} failed: ${format.stderr || format.stdout}`);
  }
  const t0 = Date.now();
  for (const id of nodeIds) launchNode(id);
  await waitClusterReady(180_000, nodeIds);
  log(`cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  printPaths();
  console.log(bootstrap());
}

/** Restarts stopped nodes (all, or --node N) on their existing data. */
async function resumeCluster() {
  const which = opt('node') ? [Number(opt('node'))] : nodeIds;
  for (const id of which) {
    if (!existsSync(join(nodeDir(id), 'server.properties'))) fail(`node ${id} was never started`);
    if (!pidOf(nodePidFile(id))) launchNode(id);
  }
  if (!args.includes('--no-wait')) await waitClusterReady(180_000, nodeIds);
  console.log(bootstrap());
}

function killNode() {
  const id = Number(opt('node'));
  const pid = pidOf(nodePidFile(id));
  if (!pid) fail(`node ${id} is not running`);
  process.kill(pid, 'SIGKILL');
  log(`node ${id} (pid ${pid}) killed`);
}

async function stopPid(pid, what) {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (alive()) {
    log(`${what} did not stop within 30s, killing`);
    process.kill(pid, 'SIGKILL');
  }
}

async function stopCluster() {
  if (!existsSync(clusterDir)) return false;
  const ids = readdirSync(clusterDir)
    .filter((d) => d.startsWith('node-'))
    .map((d) => Number(d.slice(5)));
  const pids = ids.map((id) => [id, pidOf(join(clusterDir, `node-${id}`, 'broker.pid'))]).filter(([, p]) => p);
  // All at once: a node stopping alone waits for the others to take over its partitions.
  await Promise.all(pids.map(([id, pid]) => stopPid(pid, `node ${id}`)));
  if (pids.length > 0) log(`cluster on ${port} stopped`);
  return pids.length > 0;
}

const command = process.argv[2];
if (command === 'start') await (nodeCount > 1 ? startCluster() : start());
else if (command === 'resume') await (nodeCount > 1 ? resumeCluster() : start(true));
else if (command === 'kill' && nodeCount > 1) killNode();
else if (command === 'stop') {
  await stopCluster();
  await stop();
} else if (command === 'status') {
  const pid = runningPid();
  console.log(pid ? `running (pid ${pid}) on 127.0.0.1:${port}` : 'not running');
  process.exit(pid ? 0 : 3);
} else
  fail('usage: kafka.mjs start|resume|stop|status [--brokers 3 --secure [--users a,b]] | kill --brokers 3 --node N');
