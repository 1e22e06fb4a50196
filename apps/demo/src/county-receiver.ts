import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * The demo's county case systems: one HTTP receiver on 127.0.0.1 with a path per agency
 * (`/county/<agencyId>`), verifying every webhook with the Standard Webhooks library and the
 * secret its gateway showed when the endpoint was added. Counts each `webhook-id` once.
 */
export class CountyReceiver {
  private readonly secrets = new Map<string, Webhook>();
  private readonly seen = new Set<string>();
  private server?: Server;
  delivered = 0;
  verified = 0;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        const wh = this.secrets.get(req.url ?? '');
        let ok: boolean;
        try {
          wh?.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
          ok = wh !== undefined;
        } catch {
          ok = false;
        }
        if (!this.seen.has(id)) {
          this.seen.add(id);
          this.delivered++;
          if (ok) this.verified++;
        }
        res.writeHead(ok ? 204 : 400).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Where agency `id`'s county system takes its webhooks, signed with `secret`. */
  url(id: string): string {
    return `http://127.0.0.1:${this.port}/county/${id}`;
  }

  accept(id: string, secret: string): void {
    this.secrets.set(`/county/${id}`, new Webhook(secret));
  }

  async close(): Promise<void> {
    const s = this.server;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections());
  }
}
