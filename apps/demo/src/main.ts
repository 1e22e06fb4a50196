// The demo exchange (npm run demo): three agency gateways on the local Kafka broker, one SQLite
// file each, exchanging leads, case results and complaints, plus two hostile records.
// Progress goes to stderr; the last line on stdout is one JSON summary.
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import {
  freePort,
  issueToken,
  startDevIdentityProvider,
  type DevIdentityProvider,
  type DevUser,
  startLocalKafka,
  stopLocalKafka,
} from '@xietong/dev';
import { loadGatewayConfig, repoRoot } from '@xietong/config';
import { isProtocolType, sampleLead, SchemaCatalog } from '@xietong/contracts';
import { generateSigningKey, importKey } from '@xietong/crypto';
import {
  AuditCheckpointer,
  composeSignedRecord,
  DeadlineSupervisor,
  exportArchive,
  LocalKeys,
  WireCodec,
} from '@xietong/exchange';
import {
  federationFiles,
  initFederation,
  loadZoneData,
  ManifestStore,
  planKafka,
  readJwk,
  verifyManifest,
} from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { applyKafkaPlan, clusterSize, RecordPublisher, createKafka } from '@xietong/messaging';
import {
  ArchiveRepository,
  AuditRepository,
  CaseRepository,
  ManifestArchiveRepository,
  MessageRepository,
  QuarantineRepository,
  WebhookRepository,
} from '@xietong/persistence';
import { CountyReceiver } from './county-receiver';
import { retentionAsOfLater } from './retention-step';
import { startDemoTsa, type DemoTsa } from './demo-tsa';
import { formatLocalDate, parseLocalDate, shanghaiDate } from '@xietong/workflow';
import {
  AGENCIES,
  ASSISTANCE_REQUESTS,
  assistanceReplies,
  assistanceRequests,
  disposals,
  feedback,
  HANGZHOU,
  JINGDE,
  transfers,
  type Submission,
} from './scenario';

const log = (line: string) => process.stderr.write(`[demo] ${line}\n`);
const tokens = new Map<string, string>();

interface Options {
  leads: number;
  complaints: number;
  dir: string;
  timeout: number;
  /** Keep the gateways and the console up after the scenario, until Ctrl-C. */
  console: boolean;
}

/** The development identity provider's users: one per role, the same at every agency. */
const DEMO_PASSWORD = 'xietong-demo';
const DEMO_USERS: DevUser[] = [
  { username: 'submitter', password: DEMO_PASSWORD, name: '张报送', roles: ['submitter'] },
  { username: 'handler', password: DEMO_PASSWORD, name: '李承办', roles: ['handler'] },
  { username: 'auditor', password: DEMO_PASSWORD, name: '赵审计', roles: ['auditor'] },
  { username: 'admin', password: DEMO_PASSWORD, name: '管理员', roles: ['admin'] },
];

async function main(o: Options): Promise<number> {
  const started = Date.now();
  let ownKafka = false;
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    log('starting the local Kafka broker (npm run kafka:start); set KAFKA_BROKERS to use another cluster');
    const local = startLocalKafka();
    brokers = local.brokers;
    ownKafka = local.started;
  }
  const gateways: RunningGateway[] = [];
  let idp: DevIdentityProvider | undefined;
  // Each agency's county system, taking its gateway's webhooks (docs/webhooks.md).
  const county = await new CountyReceiver().start();
  let tsa: DemoTsa | undefined;
  try {
    // The console signs staff in at an OpenID Connect provider: the demo runs a development one.
    const idpPort = await freePort();
    rmSync(o.dir, { recursive: true, force: true });
    tsa = await startDemoTsa(join(o.dir, 'tsa'));
    log(`time-stamping authority (openssl ts behind tools/tsa) at ${tsa.url}`);
    await startAgencies(o, brokers, { county, tsa, idpPort }, gateways);
    const byId = new Map(gateways.map((g) => [g.config.agencyId, g]));
    const repo = (id: string) => byId.get(id)!.app.get(MessageRepository);

    const first = transfers(o.leads, o.complaints);
    log(
      `phase 1: 旌德 transfers ${o.leads} leads and ${o.complaints} complaints to each of 杭州 and 南京; 杭州 transfers ${Math.ceil(o.leads / 4)} leads to 南京`,
    );
    await submitAll(byId, first);
    await waitFor('partners to receive the transfers', o.timeout, async () => {
      const got = await received(AGENCIES.map(repo));
      return { done: got >= first.length, progress: `${got}/${first.length} received` };
    });

    const second = feedback(o.leads, o.complaints);
    log(
      `phase 2: 杭州 and 南京 report verification feedback (case opened) and complaint results (${second.length} messages)`,
    );
    await submitAll(byId, second);
    const third = disposals(o.leads, o.complaints);
    log(
      `phase 3: they report the disposal results that close the leads' cases and half the complaints (${third.length} messages)`,
    );
    await submitAll(byId, third);

    const requests = assistanceRequests(formatLocalDate(parseLocalDate(shanghaiDate(new Date())) + 30));
    log(`phase 4: 旌德 asks 杭州 for assistance in investigation (协查, ${requests.length} requests)`);
    await submitAll(byId, requests);
    const requester = byId.get(JINGDE)!.app.get(CaseRepository);
    const unanswered = ASSISTANCE_REQUESTS[1];
    await waitFor('杭州 to receive the 协查 requests', o.timeout, async () => {
      const c = (await requester.find('ASSISTANCE', unanswered))[0];
      return { done: c?.state === 'RECEIVED', progress: `${unanswered}: ${c?.state ?? 'not yet sent'}` };
    });
    const late = (await requester.find('ASSISTANCE', unanswered))[0];
    const replies = assistanceReplies();
    log(`  杭州 replies to ${ASSISTANCE_REQUESTS[0]} (findings with evidence digests); ${unanswered} goes unanswered`);
    await submitAll(byId, replies);
    await waitFor('the 协查 reply at 旌德', o.timeout, async () => {
      const c = (await requester.find('ASSISTANCE', ASSISTANCE_REQUESTS[0]))[0];
      return { done: c?.state === 'COMPLETED', progress: `${ASSISTANCE_REQUESTS[0]}: ${c?.state ?? '-'}` };
    });
    // 督办: 旌德's scheduler, run as of the day after the unanswered request's due date.
    const overdueAt = new Date(Date.parse(`${late.dueOn}T12:00:00+08:00`) + 86_400_000);
    const reminded = await byId.get(JINGDE)!.app.get(DeadlineSupervisor).remindOverdue(overdueAt);
    log(
      `  as of ${shanghaiDate(overdueAt)}, 旌德 sends ${reminded.length} signed 督办 reminder(s): ${reminded.map((r) => `${r.caseNo} (${r.clock}, due ${r.dueOn})`).join(', ')}`,
    );

    log("phase 5: two hostile records land in 杭州's inbox (a 旌德 record corrupted in transit, an impostor key)");
    await injectHostile(brokers, o.dir, byId.get(HANGZHOU)!);

    const sent = first.length + second.length + third.length + requests.length + replies.length + reminded.length;
    await waitFor('every receipt back at its sender', o.timeout, async () => {
      const c = await tally(gateways);
      return {
        done: c.accepted + c.rejected >= sent && c.quarantined >= 2,
        progress: `${c.accepted + c.rejected}/${sent} receipted, ${c.quarantined} quarantined`,
      };
    });

    const c = await tally(gateways);
    log('per agency:');
    log('  agency  sent  received  accepted  rejected  quarantined');
    for (const g of gateways) {
      const a = await tally([g]);
      log(
        `  ${g.config.agencyId}  ${String(a.sent).padStart(4)}  ${String(a.delivered).padStart(8)}  ${String(a.accepted).padStart(8)}  ${String(a.rejected).padStart(8)}  ${String(a.quarantined).padStart(11)}`,
      );
    }
    const closed = (
      await byId
        .get(JINGDE)!
        .app.get(CaseRepository)
        .list({ kind: 'LEAD', role: 'transferor', state: 'CLOSED', limit: 1000 })
    ).length;
    log(`旌德's case files: ${closed} transferred leads closed with a disposal result`);
    const assistance = await requester.list({ kind: 'ASSISTANCE', role: 'transferor', limit: 100 });
    log("旌德's 协查 (assistance requests to 杭州):");
    log('  requestNo       state      clock       due         reminders');
    for (const a of assistance.sort((x, y) => x.caseNo.localeCompare(y.caseNo)))
      log(
        `  ${a.caseNo.padEnd(14)}  ${a.state.padEnd(9)}  ${(a.clock ?? '-').padEnd(10)}  ${(a.dueOn ?? '-').padEnd(10)}  ${a.reminders}`,
      );
    const { checkpoints, witnessed } = await witnessTrails(gateways, o.timeout);
    const erased = await pushArchiveAndRetain(o, gateways, county, tsa);
    const summary = {
      agencies: gateways.length,
      sent: c.sent,
      delivered: c.delivered,
      accepted: c.accepted,
      rejected: c.rejected,
      injected: 2,
      quarantined: c.quarantined,
      lost: c.sent - c.delivered,
      checkpoints,
      witnessed,
      assistance: { requests: requests.length, replies: replies.length, reminders: reminded.length },
      webhooks: { delivered: county.delivered, verified: county.verified },
      erased,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
    const ok =
      summary.lost === 0 &&
      summary.accepted === sent &&
      summary.quarantined === 2 &&
      reminded.length === 1 &&
      witnessed > 0 &&
      county.delivered > 0 &&
      county.verified === county.delivered &&
      summary.erased > 0;
    idp = await startDevIdentityProvider({
      port: idpPort,
      users: DEMO_USERS,
      consoles: gateways.map((g) => ({ clientId: `xietong-console-${g.config.agencyId}`, url: g.url! })),
    });
    log('协同 console (sign in at the development identity provider):');
    for (const g of gateways) log(`  ${g.config.agencyId}  ${g.url}/console`);
    log(
      `  users: ${DEMO_USERS.map((u) => `${u.username} (${u.roles.join(', ')})`).join(', ')}; password ${DEMO_PASSWORD}`,
    );
    if (o.console) {
      log('serving the console until Ctrl-C');
      await untilSignal();
    } else log('the demo stops now; run `npm run demo -- --console` to keep the console open');
    return ok ? 0 : 1;
  } finally {
    await idp?.close();
    for (const g of gateways) await g.close();
    await county.close();
    await tsa?.stop();
    if (ownKafka) stopLocalKafka();
  }
}

/** The federation, the zone operator's topics and one gateway per agency (pushed onto `gateways`). */
async function startAgencies(
  o: Options,
  brokers: string,
  { county, tsa, idpPort }: { county: CountyReceiver; tsa: DemoTsa; idpPort: number },
  gateways: RunningGateway[],
): Promise<void> {
  const catalog = SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas'));
  const fed = await initFederation({
    dir: o.dir,
    members: AGENCIES,
    zones: loadZoneData(),
    catalog,
    federation: 'demo',
  });
  log(`federation of ${AGENCIES.join(', ')} signed into ${o.dir}/manifest.jws`);
  // The zone operator's step (`xietong kafka apply`): the gateways create no topics themselves.
  const operator = createKafka({ brokers: brokers.split(','), clientId: 'xietong-demo-operator' });
  const manifest = await verifyManifest(fed.manifestJws, fed.authorityPublic);
  const brokerCount = await clusterSize(operator);
  const diff = await applyKafkaPlan(
    operator,
    planKafka(manifest, { replicationFactor: Math.min(3, brokerCount), minInsyncReplicas: Math.min(2, brokerCount) }),
  );
  log(
    `kafka apply: ${diff.createTopics.length} topics created${diff.aclsSupported ? `, ${diff.addAcls.length} ACLs added` : ''}`,
  );
  for (const id of AGENCIES) {
    const config = loadGatewayConfig({
      ...process.env,
      KAFKA_BROKERS: brokers,
      // The demo's county staff get tokens of the local development issuer (below).
      XIETONG_DEVELOPMENT: 'true',
      XIETONG_AGENCY_ID: id,
      XIETONG_FEDERATION_DIR: o.dir,
      XIETONG_DATABASE_URL: `sqlite:${join(o.dir, `gateway-${id}.sqlite`)}`,
      XIETONG_HTTP_PORT: '0',
      XIETONG_OIDC_ISSUER: `http://127.0.0.1:${idpPort}`,
      // The county systems' receiver is on this machine: the one private address webhooks may use.
      XIETONG_WEBHOOK_ALLOW_PRIVATE: `127.0.0.1:${county.port}`,
      XIETONG_TSA_URL: tsa.url,
      XIETONG_TSA_CERT_FILE: tsa.certFile,
    });
    const gw = await startGateway(config, { logLevels: ['error'] });
    gateways.push(gw);
    log(
      `gateway ${id} up at ${gw.url} (SQLite ${config.database.type === 'better-sqlite3' ? config.database.file : ''})`,
    );
  }
  // County staff of each agency, with tokens of the agency's development issuer.
  const files = federationFiles(o.dir);
  for (const g of gateways) {
    tokens.set(
      g.config.agencyId,
      await issueToken(await readJwk(files.authIssuerKey(g.config.agencyId)), {
        issuer: g.config.auth.issuer,
        audience: g.config.auth.audience,
        subject: 'demo-staff',
        roles: ['submitter', 'handler'],
      }),
    );
  }
  for (const g of gateways) await addCountyEndpoint(g, county);
}

/** Signs every chain head, so the demo's trail ends inside a checkpoint, and waits for the partners' countersignatures. */
async function witnessTrails(
  gateways: RunningGateway[],
  timeout: number,
): Promise<{ checkpoints: number; witnessed: number }> {
  // Sign every chain head now, so the demo's trail ends inside a checkpoint (a stop signs again);
  // each goes to the partners the agency exchanged with, which countersign it.
  let checkpoints = 0;
  for (const g of gateways) {
    await g.app.get(AuditCheckpointer).checkpoint();
    const audit = g.app.get(AuditRepository);
    const head = await audit.head();
    checkpoints += (await audit.checkpoints()).length;
    log(
      `  ${g.config.agencyId} audit trail: ${head.seq} entries, head signed at entry ${(await audit.latestCheckpoint())?.seq}`,
    );
  }
  await waitFor('partners to countersign the checkpoints', timeout, async () => {
    const open = await checkpointsAwaitingWitness(gateways);
    return { done: open === 0, progress: `${open} checkpoint messages awaiting a countersignature` };
  });
  let witnessed = 0;
  for (const g of gateways) {
    const own = await g.app.get(AuditRepository).witnessed({ agency: g.config.agencyId });
    witnessed += new Set(own.map((w) => w.seq)).size;
    log(
      `  ${g.config.agencyId} checkpoints witnessed: ${own.map((w) => `entry ${w.seq} by ${w.witness}`).join(', ') || 'none'}`,
    );
  }
  return { checkpoints, witnessed };
}

/** Webhooks delivered to the county systems, 旌德's signed and time-stamped archive, then retention as of later. */
async function pushArchiveAndRetain(
  o: Options,
  gateways: RunningGateway[],
  county: CountyReceiver,
  tsa: DemoTsa,
): Promise<number> {
  await waitFor('webhooks to reach the county systems', o.timeout, async () => {
    let pending = 0;
    for (const g of gateways) pending += (await g.app.get(WebhookRepository).status()).pending;
    return { done: pending === 0, progress: `${pending} webhook deliveries pending` };
  });
  log(
    `webhooks: ${county.delivered} delivered to the county systems, ${county.verified} verified with standardwebhooks`,
  );
  // 旌德's records, receipts and trail so far, as one signed, time-stamped archive.
  const jd = gateways.find((g) => g.config.agencyId === AGENCIES[0])!;
  const archived = await exportArchive(AGENCIES[0], new Date(), join(o.dir, 'archives'), {
    archives: jd.app.get(ArchiveRepository),
    audit: jd.app.get(AuditRepository),
    manifests: jd.app.get(ManifestArchiveRepository),
    signer: jd.app.get(LocalKeys).signer,
    tsa: { url: tsa.url, certPem: readFileSync(tsa.certFile, 'utf8') },
  });
  log(
    `archive ${archived.seq} of ${AGENCIES[0]}: ${archived.records} messages, ${archived.entries} audit entries -> ${archived.dir}, timestamped by the TSA at ${archived.timestampedAt?.toISOString()} (check: npm run cli -- archive verify --dir ${join(o.dir, 'archives')} --authority ${join(o.dir, 'authority.public.jwk.json')})`,
  );
  // Retention as of 400 days later: past the closed complaints' period (365 days by default).
  return retentionAsOfLater(gateways, 400, log);
}

/** Registers the agency's county system as a webhook endpoint of its gateway (as the agency's admin). */
async function addCountyEndpoint(g: RunningGateway, county: CountyReceiver): Promise<void> {
  const id = g.config.agencyId;
  const admin = await issueToken(await readJwk(federationFiles(g.config.federation.dir).authIssuerKey(id)), {
    issuer: g.config.auth.issuer,
    audience: g.config.auth.audience,
    subject: 'demo-admin',
    roles: ['admin'],
  });
  const res = await fetch(`${g.url}/api/v1/webhooks/endpoints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({ url: county.url(id), description: `county system of ${id}` }),
  });
  const body = (await res.json()) as { secret?: string; message?: string };
  if (res.status !== 201 || !body.secret)
    throw new Error(`webhook endpoint of ${id}: ${res.status} ${body.message ?? ''}`);
  county.accept(id, body.secret);
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function submitAll(byId: Map<string, RunningGateway>, items: Submission[]): Promise<void> {
  let done = 0;
  const lanes = 8;
  const queue = [...items];
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const res = await fetch(`${byId.get(s.from)!.url}/api/v1/${s.kind}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(s.from)}` },
          body: JSON.stringify({ recipient: s.to, body: s.body }),
        });
        if (res.status !== 202)
          throw new Error(`submission ${s.kind} ${s.from}->${s.to} refused: ${res.status} ${await res.text()}`);
        if (++done % 25 === 0 || done === items.length) log(`  submitted ${done}/${items.length}`);
      }
    }),
  );
}

async function received(repos: MessageRepository[]): Promise<number> {
  let n = 0;
  for (const r of repos)
    n += (await r.counts()).filter((c) => c.direction === 'in' && !isProtocolType(c.type)).reduce((a, c) => a + c.n, 0);
  return n;
}

async function tally(gateways: RunningGateway[]) {
  const t = { sent: 0, delivered: 0, accepted: 0, rejected: 0, quarantined: 0 };
  for (const g of gateways) {
    for (const c of await g.app.get(MessageRepository).counts()) {
      // Business traffic only: receipts and the audit witnessing are the gateways' own.
      if (isProtocolType(c.type)) continue;
      if (c.direction === 'in') t.delivered += c.n;
      else {
        t.sent += c.n;
        if (c.status === 'accepted') t.accepted += c.n;
        if (c.status === 'rejected') t.rejected += c.n;
      }
    }
    t.quarantined += Object.values(await g.app.get(QuarantineRepository).countsByReason()).reduce((a, n) => a + n, 0);
  }
  return t;
}

/** Checkpoints sent to partners that no countersignature answered yet. */
async function checkpointsAwaitingWitness(gateways: RunningGateway[]): Promise<number> {
  let n = 0;
  for (const g of gateways)
    for (const c of await g.app.get(MessageRepository).counts())
      if (c.type === 'AUDIT_CHECKPOINT' && c.direction === 'out' && c.status !== 'accepted') n += c.n;
  return n;
}

async function waitFor(
  what: string,
  timeoutS: number,
  probe: () => Promise<{ done: boolean; progress: string }>,
): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    const p = await probe();
    if (p.progress !== last) log(`  ${p.progress}`);
    last = p.progress;
    if (p.done) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutS}s waiting for ${what} (${p.progress})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Two records a gateway must refuse: a real 旌德 record with one byte flipped, and an impostor. */
async function injectHostile(brokers: string, dir: string, target: RunningGateway): Promise<void> {
  const codec = target.app.get(WireCodec);
  const files = federationFiles(dir);
  const jingde = await LocalKeys.load(files.signingKey(JINGDE), files.encryptionKey(JINGDE));
  const input = (leadNo: string) => ({
    type: 'LEAD' as const,
    sender: JINGDE,
    recipient: HANGZHOU,
    zone: 'yrd',
    correlationId: leadNo,
    body: sampleLead(leadNo),
  });
  const corrupted = await composeSignedRecord(codec, jingde.signer, input('JD-TAMPERED-0001'));
  corrupted.value[corrupted.value.length - 7] ^= 0x20;
  const rogue = await generateSigningKey('EdDSA', `${JINGDE}-sig-1`);
  const impostor = await composeSignedRecord(
    codec,
    { kid: 'impostor-key', alg: 'EdDSA', key: await importKey(rogue.privateJwk) },
    input('JD-IMPOSTOR-0001'),
  );
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'xietong-demo-hostile' });
  const publisher = new RecordPublisher(kafka);
  const inbox = target.app.get(ManifestStore).federation.requireMember(HANGZHOU).inbox;
  await publisher.publish(
    [corrupted, impostor].map((r) => ({ topic: inbox, key: r.key, value: r.value, headers: r.headers })),
  );
  await publisher.close();
}

const program = new Command('demo')
  .description('Run the three-agency demo exchange on the local Kafka broker and SQLite')
  .option('--leads <n>', 'leads 旌德 transfers to each partner', (v) => Number(v), 20)
  .option('--complaints <n>', 'complaints 旌德 transfers to each partner', (v) => Number(v), 10)
  .option('--dir <dir>', 'working directory (wiped at start)', join(repoRoot(), 'data', 'demo'))
  .option('--timeout <s>', 'seconds to wait for deliveries', (v) => Number(v), 120)
  .option('--console', 'keep the gateways and their web console up after the scenario (default in a terminal)')
  .option('--no-console', 'stop after the scenario')
  .action(async (opts: Options) => {
    if (![opts.leads, opts.complaints, opts.timeout].every((n) => Number.isInteger(n) && n > 0)) {
      log('error: --leads, --complaints and --timeout must be positive integers');
      process.exitCode = 2;
      return;
    }
    try {
      const keep = process.argv.some((a) => a === '--console' || a === '--no-console')
        ? opts.console
        : Boolean(process.stdin.isTTY);
      process.exitCode = await main({ ...opts, console: keep, dir: resolve(opts.dir) });
    } catch (e) {
      log(`error: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  });

void program.parseAsync(process.argv);
