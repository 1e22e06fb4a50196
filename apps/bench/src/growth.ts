// npm run bench -- --growth: does the gateway's cost stay flat as its history grows? Two gateways
// (separate processes) take ~1 KB leads in chunks until each side holds the target number of
// messages, on a PostgreSQL instance of their own started with the server's defaults (autovacuum
// on; never the machine's cluster) and on SQLite. Per chunk: throughput and table sizes; at the
// start and the end: single-message latency on an idle system; at the end (PostgreSQL): the
// relay's outbox claim as EXPLAIN (ANALYZE, BUFFERS) under load. reports/growth.json.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { issueToken, startLocalPostgres, type LocalPostgres } from '@xietong/dev';
import { repoRoot } from '@xietong/config';
import { sampleLead, SchemaCatalog } from '@xietong/contracts';
import { federationFiles, initFederation, loadZoneData, planKafka, readJwk, verifyManifest } from '@xietong/federation';
import { applyKafkaPlan, createKafka } from '@xietong/messaging';
import { Database, OutboxRepository } from '@xietong/persistence';
import { batchBodies, postBatch, spawnGateway, type GatewayProcess } from './gateway-processes';
import { cpuSecondsBetween, processTreeTicks, processUsage, round } from './stats';

const JD = '341825';
const HZ = '330100';
const log = (line: string) => process.stderr.write(`[growth] ${line}\n`);

export interface GrowthOptions {
  rows: number;
  chunk: number;
  payloadBytes: number;
  batchSize: number;
  dialects: ('postgres' | 'sqlite')[];
}

interface Chunk {
  rows: number;
  throughput_per_s: number;
  seconds: number;
  /** Bytes per table (PostgreSQL: with indexes and TOAST) or database file (SQLite), per side. */
  sizes: Record<string, Record<string, number>>;
  /** PostgreSQL: dead rows of the queue tables at the end of the chunk, per side. */
  dead_rows?: Record<string, Record<string, number>>;
}

export interface GrowthReport {
  dialect: string;
  chunks: Chunk[];
  idle_latency_ms: { start: number; end: number };
  targets: { last_vs_first_throughput: number; idle_latency_end_vs_start: number; met: boolean };
  wall_seconds: number;
  /** CPU of the idle system at full size: the two gateway processes, the database server (PostgreSQL). */
  idle_cpu_ms_per_s: { gateways: number; database?: number };
  outbox_claim_plan?: string;
  settings?: Record<string, string>;
}

/** How the benchmark reads a gateway's database from outside (PostgreSQL schema or SQLite file). */
interface Side {
  query(sql: string): Promise<Record<string, unknown>[]>;
  sizes(): Promise<Record<string, number>>;
  dead(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function growth(o: GrowthOptions, brokers: string, running: GatewayProcess[]): Promise<void> {
  const reports: Record<string, GrowthReport> = {};
  for (const dialect of o.dialects) {
    reports[dialect] = await growthOn(dialect, o, brokers, running);
    const dir = join(repoRoot(), 'reports');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `growth-${dialect}.json`), JSON.stringify(reports[dialect], null, 2) + '\n');
    // Runs of one dialect each (in parallel or one after the other) add to the same report.
    const file = join(dir, 'growth.json');
    const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, GrowthReport>) : {};
    writeFileSync(file, JSON.stringify({ ...earlier, ...reports }, null, 2) + '\n');
  }
  printGrowth(reports);
}

async function growthOn(
  dialect: 'postgres' | 'sqlite',
  o: GrowthOptions,
  brokers: string,
  running: GatewayProcess[],
): Promise<GrowthReport> {
  const wall = performance.now();
  const run = `growth${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'xt-growth-'));
  const state: { pg?: LocalPostgres; gateways: GatewayProcess[]; sides: Side[] } = { gateways: [], sides: [] };
  const { gateways, sides } = state;
  try {
    const { a, sa, sb } = await startGrowthSides(dialect, o, brokers, running, { dir, run }, state);

    const base = sampleLead('PAD');
    const pad = 'x'.repeat(Math.max(0, o.payloadBytes - JSON.stringify(base).length));
    const lead = (no: string) => ({
      type: 'LEAD',
      recipient: HZ,
      messageId: randomUUID(),
      body: { ...sampleLead(no), allegation: { category: 'FOOD', legalBasis: [], facts: pad || 'facts' } },
    });
    const idsIn = (ids: string[]) => ids.map((i) => `'${i}'`).join(', ');
    const accepted = async (ids: string[]) =>
      Number(
        (
          await sa.query(
            `SELECT COUNT(*) AS n FROM message WHERE message_id IN (${idsIn(ids)}) AND status = 'accepted'`,
          )
        )[0].n,
      );

    /** Pushes `items` through and returns seconds until every one is receipted at the sender. */
    const push = async (items: ReturnType<typeof lead>[], during?: () => Promise<void>) => {
      const t0 = performance.now();
      const submitting = submitWithRetry(a, batchBodies(items, o.batchSize), 4);
      if (during) await during();
      await submitting;
      // Cheap probes (by primary key) of the last batch, then one count over all of them.
      const ids = items.map((i) => i.messageId);
      await until(async () => (await accepted(ids.slice(-o.batchSize))) === Math.min(o.batchSize, ids.length));
      await until(async () => {
        let n = 0;
        for (let i = 0; i < ids.length; i += 5000) n += await accepted(ids.slice(i, i + 5000));
        return n === ids.length;
      }, 1000);
      return (performance.now() - t0) / 1000;
    };

    /** Median over five leads, each sent alone after a second of quiet: submission to stored at the recipient. */
    const idleLatency = async (tag: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const item = lead(`${tag}-${i}`);
        await push([item]);
        const [at] = await sb.query(`SELECT received_at FROM message WHERE message_id = '${item.messageId}'`);
        const [sent] = await sa.query(`SELECT created_at FROM message WHERE message_id = '${item.messageId}'`);
        samples.push(instant(at.received_at) - instant(sent.created_at));
      }
      samples.sort((x, y) => x - y);
      log(`  idle latency ${tag}: ${samples.map((s) => round(s)).join(', ')} ms`);
      return round(samples[2]);
    };

    await push(Array.from({ length: 200 }, (_, i) => lead(`WARM-${i}`)));
    const start = await idleLatency('IDLE-START');
    const chunks: Chunk[] = [];
    let plan: string | undefined;
    for (let k = 0, rows = 0; rows < o.rows; k++) {
      const n = Math.min(o.chunk, o.rows - rows);
      const items = Array.from({ length: n }, (_, i) => lead(`G${k}-${i}`));
      const last = rows + n >= o.rows;
      // At full size and under load, how the relay claims its next batch.
      const during =
        last && dialect === 'postgres'
          ? async () => {
              // Once a backlog has built up (or after ten seconds, if the relay keeps up).
              const deadline = Date.now() + 10_000;
              await until(
                async () =>
                  Date.now() > deadline || Number((await sa.query('SELECT COUNT(*) AS n FROM outbox'))[0].n) >= 1000,
                50,
              );
              plan = await claimPlan(sa);
            }
          : undefined;
      const seconds = await push(items, during);
      rows += n;
      const chunk: Chunk = {
        rows,
        throughput_per_s: round(n / seconds, 0),
        seconds: round(seconds, 1),
        sizes: { sender: await sa.sizes(), receiver: await sb.sizes() },
      };
      if (dialect === 'postgres') chunk.dead_rows = { sender: await sa.dead(), receiver: await sb.dead() };
      chunks.push(chunk);
      log(
        `  ${dialect} ${rows} rows per side: ${chunk.throughput_per_s} msg/s (${chunk.seconds} s); sender ${mb(
          Object.values(chunk.sizes.sender).reduce((x, y) => x + y, 0),
        )} MB`,
      );
    }
    const end = await idleLatency('IDLE-END');
    const idleCpu = await idleCpuUse(gateways, dialect === 'postgres' ? sa : undefined);
    log(`  idle CPU over 30 s: ${JSON.stringify(idleCpu)}`);
    const first = chunks[0].throughput_per_s;
    const lastTp = chunks[chunks.length - 1].throughput_per_s;
    const targets = {
      last_vs_first_throughput: round(lastTp / first, 3),
      idle_latency_end_vs_start: round(end / start, 2),
      met: lastTp >= 0.8 * first && end <= 2 * start,
    };
    const settings =
      dialect === 'postgres'
        ? Object.fromEntries(
            (
              await sa.query(
                `SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'autovacuum_naptime', 'autovacuum_vacuum_scale_factor', 'shared_buffers', 'fsync', 'synchronous_commit', 'server_version')`,
              )
            ).map((r) => [String(r.name), String(r.setting)]),
          )
        : undefined;
    return {
      dialect,
      chunks,
      idle_latency_ms: { start, end },
      targets,
      wall_seconds: round((performance.now() - wall) / 1000, 0),
      idle_cpu_ms_per_s: idleCpu,
      ...(plan ? { outbox_claim_plan: plan } : {}),
      ...(settings ? { settings } : {}),
    };
  } finally {
    running.length = 0;
    for (const g of gateways) await g.stop();
    for (const s of sides) await s.close();
    state.pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Its own database (a PostgreSQL of its own, or SQLite files), a federation, and two gateways on it. */
async function startGrowthSides(
  dialect: 'postgres' | 'sqlite',
  o: GrowthOptions,
  brokers: string,
  running: GatewayProcess[],
  { dir, run }: { dir: string; run: string },
  state: { pg?: LocalPostgres; gateways: GatewayProcess[]; sides: Side[] },
): Promise<{ a: GatewayProcess; sa: Side; sb: Side }> {
  let database: (id: string) => Record<string, string>;
  if (dialect === 'postgres') {
    const port = process.env.XIETONG_BENCH_PG_PORT ? Number(process.env.XIETONG_BENCH_PG_PORT) : undefined;
    const pg = (state.pg = startLocalPostgres({ port }));
    log(`PostgreSQL of its own at ${pg.url} (server defaults: autovacuum on)`);
    const url = pg.url;
    database = (id) => ({ XIETONG_DATABASE_URL: url, XIETONG_DATABASE_SCHEMA: `g${id}` });
  } else {
    database = (id) => ({ XIETONG_DATABASE_URL: `sqlite:${join(dir, `gateway-${id}.sqlite`)}` });
  }
  const catalog = SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas'));
  const fed = await initFederation({ dir, members: [JD, HZ], zones: loadZoneData(), catalog, federation: run });
  // The zone operator creates the federation's topics (gateways create none).
  await applyKafkaPlan(
    createKafka({ brokers: brokers.split(','), clientId: 'xietong-bench-operator' }),
    planKafka(await verifyManifest(fed.manifestJws, fed.authorityPublic), {
      replicationFactor: 1,
      minInsyncReplicas: 1,
    }),
  );
  const env = (id: string) => ({
    KAFKA_BROKERS: brokers,
    // The bench's tokens come from the local development issuer of `federation init`.
    XIETONG_DEVELOPMENT: 'true',
    XIETONG_FEDERATION_DIR: dir,
    XIETONG_FEDERATION_ID: run,
    XIETONG_RELAY_BATCH_SIZE: String(o.batchSize),
    XIETONG_HTTP_BODY_LIMIT: '16mb',
    ...database(id),
  });
  log(`${dialect}: starting gateways ${JD} (sender) and ${HZ} (receiver)`);
  // Each gateway's output is kept for diagnosis.
  const logs = join(repoRoot(), 'reports', 'growth-logs');
  mkdirSync(logs, { recursive: true });
  state.gateways.push(await spawnGateway(JD, env(JD), undefined, join(logs, `${dialect}-${JD}.log`)));
  state.gateways.push(await spawnGateway(HZ, env(HZ), undefined, join(logs, `${dialect}-${HZ}.log`)));
  running.push(...state.gateways);
  const [a] = state.gateways;
  a.token = await issueToken(await readJwk(federationFiles(dir).authIssuerKey(JD)), {
    issuer: 'xietong-local-idp',
    audience: `xietong-gateway-${JD}`,
    subject: 'bench',
    roles: ['submitter'],
  });
  const [sa, sb] =
    dialect === 'postgres'
      ? [await pgSide(state.pg!.url, `g${JD}`), await pgSide(state.pg!.url, `g${HZ}`)]
      : [await sqliteSide(join(dir, `gateway-${JD}.sqlite`)), await sqliteSide(join(dir, `gateway-${HZ}.sqlite`))];
  state.sides.push(sa, sb);
  return { a, sa, sb };
}

/**
 * CPU used by the gateways (and the PostgreSQL server: postmaster and all its processes, autovacuum
 * included) over 30 s with nothing submitted, in ms per second.
 */
async function idleCpuUse(gateways: GatewayProcess[], pg?: Side): Promise<{ gateways: number; database?: number }> {
  // A backend's parent is the postmaster.
  const postmaster = pg
    ? Number(
        readFileSync(`/proc/${String((await pg.query('SELECT pg_backend_pid() AS pid'))[0].pid)}/stat`, 'utf8')
          .split(') ')[1]
          .split(' ')[1],
      )
    : undefined;
  const gw = () => gateways.reduce((s, g) => s + processUsage(g.child.pid!).cpu_s, 0);
  const db = () => (postmaster ? processTreeTicks(postmaster) : new Map<number, number>());
  await new Promise((r) => setTimeout(r, 5000));
  const [g0, d0, t0] = [gw(), db(), performance.now()];
  await new Promise((r) => setTimeout(r, 30_000));
  const seconds = (performance.now() - t0) / 1000;
  const rate = (cpu: number) => round((cpu * 1000) / seconds, 1);
  return { gateways: rate(gw() - g0), ...(postmaster ? { database: rate(cpuSecondsBetween(d0, db())) } : {}) };
}

/**
 * Submits prepared batches, `concurrency` requests in flight. A request that failed on the network
 * (an overloaded machine) is sent again: every item carries its messageId, so the gateway applies
 * it once.
 */
async function submitWithRetry(gw: GatewayProcess, bodies: { body: string }[], concurrency: number): Promise<void> {
  const queue = [...bodies];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        for (let attempt = 1; ; attempt++) {
          try {
            await postBatch(gw, b.body);
            break;
          } catch (e) {
            if (attempt >= 10 || !(e instanceof TypeError)) throw e;
            log(`  submission failed (${e.message}), sending it again`);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      }
    }),
  );
}

/** The relay's claim statement (outbox.repository.ts), executed and rolled back, with its plan. */
async function claimPlan(side: Side): Promise<string> {
  const claim = OutboxRepository.claimStatement('postgres').replace('$1', 'now()').replace('$2', '500');
  const rows = await side.query(`BEGIN; EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${claim}; ROLLBACK`);
  return rows.map((r) => String(r['QUERY PLAN'])).join('\n');
}

async function pgSide(url: string, schema: string): Promise<Side> {
  const client = new Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  const tables = ['message', 'outbox', 'audit_event', 'audit_pending', 'case_file'];
  return {
    query: async (sql) => {
      const res = (await client.query(sql)) as unknown as
        { rows: Record<string, unknown>[] }[] | { rows: Record<string, unknown>[] };
      // A multi-statement query answers one result per statement: keep the one with rows.
      return Array.isArray(res) ? (res.find((r) => r.rows.length > 0)?.rows ?? []) : res.rows;
    },
    sizes: async () =>
      Object.fromEntries(
        (
          await client.query(
            `SELECT relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c WHERE relnamespace = $1::regnamespace AND relname = ANY($2)`,
            [schema, tables],
          )
        ).rows.map((r: { relname: string; bytes: string }) => [r.relname, Number(r.bytes)]),
      ),
    dead: async () =>
      Object.fromEntries(
        (
          await client.query(
            `SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = ANY($2)`,
            [schema, tables],
          )
        ).rows.map((r: { relname: string; n_dead_tup: string }) => [r.relname, Number(r.n_dead_tup)]),
      ),
    close: () => client.end(),
  };
}

async function sqliteSide(file: string): Promise<Side> {
  // A second connection to the gateway's file (WAL: readers do not block its writer).
  const db = await Database.open({ type: 'better-sqlite3', file }, { migrate: false });
  const bytes = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return {
    query: async (sql) => (await db.manager.query(sql)) as Record<string, unknown>[],
    sizes: async () => ({ 'database file': bytes(file), wal: bytes(`${file}-wal`) }),
    dead: async () => ({}),
    close: () => db.close(),
  };
}

async function until(check: () => Promise<boolean>, everyMs = 20, timeoutMs = 900_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A stored instant as epoch ms: a Date (PostgreSQL) or TypeORM's UTC text form (SQLite). */
function instant(v: unknown): number {
  return v instanceof Date ? v.getTime() : new Date(`${String(v).replace(' ', 'T')}Z`).getTime();
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

function printGrowth(reports: Record<string, GrowthReport>): void {
  const lines: string[] = [''];
  for (const r of Object.values(reports)) {
    lines.push(
      `${r.dialect}: ${r.wall_seconds} s`,
      '| rows per side | msg/s | sender MB | receiver MB |',
      '|---|---|---|---|',
    );
    for (const c of r.chunks) {
      const total = (s: Record<string, number>) => mb(Object.values(s).reduce((x, y) => x + y, 0));
      lines.push(`| ${c.rows} | ${c.throughput_per_s} | ${total(c.sizes.sender)} | ${total(c.sizes.receiver)} |`);
    }
    lines.push(
      `idle latency start ${r.idle_latency_ms.start} ms, end ${r.idle_latency_ms.end} ms; last/first throughput ${r.targets.last_vs_first_throughput}, end/start latency ${r.targets.idle_latency_end_vs_start}: targets ${r.targets.met ? 'met' : 'NOT met'}`,
      '',
    );
  }
  lines.push('written to reports/growth.json');
  process.stdout.write(lines.join('\n') + '\n');
}
