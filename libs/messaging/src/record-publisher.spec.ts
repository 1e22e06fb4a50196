import type { Kafka, ProducerRecord, RecordMetadata } from 'kafkajs';
import { RecordPublisher, type OutgoingRecord } from './record-publisher';

/** A kafkajs error as the client throws it after its own retries. */
const kafkaError = (type: string, message = type) => Object.assign(new Error(message), { type });

type Answer = RecordMetadata[] | Error | 'hang';

/**
 * The Kafka port: a topic with `partitions` partitions; every producer.send is recorded and answered
 * by `answer` (default: acknowledged for the partition sent to).
 */
function fakeKafka(partitions = 3, answer?: (req: ProducerRecord, n: number) => Answer | undefined) {
  const sends: { producer: number; req: ProducerRecord }[] = [];
  let producers = 0;
  let maxInFlightPerPartition = 0;
  const busy = new Map<string, number>();
  const metadata = { failing: false, asked: 0 };
  const kafka = {
    producer: () => {
      const id = ++producers;
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        send: async (req: ProducerRecord): Promise<RecordMetadata[]> => {
          sends.push({ producer: id, req });
          const partition = req.messages[0].partition!;
          const lane = `${req.topic}/${partition}`;
          busy.set(lane, (busy.get(lane) ?? 0) + 1);
          maxInFlightPerPartition = Math.max(maxInFlightPerPartition, busy.get(lane)!);
          try {
            await new Promise((r) => setTimeout(r, 1));
            const a = answer?.(req, sends.length) ?? [
              { topicName: req.topic, partition, errorCode: 0, baseOffset: String(sends.length) },
            ];
            if (a === 'hang') return new Promise(() => undefined);
            if (a instanceof Error) throw a;
            return a;
          } finally {
            busy.set(lane, busy.get(lane)! - 1);
          }
        },
      };
    },
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        metadata.asked++;
        if (metadata.failing) throw kafkaError('LEADER_NOT_AVAILABLE', 'Connection error: connect ECONNREFUSED');
        return {
          topics: topics.map((name) => ({
            name,
            partitions: Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 1 })),
          })),
        };
      },
    }),
  };
  return {
    kafka: kafka as unknown as Kafka,
    sends,
    metadata,
    get producers() {
      return producers;
    },
    get maxInFlightPerPartition() {
      return maxInFlightPerPartition;
    },
  };
}

const rec = (key: string, topic = 'inbox', bytes = 10): OutgoingRecord => ({
  topic,
  key,
  value: Buffer.alloc(bytes, 1),
  headers: {},
});
const keysOf = (req: ProducerRecord) => req.messages.map((m) => m.key);
const fast = { retryForMs: 200, backoffMs: 5, stuckAfterMs: 100 };
const noLimit = async () => 1_000_000;

describe('RecordPublisher', () => {
  it('sends one partition per produce request, records in their order, partition by the key (Java murmur2)', async () => {
    const k = fakeKafka(3);
    const p = new RecordPublisher(k.kafka, fast);
    const records = Array.from({ length: 30 }, (_, i) => rec(`case-${i % 7}`));
    const outcomes = await p.publishBounded(records, noLimit);
    expect(outcomes.every((o) => o.kind === 'sent')).toBe(true);
    for (const { req } of k.sends) expect(new Set(req.messages.map((m) => m.partition)).size).toBe(1);
    // Every record once, and within each partition in the order given.
    const sentKeys = k.sends.flatMap((s) => keysOf(s.req));
    expect(sentKeys).toHaveLength(30);
    for (const { req } of k.sends) {
      const expected = records.filter((r) => keysOf(req).includes(r.key)).map((r) => r.key);
      expect(keysOf(req)).toEqual(expected);
    }
    // Each key always lands on one partition (a case keeps its order), and one request per partition.
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const { req } of k.sends)
      for (const m of req.messages)
        partitionsOfKey.set(m.key as string, (partitionsOfKey.get(m.key as string) ?? new Set()).add(m.partition!));
    expect([...partitionsOfKey.values()].every((s) => s.size === 1)).toBe(true);
    expect(k.sends.length).toBe(new Set(k.sends.map((s) => s.req.messages[0].partition)).size);
  });

  it('an answer that does not acknowledge the partition sent to is a failure, and the same batch is sent again', async () => {
    // kafkajs issue 1303: a send resolves without the partition whose leader moved.
    const k = fakeKafka(1, (req, n) => (n === 1 ? [] : undefined));
    const p = new RecordPublisher(k.kafka, fast);
    const outcomes = await p.publishBounded([rec('a'), rec('b')], noLimit);
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'sent']);
    expect(k.sends).toHaveLength(2);
    // Unchanged: same records, same producer (same sequence numbers), so a copy written before is recognised.
    expect(keysOf(k.sends[1].req)).toEqual(keysOf(k.sends[0].req));
    expect(k.sends[1].producer).toBe(k.sends[0].producer);
  });

  it('re-sends a batch unchanged through a leader fail-over, then reports it sent', async () => {
    const k = fakeKafka(1, (req, n) =>
      n <= 3
        ? kafkaError('NOT_LEADER_OR_FOLLOWER', 'This server is not the leader for that topic-partition')
        : undefined,
    );
    const p = new RecordPublisher(k.kafka, { ...fast, retryForMs: 5_000 });
    const outcomes = await p.publishBounded([rec('a'), rec('b'), rec('c')], noLimit);
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'sent', 'sent']);
    expect(k.sends).toHaveLength(4);
    expect(new Set(k.sends.map((s) => keysOf(s.req).join()))).toEqual(new Set(['a,b,c']));
    expect(k.producers).toBe(1);
  });

  it('after retryForMs hands back only the failing partition as retry, in order; the others are sent', async () => {
    const k = fakeKafka(2);
    const probe = new RecordPublisher(k.kafka, fast);
    const keys = Array.from({ length: 10 }, (_, i) => `case-${i}`);
    await probe.publishBounded(
      keys.map((key) => rec(key)),
      noLimit,
    );
    const partitionOf = new Map(k.sends.flatMap((s) => s.req.messages.map((m) => [m.key!, m.partition!])));
    expect(new Set(partitionOf.values()).size).toBe(2);
    const down = partitionOf.get('case-0')!;
    const k2 = fakeKafka(2, (req) =>
      req.messages[0].partition === down ? kafkaError('NOT_ENOUGH_REPLICAS', 'not enough replicas') : undefined,
    );
    const p = new RecordPublisher(k2.kafka, fast);
    const outcomes = await p.publishBounded(
      keys.map((key) => rec(key)),
      noLimit,
    );
    for (const [i, key] of keys.entries()) {
      if (partitionOf.get(key) === down)
        expect(outcomes[i]).toEqual({ kind: 'retry', reason: expect.stringMatching(/NOT_ENOUGH_REPLICAS/) });
      else expect(outcomes[i]).toEqual({ kind: 'sent' });
    }
  });

  it('a batch refused for a permanent reason is split: only the bad record fails', async () => {
    const k = fakeKafka(1, (req) =>
      keysOf(req).includes('bad') ? kafkaError('CORRUPT_MESSAGE', 'corrupt') : undefined,
    );
    const p = new RecordPublisher(k.kafka, fast);
    const outcomes = await p.publishBounded([rec('a'), rec('bad'), rec('c')], noLimit);
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'failed', 'sent']);
    expect(outcomes[1]).toMatchObject({ code: 'RECORD_INVALID' });
  });

  it('a record larger than the topic limit fails without being sent; batches stay under the limit', async () => {
    const k = fakeKafka(1);
    const p = new RecordPublisher(k.kafka, fast);
    const outcomes = await p.publishBounded(
      [rec('a', 'inbox', 100), rec('huge', 'inbox', 5_000), rec('c', 'inbox', 100)],
      async () => 300,
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'failed', 'sent']);
    expect(outcomes[1]).toMatchObject({ code: 'RECORD_TOO_LARGE' });
    expect(k.sends.map((s) => keysOf(s.req))).toEqual([['a'], ['c']]);
  });

  it('replaces a producer the broker refuses (OUT_OF_ORDER_SEQUENCE_NUMBER) and one whose send never settles', async () => {
    const refused = fakeKafka(1, (req, n) => (n === 1 ? kafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER') : undefined));
    const p = new RecordPublisher(refused.kafka, fast);
    expect((await p.publishBounded([rec('a')], noLimit))[0]).toEqual({ kind: 'sent' });
    expect(refused.producers).toBe(2);
    expect(refused.sends.map((s) => s.producer)).toEqual([1, 2]);

    const hung = fakeKafka(1, (req, n) => (n === 1 ? 'hang' : undefined));
    const q = new RecordPublisher(hung.kafka, { ...fast, retryForMs: 1_000 });
    expect((await q.publishBounded([rec('a')], noLimit))[0]).toEqual({ kind: 'sent' });
    expect(hung.sends.map((s) => s.producer)).toEqual([1, 2]);
  });

  it('lanes failing together with a refused producer replace it once, not each other', async () => {
    const k = fakeKafka(3, () => (k.producers === 1 ? kafkaError('UNKNOWN_PRODUCER_ID') : undefined));
    const p = new RecordPublisher(k.kafka, fast);
    const keys = Array.from({ length: 12 }, (_, i) => `case-${i}`);
    const outcomes = await p.publishBounded(
      keys.map((key) => rec(key)),
      noLimit,
    );
    expect(outcomes.every((o) => o.kind === 'sent')).toBe(true);
    expect(new Set(k.sends.filter((s) => s.producer === 1).map((s) => s.req.messages[0].partition)).size).toBe(3);
    expect(k.producers).toBe(2);
  });

  it('keeps the partition count it knows while the metadata cannot be fetched (a fail-over)', async () => {
    const k = fakeKafka(3);
    const p = new RecordPublisher(k.kafka, { ...fast, metadataTtlMs: 0 });
    await p.publishBounded([rec('a')], noLimit);
    k.metadata.failing = true;
    const outcomes = await p.publishBounded([rec('a'), rec('b')], noLimit);
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'sent']);
    expect(k.metadata.asked).toBeGreaterThan(1);
    // Unknown topic and no cached count: handed back, not guessed.
    const fresh = await p.publishBounded([rec('x', 'other-topic')], noLimit);
    expect(fresh[0]).toEqual({ kind: 'retry', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('serialises sends to one partition across concurrent publishes (relay, receipts, dead letters)', async () => {
    const k = fakeKafka(1);
    const p = new RecordPublisher(k.kafka, fast);
    await Promise.all([
      p.publishBounded([rec('a'), rec('b')], noLimit),
      p.publish([rec('c')]),
      p.publishOne(rec('d')),
      p.publishBounded([rec('e')], noLimit),
    ]);
    expect(k.sends).toHaveLength(4);
    expect(k.maxInFlightPerPartition).toBe(1);
  });

  it('publish throws the failure once retryForMs is spent; publishOne answers the partition and offset', async () => {
    const k = fakeKafka(1, () => kafkaError('NOT_ENOUGH_REPLICAS', 'not enough replicas'));
    const p = new RecordPublisher(k.kafka, fast);
    await expect(p.publish([rec('a')])).rejects.toThrow(/not enough replicas/);
    expect(k.sends.length).toBeGreaterThan(1);

    const ok = fakeKafka(4);
    const q = new RecordPublisher(ok.kafka, fast);
    const where = await q.publishOne(rec('k'));
    expect(where).toEqual({ partition: ok.sends[0].req.messages[0].partition, offset: '1' });
  });
});
