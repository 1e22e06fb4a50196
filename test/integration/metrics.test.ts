import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleLead } from '@xietong/contracts';
import { LocalKeys } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { eventually, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const SCRAPE_TOKEN = 'a3f1c9e07b5d42e8b6a0f7c31d9e5b24c8a6f0e3d7b1a5c9';

/** The samples of `name` carrying every label given, in any order. */
function samples(text: string, name: string, labels: Record<string, string>): string[] {
  return text.split('\n').filter((l) => {
    const m = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(l);
    return m !== null && m[1] === name && Object.entries(labels).every(([k, v]) => m[2].includes(`${k}="${v}"`));
  });
}

/** The value of the one sample of `name` carrying every label given (agency included). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const lines = samples(text, name, labels);
  if (lines.length !== 1) throw new Error(`${lines.length} samples of ${name} ${JSON.stringify(labels)}`);
  return Number(lines[0].slice(lines[0].lastIndexOf(' ') + 1));
}

describe('/metrics on a running pair of gateways', () => {
  let h: Harness;
  let tokenFile: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xietong-metrics-'));
    tokenFile = join(dir, 'scrape.token');
    writeFileSync(tokenFile, `${SCRAPE_TOKEN}\n`, { mode: 0o600 });
    h = await startFederation({ members: [JD, HZ], dialect: 'sqlite', env: { XIETONG_METRICS_TOKEN_FILE: tokenFile } });
  });
  afterAll(() => h?.close());

  const scrape = async (id: string, authorization?: string) => {
    const res = await fetch(`${h.gateway(id).url}/metrics`, {
      headers: authorization ? { authorization } : {},
    });
    return { status: res.status, text: await res.text() };
  };
  const asAuditor = async (id: string) => scrape(id, `Bearer ${await h.token(id, ['auditor'])}`);

  it('serves the process and Node.js defaults with the agency label', async () => {
    const { status, text } = await asAuditor(JD);
    expect(status).toBe(200);
    expect(sample(text, 'process_cpu_user_seconds_total', { agency: JD })).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes', { agency: JD })).toBeGreaterThan(10_000_000);
    expect(sample(text, 'nodejs_heap_size_used_bytes', { agency: JD })).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds', { agency: JD })).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
  });

  it('measures submission-to-stored at the recipient and claim-to-ack at the sender relay', async () => {
    const before = await asAuditor(HZ);
    const deliveredBefore =
      samples(before.text, 'xietong_delivery_latency_seconds_count', { type: 'LEAD' }).length === 1
        ? sample(before.text, 'xietong_delivery_latency_seconds_count', { type: 'LEAD', agency: HZ })
        : 0;
    const submittedAt = Date.now();
    const res = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-METRICS-1') });
    expect(res.status).toBe(202);
    await eventually('the lead stored at 杭州', () => h.messages(HZ).find(res.json.messageId));
    const storedBy = (Date.now() - submittedAt) / 1000;

    const hz = (await asAuditor(HZ)).text;
    expect(sample(hz, 'xietong_delivery_latency_seconds_count', { type: 'LEAD', agency: HZ })).toBe(
      deliveredBefore + 1,
    );
    const sum = sample(hz, 'xietong_delivery_latency_seconds_sum', { type: 'LEAD', agency: HZ });
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(storedBy + 1);
    expect(sample(hz, 'xietong_delivery_latency_seconds_bucket', { le: '+Inf', type: 'LEAD', agency: HZ })).toBe(
      deliveredBefore + 1,
    );
    // 杭州's receipt travels back: 旌德 measures it too.
    await eventually(
      'the receipt stored at 旌德',
      async () =>
        samples((await asAuditor(JD)).text, 'xietong_delivery_latency_seconds_count', { type: 'RECEIPT' }).length === 1,
    );

    const jd = (await asAuditor(JD)).text;
    const published = sample(jd, 'xietong_publish_latency_seconds_count', { agency: JD });
    expect(published).toBeGreaterThanOrEqual(1);
    const publishSum = sample(jd, 'xietong_publish_latency_seconds_sum', { agency: JD });
    expect(publishSum).toBeGreaterThan(0);
    expect(publishSum / published).toBeLessThan(storedBy + 1);
  });

  it('gives the manifest and signing-key expiry as Unix timestamps, and keeps the old gauge', async () => {
    const { text } = await asAuditor(JD);
    const manifest = h.gateway(JD).app.get(ManifestStore).lastKnown;
    expect(sample(text, 'xietong_manifest_expiry_timestamp_seconds', { agency: JD })).toBe(
      manifest.expiresAt.getTime() / 1000,
    );
    const remaining = sample(text, 'xietong_manifest_expiry_seconds', { agency: JD });
    expect(Math.abs(remaining - (manifest.expiresAt.getTime() - Date.now()) / 1000)).toBeLessThan(30);
    expect(text).toContain('# HELP xietong_manifest_expiry_seconds DEPRECATED');
    const kid = h.gateway(JD).app.get(LocalKeys).signer.kid;
    const key = manifest.member(JD)!.signingKeys.find((k) => k.kid === kid)!;
    expect(sample(text, 'xietong_signing_key_expiry_timestamp_seconds', { kid, in_use: 'true', agency: JD })).toBe(
      Date.parse(key.notAfter) / 1000,
    );
  });

  it('takes the static scrape credential from the file, on /metrics only', async () => {
    const ok = await scrape(JD, `Bearer ${SCRAPE_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('xietong_outbox_pending{agency="341825"}');
    for (const wrong of [`Bearer ${SCRAPE_TOKEN.slice(0, -1)}x`, `Bearer ${SCRAPE_TOKEN}0`, 'Bearer x', undefined]) {
      const res = await scrape(JD, wrong);
      expect({ wrong, status: res.status }).toEqual({ wrong, status: 401 });
    }
    const api = await fetch(`${h.gateway(JD).url}/api/v1/messages`, {
      headers: { authorization: `Bearer ${SCRAPE_TOKEN}` },
    });
    expect(api.status).toBe(401);
  });
});
