import { loadGatewayConfig } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { Logs, OutboxSignal, RelayService, RelaySettings, silentLogs } from '@xietong/exchange';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { createKafka, RecordPublisher } from '@xietong/messaging';
import { Database, MessageRepository, OutboxRepository } from '@xietong/persistence';
import {
  brokers,
  eventually,
  freshDatabase,
  rebuild,
  startFederation,
  testLogLevels,
  type Harness,
} from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

/** An outbox whose first "mark sent" dies, as a relay killed after the broker's ack would. */
class DyingOutbox extends OutboxRepository {
  crashes = 1;
  override async markSent(...args: Parameters<OutboxRepository['markSent']>): Promise<void> {
    if (this.crashes-- > 0) throw new Error('relay process died after the broker acknowledged the batch');
    return super.markSent(...args);
  }
}

describe('a relay that dies after the broker acknowledged a batch but before marking it sent', () => {
  let h: Harness;
  let jd: RunningGateway;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres', offline: [JD] });
    // 旌德 accepts submissions but runs no relay of its own: the test drives one.
    jd = await startGateway(
      loadGatewayConfig(h.envFor(JD, freshDatabase('postgres', `${h.prefix}_jd`), { XIETONG_ROLES: 'http,inbound' })),
      { logLevels: testLogLevels() },
    );
  });
  afterAll(async () => {
    await jd?.close();
    await h?.close();
  });

  it('publishes the batch again; the receiver stores each message once and records the replays', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${jd.url}/api/v1/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.token(JD, ['submitter'])}` },
        body: JSON.stringify({ recipient: HZ, body: sampleLead(`JD-CRASH-${i}`, i) }),
      });
      ids.push(((await res.json()) as { messageId: string }).messageId);
    }
    const db = jd.app.get(Database);
    const outbox = new DyingOutbox(db);
    const publisher = new RecordPublisher(createKafka({ brokers: brokers().split(','), clientId: 'relay-under-test' }));
    const relay = await rebuild(jd.app, RelayService, (b) =>
      b
        .overrideProvider(OutboxRepository)
        .useValue(outbox)
        .overrideProvider(RecordPublisher)
        .useValue(publisher)
        .overrideProvider(OutboxSignal)
        .useValue(new OutboxSignal())
        .overrideProvider(RelaySettings)
        .useValue({ batchSize: 500, pollMs: 20, idlePollMaxMs: 1000, maxBackoffMs: 1000 })
        .overrideProvider(Logs)
        .useValue(silentLogs),
    );
    await expect(relay.tick()).rejects.toThrow(/died after the broker acknowledged/);
    expect(await jd.app.get(OutboxRepository).pendingCount()).toBe(20);
    await eventually(
      'first copies stored at 330100',
      async () => (await h.messages(HZ).list({ direction: 'in', type: 'LEAD' })).length === 20,
    );
    expect(await relay.tick()).toBe(20);
    await publisher.close();

    for (const id of ids)
      await eventually(
        `receipt for ${id}`,
        async () => (await jd.app.get(MessageRepository).find(id))?.status === 'accepted',
      );
    expect(await h.messages(HZ).list({ direction: 'in', type: 'LEAD' })).toHaveLength(20);
    const replays = await eventually('replays recorded', async () => {
      const q = await h.quarantine(HZ).list('REPLAY');
      return q.length === 20 ? q : undefined;
    });
    expect(new Set(replays.map((r) => r.messageId))).toEqual(new Set(ids));
  });
});
