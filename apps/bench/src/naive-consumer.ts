// Baseline (b), receiving side: the straightforward NestJS design. Nest's Kafka transport calls
// an @EventPattern handler per message with a JSON value, and the handler saves one row with
// TypeORM per message. No signature, no receipt. Run as a child process by the benchmark:
//   node naive-consumer.js <brokers> <topic> <postgres-url> <schema>
import { Controller, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { DataSource, EntitySchema, type Repository } from 'typeorm';

const [brokers, topic, url, schema] = process.argv.slice(2);

interface NaiveMessage {
  messageId: string;
  type: string;
  sender: string;
  recipient: string;
  body: string;
  receivedAt: Date;
}

const NaiveMessageEntity = new EntitySchema<NaiveMessage>({
  name: 'naive_message',
  columns: {
    messageId: { name: 'message_id', type: 'varchar', length: 36, primary: true },
    type: { type: 'varchar', length: 20 },
    sender: { type: 'varchar', length: 6 },
    recipient: { type: 'varchar', length: 6 },
    body: { type: 'text' },
    receivedAt: { name: 'received_at', type: 'timestamptz' },
  },
});

const REPO = Symbol('REPO');

@Controller()
class NaiveController {
  constructor(@Inject(REPO) private readonly repo: Repository<NaiveMessage>) {}

  @EventPattern(topic)
  async handle(@Payload() payload: unknown): Promise<void> {
    const m = payload as { messageId: string; type: string; sender: string; recipient: string; body: unknown };
    await this.repo.save({
      messageId: m.messageId,
      type: m.type,
      sender: m.sender,
      recipient: m.recipient,
      body: JSON.stringify(m.body),
      receivedAt: new Date(),
    });
  }
}

@Module({
  controllers: [NaiveController],
  providers: [
    {
      provide: REPO,
      useFactory: async () => {
        const ds = new DataSource({
          type: 'postgres',
          url,
          schema,
          entities: [NaiveMessageEntity],
          synchronize: true,
          extra: { options: `-c search_path=${schema}` },
        });
        await ds.initialize();
        return ds.getRepository(NaiveMessageEntity);
      },
    },
  ],
})
class NaiveModule {}

async function main() {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(NaiveModule, {
    logger: ['error'],
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'naive-consumer', brokers: brokers.split(',') },
      consumer: { groupId: `${topic}-naive` },
      subscribe: { fromBeginning: true },
    },
  });
  await app.listen();
  process.send?.('ready');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  // The benchmark forked us: if it dies (even killed or out of memory), do not linger.
  process.once('disconnect', () => void app.close().finally(() => process.exit(1)));
}

void main();
