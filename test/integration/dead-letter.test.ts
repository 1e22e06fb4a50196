import { InboundService, Logs, silentLogs } from '@xietong/exchange';
import { deadLetterTopic, HEADERS, RecordPublisher, type InboundRecord } from '@xietong/messaging';
import { QuarantineRepository } from '@xietong/persistence';
import { eventually, rebuild, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

/** A producer that cannot reach the broker, as during an outage at the moment of quarantine. */
class UnreachablePublisher extends RecordPublisher {
  override async publish(): Promise<void> {
    throw new Error('broker unreachable');
  }
}

describe('dead-letter copies the broker did not take when the record was quarantined', () => {
  let h: Harness;
  beforeAll(async () => {
    // 杭州's gateway re-sends missing dead-letter copies every second.
    h = await startFederation({
      members: [JD, HZ],
      dialect: 'postgres',
      env: { XIETONG_DEAD_LETTER_RETRY_MS: '1000' },
    });
  });
  afterAll(() => h?.close());

  it('re-sends them from the quarantine table, exact bytes and reason headers, exactly once', async () => {
    const app = h.gateway(HZ).app;
    const quarantine = app.get(QuarantineRepository);
    const dlq = deadLetterTopic(HZ, h.prefix);
    // The inbound path of 杭州's gateway, its providers but a producer that cannot publish.
    const inbound = await rebuild(app, InboundService, (b) =>
      b
        .overrideProvider(RecordPublisher)
        .useValue(new UnreachablePublisher(h.kafka))
        .overrideProvider(Logs)
        .useValue(silentLogs),
    );
    const hostile: InboundRecord = {
      topic: `${h.prefix}.inbox.${HZ}`,
      partition: 0,
      offset: '424242',
      key: Buffer.from('k-1'),
      value: Buffer.from('not a record'),
      headers: { [HEADERS.signature]: Buffer.from([0xff, 0x00, 0x80]) },
    };
    expect(await inbound.handleBatch([hostile])).toMatchObject({ quarantined: 1 });
    const [row] = await quarantine.list();
    expect(row).toMatchObject({ offset: '424242', deadLettered: false });

    // The gateway's own sweep takes it once it is older than the interval.
    await eventually('the copy re-sent and marked', async () => (await quarantine.list())[0]?.deadLettered === true);
    const consumer = h.kafka.consumer({ groupId: `${h.prefix}-dlq-reader` });
    const copies: { key: string; value: Buffer; headers: Record<string, Buffer> }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void copies.push({
          key: String(message.key),
          value: message.value!,
          headers: message.headers as Record<string, Buffer>,
        }),
    });
    await eventually('the copy on the dead-letter topic', async () => copies.length >= 1);
    await new Promise((r) => setTimeout(r, 2500)); // two more sweeps: nothing is sent again
    await consumer.disconnect();
    expect(copies).toHaveLength(1);
    expect(copies[0].key).toBe('k-1');
    expect(copies[0].value.toString()).toBe('not a record');
    expect(Buffer.compare(copies[0].headers[HEADERS.signature], Buffer.from([0xff, 0x00, 0x80]))).toBe(0);
    expect(copies[0].headers[HEADERS.reason].toString()).toBe(row.reasonCode);
  });
});
