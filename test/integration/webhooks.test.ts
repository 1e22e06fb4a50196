// Signed webhooks (docs/webhooks.md, issue 25) on real Kafka and PostgreSQL: what 杭州's gateway
// receives reaches 杭州's county system, a local HTTP receiver that verifies every delivery with
// the Standard Webhooks library (`standardwebhooks`), not with our code.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { sampleLead } from '@xietong/contracts';
import { startGateway } from '@xietong/gateway';
import { startFederation, testLogLevels, waitFor, type Harness } from '@xietong/testing';
import { runCli } from '../../apps/cli/src/cli';

const JD = '341825';
const HZ = '330100';

interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  at: number;
}

/** A county system's receiver: records every POST and answers with `status` (or a redirect). */
class Receiver {
  received: Received[] = [];
  status = 200;
  location?: string;
  private server?: Server;
  port = 0;

  async listen(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        this.received.push({ ...hooks(req.headers), body, at: Date.now() });
        if (this.location) res.writeHead(302, { location: this.location }).end();
        else res.writeHead(this.status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections());
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  events(): { id: string; type: string; data: Record<string, unknown> }[] {
    return this.received.map((r) => ({ id: r.id, ...(JSON.parse(r.body) as { type: string; data: any }) }));
  }
}

const hooks = (h: IncomingHttpHeaders) => ({
  id: String(h['webhook-id']),
  timestamp: String(h['webhook-timestamp']),
  signature: String(h['webhook-signature']),
});

/** The library's verdict on one delivery: the parsed body, or the library's error message. */
function verify(secret: string, r: Received): { ok: true; body: any } | { ok: false; error: string } {
  try {
    const body = new Webhook(secret).verify(r.body, {
      'webhook-id': r.id,
      'webhook-timestamp': r.timestamp,
      'webhook-signature': r.signature,
    });
    return { ok: true, body };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

describe('signed webhooks to the county system (PostgreSQL)', () => {
  let h: Harness;
  const receiver = new Receiver();
  const gone = new Receiver();
  const redirecting = new Receiver();
  const trap = new Receiver();
  let spare: number;

  beforeAll(async () => {
    await Promise.all([receiver.listen(), gone.listen(), redirecting.listen(), trap.listen()]);
    gone.status = 410;
    redirecting.location = trap.url();
    // A port nobody listens on and no allowlist names.
    const probe = await new Receiver().listen();
    spare = probe.port;
    await probe.close();
    h = await startFederation({
      members: [JD, HZ],
      dialect: 'postgres',
      env: {
        XIETONG_WEBHOOK_RETRY_SCHEDULE: '0,500ms,1s,1s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s',
        XIETONG_WEBHOOK_POLL: '100ms',
        XIETONG_WEBHOOK_TIMEOUT: '2s',
        // The test receivers only; the trap (the redirect's target) is not named.
        XIETONG_WEBHOOK_ALLOW_PRIVATE: [receiver, gone, redirecting].map((r) => `127.0.0.1:${r.port}`).join(','),
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([receiver, gone, redirecting, trap].map((r) => r.close()));
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.gateway(HZ).url}/api/v1/webhooks${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.token(HZ, ['admin'])}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const sendLead = async (leadNo: string) => {
    const r = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead(leadNo, 1) });
    expect(r.status).toBe(202);
    return r.json.messageId as string;
  };
  const receivedLead = (r: Receiver, messageId: string) =>
    r.received.filter((x) => {
      const e = JSON.parse(x.body) as { type: string; data: { messageId?: string } };
      return e.type === 'message.received' && e.data.messageId === messageId;
    });
  let secret: string;
  let endpointId: string;

  it('refuses endpoints on loopback, link-local and private addresses not allowlisted', async () => {
    for (const url of [
      `http://127.0.0.1:${spare}/hook`,
      'http://169.254.169.254/latest/meta-data',
      'http://10.20.30.40/hook',
      'http://[::1]:8080/hook',
      `http://localhost:${spare}/hook`,
      `http://0x7f000001:${spare}/hook`,
    ]) {
      const r = await admin('POST', '/endpoints', { url });
      expect({ url, status: r.status, error: r.json.error }).toEqual({
        url,
        status: 422,
        error: 'WEBHOOK_URL_REFUSED',
      });
    }
    const bad = await admin('POST', '/endpoints', { url: 'ftp://example.org/x' });
    expect({ status: bad.status, error: bad.json.error, field: bad.json.field }).toEqual({
      status: 400,
      error: 'VALIDATION_FAILED',
      field: 'url',
    });
    expect((await admin('GET', '/endpoints')).json.items).toEqual([]);
  });

  it('is for admins only', async () => {
    const res = await fetch(`${h.gateway(HZ).url}/api/v1/webhooks/endpoints`, {
      headers: { authorization: `Bearer ${await h.token(HZ, ['submitter', 'handler', 'auditor'])}` },
    });
    expect(res.status).toBe(403);
  });

  it("delivers a lead received by 杭州's gateway to 杭州's receiver, verified by the standardwebhooks library", async () => {
    const created = await admin('POST', '/endpoints', {
      url: receiver.url(),
      eventTypes: ['message.received'],
      description: '杭州 case system',
    });
    expect(created.status).toBe(201);
    expect(created.json.secret).toMatch(/^whsec_/);
    secret = created.json.secret;
    endpointId = created.json.id;
    expect((await admin('GET', `/endpoints/${endpointId}`)).json).not.toHaveProperty('secret');
    const submitted = Date.now();
    const messageId = await sendLead('HOOK-0001');
    expect(await waitFor(async () => receivedLead(receiver, messageId).length > 0, 60_000)).toBe(true);
    const [delivery] = receivedLead(receiver, messageId);
    // Reported, not asserted: submission at 嘉兴 to the county system's receiver at 杭州.
    console.log(`webhook delay, JD submission -> HZ receiver: ${delivery.at - submitted} ms`);
    const checked = verify(secret, delivery);
    expect(checked).toMatchObject({
      ok: true,
      body: {
        type: 'message.received',
        data: { messageId, messageType: 'LEAD', sender: JD, correlationId: 'HOOK-0001' },
      },
    });
    // No personal data: ids, codes and links only.
    expect(delivery.body).not.toContain('subject');
    expect(delivery.id).toMatch(/^msg_/);
  });

  it('has the library refuse a replay with a fresh timestamp and a stale delivery', () => {
    const delivery = receiver.received[0];
    expect(verify(secret, delivery).ok).toBe(true);
    // A replay that moves the timestamp to pass the freshness check no longer matches the signature.
    const replayed = { ...delivery, timestamp: String(Number(delivery.timestamp) + 1) };
    expect(verify(secret, replayed)).toEqual({ ok: false, error: 'No matching signature found' });
    const later = jest.spyOn(Date, 'now').mockReturnValue(Number(delivery.timestamp) * 1000 + 10 * 60_000);
    try {
      expect(verify(secret, delivery)).toEqual({ ok: false, error: 'Message timestamp too old' });
    } finally {
      later.mockRestore();
    }
    expect(verify('whsec_' + Buffer.alloc(32, 7).toString('base64'), delivery)).toMatchObject({ ok: false });
  });

  it('signs with the old and the new secret during a rotation overlap, then with the new one only', async () => {
    const rotated = await admin('POST', `/endpoints/${endpointId}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    const fresh: string = rotated.json.secret;
    expect(fresh).not.toBe(secret);
    const during = await sendLead('HOOK-0002');
    expect(await waitFor(async () => receivedLead(receiver, during).length > 0, 60_000)).toBe(true);
    const [d1] = receivedLead(receiver, during);
    expect(verify(secret, d1).ok).toBe(true);
    expect(verify(fresh, d1).ok).toBe(true);
    const again = await admin('POST', `/endpoints/${endpointId}/rotate-secret`, { overlapSeconds: 0 });
    const latest: string = again.json.secret;
    const after = await sendLead('HOOK-0003');
    expect(await waitFor(async () => receivedLead(receiver, after).length > 0, 60_000)).toBe(true);
    const [d2] = receivedLead(receiver, after);
    expect(verify(latest, d2).ok).toBe(true);
    expect(verify(fresh, d2)).toEqual({ ok: false, error: 'No matching signature found' });
    expect(verify(secret, d2)).toEqual({ ok: false, error: 'No matching signature found' });
    secret = latest;
  });

  it('delays but loses nothing while the receiver is down: every event once per webhook-id', async () => {
    const port = receiver.port;
    await receiver.close();
    const ids = [await sendLead('HOOK-0101'), await sendLead('HOOK-0102'), await sendLead('HOOK-0103')];
    // The attempts fail while it is down (connection refused), and are logged.
    expect(
      await waitFor(async () => {
        const log = (await admin('GET', `/endpoints/${endpointId}/deliveries`)).json.items as any[];
        return log.filter((d) => d.status === 'pending' && d.attempts >= 2 && d.lastError).length >= ids.length;
      }, 60_000),
    ).toBe(true);
    receiver.received = [];
    await receiver.listen(port);
    expect(await waitFor(async () => ids.every((id) => receivedLead(receiver, id).length > 0), 60_000)).toBe(true);
    const events = receiver.events();
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const r of receiver.received) expect(verify(secret, r).ok).toBe(true);
    const log = (await admin('GET', `/endpoints/${endpointId}/deliveries`)).json.items as any[];
    const first = log.find((d) => d.eventId === receivedLead(receiver, ids[0])[0].id);
    expect(first).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
    expect(first.log.length).toBeGreaterThanOrEqual(3);
    expect(first.log.at(-1)).toMatchObject({ statusCode: 200, error: null, durationMs: expect.any(Number) });
    expect(first.log[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('loses nothing when the gateway restarts mid-retry', async () => {
    receiver.status = 503;
    receiver.received = [];
    const messageId = await sendLead('HOOK-0201');
    expect(await waitFor(async () => receivedLead(receiver, messageId).length >= 1, 60_000)).toBe(true);
    const config = h.gateway(HZ).config;
    await h.gateway(HZ).close();
    receiver.status = 200;
    const before = receivedLead(receiver, messageId).length;
    h.gateways.set(HZ, await startGateway(config, { logLevels: testLogLevels() }));
    expect(await waitFor(async () => receivedLead(receiver, messageId).some((_, i) => i >= before), 60_000)).toBe(true);
    const all = receivedLead(receiver, messageId);
    // One event: every attempt, before and after the restart, carries the same webhook-id.
    expect(new Set(all.map((r) => r.id)).size).toBe(1);
    expect(verify(secret, all.at(-1)!).ok).toBe(true);
  });

  it('re-delivers on request with the same webhook-id', async () => {
    const log = (await admin('GET', `/endpoints/${endpointId}/deliveries`)).json.items as any[];
    const done = log.find((d) => d.status === 'delivered');
    const before = receiver.received.filter((r) => r.id === done.eventId).length;
    const r = await admin('POST', `/deliveries/${done.id}/redeliver`);
    expect(r).toEqual({ status: 202, json: { deliveryId: done.id, endpointId } });
    expect(
      await waitFor(async () => receiver.received.filter((x) => x.id === done.eventId).length > before, 30_000),
    ).toBe(true);
    expect((await admin('POST', '/deliveries/999999999/redeliver')).status).toBe(404);
  });

  it('does not follow a redirect, even to an address the guard would refuse', async () => {
    const created = await admin('POST', '/endpoints', { url: redirecting.url(), eventTypes: ['message.received'] });
    expect(created.status).toBe(201);
    await sendLead('HOOK-0301');
    expect(
      await waitFor(async () => {
        const log = (await admin('GET', `/endpoints/${created.json.id}/deliveries`)).json.items as any[];
        return log.some((d) => d.lastStatusCode === 302);
      }, 60_000),
    ).toBe(true);
    expect(trap.received).toEqual([]);
    await admin('DELETE', `/endpoints/${created.json.id}`);
  });

  it('disables an endpoint that answers 410 Gone, and says so in /health', async () => {
    const created = await admin('POST', '/endpoints', { url: gone.url() });
    expect(created.status).toBe(201);
    await sendLead('HOOK-0401');
    expect(
      await waitFor(async () => (await admin('GET', `/endpoints/${created.json.id}`)).json.enabled === false, 60_000),
    ).toBe(true);
    const ep = (await admin('GET', `/endpoints/${created.json.id}`)).json;
    expect(ep.disabledReason).toMatch(/^gone/);
    expect(gone.received.length).toBe(1);
    const health = (await (await fetch(`${h.gateway(HZ).url}/health`)).json()) as any;
    expect(health.webhooks).toMatchObject({ status: 'warn', note: expect.stringContaining(created.json.id) });
    // Enabling again clears the disabling.
    const enabled = await admin('PATCH', `/endpoints/${created.json.id}`, { enabled: true });
    expect(enabled.json).toMatchObject({ enabled: true, disabledReason: null });
    expect((await admin('DELETE', `/endpoints/${created.json.id}`)).status).toBe(200);
    expect((await admin('GET', `/endpoints/${created.json.id}`)).status).toBe(404);
  });

  it('is managed from the CLI through the API: list, delivery log, update', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const api = ['--gateway', h.gateway(HZ).url!, '--token', await h.token(HZ, ['admin'])];
    expect(await runCli(['webhooks', 'list', ...api], io)).toBe(0);
    expect(out.join('\n')).toContain(`${endpointId}\tenabled\tmessage.received\t${receiver.url()}`);
    out.length = 0;
    expect(await runCli(['webhooks', 'deliveries', '--id', endpointId, ...api], io)).toBe(0);
    expect(out.join('\n')).toMatch(/\tmessage\.received\tdelivered\tattempts \d+/);
    expect(out.join('\n')).toMatch(/\t200\t\d+ ms/);
    out.length = 0;
    expect(await runCli(['webhooks', 'update', '--id', endpointId, '--disable', ...api], io)).toBe(0);
    expect(out.join('\n')).toContain('disabled (admin)');
    expect(await runCli(['webhooks', 'add', '--url', 'http://169.254.169.254/', ...api], io)).toBe(1);
    expect(err.join('\n')).toMatch(/^422 WEBHOOK_URL_REFUSED: /);
  });
});
