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

  /**
   * One queue and one timer per direction: chunks leave in arrival order when due. (A timer per
   * chunk reordered them: timers due at the same millisecond fire in no guaranteed order, and the
   * reordered bytes crashed kafkajs's decoder in the gateway.)
   */
  private forward(from: Socket, to: Socket): void {
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    let last = 0;
    const drain = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].due <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, queue[0].due - Date.now());
      else if (ended) to.end();
    };
    from.on('data', (chunk: Buffer) => {
      last = Math.max(last, Date.now() + this.delayMs + (Math.random() * 2 - 1) * this.jitterMs);
      queue.push({ due: last, chunk });
      timer ??= setTimeout(drain, Math.max(0, last - Date.now()));
    });
    from.on('end', () => {
      ended = true;
      if (!timer) to.end();
    });
  }
}
