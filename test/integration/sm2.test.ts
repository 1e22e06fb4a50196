import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/src/cli';
import { sampleFeedback, sampleLead } from '@xietong/contracts';
import { readDetachedHeader } from '@xietong/crypto';
import { AuditCheckpointer, verifyAuditTrail } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { AuditRepository, OutboxRepository } from '@xietong/persistence';
import { eventually, RecordForge, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('a federation whose members sign with SM2 (GB/T 32918, SM3)', () => {
  let h: Harness;
  let forge: RecordForge;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres', alg: 'SM2' });
    forge = new RecordForge(h);
  });
  afterAll(async () => {
    await forge?.close();
    await h?.close();
  });

  it('exchanges a lead and its feedback with SM2 signatures both ways, receipts included', async () => {
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-SM2-1') });
    expect(lead.status).toBe(202);
    await eventually(
      'lead accepted at 341825',
      async () => (await h.messages(JD).find(lead.json.messageId))?.status === 'accepted',
    );
    const fb = await h.post(HZ, 'case-results', { recipient: JD, body: sampleFeedback('JD-SM2-1', 'x') });
    await eventually(
      'feedback accepted at 330100',
      async () => (await h.messages(HZ).find(fb.json.messageId))?.status === 'accepted',
    );
    const received = [
      ...(await h.messages(HZ).list({ direction: 'in' })),
      ...(await h.messages(JD).list({ direction: 'in' })),
    ];
    expect(new Set(received.map((m) => m.type))).toEqual(new Set(['LEAD', 'CASE_RESULT', 'RECEIPT']));
    expect(new Set(received.map((m) => readDetachedHeader(m.signature!).alg))).toEqual(new Set(['SM2']));
  });

  it('quarantines an SM2-signed record whose bytes were changed, and delivers the good one behind it', async () => {
    const good = await forge.forge({ from: JD, to: HZ, type: 'LEAD', body: sampleLead('JD-SM2-2') });
    const bad = await forge.forge({ from: JD, to: HZ, type: 'LEAD', body: sampleLead('JD-SM2-3') });
    const value = Buffer.from(bad.value);
    value[value.length - 3] ^= 0x01;
    await forge.send(HZ, [
      { value, headers: bad.headers, key: 'k' },
      { ...good, key: 'k' },
    ]);
    await eventually('the good record', () => h.messages(HZ).find(good.messageId));
    const [q] = await eventually('the changed record quarantined', async () => {
      const rows = await h.quarantine(HZ).list('SIGNATURE_INVALID');
      return rows.length > 0 ? rows : undefined;
    });
    expect(q.messageId).toBe(bad.messageId);
  });

  it('signs audit checkpoints with SM2 and verifies the whole trail, every message signature included', async () => {
    await eventually(
      'relay idle at 341825',
      async () => (await h.gateway(JD).app.get(OutboxRepository).pendingCount()) === 0,
    );
    await new Promise((r) => setTimeout(r, 500));
    await h.gateway(JD).app.get(AuditCheckpointer).checkpoint();
    const result = await verifyAuditTrail(
      JD,
      h.gateway(JD).app.get(AuditRepository),
      h.gateway(JD).app.get(ManifestStore).federation,
    );
    expect(result).toMatchObject({ ok: true, checkpoints: 1 });
  });

  it('exports a case trail with SM2 signatures that verifies offline, and refuses it once a signature is changed', async () => {
    const db = h.gateway(JD).config.database as { url: string; schema: string };
    const file = join(h.dir, 'sm2-trail.json');
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => out.push(t) });
      return { code, text: out.join('\n') };
    };
    expect(
      await run(
        'audit',
        'export',
        '--agency',
        JD,
        '--case',
        'JD-SM2-1',
        '--out',
        file,
        '--database-url',
        db.url,
        '--schema',
        db.schema,
        '--federation-dir',
        h.dir,
      ),
    ).toMatchObject({ code: 0 });
    const authority = join(h.dir, 'authority.public.jwk.json');
    expect(await run('audit', 'verify', '--file', file, '--authority', authority)).toMatchObject({
      code: 0,
      text: expect.stringMatching(/verified offline: .* 2 message signatures/),
    });
    const trail = JSON.parse(readFileSync(file, 'utf8'));
    const sig: string = trail.messages[0].signature;
    const bytes = Buffer.from(sig.split('.')[2], 'base64url');
    bytes[10] ^= 0x01;
    trail.messages[0].signature = `${sig.split('.')[0]}..${bytes.toString('base64url')}`;
    writeFileSync(file, JSON.stringify(trail));
    expect(await run('audit', 'verify', '--file', file, '--authority', authority)).toMatchObject({ code: 1 });
  });
});
