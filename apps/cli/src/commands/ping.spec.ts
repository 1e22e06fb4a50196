import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const ID = '0b7c5a2e-8f3d-4a51-9c1e-2d4f6a8b0c1d';
const report = (over: Record<string, unknown>) => ({
  id: ID,
  to: '330100',
  state: 'queued',
  result: 'pending',
  queuedAt: '2026-12-07T10:00:00.000Z',
  publishedAt: null,
  receiptAt: null,
  roundTripMs: null,
  hop: 'relay',
  detail: 'queued in the outbox for our relay',
  reasonCode: null,
  ...over,
});

/** A gateway stand-in: answers the ping API from a script of reports, recording the requests. */
async function gateway(script: Record<string, unknown>[]): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  let step = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''} ${body}`);
      const answer = req.method === 'POST' ? report({}) : script[Math.min(step++, script.length - 1)];
      res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('xietong ping', () => {
  let g: Awaited<ReturnType<typeof gateway>> | undefined;
  afterEach(() => g?.server.close());

  it('reports the round trip of a ping the partner answered, exit 0', async () => {
    g = await gateway([
      report({ state: 'published', publishedAt: '2026-12-07T10:00:00.040Z', hop: 'partner' }),
      report({
        state: 'answered',
        result: 'ok',
        publishedAt: '2026-12-07T10:00:00.040Z',
        receiptAt: '2026-12-07T10:00:00.180Z',
        roundTripMs: 180,
        hop: null,
        detail: '330100 answered ACCEPTED',
      }),
    ]);
    const c = capture();
    expect(
      await runCli(['ping', '--gateway', g.url, '--to', '330100', '--token', 't0k', '--timeout', '2s'], c.io),
    ).toBe(0);
    expect(c.out.join('\n')).toMatch(/queued[\s\S]*published 2026-12-07T10:00:00.040Z[\s\S]*round trip 180 ms/);
    expect(g.seen[0]).toBe('POST /api/v1/pings Bearer t0k {"to":"330100"}');
    expect(g.seen[1]).toBe(`GET /api/v1/pings/${ID}?timeoutMs=2000 Bearer t0k `);
  });

  it('names the hop where a ping stalled and exits 1', async () => {
    g = await gateway([
      report({
        state: 'published',
        result: 'stalled',
        hop: 'partner',
        detail: 'published, but no receipt from 330100 within 500 ms',
      }),
    ]);
    const c = capture();
    expect(
      await runCli(['ping', '--gateway', g.url, '--to', '330100', '--token', 't', '--timeout', '500ms'], c.io),
    ).toBe(1);
    expect(c.err.join('\n')).toMatch(/stalled at the partner's inbound or gateway: published, but no receipt/);
  });

  it('names our relay when the ping never left the outbox', async () => {
    g = await gateway([report({ result: 'stalled', detail: 'not published: no relay of this gateway has taken it' })]);
    const c = capture();
    expect(await runCli(['ping', '--gateway', g.url, '--to', '330100', '--token', 't'], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/stalled at our relay: not published/);
  });

  it('exits 2 when the gateway cannot be reached, 1 on a bad member id or timeout', async () => {
    const down = capture();
    expect(await runCli(['ping', '--gateway', 'http://127.0.0.1:1', '--to', '330100', '--token', 't'], down.io)).toBe(
      2,
    );
    expect(down.err.join('\n')).toMatch(/cannot reach http:\/\/127.0.0.1:1/);
    const bad = capture();
    expect(await runCli(['ping', '--gateway', 'http://127.0.0.1:1', '--to', '33010'], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/expected a six-digit member id/);
    const slow = capture();
    expect(
      await runCli(['ping', '--gateway', 'http://127.0.0.1:1', '--to', '330100', '--timeout', '1h'], slow.io),
    ).toBe(1);
    expect(slow.err.join('\n')).toMatch(/expected a duration from 100ms to 10m/);
  });
});
