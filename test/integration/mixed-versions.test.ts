import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig, repoRoot } from '@xietong/config';
import {
  sampleAssistanceReply,
  sampleAssistanceRequest,
  sampleComplaint,
  sampleComplaintResult,
  sampleErasureNotice,
  sampleFeedback,
  sampleLead,
  samplePing,
  SchemaCatalog,
} from '@xietong/contracts';
import { federationFiles, ManifestStore, readJwk, signManifest, type Manifest } from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { Database, MessageRepository, QuarantineRepository } from '@xietong/persistence';
import {
  eventually,
  freshDatabase,
  receiptItems,
  RecordForge,
  startFederation,
  testLogLevels,
  type Harness,
} from '@xietong/testing';

const A = '341825'; // 旌德: last year's schema set and capabilities (envelope v1, no 协查)
const B = '330100'; // 杭州: has 协查
const C = '320100'; // 南京: has 协查, on envelope v3 (no PING, no ERASURE_NOTICE)

/** This round's types and the envelope version that carries them. */
const V4 = ['envelope.v4.avsc', 'ping.v1.avsc', 'erasure-notice.v1.avsc'];

/** The previous schema set: everything in schemas/ before envelope v2, reminder v2 and 协查. */
function previousSchemas(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xt-schemas-v1-'));
  const newer = [
    'envelope.v2.avsc',
    'envelope.v3.avsc',
    'reminder.v2.avsc',
    'assistance-request.v1.avsc',
    'assistance-reply.v1.avsc',
    'audit-checkpoint.v1.avsc',
    'audit-countersign.v1.avsc',
    ...V4,
  ];
  for (const f of readdirSync(join(repoRoot(), 'schemas')))
    if (f.endsWith('.avsc') && !newer.includes(f)) copyFileSync(join(repoRoot(), 'schemas', f), join(dir, f));
  return dir;
}

/** The schema set of the round before: everything but envelope v4 and its two types. */
function v3Schemas(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xt-schemas-v3-'));
  for (const f of readdirSync(join(repoRoot(), 'schemas')))
    if (f.endsWith('.avsc') && !V4.includes(f)) copyFileSync(join(repoRoot(), 'schemas', f), join(dir, f));
  return dir;
}

/**
 * Mixed versions on a real broker: A runs today's code with the previous schema set and declares
 * envelope v1 and the previous types; B and C have 协查, C on envelope v3 without this round's PING and
 * ERASURE_NOTICE. No flag day: the types both know flow both ways, 协查 goes only where it is
 * declared, and A survives a 协查 record forced into its inbox, C a PING and an ERASURE_NOTICE.
 */
describe('mixed-version federation', () => {
  let h: Harness;
  let a: RunningGateway;
  const aDb = freshDatabase('postgres', `mixed_${Date.now().toString(36)}_a`);
  const startA = (env: Record<string, string> = {}) =>
    startGateway(loadGatewayConfig(h.envFor(A, aDb, env)), { logLevels: testLogLevels() });

  beforeAll(async () => {
    const v3Types = Object.fromEntries(
      Object.entries(SchemaCatalog.fromDirectory(v3Schemas()).typeVersions()).filter(
        ([t]) => t !== 'PING' && t !== 'ERASURE_NOTICE',
      ),
    );
    h = await startFederation({
      members: [A, B, C],
      dialect: 'postgres',
      offline: [A, C],
      capabilities: {
        [C]: { envelopes: [1, 2, 3], messageTypes: v3Types },
        [A]: {
          envelopes: [1],
          messageTypes: {
            LEAD: [1],
            CASE_RESULT: [1],
            COMPLAINT: [1],
            COMPLAINT_RESULT: [1],
            RECEIPT: [1],
            REMINDER: [1],
          },
        },
      },
    });
    a = await startA({ XIETONG_SCHEMAS_DIR: previousSchemas() });
    const cDb = freshDatabase('postgres', `mixed_${Date.now().toString(36)}_c`);
    h.gateways.set(
      C,
      await startGateway(loadGatewayConfig(h.envFor(C, cDb, { XIETONG_SCHEMAS_DIR: v3Schemas() })), {
        logLevels: testLogLevels(),
      }),
    );
  });
  afterAll(async () => {
    await a?.close();
    await h?.close();
  });

  const post = async (from: string, path: string, body: unknown, roles?: ('submitter' | 'handler')[]) => {
    const url = from === A ? a.url : h.gateway(from).url;
    const res = await fetch(`${url}/api/v1/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await h.token(from, roles ?? ['submitter', 'handler'])}`,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const repoOf = (id: string) => (id === A ? a.app.get(MessageRepository) : h.messages(id));
  const quarantined = async (id: string) =>
    id === A ? (await a.app.get(QuarantineRepository).list()).length : (await h.quarantine(id).list()).length;
  const accepted = (from: string, messageId: string) =>
    eventually(`${messageId} accepted at its sender`, async () => {
      const m = await repoOf(from).find(messageId);
      return m?.status === 'accepted' ? m : undefined;
    });

  it('keeps leads, results and complaints flowing both ways between A (v1) and B, with nothing quarantined', async () => {
    const sent = [
      await post(A, 'leads', { recipient: B, body: sampleLead('MIX-A-1') }),
      await post(B, 'leads', { recipient: A, body: sampleLead('MIX-B-1') }),
      await post(A, 'complaints', { recipient: B, body: sampleComplaint('MIXTS-A-1') }),
    ];
    for (const s of sent) expect(s.status).toBe(202);
    await eventually('B has the lead', () => h.messages(B).find(String(sent[0].json.messageId)));
    const results = [
      await post(B, 'case-results', { recipient: A, body: sampleFeedback('MIX-A-1', '杭市监立〔2026〕1号') }),
      await post(A, 'case-results', { recipient: B, body: sampleFeedback('MIX-B-1', '旌市监立〔2026〕1号') }),
      await post(B, 'complaint-results', { recipient: A, body: sampleComplaintResult('MIXTS-A-1') }),
    ];
    for (const r of results) expect(r.status).toBe(202);
    const senders = [A, B, A, B, A, B];
    const all = [...sent, ...results];
    for (let i = 0; i < all.length; i++) await accepted(senders[i], String(all[i].json.messageId));
    // What A sends and receives travels in envelope v1; A reads B's v1 records with its v1 reader.
    const [fromB] = (await a.app
      .get(Database)
      .manager.query('SELECT record FROM message WHERE message_id = $1', [String(sent[1].json.messageId)])) as {
      record: Buffer;
    }[];
    expect(fromB.record.subarray(2, 10).toString('hex')).toBe('0cbefbbf694d3742');
    expect(await quarantined(A)).toBe(0);
    expect(await quarantined(B)).toBe(0);
  });

  it('B refuses to send 协查 to A (422 naming the capability) and sends it to C, which declares it', async () => {
    const toA = await post(B, 'assistance-requests', {
      recipient: A,
      body: sampleAssistanceRequest('MIXXC-1', 'MIX-B-1', '2026-12-31'),
    });
    expect(toA).toMatchObject({
      status: 422,
      json: {
        error: 'UNSUPPORTED_TYPE',
        message: expect.stringContaining(`agency ${A} does not accept ASSISTANCE_REQUEST`),
      },
    });
    const toC = await post(B, 'assistance-requests', {
      recipient: C,
      body: sampleAssistanceRequest('MIXXC-2', 'MIX-B-1', '2026-12-31'),
    });
    expect(toC.status).toBe(202);
    await accepted(B, String(toC.json.messageId));
    expect(await quarantined(C)).toBe(0);
  });

  it('quarantines a 协查 record forced into A as UNSUPPORTED_TYPE, answers REJECTED, and keeps consuming', async () => {
    const forge = new RecordForge(h);
    try {
      const bad = await forge.forge({
        from: B,
        to: A,
        type: 'ASSISTANCE_REQUEST',
        correlationId: 'MIXXC-3',
        body: sampleAssistanceRequest('MIXXC-3', 'MIX-B-1', '2026-12-31'),
      });
      const good = await forge.forge({ from: B, to: A, type: 'LEAD', body: sampleLead('MIX-B-2') });
      await forge.send(A, [
        { ...bad, key: 'k' },
        { ...good, key: 'k' },
      ]);
      const q = await eventually('UNSUPPORTED_TYPE at A', async () =>
        (await a.app.get(QuarantineRepository).list('UNSUPPORTED_TYPE')).find((r) => r.messageId === bad.messageId),
      );
      expect(q.reason).toMatch(/not one this gateway accepts/);
      expect(await a.app.get(QuarantineRepository).list('MALFORMED')).toEqual([]);
      await eventually('the lead behind it', () => a.app.get(MessageRepository).find(good.messageId));
      const rejected = await eventually('REJECTED receipt at B', async () =>
        (await receiptItems(h.messages(B), 'in')).find((i) => i.messageId === bad.messageId),
      );
      expect(rejected).toMatchObject({ status: 'REJECTED', reasonCode: 'UNSUPPORTED_TYPE', sender: A });
    } finally {
      await forge.close();
    }
  });

  it('delivers 协查 to A once its manifest entry and its code are upgraded', async () => {
    const files = federationFiles(h.dir);
    const current = h.gateway(B).app.get(ManifestStore).federation.manifest;
    const next: Manifest = structuredClone(current);
    next.serial = current.serial + 1;
    next.members.find((m) => m.id === A)!.accepts = structuredClone(next.members.find((m) => m.id === B)!.accepts);
    writeFileSync(files.manifest, await signManifest(next, await readJwk(files.authorityPrivate)));
    await eventually(
      'the new serial at B',
      async () => h.gateway(B).app.get(ManifestStore).federation.serial === next.serial,
    );
    await a.close();
    a = await startA();
    const req = await post(B, 'assistance-requests', {
      recipient: A,
      body: sampleAssistanceRequest('MIXXC-4', 'MIX-B-1', '2026-12-31'),
    });
    expect(req.status).toBe(202);
    await accepted(B, String(req.json.messageId));
    const reply = await post(A, 'assistance-replies', { recipient: B, body: sampleAssistanceReply('MIXXC-4') });
    expect(reply.status).toBe(202);
    await accepted(A, String(reply.json.messageId));
    expect(await quarantined(B)).toBe(0);
  });

  it('keeps PING and ERASURE_NOTICE from C (envelope v3): 422 at B, and a forced record is UNSUPPORTED_TYPE at C', async () => {
    const refused = await fetch(`${h.gateway(B).url}/api/v1/pings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.token(B, ['admin'])}` },
      body: JSON.stringify({ to: C }),
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ error: 'UNSUPPORTED_TYPE', message: expect.stringContaining('PING') });
    const forge = new RecordForge(h);
    try {
      const ping = await forge.forge({ from: B, to: C, type: 'PING', correlationId: 'MIX-PING', body: samplePing() });
      const notice = await forge.forge({
        from: B,
        to: C,
        type: 'ERASURE_NOTICE',
        correlationId: 'MIXTS-A-1',
        body: sampleErasureNotice('MIXTS-A-1', []),
      });
      await forge.send(C, [ping, notice]);
      const at = await eventually('both UNSUPPORTED_TYPE at C', async () => {
        const rows = (await h.quarantine(C).list('UNSUPPORTED_TYPE')).filter((r) =>
          [ping.messageId, notice.messageId].includes(r.messageId ?? ''),
        );
        return rows.length === 2 ? rows : undefined;
      });
      // C's v3 reader sees the unknown symbol as UNKNOWN (the envelope's enum default), not a malformed record.
      for (const q of at)
        expect(q.reason).toMatch(
          /message type unknown to envelope v3 \(written with v4\) is not one this gateway accepts/,
        );
      expect(await h.quarantine(C).list('MALFORMED')).toEqual([]);
      const answers = await eventually('REJECTED receipts at B', async () => {
        const items = (await receiptItems(h.messages(B), 'in')).filter((i) =>
          [ping.messageId, notice.messageId].includes(i.messageId),
        );
        return items.length === 2 ? items : undefined;
      });
      for (const i of answers)
        expect(i).toMatchObject({ status: 'REJECTED', reasonCode: 'UNSUPPORTED_TYPE', sender: C });
    } finally {
      await forge.close();
    }
  });
});
