import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay that delays every chunk it forwards, in both directions, by `delayMs ± jitterMs`
 * (uniform), keeping the byte order (a chunk never overtakes the one before it). The kernel here
 * has no netem, so this stands in for `tc qdisc ... netem delay`; unlike netem it terminates TCP
 * on each side (the client's handshake, acknowledgements and retransmissions run against the relay
 * at full speed, only the payload waits), and jitter cannot reorder packets.
 */
export class DelayRelay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  delayMs = 0;
  jitterMs = 0;

  constructor(
    private readonly listen: { host: string; port: number },
    private readonly target: { host: string; port: number },
  ) {
    this.server = createServer((client) => this.pipe(client));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listen.port, this.listen.host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  private forward(from: Socket, to: Socket): void {
    let due = 0;
    from.on('data', (chunk) => {
      const wait = this.delayMs + (Math.random() * 2 - 1) * this.jitterMs;
      due = Math.max(due, Date.now() + wait);
      setTimeout(() => to.destroyed || to.write(chunk), due - Date.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, due - Date.now())));
  }
}
