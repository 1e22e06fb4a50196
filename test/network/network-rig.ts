import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { repoRoot } from '@xietong/config';
import { sampleLead, SchemaCatalog } from '@xietong/contracts';
import { federationFiles, initFederation, loadZoneData, planKafka, readJwk, verifyManifest } from '@xietong/federation';
import { issueToken } from '@xietong/dev';
import { applyKafkaPlan, createKafka } from '@xietong/messaging';
import { spawnGateway, type GatewayProcess } from '../../apps/bench/src/gateway-processes';
import { DelayRelay } from './delay-relay';
import { NamespacedKafka } from './kafka-in-namespaces';
import { freePort, Prometheus } from './prometheus';
import { Topology, type Host } from './topology';

export const JD = '341825';
export const HZ = '330100';

export const HOSTS = {
  k1: { name: 'k1', octet: 11 },
  k2: { name: 'k2', octet: 12 },
  k3: { name: 'k3', octet: 13 },
  jd: { name: 'jd', octet: 21 },
  hz: { name: 'hz', octet: 22 },
} satisfies Record<string, Host>;
const GATEWAY_PORT = 8080;

export interface NetworkRow {
  scenario: string;
  sent: number;
  delivered: number;
  duplicates: number;
  lost: number;
  /** Seconds from the end of the fault until every lead sent had its receipt back at the sender. */
  recovery_s: number;
  /** 99th percentile of submission to storage at the receiver, of the leads submitted during the fault. */
  p99_latency_during_fault_s: number | null;
  fault_s: number;
}

/**
 * The suite's world: two agencies' gateways (JD sends leads to HZ) and a 3-node cluster, each in
 * its own namespace on one bridge; one throwaway PostgreSQL on the bridge address (the gateways'
 * databases are never faulted: only the links between agencies and the cluster are); a real
 * Prometheus scraping both gateways; the delaying relay for the latency scenario.
 */
export class NetworkRig {
  readonly run = env('XIETONG_NETWORK_RUN');
  readonly topo = new Topology(this.run, env('XIETONG_NETWORK_SUBNET'));
  readonly dir = join(tmpdir(), `xietong-${this.run}`);
  readonly logDir = join(repoRoot(), 'reports', 'network-logs');
  readonly relays: DelayRelay[] = [];
  readonly prometheus = new Prometheus(join(this.dir, 'prometheus'));
  kafka!: NamespacedKafka;
  pg!: Client;
  readonly gateways: Record<string, GatewayProcess> = {};
  gatewayDatabaseUrl = '';
  private readonly relayPorts: number[] = [];
  private started = 0;
  /** Seconds each step of the set-up took (reports/network.json). */
  readonly setup: Record<string, number> = {};

  async init(rules: string): Promise<void> {
    let t = Date.now();
    const step = (name: string) => {
      this.setup[name] = round((Date.now() - t) / 1000);
      t = Date.now();
    };
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    this.topo.create(Object.values(HOSTS));
    await this.startPostgres();
    step('namespaces_and_postgres_s');
    for (let i = 0; i < 3; i++) this.relayPorts.push(await freePort(this.topo.hostIp));
    this.kafka = new NamespacedKafka(
      this.topo,
      [HOSTS.k1, HOSTS.k2, HOSTS.k3],
      this.dir,
      (n) => this.relayPorts[n - 1],
    );
    await this.kafka.start();
    step('brokers_s');
    for (const [i, node] of this.kafka.nodes.entries()) {
      const relay = new DelayRelay(
        { host: this.topo.hostIp, port: this.relayPorts[i] },
        { host: this.topo.ip(node), port: 9094 },
      );
      await relay.start();
      this.relays.push(relay);
    }
    const fed = join(this.dir, 'federation');
    await initFederation({
      dir: fed,
      members: [JD, HZ],
      zones: loadZoneData(),
      catalog: SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas')),
      federation: this.run,
    });
    const files = federationFiles(fed);
    const manifest = await verifyManifest(readFileSync(files.manifest, 'utf8'), await readJwk(files.authorityPublic));
    await applyKafkaPlan(
      createKafka({ brokers: this.kafka.brokers.split(','), clientId: 'xietong-network-suite' }),
      planKafka(manifest, { replicationFactor: 3, minInsyncReplicas: 2 }),
    );
    writeFileSync(join(this.dir, 'metrics.token'), randomBytes(32).toString('hex'), { mode: 0o600 });
    step('topics_s');
    await Promise.all([this.startGateway(JD), this.startGateway(HZ)]);
    step('gateways_s');
    await this.prometheus.start(
      [HOSTS.jd, HOSTS.hz].map((h) => `${this.topo.ip(h)}:${GATEWAY_PORT}`),
      rules,
      join(this.dir, 'metrics.token'),
    );
    step('prometheus_s');
  }

  /** A throwaway instance on the bridge address only, which the namespaces reach over the bridge. */
  private async startPostgres(): Promise<void> {
    const out = execFileSync('node', [join(repoRoot(), 'scripts', 'postgres.mjs'), 'start'], {
      env: { ...process.env, PG_SETTINGS: `listen_addresses=${this.topo.hostIp},max_connections=200` },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = new URL(/(postgres:\/\/\S+)\s*$/.exec(out)![1]).port;
    writeFileSync(join(this.dir, 'postgres.port'), port);
    // initdb trusts only loopback: trust the suite's subnet too, then reload.
    appendFileSync(
      join(tmpdir(), `xietong-pg-${port}`, 'data', 'pg_hba.conf'),
      `host all all ${this.topo.subnet}.0/24 trust\n`,
    );
    execFileSync('runuser', [
      ...['-u', 'postgres', '--', join(pgBin(), 'pg_ctl'), 'reload'],
      ...['-D', join(tmpdir(), `xietong-pg-${port}`, 'data')],
    ]);
    this.gatewayDatabaseUrl = `postgres://postgres@${this.topo.hostIp}:${port}/postgres`;
    this.pg = new Client({ connectionString: this.gatewayDatabaseUrl });
    this.pg.on('error', () => undefined);
    await this.pg.connect();
  }

  hostOf(id: string): Host {
    return id === JD ? HOSTS.jd : HOSTS.hz;
  }

  async startGateway(id: string, overrides: Record<string, string> = {}): Promise<GatewayProcess> {
    const fed = join(this.dir, 'federation');
    const host = this.hostOf(id);
    const logFile = join(this.logDir, `${String(++this.started).padStart(2, '0')}-${id}.log`);
    const gw = await spawnGateway(
      id,
      {
        KAFKA_BROKERS: this.kafka.brokers,
        XIETONG_DEVELOPMENT: 'true',
        XIETONG_FEDERATION_DIR: fed,
        XIETONG_FEDERATION_ID: this.run,
        XIETONG_DATABASE_URL: this.gatewayDatabaseUrl,
        XIETONG_DATABASE_SCHEMA: `gw_${id}`,
        XIETONG_HTTP_HOST: this.topo.ip(host),
        XIETONG_HTTP_PORT: String(GATEWAY_PORT),
        XIETONG_METRICS_TOKEN_FILE: join(this.dir, 'metrics.token'),
        XIETONG_RELAY_MAX_BACKOFF_MS: '2000',
        ...overrides,
      },
      undefined,
      logFile,
      this.topo.exec(host),
    );
    gw.token = await issueToken(await readJwk(federationFiles(fed).authIssuerKey(id)), {
      issuer: 'xietong-local-idp',
      audience: `xietong-gateway-${id}`,
      subject: 'network-suite',
      roles: ['submitter', 'handler', 'auditor'],
    });
    this.gateways[id] = gw;
    return gw;
  }

  async restartGateway(id: string, overrides: Record<string, string> = {}): Promise<void> {
    await this.gateways[id].stop();
    await this.startGateway(id, overrides);
  }

  /**
   * Submits leads to JD at `perSecond` until `stop()` is called, each item with its own messageId,
   * so a batch retried after an error or a lost answer is applied once.
   */
  stream(tag: string, perSecond: number): { stop(): Promise<number> } {
    let sent = 0;
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const started = Date.now();
        await this.submit(tag, sent, perSecond);
        sent += perSecond;
        await sleep(Math.max(0, 1000 - (Date.now() - started)));
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
        return sent;
      },
    };
  }

  /** One batch of `count` leads numbered from `from`, retried until the gateway takes it. */
  async submit(tag: string, from: number, count: number): Promise<void> {
    const items = Array.from({ length: count }, (_, k) => ({
      type: 'LEAD',
      recipient: HZ,
      messageId: randomUUID(),
      body: sampleLead(`${tag}-${from + k}`, from + k),
    }));
    for (let attempt = 0; ; attempt++) {
      const gw = this.gateways[JD];
      const res = await fetch(`${gw.url}/api/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.token}` },
        body: JSON.stringify({ items }),
        signal: AbortSignal.timeout(20_000),
      }).catch(() => undefined);
      if (res?.status === 202) return;
      if (attempt > 100) throw new Error(`submission kept failing: ${res?.status}`);
      await sleep(250);
    }
  }

  async count(sql: string, args: unknown[] = []): Promise<number> {
    return Number((await this.pg.query(sql, args)).rows[0].n);
  }

  accepted(tag: string): Promise<number> {
    return this.count(
      `SELECT COUNT(*) AS n FROM gw_${JD}.message WHERE direction = 'out' AND status = 'accepted' AND correlation_id LIKE $1`,
      [`${tag}-%`],
    );
  }

  /** Waits until every lead sent has its receipt back (or 240 s pass); resolves with when. */
  async drained(tag: string, sent: number): Promise<number> {
    const deadline = Date.now() + 240_000;
    while ((await this.accepted(tag)) < sent && Date.now() < deadline) await sleep(250);
    return Date.now();
  }

  /** The scenario's row: counts at both ends, once everything sent was receipted (or the wait ran out). */
  async row(scenario: string, tag: string, sent: number, fault: { from: number; to: number }): Promise<NetworkRow> {
    const done = await this.drained(tag, sent);
    const like = [`${tag}-%`];
    const delivered = await this.count(
      `SELECT COUNT(DISTINCT correlation_id) AS n FROM gw_${HZ}.message WHERE direction = 'in' AND correlation_id LIKE $1`,
      like,
    );
    const rows = await this.count(
      `SELECT COUNT(*) AS n FROM gw_${HZ}.message WHERE direction = 'in' AND correlation_id LIKE $1`,
      like,
    );
    const outbound = await this.count(
      `SELECT COUNT(*) AS n FROM gw_${JD}.message WHERE direction = 'out' AND correlation_id LIKE $1`,
      like,
    );
    const p99 = (
      await this.pg.query(
        `SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM received_at - created_at)) AS p99
         FROM gw_${HZ}.message WHERE direction = 'in' AND correlation_id LIKE $1 AND created_at BETWEEN $2 AND $3`,
        [`${tag}-%`, new Date(fault.from), new Date(fault.to)],
      )
    ).rows[0].p99 as number | null;
    return {
      scenario,
      sent,
      delivered,
      duplicates: rows - delivered + Math.max(0, outbound - sent),
      lost: sent - delivered,
      recovery_s: round((done - fault.to) / 1000),
      p99_latency_during_fault_s: p99 === null ? null : round(Number(p99)),
      fault_s: round((fault.to - fault.from) / 1000),
    };
  }

  async close(): Promise<void> {
    for (const gw of Object.values(this.gateways)) await gw.stop().catch(() => undefined);
    for (const r of this.relays) await r.stop();
    this.prometheus.stop();
    await this.pg?.end().catch(() => undefined);
  }
}

export function writeNetworkReport(rows: NetworkRow[], extra: Record<string, unknown>): void {
  const dir = join(repoRoot(), 'reports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'network.json'), JSON.stringify({ ...extra, scenarios: rows }, null, 2) + '\n');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (v: number) => Math.round(v * 10) / 10;

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the network suite through jest (npm run test:network)`);
  return v;
}

function pgBin(): string {
  const versions = execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return join('/usr/lib/postgresql', versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}
