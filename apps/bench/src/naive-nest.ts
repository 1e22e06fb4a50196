import { fork } from 'node:child_process';
import { join } from 'node:path';
import { ClientKafka } from '@nestjs/microservices';
import type { Kafka } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { Client } from 'pg';
import { ensureTopics } from '@xietong/messaging';
import { processUsage, stopChild, type ProcessUsage } from './stats';

export interface NaiveResult {
  throughput_per_s: number;
  consumer: ProcessUsage;
}

/**
 * Baseline (b): ClientKafka.emit per message (JSON value) into a Nest microservice whose
 * @EventPattern handler saves each message with TypeORM. Counts until every row is stored.
 */
export async function naiveNestThroughput(
  kafka: Kafka,
  brokers: string,
  topic: string,
  pgUrl: string,
  schema: string,
  messages: { messageId: string; body: unknown }[],
  log: (s: string) => void,
): Promise<NaiveResult> {
  await ensureTopics(kafka, [topic], 1);
  const pg = new Client({ connectionString: pgUrl });
  await pg.connect();
  await pg.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const child = fork(join(__dirname, 'naive-consumer.js'), [brokers, topic, pgUrl, schema], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`naive consumer exited with ${code}`)));
    });
    const client = new ClientKafka({
      client: { clientId: 'naive-producer', brokers: brokers.split(',') },
      producerOnlyMode: true,
    });
    await client.connect();
    const t0 = performance.now();
    await Promise.all(
      messages.map((m) =>
        lastValueFrom(
          client.emit(topic, {
            messageId: m.messageId,
            type: 'LEAD',
            sender: '341825',
            recipient: '330100',
            body: m.body,
          }),
          { defaultValue: undefined },
        ),
      ),
    );
    let stored = 0;
    for (;;) {
      const { rows } = await pg
        .query(`SELECT COUNT(*)::int AS n FROM "${schema}".naive_message`)
        .catch(() => ({ rows: [{ n: 0 }] }));
      stored = rows[0].n;
      if (stored >= messages.length) break;
      if (performance.now() - t0 > 600_000) throw new Error(`naive baseline stalled at ${stored}/${messages.length}`);
      log(`  naive: ${stored}/${messages.length} stored`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (performance.now() - t0) / 1000;
    const usage = processUsage(child.pid!);
    await client.close();
    return { throughput_per_s: messages.length / seconds, consumer: usage };
  } finally {
    await stopChild(child, 10_000);
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pg.end();
  }
}
