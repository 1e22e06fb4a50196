import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot } from '@xietong/config';
import type { Host, Topology } from './topology';

const run = promisify(execFile);
const libDir = join(repoRoot(), '.kafka', 'lib');
const HEAP = '320m';

/**
 * Three plaintext KRaft nodes (each broker and controller), one per namespace, from the Maven jars
 * of scripts/kafka.mjs. Each has a second listener, DELAYED, advertised at a port of the delaying
 * relay on the bridge address: a client bootstrapped there is led through the relay for every
 * broker, while the others (and the brokers among themselves) talk directly.
 */
export class NamespacedKafka {
  constructor(
    private readonly topo: Topology,
    readonly nodes: Host[],
    private readonly dir: string,
    private readonly relayPort: (node: number) => number,
  ) {}

  get brokers(): string {
    return this.nodes.map((n) => `${this.topo.ip(n)}:9092`).join(',');
  }

  get delayedBrokers(): string {
    return this.nodes.map((_, i) => `${this.topo.hostIp}:${this.relayPort(i + 1)}`).join(',');
  }

  nodeDir(id: number): string {
    return join(this.dir, `kafka-${id}`);
  }

  async start(): Promise<void> {
    const clusterId = randomBytes(16).toString('base64url');
    const voters = this.nodes.map((n, i) => `${i + 1}@${this.topo.ip(n)}:9093`).join(',');
    await Promise.all(
      this.nodes.map(async (node, i) => {
        const id = i + 1;
        const ip = this.topo.ip(node);
        mkdirSync(this.nodeDir(id), { recursive: true });
        const props: Record<string, string> = {
          'process.roles': 'broker,controller',
          'node.id': String(id),
          'controller.quorum.voters': voters,
          listeners: `PLAINTEXT://${ip}:9092,DELAYED://${ip}:9094,CONTROLLER://${ip}:9093`,
          'advertised.listeners': `PLAINTEXT://${ip}:9092,DELAYED://${this.topo.hostIp}:${this.relayPort(id)}`,
          'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,DELAYED:PLAINTEXT,CONTROLLER:PLAINTEXT',
          'controller.listener.names': 'CONTROLLER',
          'inter.broker.listener.name': 'PLAINTEXT',
          'log.dirs': join(this.nodeDir(id), 'logs'),
          'num.partitions': '3',
          'default.replication.factor': '3',
          'min.insync.replicas': '2',
          'offsets.topic.replication.factor': '3',
          'offsets.topic.num.partitions': '3',
          'transaction.state.log.replication.factor': '3',
          'transaction.state.log.min.isr': '2',
          'share.coordinator.state.topic.replication.factor': '3',
          'share.coordinator.state.topic.min.isr': '2',
          'group.initial.rebalance.delay.ms': '0',
          'auto.create.topics.enable': 'false',
          // A separated node leaves the ISR and is fenced within seconds, not the default 30 s.
          'replica.lag.time.max.ms': '8000',
          'broker.session.timeout.ms': '6000',
          'broker.heartbeat.interval.ms': '1000',
        };
        const file = join(this.nodeDir(id), 'server.properties');
        writeFileSync(
          file,
          Object.entries(props)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n') + '\n',
        );
        await run('java', ['-cp', `${libDir}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', file]);
        this.launch(id, node, file);
      }),
    );
    await this.waitReady(240_000);
  }

  private launch(id: number, node: Host, file: string): void {
    const out = openSync(join(this.nodeDir(id), 'stdout.log'), 'a');
    const child = spawn(
      'ip',
      [
        ...['netns', 'exec', this.topo.ns(node), 'java', `-Xmx${HEAP}`, `-Xms${HEAP}`, '-XX:+UseG1GC'],
        '-XX:TieredStopAtLevel=1',
        `-Dlog4j2.configurationFile=${join(repoRoot(), 'tools/kafka/log4j2.properties')}`,
        `-Dkafka.logs.dir=${this.nodeDir(id)}`,
        ...['-cp', `${libDir}/*`, 'kafka.Kafka', file],
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    child.unref();
  }

  admin(): Kafka {
    return new Kafka({
      clientId: 'xietong-network-suite',
      brokers: this.brokers.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      retry: { retries: 2, initialRetryTime: 200 },
    });
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const admin = this.admin().admin();
      try {
        await admin.connect();
        const c = await admin.describeCluster();
        if (c.brokers.length === this.nodes.length) return;
        last = `${c.brokers.length} brokers`;
      } catch (e) {
        last = (e as Error).message;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`the namespaced cluster was not ready in ${timeoutMs / 1000} s: ${last}`);
  }

  /**
   * The node (1..3) leading the KRaft quorum, i.e. the active controller, as the nodes record it in
   * their `quorum-state` file (the newest epoch wins); kafkajs cannot tell (a KRaft cluster names a
   * random broker as "controller" to clients).
   */
  quorumLeader(): number {
    let best = { leader: -1, epoch: -1 };
    for (const [i] of this.nodes.entries()) {
      const file = join(this.nodeDir(i + 1), 'logs', '__cluster_metadata-0', 'quorum-state');
      if (!existsSync(file)) continue;
      const state = JSON.parse(readFileSync(file, 'utf8')) as { leaderId?: number; leaderEpoch?: number };
      if ((state.leaderEpoch ?? -1) > best.epoch && (state.leaderId ?? -1) > 0)
        best = { leader: state.leaderId!, epoch: state.leaderEpoch! };
    }
    if (best.leader < 1) throw new Error('no node records a quorum leader');
    return best.leader;
  }
}
