import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SsrfGuard } from './ssrf-guard';
import { postWebhook } from './webhook-sender';

describe('postWebhook and the SSRF guard', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      // /slow never answers.
      if (req.url !== '/slow') req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()));
  beforeEach(() => (hits = 0));

  it('refuses at connect time a host name that resolves to a loopback address (DNS checked as resolved)', async () => {
    const r = await postWebhook(`http://localhost:${port}/hook`, {}, '{}', {
      guard: new SsrfGuard([]),
      timeoutMs: 2_000,
    });
    expect(r.statusCode).toBeUndefined();
    expect(r.error).toMatch(/refused: .* not named in XIETONG_WEBHOOK_ALLOW_PRIVATE/);
    expect(hits).toBe(0);
  });

  it('refuses an IP literal before connecting, and posts once the allowlist names address and port', async () => {
    const refused = await postWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', {
      guard: new SsrfGuard([{ address: '127.0.0.1', port: port + 1 }]),
      timeoutMs: 2_000,
    });
    expect(refused.error).toMatch(/^refused: 127\.0\.0\.1 port/);
    const ok = await postWebhook(`http://127.0.0.1:${port}/hook`, { 'webhook-id': 'msg_1' }, '{}', {
      guard: new SsrfGuard([{ address: '127.0.0.0', bits: 8, port }]),
      timeoutMs: 2_000,
    });
    expect(ok).toMatchObject({ statusCode: 204 });
    expect(hits).toBe(1);
  });

  it('gives up after the timeout', async () => {
    const r = await postWebhook(`http://127.0.0.1:${port}/slow`, {}, '{}', {
      guard: new SsrfGuard([{ address: '127.0.0.1' }]),
      timeoutMs: 300,
    });
    expect(r.error).toBe('no response within 300 ms');
    expect(r.durationMs).toBeGreaterThanOrEqual(290);
  });

  it.each([
    ['169.254.169.254', 80],
    ['10.1.2.3', 443],
    ['172.16.5.4', 80],
    ['192.168.1.1', 80],
    ['::1', 8080],
    ['fe80::1', 80],
    ['fd00::1', 80],
    ['::ffff:127.0.0.1', 80],
    ['0.0.0.0', 80],
  ])('refuses %s by default', (address, p) => {
    expect(new SsrfGuard([]).refusal(address, p)).toMatch(/not named in XIETONG_WEBHOOK_ALLOW_PRIVATE/);
  });

  it('lets public addresses through', () => {
    expect(new SsrfGuard([]).refusal('93.184.216.34', 443)).toBeUndefined();
    expect(new SsrfGuard([]).refusal('2606:4700::1111', 443)).toBeUndefined();
  });
});
