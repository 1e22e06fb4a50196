import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { DelayRelay } from '../network/delay-relay';

/** A server that sends back everything it receives. */
async function echoServer(): Promise<Server> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe("the network suite's delaying TCP relay", () => {
  it('delays every chunk both ways and keeps the byte order under jitter (a reordered stream is no TCP)', async () => {
    const echo = await echoServer();
    const relayPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const relay = new DelayRelay(
      { host: '127.0.0.1', port: relayPort },
      { host: '127.0.0.1', port: (echo.address() as AddressInfo).port },
    );
    relay.delayMs = 20;
    relay.jitterMs = 20;
    await relay.start();
    try {
      const client = connect(relayPort, '127.0.0.1');
      await new Promise<void>((resolve) => client.once('connect', resolve));
      const sent: Buffer[] = [];
      const received: Buffer[] = [];
      client.on('data', (d: Buffer) => received.push(d));
      const started = Date.now();
      for (let i = 0; i < 300; i++) {
        const chunk = Buffer.from(`${String(i).padStart(4, '0')};`);
        sent.push(chunk);
        client.write(chunk);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      const expected = Buffer.concat(sent);
      const deadline = Date.now() + 10_000;
      while (Buffer.concat(received).length < expected.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(Buffer.concat(received).toString()).toBe(expected.toString());
      // Both directions waited at least 20 - 20 ms; on average 40 ms for the round trip.
      expect(Date.now() - started).toBeGreaterThanOrEqual(20);
      client.destroy();
    } finally {
      await relay.stop();
      echo.close();
    }
  });
});
