// npm run bench: end-to-end throughput and latency of two agency gateways (separate processes)
// on the local Kafka broker and PostgreSQL, against two baselines in the same run:
// (a) raw kafkajs produce/consume of the same bytes, (b) the straightforward NestJS design.
// Progress on stderr; table on stdout; figures in reports/bench.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Client } from 'pg';
import { issueToken, startLocalKafka, stopLocalKafka } from '@xietong/dev';
import { repoRoot } from '@xietong/config';
import { sampleLead, SchemaCatalog, validateBody } from '@xietong/contracts';
import { importSigningKey, isSigningAlgorithm, type SigningAlgorithm } from '@xietong/crypto';
import { composeSignedRecord, WireCodec } from '@xietong/exchange';
import { federationFiles, initFederation, loadZoneData, planKafka, readJwk, verifyManifest } from '@xietong/federation';
import { applyKafkaPlan, createKafka } from '@xietong/messaging';
import { batchBodies, spawnGateway, submitBatches, postBatch, type GatewayProcess } from './gateway-processes';
import { metricsAtScale, type MetricsScaleFigures } from './metrics-scale';
import { growth } from './growth';
import { microCosts } from './micro-costs';
import { naiveNestThroughput } from './naive-nest';
import { rawKafkaThroughput } from './raw-kafka';
import { medianOf, processUsage, quantile, round } from './stats';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const JD = '341825';
const HZ = '330100';

interface Options {
  messages: number;
  payloadBytes: number;
  rate: number;
  latencySeconds: number;
  naiveMessages: number;
  batchSize: number;
  profile?: boolean;
  alg: SigningAlgorithm;
  repeat: number;
  metricsScale: number;
  growth?: boolean;
  growthRows: number;
  growthChunk: number;
  growthDialects: string;
}

async function main(o: Options): Promise<void> {
  let brokers = process.env.KAFKA_BROKERS;
  let ownKafka = false;
  if (!brokers) {
    const local = startLocalKafka();
    brokers = local.brokers;
    ownKafka = local.started;
  }
  // Ctrl-C or a kill: stop what this run started (gateways also stop when we exit: IPC channel).
  const interrupted = (signal: string) => {
    log(`${signal}: stopping the gateways${ownKafka ? ' and the local broker' : ''}`);
    for (const g of running) g.child.kill('SIGTERM');
    if (ownKafka) stopLocalKafka();
    process.exit(130);
  };
  process.once('SIGINT', () => interrupted('SIGINT'));
  process.once('SIGTERM', () => interrupted('SIGTERM'));
  try {
    if (o.growth) {
      const dialects = o.growthDialects.split(',').map((d) => d.trim());
      if (!dialects.every((d) => d === 'postgres' || d === 'sqlite'))
        throw new Error(`--growth-dialects takes postgres and/or sqlite, got ${o.growthDialects}`);
      await growth(
        {
          rows: o.growthRows,
          chunk: o.growthChunk,
          payloadBytes: o.payloadBytes,
          batchSize: o.batchSize,
          dialects: dialects as ('postgres' | 'sqlite')[],
        },
        brokers,
        running,
      );
      return;
    }
    const reports: Report[] = [];
    for (let i = 1; i <= o.repeat; i++) {
      log(`run ${i}/${o.repeat}`);
      reports.push(await runOnce(o, brokers));
    }
    const report = { ...medianOf(reports), runs: reports.length };
    mkdirSync(join(repoRoot(), 'reports'), { recursive: true });
    writeFileSync(join(repoRoot(), 'reports', 'bench.json'), JSON.stringify(report, null, 2) + '\n');
    printTable(report);
  } finally {
    if (ownKafka) stopLocalKafka();
  }
}

type Report = Awaited<ReturnType<typeof runOnce>>;

/** One full-path run's gateways, database and lead maker. */
interface Bench {
  pg: Client;
  schemaA: string;
  schemaB: string;
  a: GatewayProcess;
  b: GatewayProcess;
  lead: (no: string) => { type: string; recipient: string; body: Record<string, unknown> };
  count: (sql: string) => Promise<number>;
  acceptedLike: (prefix: string) => Promise<number>;
}

async function runOnce(o: Options, brokers: string) {
  const pgUrl = process.env.XIETONG_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const run = `bench${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'xt-bench-'));
  const pg = new Client({ connectionString: pgUrl });
  await pg.connect();
  const gateways: GatewayProcess[] = [];
  const schemaA = `${run}_a`;
  const schemaB = `${run}_b`;
  try {
    const catalog = SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas'));
    const fed = await initFederation({
      dir,
      members: [JD, HZ],
      zones: loadZoneData(),
      catalog,
      federation: run,
      alg: o.alg,
    });
    await applyKafkaPlan(
      createKafka({ brokers: brokers.split(','), clientId: 'xietong-bench-operator' }),
      planKafka(await verifyManifest(fed.manifestJws, fed.authorityPublic), {
        replicationFactor: 1,
        minInsyncReplicas: 1,
      }),
    );
    const env = (schema: string) => ({
      KAFKA_BROKERS: brokers,
      // The bench's tokens come from the local development issuer of `federation init`.
      XIETONG_DEVELOPMENT: 'true',
      XIETONG_FEDERATION_DIR: dir,
      XIETONG_FEDERATION_ID: run,
      XIETONG_DATABASE_URL: pgUrl,
      XIETONG_DATABASE_SCHEMA: schema,
      XIETONG_RELAY_BATCH_SIZE: String(o.batchSize),
      XIETONG_HTTP_BODY_LIMIT: '16mb',
    });
    log(`starting gateways ${JD} (sender) and ${HZ} (receiver) as separate processes on PostgreSQL`);
    const profileDir = o.profile ? join(repoRoot(), 'reports', 'profiles') : undefined;
    gateways.push(await spawnGateway(JD, env(schemaA), profileDir));
    gateways.push(await spawnGateway(HZ, env(schemaB), profileDir));
    running.push(...gateways);
    const [a, b] = gateways;
    a.token = await issueToken(await readJwk(federationFiles(dir).authIssuerKey(JD)), {
      issuer: 'xietong-local-idp',
      audience: `xietong-gateway-${JD}`,
      subject: 'bench',
      roles: ['submitter'],
    });
    const base = sampleLead('PAD');
    const pad = 'x'.repeat(Math.max(0, o.payloadBytes - JSON.stringify(base).length));
    const count = async (sql: string) => Number((await pg.query(sql)).rows[0].n);
    const bench: Bench = {
      pg,
      schemaA,
      schemaB,
      a,
      b,
      lead: (no: string) => ({
        type: 'LEAD',
        recipient: HZ,
        body: { ...sampleLead(no), allegation: { category: 'FOOD', legalBasis: [], facts: pad || 'facts' } },
      }),
      count,
      acceptedLike: (prefix: string) =>
        count(
          `SELECT COUNT(*) AS n FROM "${schemaA}".message WHERE direction='out' AND status='accepted' AND correlation_id LIKE '${prefix}%'`,
        ),
    };

    // Warm-up: connections, JIT, topic metadata.
    await postBatch(
      a,
      Array.from({ length: 200 }, (_, i) => bench.lead(`WARM-${i}`)),
    );
    await waitUntil(() => bench.acceptedLike('WARM-'), 200, 'warm-up');
    const throughput = await throughputPhase(o, bench);
    const latency = await latencyPhase(o, bench);
    const usage = { sender: processUsage(a.child.pid!), receiver: processUsage(b.child.pid!) };
    let metricsScale: MetricsScaleFigures | null = null;
    if (o.metricsScale > 0) {
      const auditor = await issueToken(await readJwk(federationFiles(dir).authIssuerKey(JD)), {
        issuer: 'xietong-local-idp',
        audience: `xietong-gateway-${JD}`,
        subject: 'bench',
        roles: ['auditor'],
      });
      metricsScale = await metricsAtScale(pg, schemaA, a, auditor, o.metricsScale, log);
    }
    running.length = 0;
    for (const g of gateways.splice(0)) await g.stop();
    const baselines = await baselinePhases(o, brokers, { dir, run, pgUrl, bench });
    log('micro costs per message (median of 5 rounds of 2,000)');
    const micro = await microCosts(
      2000,
      await verifyManifest(fed.manifestJws, fed.authorityPublic),
      { type: 'postgres', url: pgUrl, schema: `${run}_micro` },
      pad,
      o.alg,
    );
    return buildReport(o, { throughput, latency, usage, baselines, micro, metricsScale });
  } finally {
    for (const g of gateways) await g.stop();
    for (const s of [schemaA, schemaB, `${run}_micro`])
      await pg.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await pg.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** N leads in bulk, timed until the last receipt is applied at the sender; checks exactly-once. */
async function throughputPhase(o: Options, bench: Bench) {
  const { a, schemaB, count } = bench;
  log(`throughput: ${o.messages} messages of ~${o.payloadBytes} B, submitted in batches of ${o.batchSize}`);
  const bodies = batchBodies(
    Array.from({ length: o.messages }, (_, i) => bench.lead(`TP-${i}`)),
    o.batchSize,
  );
  const t0 = performance.now();
  let lastLog = 0;
  await submitBatches(a, bodies, 4, (done) => {
    if (done - lastLog >= o.messages / 10) log(`  submitted ${(lastLog = done)}/${o.messages}`);
  });
  await waitUntil(
    () => bench.acceptedLike('TP-'),
    o.messages,
    'receipts',
    (n) => log(`  receipted ${n}/${o.messages}`),
  );
  const seconds = (performance.now() - t0) / 1000;
  const delivered = await count(
    `SELECT COUNT(DISTINCT message_id) AS n FROM "${schemaB}".message WHERE direction='in' AND correlation_id LIKE 'TP-%'`,
  );
  const rows = await count(
    `SELECT COUNT(*) AS n FROM "${schemaB}".message WHERE direction='in' AND correlation_id LIKE 'TP-%'`,
  );
  const quarantined = await count(`SELECT COUNT(*) AS n FROM "${schemaB}".quarantine`);
  if (delivered !== o.messages || rows !== o.messages || quarantined !== 0)
    throw new Error(`exactly-once check failed: ${rows} rows, ${delivered} distinct, ${quarantined} quarantined`);
  return { seconds, exactlyOnce: { delivered, rows, quarantined } };
}

/** A steady offered load; per message, submission → stored at the recipient and the receipt round trip. */
async function latencyPhase(o: Options, bench: Bench) {
  const { a, pg, schemaA, schemaB } = bench;
  const total = o.rate * o.latencySeconds;
  log(`latency: ${o.rate} messages/s offered for ${o.latencySeconds}s (${total} messages)`);
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((o.rate * tickMs) / 1000));
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let sent = 0, tick = 0; sent < total; tick++) {
    const n = Math.min(perTick, total - sent);
    inflight.push(
      postBatch(
        a,
        Array.from({ length: n }, (_, i) => bench.lead(`LAT-${sent + i}`)),
      ),
    );
    sent += n;
    const next = start + (tick + 1) * tickMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await Promise.all(inflight);
  await waitUntil(() => bench.acceptedLike('LAT-'), total, 'latency receipts');
  const lat = await pg.query(
    `SELECT EXTRACT(EPOCH FROM (b.received_at - a.created_at)) * 1000 AS delivery_ms, EXTRACT(EPOCH FROM (a.receipt_at - a.created_at)) * 1000 AS roundtrip_ms
     FROM "${schemaA}".message a JOIN "${schemaB}".message b ON b.message_id = a.message_id AND b.direction = 'in'
     WHERE a.direction = 'out' AND a.correlation_id LIKE 'LAT-%'`,
  );
  return {
    total,
    delivery: lat.rows.map((r) => Number(r.delivery_ms)).sort((x, y) => x - y),
    roundtrip: lat.rows.map((r) => Number(r.roundtrip_ms)).sort((x, y) => x - y),
  };
}

/** Baselines on the same signed bytes: (a) raw kafkajs, (b) the naive NestJS design. */
async function baselinePhases(
  o: Options,
  brokers: string,
  { dir, run, pgUrl, bench }: { dir: string; run: string; pgUrl: string; bench: Bench },
) {
  log('baseline (a): raw kafkajs produce and consume of the same signed bytes');
  const codec = new WireCodec(join(repoRoot(), 'schemas'));
  const jwk = await readJwk(federationFiles(dir).signingKey(JD));
  const signer = { kid: jwk.kid!, alg: o.alg, key: await importSigningKey(jwk) };
  const body = validateBody(codec.local.latest('LEAD').avroType, bench.lead('RAW').body);
  const records = await Promise.all(
    Array.from({ length: o.messages }, (_, i) =>
      composeSignedRecord(codec, signer, {
        type: 'LEAD',
        sender: JD,
        recipient: HZ,
        zone: 'yrd',
        correlationId: `RAW-${i}`,
        body,
      }),
    ),
  );
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'xietong-bench' });
  const raw = await rawKafkaThroughput(kafka, `${run}.raw`, records, 3);

  const naiveN = Math.min(o.naiveMessages, o.messages);
  log(
    `baseline (b): NestJS ClientKafka emit per message, @EventPattern handler, JSON, TypeORM save per message (${naiveN} messages)`,
  );
  const naive = await naiveNestThroughput(
    kafka,
    brokers,
    `${run}.naive`,
    pgUrl,
    `${run}_naive`,
    records.slice(0, naiveN).map((r, i) => ({ messageId: r.messageId, body: { ...body, leadNo: `NAIVE-${i}` } })),
    log,
  );
  return { raw, naive, naiveN };
}

function buildReport(
  o: Options,
  r: {
    throughput: Awaited<ReturnType<typeof throughputPhase>>;
    latency: Awaited<ReturnType<typeof latencyPhase>>;
    usage: { sender: ReturnType<typeof processUsage>; receiver: ReturnType<typeof processUsage> };
    baselines: Awaited<ReturnType<typeof baselinePhases>>;
    micro: Awaited<ReturnType<typeof microCosts>>;
    metricsScale: MetricsScaleFigures | null;
  },
) {
  const { delivery, roundtrip } = r.latency;
  const { raw, naive, naiveN } = r.baselines;
  const gatewayThroughput = o.messages / r.throughput.seconds;
  return {
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model,
      memory_gb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    params: {
      alg: o.alg,
      messages: o.messages,
      payload_bytes: o.payloadBytes,
      offered_rate_per_s: o.rate,
      latency_messages: r.latency.total,
      batch_size: o.batchSize,
      naive_messages: naiveN,
    },
    gateway: {
      throughput_per_s: round(gatewayThroughput, 0),
      latency_ms: {
        p50: round(quantile(delivery, 0.5)),
        p95: round(quantile(delivery, 0.95)),
        p99: round(quantile(delivery, 0.99)),
      },
      receipt_roundtrip_ms: {
        p50: round(quantile(roundtrip, 0.5)),
        p95: round(quantile(roundtrip, 0.95)),
        p99: round(quantile(roundtrip, 0.99)),
      },
      peak_rss_mb: Math.max(r.usage.sender.peak_rss_mb, r.usage.receiver.peak_rss_mb),
      processes: r.usage,
      exactly_once: r.throughput.exactlyOnce,
    },
    raw_kafkajs: { throughput_per_s: round(raw, 0) },
    naive_nest: { throughput_per_s: round(naive.throughput_per_s, 0), consumer: naive.consumer },
    ratios: {
      vs_raw: round(gatewayThroughput / raw, 3),
      vs_naive: round(gatewayThroughput / naive.throughput_per_s, 2),
    },
    micro_us: r.micro,
    metrics_scale: r.metricsScale,
  };
}

/** Gateway processes of the current run: a wait fails at once if one of them died. */
const running: GatewayProcess[] = [];

async function waitUntil(
  probe: () => Promise<number>,
  target: number,
  what: string,
  progress?: (n: number) => void,
): Promise<void> {
  const deadline = Date.now() + 600_000;
  let last = -1;
  for (;;) {
    const dead = running.find((g) => g.child.exitCode !== null);
    if (dead) throw new Error(`gateway ${dead.id} exited (code ${dead.child.exitCode}) while waiting for ${what}`);
    const n = await probe();
    if (n >= target) return;
    if (n !== last && progress) progress(n);
    last = n;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${n}/${target}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function printTable(r: any): void {
  const lines = [
    '',
    `| measure (${r.machine.cpus} cores, ${r.params.alg}, N=${r.params.messages}, ~${r.params.payload_bytes} B, median of ${r.runs} runs) | value |`,
    '|---|---|',
    `| gateway throughput, full path incl. receipt | ${r.gateway.throughput_per_s} msg/s |`,
    `| (a) raw kafkajs produce+consume | ${r.raw_kafkajs.throughput_per_s} msg/s |`,
    `| (b) naive NestJS (emit per message, JSON, save per message) | ${r.naive_nest.throughput_per_s} msg/s |`,
    `| ratio gateway/(a) | ${r.ratios.vs_raw} |`,
    `| ratio gateway/(b) | ${r.ratios.vs_naive} |`,
    `| latency at ${r.params.offered_rate_per_s} msg/s, submit -> stored at recipient p50/p95/p99 | ${r.gateway.latency_ms.p50} / ${r.gateway.latency_ms.p95} / ${r.gateway.latency_ms.p99} ms |`,
    `| receipt round trip p50/p95/p99 | ${r.gateway.receipt_roundtrip_ms.p50} / ${r.gateway.receipt_roundtrip_ms.p95} / ${r.gateway.receipt_roundtrip_ms.p99} ms |`,
    `| sender process CPU / peak RSS | ${r.gateway.processes.sender.cpu_s} s / ${r.gateway.processes.sender.peak_rss_mb} MB |`,
    `| receiver process CPU / peak RSS | ${r.gateway.processes.receiver.cpu_s} s / ${r.gateway.processes.receiver.peak_rss_mb} MB |`,
    `| micro: Avro encode / decode per message | ${r.micro_us.avro_encode_us} / ${r.micro_us.avro_decode_us} µs |`,
    `| micro: sign / verify (${r.params.alg} JWS) per message | ${r.micro_us.sign_us} / ${r.micro_us.verify_us} µs |`,
    `| micro: insert (multi-row, PostgreSQL) per message | ${r.micro_us.insert_us} µs |`,
    ...(r.metrics_scale
      ? [
          `| /metrics scrape with ${r.metrics_scale.case_rows} case files + ${r.metrics_scale.message_rows} messages (target < 1000 ms) | ${r.metrics_scale.scrape_ms} ms |`,
          `| monthly report at the same scale | ${r.metrics_scale.monthly_report_ms} ms |`,
          `| sender peak RSS after the scale phase (target < 300 MB) | ${r.metrics_scale.peak_rss_mb} MB |`,
        ]
      : []),
    '',
    'written to reports/bench.json',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${v}`);
  return n;
};

void new Command('bench')
  .description('Benchmark the gateway end to end against raw kafkajs and a naive NestJS design')
  .option('--messages <n>', 'messages in the throughput phase', positive, 20_000)
  .option('--payload-bytes <n>', 'approximate JSON size of each lead', positive, 1024)
  .option('--rate <n>', 'offered load of the latency phase, messages/s', positive, 1000)
  .option('--latency-seconds <n>', 'duration of the latency phase', positive, 10)
  .option('--naive-messages <n>', 'messages for baseline (b), which is slow', positive, 5000)
  .option('--batch-size <n>', 'submission and relay batch size', positive, 500)
  .option(
    '--alg <alg>',
    'signing algorithm of both gateways: EdDSA, ES256 or SM2',
    (v) => {
      if (!isSigningAlgorithm(v)) throw new Error('--alg must be EdDSA, ES256 or SM2');
      return v;
    },
    'EdDSA',
  )
  .option('--repeat <n>', 'whole runs; the report gives the median of each figure', positive, 3)
  .option(
    '--metrics-scale <n>',
    'case files (and messages) seeded before timing /metrics and the monthly report; 0 skips',
    (v) => (v === '0' ? 0 : positive(v)),
    200_000,
  )
  .option('--profile', 'write V8 CPU profiles of both gateways to reports/profiles/')
  .option('--growth', 'instead: throughput and idle latency as the history grows (reports/growth.json)')
  .option('--growth-rows <n>', 'messages each side holds at the end of --growth', positive, 500_000)
  .option('--growth-chunk <n>', 'messages per measured chunk of --growth', positive, 20_000)
  .option('--growth-dialects <list>', 'databases of --growth: postgres,sqlite', 'postgres,sqlite')
  .action(async (o: Options) => {
    try {
      await main(o);
    } catch (e) {
      log(`error: ${(e as Error).stack ?? String(e)}`);
      process.exitCode = 1;
    }
  })
  .parseAsync(process.argv);
