import type { Kafka } from 'kafkajs';
import { InboxConsumer } from './inbox-consumer';

/** A kafkajs consumer double: records calls, lets the test fire its CRASH event. */
function fakeKafka() {
  const listeners: Record<string, (e: { payload: { error: Error; restart: boolean } }) => void> = {};
  const consumer = {
    events: { CRASH: 'consumer.crash' },
    on: jest.fn((event: string, f: (typeof listeners)[string]) => void (listeners[event] = f)),
    connect: jest.fn(async () => undefined),
    subscribe: jest.fn(async () => undefined),
    run: jest.fn(async (_: { eachBatch: (p: unknown) => Promise<void> }) => undefined),
    commitOffsets: jest.fn(async () => undefined),
    disconnect: jest.fn(async () => undefined),
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const crash = (restart: boolean) => listeners['consumer.crash']({ payload: { error: new Error('boom'), restart } });
  return { kafka, consumer, crash };
}

describe('InboxConsumer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('starts the consumer again when kafkajs gives up on it after a crash', async () => {
    const { kafka, consumer, crash } = fakeKafka();
    const logs: string[] = [];
    const inbox = new InboxConsumer(kafka, { groupId: 'g', topic: 't', log: (_, m) => logs.push(m) });
    await inbox.start(async () => undefined);
    crash(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(consumer.run).toHaveBeenCalledTimes(2);
    expect(logs).toEqual(['inbox consumer stopped (boom); starting it again in 1 s']);
  });

  it('leaves a restart kafkajs does itself, and a consumer being closed, alone', async () => {
    const { kafka, consumer, crash } = fakeKafka();
    const inbox = new InboxConsumer(kafka, { groupId: 'g', topic: 't' });
    await inbox.start(async () => undefined);
    crash(true);
    await inbox.close();
    crash(false);
    await jest.advanceTimersByTimeAsync(5000);
    expect(consumer.run).toHaveBeenCalledTimes(1);
  });

  it('keeps its group membership while a slow batch is being stored', async () => {
    const { kafka, consumer } = fakeKafka();
    const inbox = new InboxConsumer(kafka, { groupId: 'g', topic: 't' });
    let finish: () => void = () => undefined;
    await inbox.start(() => new Promise<void>((r) => (finish = r)));
    const heartbeat = jest.fn(async () => undefined);
    const { eachBatch } = consumer.run.mock.calls[0][0];
    const done = eachBatch({
      batch: {
        topic: 't',
        partition: 0,
        messages: [{ offset: '7', key: null, value: Buffer.from('x'), headers: {} }],
        firstOffset: () => '7',
        lastOffset: () => '7',
      },
      resolveOffset: () => undefined,
      heartbeat,
      isRunning: () => true,
      isStale: () => false,
    });
    // A batch taking 25 s, longer than the 10 s session.
    await jest.advanceTimersByTimeAsync(25_000);
    const during = heartbeat.mock.calls.length;
    finish();
    await done;
    expect(during).toBeGreaterThanOrEqual(10);
    expect(consumer.commitOffsets).toHaveBeenCalledWith([{ topic: 't', partition: 0, offset: '8' }]);
    // No heartbeat timer left behind once the batch is committed.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(heartbeat.mock.calls.length).toBe(during + 1);
  });
});
