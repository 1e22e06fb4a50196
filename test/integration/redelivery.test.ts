import { sampleLead } from '@xietong/contracts';
import { InboundService } from '@xietong/exchange';
import type { InboundRecord } from '@xietong/messaging';
import { eventually, RecordForge, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe.each(['postgres', 'sqlite'] as const)('a batch the broker delivers again after a crash (%s)', (dialect) => {
  let h: Harness;
  let forge: RecordForge;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect });
    forge = new RecordForge(h);
  });
  afterAll(async () => {
    await forge?.close();
    await h?.close();
  });

  /** Reads every record of 杭州's inbox back from the broker, positions included. */
  async function inboxRecords(count: number): Promise<InboundRecord[]> {
    const consumer = h.kafka.consumer({ groupId: `${h.prefix}-reader-${Date.now()}` });
    const records: InboundRecord[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: `${h.prefix}.inbox.${HZ}`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers as Record<string, Buffer>,
        });
      },
    });
    await eventually(`${count} records read back`, async () => records.length >= count);
    await consumer.disconnect();
    return records;
  }

  it('skips what it stored or quarantined from the same positions, but still refuses a copy published again', async () => {
    const good = await forge.forge({ from: JD, to: HZ, type: 'LEAD', body: sampleLead('JD-REDELIVER-1') });
    const bad = { value: Buffer.from('not an avro record'), headers: good.headers };
    await forge.send(HZ, [
      { ...good, key: 'k' },
      { ...bad, key: 'k' },
    ]);
    await eventually('the lead stored', () => h.messages(HZ).find(good.messageId));
    await eventually('the junk quarantined', async () => (await h.quarantine(HZ).list('MALFORMED')).length === 1);

    // What the consumer gets when it restarts before committing: the same records at the same offsets.
    const again = await inboxRecords(2);
    const outcome = await h.gateway(HZ).app.get(InboundService).handleBatch(again);
    expect(outcome).toEqual({ accepted: 0, receipts: 0, quarantined: 0, redelivered: 2 });
    expect(await h.messages(HZ).list({ direction: 'in', correlationId: 'JD-REDELIVER-1' })).toHaveLength(1);
    expect(await h.quarantine(HZ).countsByReason()).toEqual({ MALFORMED: 1 });
    const metrics = await (
      await fetch(`${h.gateway(HZ).url}/metrics`, {
        headers: { authorization: `Bearer ${await h.token(HZ, ['auditor'])}` },
      })
    ).text();
    expect(metrics).toMatch(/^xietong_inbound_redelivered_total\{agency="330100"\} 2$/m);

    // The same bytes published again land at a new offset: that is a replay, recorded as one.
    await forge.send(HZ, [{ ...good, key: 'k' }]);
    const replay = await eventually('the copy refused', async () => (await h.quarantine(HZ).list('REPLAY'))[0]);
    expect(replay).toMatchObject({ messageId: good.messageId, reasonCode: 'REPLAY' });
    expect(await h.messages(HZ).list({ direction: 'in', correlationId: 'JD-REDELIVER-1' })).toHaveLength(1);
  });
});
