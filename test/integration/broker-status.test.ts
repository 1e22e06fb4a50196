import { createServer, type Server } from 'node:net';
import { BrokerStatus, createKafka } from '@xietong/messaging';
import { brokers } from '@xietong/testing';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

// kafkajs connects a new client to the first configured broker. The health probe once made a single
// attempt, so a dead FIRST broker called the whole cluster down while the others served: in the
// cluster suite the relay then held every lead for minutes after the SIGKILL of node 1.
describe('BrokerStatus on a real broker', () => {
  const topic = `broker-status-${Date.now()}`;
  beforeAll(async () => {
    const admin = createKafka({ brokers: brokers().split(','), clientId: 'broker-status-test' }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
  });

  it('calls the cluster up when the first configured broker is down and another answers', async () => {
    const dead = `127.0.0.1:${await closedPort()}`;
    const lines: string[] = [];
    const status = new BrokerStatus({
      settings: { brokers: [dead, ...brokers().split(',')], clientId: 'broker-status-test' },
      topics: [topic],
      log: (level, message) => lines.push(`${level} ${message}`),
    });
    expect(await status.check()).toBeUndefined();
    expect(status.up).toBe(true);
    expect(lines.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('still calls it down when no configured broker answers (control)', async () => {
    const status = new BrokerStatus({
      settings: { brokers: [`127.0.0.1:${await closedPort()}`, `127.0.0.1:${await closedPort()}`], clientId: 'spec' },
      topics: [topic],
      log: () => undefined,
    });
    expect(await status.check()).toMatchObject({ fatal: false, reason: expect.stringContaining('cannot reach') });
    expect(status.up).toBe(false);
  });
});
