import type { Kafka } from 'kafkajs';
import { ensureTopics, RecordPublisher } from '@xietong/messaging';

/**
 * Baseline (a): the transport's ceiling. Produces the same record values with kafkajs in
 * batches and consumes them with a batch consumer, no signing, no persistence.
 */
export async function rawKafkaThroughput(
  kafka: Kafka,
  topic: string,
  records: { key: string; value: Buffer; headers: Record<string, string> }[],
  partitions: number,
): Promise<number> {
  await ensureTopics(kafka, [topic], partitions);
  const consumer = kafka.consumer({
    groupId: `${topic}-group`,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= records.length) done();
    },
  });
  const publisher = new RecordPublisher(kafka);
  await publisher.connect();
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += 500)
    await publisher.publish(records.slice(i, i + 500).map((r) => ({ topic, ...r })));
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await publisher.close();
  await consumer.disconnect();
  return records.length / seconds;
}
