// The connectivity check (docs/operations.md) and the receiving side of erasure notices, on the real
// broker and PostgreSQL: a PING rides the normal path to the partner's gateway and back as its
// receipt, and a stalled one names the hop (our relay, the partner).
import { loadGatewayConfig } from '@xietong/config';
import { sampleErasureNotice, sampleLead } from '@xietong/contracts';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import {
  eventually,
  freshDatabase,
  receiptItems,
  RecordForge,
  startFederation,
  testLogLevels,
  type Harness,
} from '@xietong/testing';
import { runCli } from '../../apps/cli/src/cli';

const JD = '341825'; // 旌德: pings
const HZ = '330100'; // 杭州: answers
const NJ = '320100'; // 南京: no gateway; the test acts for it

interface PingReport {
  id: string;
  state: string;
  result: string;
  hop: string | null;
  roundTripMs: number | null;
  publishedAt: string | null;
  receiptAt: string | null;
  detail: string;
}

describe('ping and erasure notices between gateways', () => {
  let h: Harness;
  let relayless: RunningGateway | undefined;

  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ, NJ], dialect: 'postgres', offline: [NJ] });
  });
  afterAll(async () => {
    await relayless?.close();
    await h?.close();
  });

  const admin = (id: string) => h.token(id, ['admin']);
  const api = async (url: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  /** Sends a ping from the gateway at `url` and polls it until it is no longer pending. */
  const ping = async (url: string, token: string, to: string, timeoutMs: number): Promise<PingReport> => {
    const sent = await api(url, token, 'POST', '/api/v1/pings', { to });
    expect(sent.status).toBe(202);
    return eventually(`ping ${sent.json.id} settled`, async () => {
      const r = (await api(url, token, 'GET', `/api/v1/pings/${sent.json.id}?timeoutMs=${timeoutMs}`)).json;
      return r.result === 'pending' ? undefined : (r as PingReport);
    });
  };

  it('makes the round trip through the partner gateway and back as its receipt, opening no case', async () => {
    const report = await ping(h.gateway(JD).url!, await admin(JD), HZ, 20_000);
    expect(report).toMatchObject({ state: 'answered', result: 'ok', hop: null });
    expect(report.roundTripMs).toBeGreaterThan(0);
    expect(Date.parse(report.receiptAt!)).toBeGreaterThanOrEqual(Date.parse(report.publishedAt!));
    const stored = await h.messages(HZ).find(report.id);
    expect(stored).toMatchObject({ type: 'PING', direction: 'in', sender: JD });
    expect((await h.get(HZ, '/api/v1/cases', ['auditor'])).json.items).toEqual([]);

    // The CLI the operator runs: the same round trip, exit 0.
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const args = ['ping', '--gateway', h.gateway(JD).url!, '--to', HZ, '--token', await admin(JD), '--timeout', '20s'];
    expect(await runCli(args, io)).toBe(0);
    expect(out.join('\n')).toMatch(/round trip \d+ ms/);
  });

  it('shows per partner the last successful exchange (pings and receipts aside) and the last ping', async () => {
    const before = await api(h.gateway(JD).url!, await admin(JD), 'GET', '/api/v1/partners/status');
    expect(before.status).toBe(200);
    const hz = () => before.json.items.find((i: { partner: string }) => i.partner === HZ);
    expect(hz()).toMatchObject({ lastExchangeAt: null, lastPing: { result: 'ok' } });
    expect(before.json.items.map((i: { partner: string }) => i.partner)).toContain(NJ);

    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('PING-LEAD-1') });
    expect(lead.status).toBe(202);
    await eventually('the lead accepted', async () => (await h.messages(JD).find(lead.json.messageId))?.receiptAt);
    const after = await api(h.gateway(JD).url!, await admin(JD), 'GET', '/api/v1/partners/status');
    const row = after.json.items.find((i: { partner: string }) => i.partner === HZ);
    expect(Date.parse(row.lastExchangeAt)).toBeGreaterThanOrEqual(Date.parse(row.lastPing.receiptAt));
  });

  it('reports our relay when no relay of ours takes the ping from the outbox', async () => {
    relayless = await startGateway(
      loadGatewayConfig(h.envFor(JD, freshDatabase('postgres', `${h.prefix}_norelay`), { XIETONG_ROLES: 'http' })),
      { logLevels: testLogLevels() },
    );
    const report = await ping(relayless.url!, await admin(JD), HZ, 1_000);
    expect(report).toMatchObject({ state: 'queued', result: 'stalled', hop: 'relay', publishedAt: null });
    expect(report.detail).toMatch(/no relay of this gateway has taken it/);
  });

  it('refuses an erasure notice from a member that neither sent nor received the record (ERASURE_NOT_PARTY)', async () => {
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('ERASE-LEAD-1') });
    expect(lead.status).toBe(202);
    await eventually('the lead at 杭州', () => h.messages(HZ).find(lead.json.messageId));
    const forge = new RecordForge(h);
    try {
      const stranger = await forge.forge({
        from: NJ,
        to: HZ,
        type: 'ERASURE_NOTICE',
        correlationId: 'ERASE-LEAD-1',
        body: { ...sampleErasureNotice('ERASE-LEAD-1', [lead.json.messageId]), caseKind: 'LEAD' },
      });
      // The sender of the record may ask: the gateway erases as retention does, and accepts.
      const party = await forge.forge({
        from: JD,
        to: HZ,
        type: 'ERASURE_NOTICE',
        correlationId: 'ERASE-LEAD-1',
        body: { ...sampleErasureNotice('ERASE-LEAD-1', [lead.json.messageId]), caseKind: 'LEAD' },
      });
      await forge.send(HZ, [stranger, party]);
      const answered = await eventually('both notices answered', async () => {
        const items = (await receiptItems(h.messages(HZ), 'out')).filter((i) =>
          [stranger.messageId, party.messageId].includes(i.messageId),
        );
        return items.length === 2 ? items : undefined;
      });
      expect(answered.find((i) => i.messageId === stranger.messageId)).toMatchObject({
        recipient: NJ,
        status: 'REJECTED',
        reasonCode: 'ERASURE_NOT_PARTY',
      });
      expect(answered.find((i) => i.messageId === party.messageId)).toMatchObject({
        recipient: JD,
        status: 'ACCEPTED',
      });
      const q = (await h.quarantine(HZ).list('ERASURE_NOT_PARTY')).find((r) => r.messageId === stranger.messageId);
      expect(q?.reason).toContain(`${NJ} neither sent nor received message(s) ${lead.json.messageId}`);
      // The lead stays, erased (its record bytes dropped, a signed erasure entry in the audit log).
      expect(await h.messages(HZ).find(lead.json.messageId)).toMatchObject({ type: 'LEAD' });
    } finally {
      await forge.close();
    }
  });

  it("reports the partner hop when the partner's gateway is stopped", async () => {
    await h.gateway(HZ).close();
    h.gateways.delete(HZ);
    const report = await ping(h.gateway(JD).url!, await admin(JD), HZ, 2_000);
    expect(report).toMatchObject({ state: 'published', result: 'stalled', hop: 'partner' });
    expect(report.detail).toMatch(/no receipt from 330100 within 2000 ms: its inbound or its gateway is down/);

    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t) };
    const args = ['ping', '--gateway', h.gateway(JD).url!, '--to', HZ, '--token', await admin(JD), '--timeout', '2s'];
    expect(await runCli(args, io)).toBe(1);
    expect(err.join('\n')).toMatch(/stalled at the partner's inbound or gateway/);
  });
});
