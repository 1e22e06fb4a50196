import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { issueToken } from '@xietong/dev';
import { repoRoot } from '@xietong/config';
import type { ChildProcess } from 'node:child_process';
import { sampleLead, SchemaCatalog } from '@xietong/contracts';
import {
  federationFiles,
  initFederation,
  loadZoneData,
  planKafka,
  readJwk,
  signManifest,
  verifyManifest,
  type Manifest,
} from '@xietong/federation';
import { applyKafkaPlan, createKafka } from '@xietong/messaging';
import { spawnGateway, type GatewayProcess } from '../../apps/bench/src/gateway-processes';
import { RecordForge, waitFor } from '@xietong/testing';

export { waitFor };

export const JD = '341825';

/** The fault suite's own broker (test/faults/global-setup.js), which scenarios kill and resume. */
function faultBrokers(): string {
  const b = process.env.XIETONG_FAULT_KAFKA_BROKERS;
  if (!b)
    throw new Error('XIETONG_FAULT_KAFKA_BROKERS is not set: run the fault suite through jest (npm run test:faults)');
  return b;
}
export const HZ = '330100';

/** The fault suite's own throwaway PostgreSQL instance (test/faults/global-setup.js), which a scenario restarts. */
function faultDatabaseUrl(): string {
  const url = process.env.XIETONG_FAULT_DATABASE_URL;
  if (!url)
    throw new Error('XIETONG_FAULT_DATABASE_URL is not set: run the fault suite through jest (npm run test:faults)');
  return url;
}

export interface FaultResult {
  scenario: string;
  sent: number;
  delivered: number;
  duplicates: number;
  lost: number;
  recover_s: number;
}

/**
 * Two agencies whose gateways run as separate OS processes (dist/apps/gateway) on PostgreSQL and
 * the local broker, so that a fault can kill any of them with SIGKILL.
 */
export class FaultRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'xt-faults-'));
  readonly prefix = `f${Date.now().toString(36)}`;
  readonly pg = quietClient();
  readonly kafka = createKafka({ brokers: faultBrokers().split(','), clientId: 'xietong-fault-suite' });
  /** Puts chosen bytes into an inbox, as a broken or hostile partner could. */
  readonly forge = new RecordForge(this);
  /** Environment a gateway keeps across restarts (a rotated signing key). */
  readonly overrides: Record<string, Record<string, string>> = {};
  /** Where each gateway process's output goes (reports/fault-logs/<n>-<id>.log), for diagnosis. */
  readonly logDir = join(repoRoot(), 'reports', 'fault-logs');
  private readonly processes: GatewayProcess[] = [];
  private started = 0;

  schema(id: string): string {
    return `t_${this.prefix}_${id}`;
  }

  async init(): Promise<void> {
    rmSync(this.logDir, { recursive: true, force: true });
    await this.pg.connect();
    const catalog = SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas'));
    await initFederation({
      dir: this.dir,
      members: [JD, HZ],
      zones: loadZoneData(),
      catalog,
      federation: this.prefix,
    });
    const files = federationFiles(this.dir);
    const manifest = await verifyManifest(readFileSync(files.manifest, 'utf8'), await readJwk(files.authorityPublic));
    await applyKafkaPlan(this.kafka, planKafka(manifest, { replicationFactor: 1, minInsyncReplicas: 1 }));
  }

  /** The manifest in force, changed by `edit`, signed by the zone authority with the next serial. */
  async publishManifest(edit: (m: Manifest) => void): Promise<number> {
    const files = federationFiles(this.dir);
    const current = await verifyManifest(readFileSync(files.manifest, 'utf8'), await readJwk(files.authorityPublic));
    const next: Manifest = structuredClone(current);
    next.serial = current.serial + 1;
    edit(next);
    writeFileSync(files.manifest, await signManifest(next, await readJwk(files.authorityPrivate)));
    return next.serial;
  }

  /** The environment of a gateway process of this rig. */
  gatewayEnv(id: string, env: Record<string, string> = {}): Record<string, string> {
    return {
      KAFKA_BROKERS: faultBrokers(),
      // Tests: the local token issuer of `federation init` signs the tokens.
      XIETONG_DEVELOPMENT: 'true',
      XIETONG_FEDERATION_DIR: this.dir,
      XIETONG_FEDERATION_ID: this.prefix,
      XIETONG_DATABASE_URL: faultDatabaseUrl(),
      XIETONG_DATABASE_SCHEMA: this.schema(id),
      XIETONG_RELAY_MAX_BACKOFF_MS: '2000',
      XIETONG_MANIFEST_REFRESH_MS: '500',
      ...this.overrides[id],
      ...env,
    };
  }

  async start(id: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
    mkdirSync(this.logDir, { recursive: true });
    const logFile = join(this.logDir, `${String(++this.started).padStart(2, '0')}-${id}.log`);
    const gw = await spawnGateway(id, this.gatewayEnv(id, env), undefined, logFile);
    gw.token = await issueToken(await readJwk(federationFiles(this.dir).authIssuerKey(id)), {
      issuer: 'xietong-local-idp',
      audience: `xietong-gateway-${id}`,
      subject: 'fault-suite',
      roles: ['submitter', 'handler', 'auditor'],
    });
    this.processes.push(gw);
    return gw;
  }

  /**
   * Submits `count` leads with the given prefix in batches of 100, `perSecond` messages a second,
   * as a careful county system would: each item carries its own messageId, so a batch retried after
   * an error or a lost answer is applied once (the gateway's idempotent resubmission).
   */
  async submit(gw: () => GatewayProcess, tag: string, count: number, perSecond: number): Promise<void> {
    for (let i = 0; i < count; i += 100) {
      const started = Date.now();
      const items = Array.from({ length: Math.min(100, count - i) }, (_, k) => ({
        type: 'LEAD',
        recipient: HZ,
        messageId: randomUUID(),
        body: sampleLead(`${tag}-${i + k}`, i + k),
      }));
      for (let attempt = 0; ; attempt++) {
        const g = gw();
        const res = await fetch(`${g.url}/api/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${g.token}` },
          body: JSON.stringify({ items }),
        }).catch(() => undefined);
        if (res?.status === 202) break;
        if (attempt > 100) throw new Error(`submission kept failing: ${res?.status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, (100 / perSecond) * 1000 - (Date.now() - started))));
    }
  }

  /** A new connection after the database was restarted. */
  async reconnect(): Promise<void> {
    await this.pg.end().catch(() => undefined);
    (this as { pg: Client }).pg = quietClient();
    for (let i = 0; ; i++) {
      try {
        await this.pg.connect();
        return;
      } catch (e) {
        if (i > 50) throw e;
        (this as { pg: Client }).pg = quietClient();
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async count(sql: string, args: unknown[] = []): Promise<number> {
    return Number((await this.pg.query(sql, args)).rows[0].n);
  }

  accepted(tag: string): Promise<number> {
    return this.count(
      `SELECT COUNT(*) AS n FROM "${this.schema(JD)}".message WHERE direction = 'out' AND status = 'accepted' AND correlation_id LIKE $1`,
      [`${tag}-%`],
    );
  }

  delivered(tag: string): Promise<number> {
    // Distinct leads (each has its own correlation id), so a lead stored twice under two ids counts once here.
    return this.count(
      `SELECT COUNT(DISTINCT correlation_id) AS n FROM "${this.schema(HZ)}".message WHERE direction = 'in' AND correlation_id LIKE $1`,
      [`${tag}-%`],
    );
  }

  /** A figure from a gateway process's /metrics. */
  async metric(gw: GatewayProcess, name: string): Promise<number> {
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.token}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    if (!line) throw new Error(`no ${name} in /metrics: ${text.slice(0, 300)}`);
    return Number(line.split(' ').pop());
  }

  /** Quarantined records at the receiver, of one reason or all. */
  quarantined(reason?: string): Promise<number> {
    return reason
      ? this.count(`SELECT COUNT(*) AS n FROM "${this.schema(HZ)}".quarantine WHERE reason_code = $1`, [reason])
      : this.count(`SELECT COUNT(*) AS n FROM "${this.schema(HZ)}".quarantine`);
  }

  /** Counts both sides once everything that was sent has been receipted (or the wait ran out). */
  async result(scenario: string, tag: string, sent: number, recoverS: number): Promise<FaultResult> {
    const deadline = Date.now() + 180_000;
    while ((await this.accepted(tag)) < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const delivered = await this.delivered(tag);
    const rows = await this.count(
      `SELECT COUNT(*) AS n FROM "${this.schema(HZ)}".message WHERE direction = 'in' AND correlation_id LIKE $1`,
      [`${tag}-%`],
    );
    const outbound = await this.count(
      `SELECT COUNT(*) AS n FROM "${this.schema(JD)}".message WHERE direction = 'out' AND correlation_id LIKE $1`,
      [`${tag}-%`],
    );
    const replays = await this.count(
      `SELECT COUNT(*) AS n FROM "${this.schema(HZ)}".quarantine q JOIN "${this.schema(HZ)}".message m ON m.message_id = q.message_id WHERE q.reason_code = 'REPLAY' AND m.correlation_id LIKE $1`,
      [`${tag}-%`],
    );
    // A lead applied twice is a second row for it at the receiver (under any message id), or a second submission.
    const duplicates = rows - delivered + Math.max(0, outbound - sent);
    return {
      scenario,
      sent,
      delivered,
      duplicates,
      lost: sent - delivered,
      recover_s: Math.round(recoverS * 10) / 10,
      ...(replays ? { replays_refused: replays } : {}),
    } as FaultResult;
  }

  /** Seconds until deliveries move again after a fault at `since`. */
  async recovery(tag: string, since: number): Promise<number> {
    const before = await this.delivered(tag);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if ((await this.delivered(tag)) > before) return (Date.now() - since) / 1000;
      await new Promise((r) => setTimeout(r, 100));
    }
    return (Date.now() - since) / 1000;
  }

  async close(): Promise<void> {
    for (const p of this.processes) await p.stop();
    await this.forge.close();
    for (const id of [JD, HZ])
      await this.pg.query(`DROP SCHEMA IF EXISTS "${this.schema(id)}" CASCADE`).catch(() => undefined);
    await this.pg.end();
  }
}

/** Resolves with how a gateway process ended (its signal or exit code), or undefined after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<string | undefined> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(String(child.signalCode ?? child.exitCode));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(String(signal ?? code));
    });
  });
}

/** The local broker the test run started (scripts/kafka.mjs), killed and resumed by scenarios. */
export const localBroker = {
  port(): string {
    const port = process.env.XIETONG_FAULT_KAFKA_STARTED;
    if (!port)
      throw new Error(
        'the fault suite needs the broker its global setup starts: run it through jest (npm run test:faults)',
      );
    return port;
  },
  kill(): void {
    const pid = Number(readFileSync(join(repoRoot(), '.kafka', `broker-${this.port()}`, 'broker.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
  },
  resume(): void {
    execFileSync('node', [join(repoRoot(), 'scripts', 'kafka.mjs'), 'resume'], {
      env: { ...process.env, KAFKA_PORT: this.port() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  },
};

/** The fault suite's throwaway PostgreSQL instance (scripts/postgres.mjs), restarted by a scenario. */
export const postgres = {
  async restart(): Promise<void> {
    const port = process.env.XIETONG_FAULT_PG_STARTED;
    if (!port) throw new Error('the fault suite restarts only the PostgreSQL its global setup started');
    // Asynchronous, so the scenario watches health degrade while the server is down.
    await new Promise<void>((resolve, reject) =>
      execFile(
        'node',
        [join(repoRoot(), 'scripts', 'postgres.mjs'), 'restart'],
        { env: { ...process.env, PG_PORT: port } },
        (e) => (e ? reject(e) : resolve()),
      ),
    );
  },
};

/** Polls a gateway's /health until it answers `status` (true) or the wait runs out (false). */
export function waitForHealth(url: string, status: number, timeoutMs: number): Promise<boolean> {
  return waitFor(
    async () =>
      (await fetch(`${url}/health`).then(
        (r) => r.status,
        () => 0,
      )) === status,
    timeoutMs,
    50,
  );
}

/** Polls a gateway's /health until it reports the manifest serial (true) or the wait runs out (false). */
export function waitForSerial(url: string, serial: number, timeoutMs: number): Promise<boolean> {
  return waitFor(async () => {
    const health = await fetch(`${url}/health`).then(
      (r) => r.json(),
      () => undefined,
    );
    return (health as { manifest?: { serial?: number } } | undefined)?.manifest?.serial === serial;
  }, timeoutMs);
}

/** A client whose connection may be cut by a database restart (the scenario reconnects). */
function quietClient(): Client {
  const client = new Client({ connectionString: faultDatabaseUrl() });
  client.on('error', () => undefined);
  return client;
}
