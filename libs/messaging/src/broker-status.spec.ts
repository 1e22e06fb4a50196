import { createServer, type Server } from 'node:net';
import { BrokerStatus } from './broker-status';
import { classifyKafkaFailure } from './kafka-client';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('BrokerStatus', () => {
  it('reports an unreachable cluster in one line naming KAFKA_BROKERS, then stays quiet within the interval', async () => {
    const port = await closedPort();
    const lines: string[] = [];
    const status = new BrokerStatus({
      settings: { brokers: [`127.0.0.1:${port}`], clientId: 'spec' },
      topics: ['t.inbox.341825'],
      log: (level, message) => lines.push(`${level} ${message}`),
    });
    const first = await status.check();
    const second = await status.check();
    expect(first).toMatchObject({ fatal: false, reason: expect.stringContaining('cannot reach the Kafka brokers') });
    expect(second?.fatal).toBe(false);
    expect(status.up).toBe(false);
    expect(status.state).toMatchObject({ status: 'down', reason: first!.reason });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error Kafka not usable \\(KAFKA_BROKERS=127\\.0\\.0\\.1:${port}\\)`));
    // While down, kafkajs's own lines are taken (counted), not printed.
    expect(status.absorb('kafka BrokerPool: Failed to connect to seed broker, trying another broker')).toBe(true);
    expect(status.absorb('kafka Producer: something else entirely')).toBe(true);
    expect(lines).toHaveLength(1);
  });

  it('answers whenUp only once the cluster is up', async () => {
    const status = new BrokerStatus({
      settings: { brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'spec' },
      topics: ['t'],
      log: () => undefined,
    });
    await status.check();
    let resolved = false;
    void status.whenUp().then(() => (resolved = true));
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
  });
});

describe('classifyKafkaFailure', () => {
  const settings = {
    brokers: ['k1:9092'],
    clientId: 'spec',
    security: { mechanism: 'scram-sha-512' as const, username: '341825', passwordFile: '/run/secrets/pw' },
  };

  it('stops the gateway for its own wrong settings: credentials, certificate, TLS', () => {
    const sasl = { type: 'SASL_AUTHENTICATION_FAILED', message: 'SASL SCRAM SHA512 authentication failed' };
    const cert = { code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' };
    const tls = { code: 'EPROTO', message: 'wrong version number' };
    for (const e of [sasl, cert, tls]) expect(classifyKafkaFailure(e, settings, ['t']).fatal).toBe(true);
  });

  it('runs degraded for what time or the zone operator fixes: unreachable brokers, missing topics or ACLs', () => {
    const down = { name: 'KafkaJSConnectionError', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' };
    const topics = { type: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'missing' };
    const acl = { type: 'TOPIC_AUTHORIZATION_FAILED', message: 'Not authorized to access topics' };
    for (const e of [down, topics, acl]) expect(classifyKafkaFailure(e, settings, ['t']).fatal).toBe(false);
    expect(classifyKafkaFailure(down, settings).reason).toMatch(/cannot reach the Kafka brokers k1:9092/);
  });
});
