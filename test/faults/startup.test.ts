import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { issueToken } from '@xietong/dev';
import { GATEWAY_NODE_FLAGS, repoRoot } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { federationFiles, readJwk, signManifest, verifyManifest } from '@xietong/federation';
import { stopChild } from '../../apps/bench/src/stats';
import { FaultRig, HZ, JD, localBroker, waitFor } from './fault-harness';

/** A gateway process started as an operator would (dist/apps/gateway), its output kept line by line. */
interface Launched {
  child: ChildProcess;
  out: string[];
  err: string[];
  /** The URL it printed (running, or waiting for its federation files). */
  url(timeoutMs?: number): Promise<string>;
  exited(timeoutMs: number): Promise<number | null | undefined>;
  stop(): Promise<void>;
}

function launch(id: string, env: Record<string, string>): Launched {
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, join(repoRoot(), 'dist/apps/gateway/src/main.js')], {
    env: { ...process.env, XIETONG_AGENCY_ID: id, XIETONG_HTTP_PORT: '0', ...env },
    // The IPC channel ties the gateway to this test process (it shuts down if we die).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => err.push(l));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    out,
    err,
    async url(timeoutMs = 60_000) {
      let found = '';
      const seen = await waitFor(async () => {
        const line = [...out, ...err].find((l) =>
          /(running \[[^\]]*\]|waiting for its federation files) at http/.test(l),
        );
        found = /at (http:\/\/[\d.]+:\d+)/.exec(line ?? '')?.[1] ?? '';
        return found !== '' || child.exitCode !== null;
      }, timeoutMs);
      if (!seen || !found) throw new Error(`gateway ${id} printed no URL:\n${[...out, ...err].join('\n')}`);
      return found;
    },
    exited: (timeoutMs) =>
      Promise.race([exit, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs).unref())]),
    stop: () => stopChild(child, 15_000),
  };
}

async function get(url: string): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await res.json();
  return { status: res.status, body, ms: performance.now() - started };
}

async function submitLead(url: string, token: string, tag: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      items: [{ type: 'LEAD', recipient: HZ, messageId: randomUUID(), body: sampleLead(`${tag}-1`, 1) }],
    }),
  });
  return { status: res.status, body: await res.json() };
}

/** Lines that are warnings or errors, in either stream (Nest writes warnings to stdout). */
const alarming = (g: Launched) => [...g.out, ...g.err].filter((l) => /\b(WARN|ERROR)\b/.test(l));
const stackLines = (g: Launched) => [...g.out, ...g.err].filter((l) => /^\s+at /.test(l));

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/;

describe('gateway start-up as an OS process: degraded, not dead, for what time or an operator fixes', () => {
  let rig: FaultRig;
  const extraSchemas: string[] = [];
  const launched: Launched[] = [];
  const start = (id: string, env: Record<string, string>) => {
    const g = launch(id, env);
    launched.push(g);
    return g;
  };
  const schema = (name: string) => {
    extraSchemas.push(rig.schema(name));
    return rig.schema(name);
  };
  const token = async (id: string) =>
    issueToken(await readJwk(federationFiles(rig.dir).authIssuerKey(id)), {
      issuer: 'xietong-local-idp',
      audience: `xietong-gateway-${id}`,
      subject: 'startup-suite',
      roles: ['submitter', 'handler', 'auditor'],
    });

  beforeAll(async () => {
    rig = new FaultRig();
    await rig.init();
  });
  afterEach(async () => {
    for (const g of launched.splice(0)) await g.stop();
  });
  afterAll(async () => {
    for (const s of extraSchemas) await rig.pg.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await rig?.close();
  });

  it('comes up without a broker: 503 in under a second naming Kafka, one line naming KAFKA_BROKERS; ready and delivering once the broker is back', async () => {
    localBroker.kill();
    let resumed = false;
    try {
      const t0 = Date.now();
      const jd = start(JD, rig.gatewayEnv(JD));
      const hz = start(HZ, rig.gatewayEnv(HZ));
      const url = await jd.url();
      const httpUpS = (Date.now() - t0) / 1000;
      const ready = await get(`${url}/health/ready`);
      expect({ status: ready.status, fast: ready.ms < 1000, body: ready.body }).toEqual({
        status: 503,
        fast: true,
        body: {
          status: 'degraded',
          agency: JD,
          reasons: [expect.stringMatching(/^kafka \(KAFKA_BROKERS=127\.0\.0\.1:\d+\): cannot reach the Kafka brokers/)],
        },
      });
      const detail = await get(`${url}/health`);
      expect({ status: detail.status, fast: detail.ms < 1000 }).toEqual({ status: 503, fast: true });
      expect(detail.body).toMatchObject({ database: { status: 'up' }, kafka: { status: 'down' } });
      expect((await get(`${url}/health/live`)).status).toBe(200);
      // Accepted while the broker is away: held in the outbox.
      const accepted = await submitLead(url, await token(JD), 'BROKERDOWN');
      expect(accepted.status).toBe(202);
      // kafkajs alone printed ~18 ERROR lines in 20 s here, then a stack trace.
      const flooded = await waitFor(async () => alarming(jd).length > 2, 20_000, 500);
      expect({ flooded, lines: alarming(jd), stack: stackLines(jd), exited: jd.child.exitCode }).toEqual({
        flooded: false,
        lines: [expect.stringMatching(/Kafka not usable \(KAFKA_BROKERS=127\.0\.0\.1:\d+\)/)],
        stack: [],
        exited: null,
      });
      const hzUrl = await hz.url();
      const resumeAt = Date.now();
      localBroker.resume();
      resumed = true;
      const brokerUpS = (Date.now() - resumeAt) / 1000;
      const readyBoth = await waitFor(
        async () =>
          (await get(`${url}/health/ready`)).status === 200 && (await get(`${hzUrl}/health/ready`)).status === 200,
        60_000,
        250,
      );
      const readyS = (Date.now() - resumeAt) / 1000;
      const delivered = await waitFor(async () => (await rig.delivered('BROKERDOWN')) === 1, 60_000, 250);
      const deliveredS = (Date.now() - resumeAt) / 1000;
      console.log(
        `no broker at start: HTTP up after ${httpUpS} s, /health/ready ${Math.round(ready.ms)} ms, /health ${Math.round(detail.ms)} ms; broker resumed in ${brokerUpS} s; ready ${readyS} s and delivered ${deliveredS} s after the resume began`,
      );
      expect({ readyBoth, delivered }).toEqual({ readyBoth: true, delivered: true });
      expect(jd.out.some((l) => /Kafka reachable again after \d+ s \(KAFKA_BROKERS=/.test(l))).toBe(true);
    } finally {
      if (!resumed) localBroker.resume();
    }
  });

  it('runs degraded on a manifest that expired, in one line, and recovers when a newer one is placed', async () => {
    const files = federationFiles(rig.dir);
    const authority = await readJwk(files.authorityPrivate);
    const current = await verifyManifest(readFileSync(files.manifest, 'utf8'), await readJwk(files.authorityPublic));
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const file = join(mkdtempSync(join(tmpdir(), 'xt-expired-')), 'manifest.jws');
    writeFileSync(file, await signManifest({ ...current, serial: current.serial + 1, expiresAt: past }, authority));
    // JD's own database (the consumer group's offsets match it: no rewind warning).
    const jd = start(JD, rig.gatewayEnv(JD, { XIETONG_MANIFEST_FILE: file }));
    const url = await jd.url();
    const ready = await get(`${url}/health/ready`);
    expect({ status: ready.status, fast: ready.ms < 1000, reasons: ready.body.reasons }).toEqual({
      status: 503,
      fast: true,
      reasons: [expect.stringMatching(new RegExp(`^manifest: serial ${current.serial + 1} expired at `))],
    });
    const refused = await submitLead(url, await token(JD), 'EXPIRED');
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 503, error: 'MANIFEST_EXPIRED' });
    expect({ lines: alarming(jd), stack: stackLines(jd) }).toEqual({
      lines: [expect.stringMatching(/manifest serial \d+ at .* expired at .*: running degraded/)],
      stack: [],
    });
    writeFileSync(file, await signManifest({ ...current, serial: current.serial + 2 }, authority));
    expect(await waitFor(async () => (await get(`${url}/health/ready`)).status === 200, 30_000, 250)).toBe(true);
  });

  it('waits for a federation directory that does not exist yet, serving only health, and starts once it is provisioned', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'xt-unprovisioned-')), 'federation');
    const jd = start(JD, {
      ...rig.gatewayEnv(JD, { XIETONG_DATABASE_SCHEMA: schema('jdwait') }),
      XIETONG_FEDERATION_DIR: dir,
    });
    const url = await jd.url();
    const ready = await get(`${url}/health/ready`);
    expect({ status: ready.status, fast: ready.ms < 1000, reasons: ready.body.reasons }).toEqual({
      status: 503,
      fast: true,
      reasons: [expect.stringContaining(`federation: directory ${dir} does not exist yet (XIETONG_FEDERATION_DIR)`)],
    });
    expect((await get(`${url}/health/live`)).status).toBe(200);
    const api = await fetch(`${url}/api/v1/messages`);
    expect({ status: api.status, error: ((await api.json()) as { error: string }).error }).toEqual({
      status: 503,
      error: 'FEDERATION_MISSING',
    });
    expect({ lines: alarming(jd), stack: stackLines(jd) }).toEqual({
      lines: [
        expect.stringMatching(new RegExp(`federation directory ${dir} does not exist \\(XIETONG_FEDERATION_DIR\\)`)),
      ],
      stack: [],
    });
    cpSync(rig.dir, dir, { recursive: true });
    expect(
      await waitFor(
        async () => (await get(`${url}/health/ready`).catch(() => ({ status: 0 }))).status === 200,
        60_000,
        250,
      ),
    ).toBe(true);
    expect(jd.out.some((l) => l.includes(`running [http, relay, inbound, scheduler] at ${url}`))).toBe(true);
  });

  it('exits 1 with one line for every configuration error', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = String((busy.address() as { port: number }).port);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['agency id', { XIETONG_AGENCY_ID: 'abc' }, /CONFIG_INVALID: XIETONG_AGENCY_ID must be/],
      ['port', { XIETONG_HTTP_PORT: '70000' }, /CONFIG_INVALID: XIETONG_HTTP_PORT must be an integer/],
      ['log format', { XIETONG_LOG_FORMAT: 'xml' }, /CONFIG_INVALID: XIETONG_LOG_FORMAT must be text or json/],
      ['brokers', { KAFKA_BROKERS: 'nohostport' }, /CONFIG_INVALID: KAFKA_BROKERS must be/],
      ['database url', { XIETONG_DATABASE_URL: 'mysql://x' }, /CONFIG_INVALID: XIETONG_DATABASE_URL must be/],
      [
        'database down',
        { XIETONG_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
        /DATABASE_UNAVAILABLE: cannot open the database postgres:\/\/postgres@127\.0\.0\.1:1\/none/,
      ],
      [
        'database password in the URL',
        { XIETONG_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/none' },
        /^(?!.*secret).*CONFIG_INVALID: XIETONG_DATABASE_URL must not hold a password/,
      ],
      [
        'no token issuer outside development',
        { XIETONG_DEVELOPMENT: 'false' },
        /CONFIG_INVALID: XIETONG_AUTH_ISSUER must be the issuer \(iss\) of the agency's identity provider/,
      ],
      [
        'signing key',
        { XIETONG_SIGNING_KEY_FILE: '/nonexistent/k.json' },
        /CONFIG_INVALID: cannot read XIETONG_SIGNING_KEY_FILE \/nonexistent\/k.json: ENOENT/,
      ],
      [
        'authority key',
        { XIETONG_AUTHORITY_KEY_FILE: '/nonexistent/a.json' },
        /CONFIG_INVALID: cannot read the zone authority key .*XIETONG_AUTHORITY_KEY_FILE/,
      ],
      ['manifest file', { XIETONG_MANIFEST_FILE: '/nonexistent/m.jws' }, /MANIFEST_INVALID: cannot read manifest/],
      ['jwks', { XIETONG_AUTH_JWKS_FILE: '/nonexistent/j.json' }, /CONFIG_INVALID: cannot read XIETONG_AUTH_JWKS_FILE/],
      ['schemas', { XIETONG_SCHEMAS_DIR: '/nonexistent' }, /CONFIG_INVALID: cannot read the Avro schemas/],
      [
        'scrape credential',
        { XIETONG_METRICS_TOKEN_FILE: '/nonexistent/t' },
        /CONFIG_INVALID: cannot read XIETONG_METRICS_TOKEN_FILE/,
      ],
      [
        'kafka password file',
        { KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: '/nonexistent/pw' },
        /CONFIG_INVALID: cannot read KAFKA_SASL_PASSWORD_FILE/,
      ],
      [
        'federation id',
        { XIETONG_FEDERATION_ID: 'another-zone' },
        /MANIFEST_INVALID: manifest .* is of federation \w+, this gateway belongs to another-zone \(XIETONG_FEDERATION_ID\)/,
      ],
      ['port taken', { XIETONG_HTTP_PORT: busyPort }, /EADDRINUSE/],
    ];
    const results: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    try {
      for (const [name, env, line] of cases) {
        const g = start(JD, rig.gatewayEnv(JD, { XIETONG_DATABASE_SCHEMA: schema('jdcfg'), ...env }));
        const code = await g.exited(60_000);
        results[name] = { code, lines: alarming(g), stack: stackLines(g) };
        expected[name] = { code: 1, lines: [expect.stringMatching(line)], stack: [] };
      }
    } finally {
      busy.close();
    }
    expect(results).toEqual(expected);
    // One process start per case, one after the other (18 cases: a few seconds each on a busy machine).
  }, 300_000);

  it('writes JSON lines with an ISO 8601 time and offset on request, a configuration error too', async () => {
    const jd = start(
      JD,
      rig.gatewayEnv(JD, {
        XIETONG_LOG_FORMAT: 'json',
        TZ: 'Asia/Shanghai',
        XIETONG_DATABASE_SCHEMA: schema('jdjson'),
      }),
    );
    const url = await jd.url();
    expect(await waitFor(async () => (await get(`${url}/health/ready`)).status === 200, 30_000, 250)).toBe(true);
    await jd.stop();
    const lines = jd.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(3);
    expect(jd.err).toEqual([]);
    for (const l of lines) {
      expect({ time: l.time, level: l.level, message: typeof l.message }).toEqual({
        time: expect.stringMatching(ISO_WITH_OFFSET),
        level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/),
        message: 'string',
      });
      expect(l.time).toMatch(/\+08:00$/);
    }
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'info', context: 'Xietong', message: expect.stringMatching(/running \[/) }),
    );
    const bad = start(JD, rig.gatewayEnv(JD, { XIETONG_LOG_FORMAT: 'json', XIETONG_HTTP_PORT: 'abc' }));
    expect(await bad.exited(60_000)).toBe(1);
    expect(bad.out.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/^CONFIG_INVALID: XIETONG_HTTP_PORT/) }),
    ]);
  });
});
