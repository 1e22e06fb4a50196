#!/usr/bin/env node
// Local single-node Apache Kafka (KRaft) for the demo, the tests and the benchmark.
// Jars come from Maven Central through tools/kafka/pom.xml and are cached in .kafka/lib;
// the broker runs detached and is tracked by a pid file, so `stop` works from any shell.
//
//   node scripts/kafka.mjs start|resume|stop|status   (npm run kafka:start / kafka:stop)
//
// Environment: KAFKA_PORT (default 19092), KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1),
// KAFKA_HOME (default <repo>/.kafka), KAFKA_HEAP (default 768m).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
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
const heap = process.env.KAFKA_HEAP ?? '768m';
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

const command = process.argv[2];
if (command === 'start') await start();
else if (command === 'resume') await start(true);
else if (command === 'stop') await stop();
else if (command === 'status') {
  const pid = runningPid();
  console.log(pid ? `running (pid ${pid}) on 127.0.0.1:${port}` : 'not running');
  process.exit(pid ? 0 : 3);
} else fail('usage: kafka.mjs start|resume|stop|status');
