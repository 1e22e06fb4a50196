import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGatewayConfig } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { Database } from '@xietong/persistence';
import { federationFiles, readJwk, signManifest, ManifestStore } from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { eventually, freshDatabase, startFederation, testLogLevels, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('transient database failure on the receiving side', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres' });
  });
  afterAll(() => h?.close());

  it('retries the batch without committing its offset, then stores the message once', async () => {
    const db = h.gateway(HZ).app.get(Database);
    // Make every write of 杭州's inbound transaction fail, as if its database were unreachable.
    await db.dataSource.query('ALTER TABLE message RENAME TO message_away');
    let restored = false;
    try {
      const res = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-DBDOWN-1') });
      expect(res.status).toBe(202);
      await eventually('sent by 旌德', async () => (await h.messages(JD).find(res.json.messageId))?.status === 'sent');
      await new Promise((r) => setTimeout(r, 1500));
      const admin = h.kafka.admin();
      await admin.connect();
      const [committed] = await admin.fetchOffsets({
        groupId: `${h.prefix}-inbound-${HZ}`,
        topics: [`${h.prefix}.inbox.${HZ}`],
      });
      const ends = await admin.fetchTopicOffsets(`${h.prefix}.inbox.${HZ}`);
      await admin.disconnect();
      const behind = committed.partitions.some((p) => {
        const end = ends.find((e) => e.partition === p.partition)!;
        return Number(end.offset) > 0 && Number(p.offset) < Number(end.offset);
      });
      expect(behind).toBe(true);
      expect((await h.messages(JD).find(res.json.messageId))?.status).toBe('sent');
      await db.dataSource.query('ALTER TABLE message_away RENAME TO message');
      restored = true;
      await eventually(
        'accepted once the database is back',
        async () => (await h.messages(JD).find(res.json.messageId))?.status === 'accepted',
      );
      expect(await h.messages(HZ).list({ direction: 'in', correlationId: 'JD-DBDOWN-1' })).toHaveLength(1);
      expect(await h.quarantine(HZ).list()).toHaveLength(0);
    } finally {
      if (!restored) await db.dataSource.query('ALTER TABLE message_away RENAME TO message').catch(() => undefined);
    }
  });
});

describe('a partner that refuses a message', () => {
  let h: Harness;
  let hz: RunningGateway;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'sqlite', offline: [HZ] });
    // 杭州 already runs a newer manifest in which the zones no longer cover leads.
    const files = federationFiles(h.dir);
    const current = h.gateway(JD).app.get(ManifestStore).federation.manifest;
    const next = {
      ...structuredClone(current),
      serial: 2,
      agreements: current.agreements.map((a) => ({ ...a, messageTypes: a.messageTypes.filter((t) => t !== 'LEAD') })),
    };
    const file = join(h.dir, 'manifest-hz.jws');
    writeFileSync(file, await signManifest(next, await readJwk(files.authorityPrivate)));
    hz = await startGateway(
      loadGatewayConfig(h.envFor(HZ, freshDatabase('sqlite', 'hz'), { XIETONG_MANIFEST_FILE: file })),
      { logLevels: testLogLevels() },
    );
  });
  afterAll(async () => {
    await hz?.close();
    await h?.close();
  });

  it('shows the sender the rejection and its reason code', async () => {
    const res = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-REFUSED-1') });
    const out = await eventually('rejection receipt', async () => {
      const m = await h.messages(JD).find(res.json.messageId);
      return m?.status === 'rejected' ? m : undefined;
    });
    expect(out).toMatchObject({
      reasonCode: 'NOT_IN_AGREEMENT',
      reason: expect.stringContaining('LEAD from 341825 to 330100'),
    });
    const view = (await h.get(JD, `/api/v1/messages/${res.json.messageId}`)).json as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'rejected', reasonCode: 'NOT_IN_AGREEMENT' });
  });
});
