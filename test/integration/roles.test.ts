import { loadGatewayConfig } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { MessageRepository } from '@xietong/persistence';
import {
  eventually,
  freshDatabase,
  receiptItems,
  startFederation,
  testLogLevels,
  type Harness,
} from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('one agency split into role processes over one PostgreSQL database', () => {
  let h: Harness;
  const hz: RunningGateway[] = [];

  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres', offline: [HZ] });
    const db = freshDatabase('postgres', `${h.prefix}_hz_shared`);
    // 杭州 runs its HTTP API, its relay, and two inbound instances (one consumer group) apart.
    for (const roles of ['http', 'relay', 'inbound', 'inbound']) {
      hz.push(
        await startGateway(loadGatewayConfig(h.envFor(HZ, db, { XIETONG_ROLES: roles })), {
          logLevels: testLogLevels(),
        }),
      );
    }
  });
  afterAll(async () => {
    for (const g of hz) await g.close();
    await h?.close();
  });

  it('receives through the inbound instances and answers through the separate relay', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead(`JD-SPLIT-${i}`, i) });
      expect(res.status).toBe(202);
      ids.push(res.json.messageId);
    }
    for (const id of ids)
      await eventually(`receipt for ${id}`, async () => (await h.messages(JD).find(id))?.status === 'accepted');
    const stored = await hz[0].app.get(MessageRepository).list({ direction: 'in', type: 'LEAD' });
    expect(stored.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    const answered = (await receiptItems(hz[0].app.get(MessageRepository), 'out')).map((i) => i.messageId);
    expect(answered.sort()).toEqual([...ids].sort());
  });
});
